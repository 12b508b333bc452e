import Foundation
import VitalsCore

/// One observation of a stored reading as an uplink carries it: the natural key (device, reading natural key,
/// metric) and what a central store needs to read it without the hub.
public struct UplinkRow: Hashable, Sendable {
    /// The outbox seq of the reading this observation belongs to.
    public var seq: Int64
    public var deviceID: String
    public var naturalKey: String
    /// The metric key (`bp.systolic`, `glucose.interstitial`, …).
    public var metric: String
    public var kind: String
    public var subjectID: String
    public var mdc: Int64
    public var loinc: String?
    public var value: Double?
    public var state: String
    public var unit: String
    /// Milliseconds since 1970 (UTC).
    public var effectiveMs: Int64
    public var receivedMs: Int64
    public var grade: String
    public var flags: String

    public init(seq: Int64, deviceID: String, naturalKey: String, metric: String, kind: String, subjectID: String, mdc: Int64, loinc: String?,
                value: Double?, state: String, unit: String, effectiveMs: Int64, receivedMs: Int64, grade: String, flags: String) {
        (self.seq, self.deviceID, self.naturalKey, self.metric, self.kind, self.subjectID) = (seq, deviceID, naturalKey, metric, kind, subjectID)
        (self.mdc, self.loinc, self.value, self.state, self.unit) = (mdc, loinc, value, state, unit)
        (self.effectiveMs, self.receivedMs, self.grade, self.flags) = (effectiveMs, receivedMs, grade, flags)
    }
}

/// The outbox entries after a watermark, with the readings' observations as rows.
public struct OutboxBatch: Sendable {
    /// Outbox entries read (readings, alerts, waveform blocks).
    public var entries: Int
    /// The highest seq among them: the watermark once the batch is acknowledged. Nil when nothing was pending.
    public var lastSeq: Int64?
    /// One row per observation of each reading entry, in seq then ordinal order.
    public var rows: [UplinkRow]
    /// Entries that carry no reading rows (alert steps and waveform blocks, which this uplink does not send).
    public var skipped: Int
}

extension VitalsStore {
    /// This hub's id: random, made when the store was created (migration v9), stable for the life of the database.
    public func hubID() throws(StoreError) -> String {
        try statement("SELECT hub_id FROM hub_identity WHERE singleton = 1").query { $0.text(0) }.first ?? ""
    }

    /// The highest outbox seq `target` has acknowledged (0 when it has acknowledged nothing).
    public func uplinkAcknowledged(target: String) throws(StoreError) -> Int64 {
        try statement("SELECT acked_seq FROM uplink_acks WHERE target = ?").query([.text(target)]) { $0.int(0) }.first ?? 0
    }

    /// Records that `target` has committed everything up to and including outbox seq `seq` (never moves back), and,
    /// in the same transaction, the entries of that batch it refused for good (`parking`: kept out of its way, and
    /// from retention, with the reason).
    public func acknowledgeUplink(target: String, through seq: Int64, rows: Int, at: Date, parking: [UplinkParkedEntry] = []) throws(StoreError) {
        try transaction(.normal) { () throws(StoreError) in
            try statement("""
                INSERT INTO uplink_acks (target, acked_seq, rows_sent, acked_at) VALUES (?1, ?2, ?3, ?4)
                ON CONFLICT (target) DO UPDATE SET acked_seq = max(acked_seq, excluded.acked_seq),
                    rows_sent = rows_sent + excluded.rows_sent, acked_at = excluded.acked_at
                """).run([.text(target), .int(seq), .int(Int64(rows)), .int(Self.ms(at))])
            let park = try statement("""
                INSERT INTO uplink_parked (target, kind, ref, reason, parked_at) VALUES (?1, ?2, ?3, ?4, ?5)
                ON CONFLICT (target, kind, ref) DO UPDATE SET reason = excluded.reason, parked_at = excluded.parked_at
                """)
            for p in parking { try park.run([.text(target), .text(p.kind.rawValue), .text(p.ref), .text(p.reason), .int(Self.ms(at))]) }
        }
    }

    /// The entries uplinks refused for good (all targets, or one), oldest first.
    public func parkedUplinkEntries(target: String? = nil) throws(StoreError) -> [UplinkParkedEntry] {
        try statement("SELECT target, kind, ref, reason, parked_at FROM uplink_parked WHERE (?1 IS NULL OR target = ?1) ORDER BY parked_at, target, kind, ref")
            .query([target.map { .text($0) } ?? .null]) { row in
                UplinkParkedEntry(target: row.text(0), kind: UplinkParkedEntry.Kind(rawValue: row.text(1)) ?? .reading, ref: row.text(2),
                                  reason: row.text(3), parkedAt: Self.date(row.int(4)))
            }
    }

    /// Names `target` as an uplink of this hub before it has acknowledged anything (a row at seq 0; an existing row
    /// is left alone). Retention keeps everything a named uplink has not acknowledged, so an uplink that is
    /// configured but has not yet reached its server holds back deletion from its first moment.
    public func registerUplink(target: String, at: Date) throws(StoreError) {
        try transaction(.normal) { () throws(StoreError) in
            try statement("INSERT INTO uplink_acks (target, acked_seq, rows_sent, acked_at) VALUES (?1, 0, 0, ?2) ON CONFLICT (target) DO NOTHING")
                .run([.text(target), .int(Self.ms(at))])
        }
    }

