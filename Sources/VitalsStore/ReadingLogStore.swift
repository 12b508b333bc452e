import Foundation
import VitalsCore

/// The readings table read as a log, in the order readings were stored (row id): what the analytics stage has
/// not yet seen when it starts, rebuilt as `Reading`s. The analytics stage saves its state with the row id of the
/// last reading it had taken in; after a crash it takes in again the readings stored after that, so a reading that
/// was stored and acknowledged but whose alert steps were not yet saved still gets them.
extension VitalsStore {
    /// A reading as stored, with its row id.
    public struct LoggedReading: Sendable, Hashable {
        public var id: Int64
        public var reading: Reading
    }

    /// Up to `limit` readings stored after row id `id`, in row-id order. The device identity comes from the devices
    /// table; the observations in the order the device sent them; the natural key as stored (`Reading.storedKey`).
    /// A row this build cannot read back as a reading (a kind it does not know) is returned as nil beside its id, so a
    /// caller still moves past it.
    public func readings(after id: Int64, limit: Int = 500) throws(StoreError) -> [(id: Int64, reading: Reading?)] {
        let rows = try statement("""
            SELECT r.id, r.device_id, r.subject_id, r.kind, r.natural_key, r.sequence, r.effective_at, r.received_at, r.grade, r.flags,
                   r.device_user, f.source, f.bytes, d.transport, d.address, d.profile_id, d.manufacturer, d.model, d.serial
            FROM readings r JOIN raw_frames f ON f.id = r.raw_frame_id JOIN devices d ON d.id = r.device_id
            WHERE r.id > ?1 ORDER BY r.id LIMIT ?2
            """).query([.int(id), .int(Int64(max(1, limit)))]) { row -> (Int64, Reading?) in
                let rowID = row.int(0)
                guard let kind = ReadingKind(rawValue: row.text(3)), let transport = TransportKind(rawValue: row.text(13)) else { return (rowID, nil) }
                var device = DeviceIdentity(transport: transport, address: row.text(14), profileID: row.optText(15), manufacturer: row.optText(16),
                                            model: row.optText(17), serial: row.optText(18))
                device.id = DeviceID(rawValue: row.text(1))
                var r = Reading(
                    subject: SubjectID(row.text(2)), device: device, kind: kind, observations: [], effectiveTime: Self.date(row.int(6)),
                    deviceTime: nil, receivedTime: Self.date(row.int(7)), sequence: row.optInt(5).map { UInt32(truncatingIfNeeded: $0) },
                    flags: Set(row.text(9).split(separator: " ").map { QualityFlag(String($0)) }),
                    grade: DeviceGrade(rawValue: row.text(8)) ?? .unverified, raw: RawFrame(source: row.text(11), bytes: row.blob(12)))
                r.storedKey = row.text(4)
                r.storedID = rowID
                r.deviceUser = row.optInt(10).map { UInt8(truncatingIfNeeded: $0) }
                return (rowID, r)
            }
        let observations = try statement(Self.observationRowsSQL)
        return try rows.map { (row: (Int64, Reading?)) throws(StoreError) -> (id: Int64, reading: Reading?) in
            guard var r = row.1 else { return (row.0, nil) }
            r.observations = try observations.query([.int(row.0)]) { o in
                let key = o.text(1)
                let metric = Metric.catalogue[key] ?? Metric(key: key, mdc: UInt32(truncatingIfNeeded: o.int(0)), mdcName: "", loinc: o.optText(2), name: key)
                return Observation(metric: metric, value: o.optDouble(3), state: ValueState(rawValue: o.text(4)) ?? .reserved,
                                   unit: UCUMUnit.named(o.text(5)) ?? UCUMUnit(code: o.text(5)),
                                   wire: WireValue(encoding: o.text(6), bits: UInt64(bitPattern: o.int(7)), unit: o.text(8)))
            }
            return (row.0, r)
        }
    }

    /// The row id a reading is stored under (device, kind and natural key), or nil when it is not stored.
    public func readingID(of r: Reading) throws(StoreError) -> Int64? {
        try statement("SELECT id FROM readings WHERE device_id = ? AND kind = ? AND natural_key = ?")
            .query([.text(r.device.id.rawValue), .text(r.kind.rawValue), .text(r.naturalKey)]) { $0.int(0) }.first
    }

    /// The highest reading row id stored (0 when there are none).
    public func lastReadingID() throws(StoreError) -> Int64 {
        try statement(Self.newestReadingSQL).query([]) { $0.int(0) }.first ?? 0
    }
}