    /// How many outbox entries are after `seq` (what an uplink still has to send).
    public func outboxPending(after seq: Int64) throws(StoreError) -> Int {
        Int(try statement("SELECT count(*) FROM outbox WHERE seq > ?").query([.int(seq)]) { $0.int(0) }.first ?? 0)
    }

    /// Up to `limit` outbox entries after `seq`, in seq order, with each reading entry's observations as rows.
    /// The outbox row is written in the same transaction as what it refers to, and its seq only grows
    /// (AUTOINCREMENT, one writer), so "after seq" never misses a committed entry.
    public func outbox(after seq: Int64, limit: Int) throws(StoreError) -> OutboxBatch {
        var batch = OutboxBatch(entries: 0, lastSeq: nil, rows: [], skipped: 0)
        batch.rows.reserveCapacity(limit * 2)
        var lastEntry: Int64 = -1
        _ = try statement("""
            SELECT o.seq, r.id, r.device_id, r.natural_key, ob.metric, r.kind, r.subject_id, ob.mdc_code, ob.loinc, ob.value, ob.state,
                   ob.unit, r.effective_at, r.received_at, r.grade, r.flags
            FROM (SELECT seq, kind, ref FROM outbox WHERE seq > ?1 ORDER BY seq LIMIT ?2) o
            LEFT JOIN readings r ON o.kind = 'reading' AND r.id = CAST(o.ref AS INTEGER)
            LEFT JOIN observations ob ON ob.reading_id = r.id
            ORDER BY o.seq, ob.ordinal
            """).query([.int(seq), .int(Int64(limit))]) { (row: Row) -> Void in
                let s = row.int(0)
                if s != lastEntry {
                    lastEntry = s
                    batch.entries += 1
                    batch.lastSeq = s
                    if row.isNull(1) || row.isNull(4) { batch.skipped += 1 }
                }
                guard !row.isNull(4) else { return }
                batch.rows.append(UplinkRow(
                    seq: s, deviceID: row.text(2), naturalKey: row.text(3), metric: row.text(4), kind: row.text(5), subjectID: row.text(6),
                    mdc: row.int(7), loinc: row.optText(8), value: row.optDouble(9), state: row.text(10), unit: row.text(11),
                    effectiveMs: row.int(12), receivedMs: row.int(13), grade: row.text(14), flags: row.text(15)))
            }
        return batch
    }
}

/// The outbox entries after a watermark as whole records: what a FHIR uplink turns into a transaction Bundle.
public struct OutboxRecords: Sendable {
    /// Outbox entries read (readings, alerts, waveform blocks).
    public var entries: Int
    /// The highest seq among them: the watermark once they are acknowledged. Nil when nothing was pending.
    public var lastSeq: Int64?
    /// The reading entries' readings, with their observations, in seq order.
    public var readings: [StoredReading]
    /// The waveform entries' blocks, decoded, in seq order.
    public var blocks: [VitalsStore.StoredWaveformBlock]
    /// Entries carried by neither (alert steps; an entry whose record is gone).
    public var skipped: Int
}

extension VitalsStore {
    /// Up to `limit` outbox entries after `seq`, in seq order, read as whole readings and waveform blocks.
    public func outboxRecords(after seq: Int64, limit: Int) throws(StoreError) -> OutboxRecords {
        let entries = try statement("SELECT seq, kind, ref FROM outbox WHERE seq > ?1 ORDER BY seq LIMIT ?2")
            .query([.int(seq), .int(Int64(limit))]) { (seq: $0.int(0), kind: $0.text(1), ref: $0.text(2)) }
        var out = OutboxRecords(entries: entries.count, lastSeq: entries.last?.seq, readings: [], blocks: [], skipped: 0)
        let reading = try statement("SELECT \(Self.readingColumns) FROM readings r JOIN raw_frames f ON f.id = r.raw_frame_id WHERE r.id = ?")
        let block = try statement("SELECT \(Self.blockColumns) FROM waveform_blocks WHERE id = ?")
        for e in entries {
            guard let id = Int64(e.ref) else { out.skipped += 1; continue }
            switch e.kind {
            case "reading":
                if let r = try reading.query([.int(id)], Self.storedReading).first { out.readings.append(r) } else { out.skipped += 1 }
            case "waveform":
                if let r = try block.query([.int(id)], Self.undecodedBlock).first { out.blocks.append(try Self.decoded(r)) } else { out.skipped += 1 }
            default:
                out.skipped += 1
            }
        }
        out.readings = try withObservations(out.readings)
        return out
    }
}

/// An outbox entry an uplink's far side refused for good: acknowledged with its batch so the uplink goes on, recorded
/// with why, and kept from retention.
public struct UplinkParkedEntry: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable { case reading, waveform }
    public var target: String
    public var kind: Kind
    /// The reading's or waveform block's id.
    public var ref: String
    /// The far side's answer, without anything the entry carried (no values, no patient references).
    public var reason: String
    public var parkedAt: Date

    public init(target: String = "", kind: Kind, ref: String, reason: String, parkedAt: Date = Date(timeIntervalSince1970: 0)) {
        (self.target, self.kind, self.ref, self.reason, self.parkedAt) = (target, kind, ref, reason, parkedAt)
    }
}
