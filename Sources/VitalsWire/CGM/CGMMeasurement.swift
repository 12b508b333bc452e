/// Sensor Status Annunciation of the Continuous Glucose Monitoring Service: a 24-bit field whose octets
/// are, from least to most significant, the Status-Octet (bits 0–7), the Cal/Temp-Octet (bits 8–15) and
/// the Warning-Octet (bits 16–23).
///
/// In a CGM Measurement record only the octets the Flags announce are sent, in that order (least
/// significant first): Status-Octet (flag bit 7), then Cal/Temp-Octet (flag bit 6), then Warning-Octet
/// (flag bit 5). The order on the wire is therefore the reverse of the flag bit order. CGM Status (0x2AA9)
/// always sends all three octets, as a 24-bit little-endian value.
public struct CGMSensorStatusAnnunciation: Hashable, Sendable {
    /// Status-Octet, nil when the record does not carry it.
    public var status: UInt8?
    /// Cal/Temp-Octet, nil when the record does not carry it.
    public var calTemp: UInt8?
    /// Warning-Octet, nil when the record does not carry it.
    public var warning: UInt8?

    public init(status: UInt8? = nil, calTemp: UInt8? = nil, warning: UInt8? = nil) {
        self.status = status
        self.calTemp = calTemp
        self.warning = warning
    }

    /// From the 24-bit form (all three octets present).
    public init(rawValue: UInt32) {
        status = UInt8(rawValue & 0xFF)
        calTemp = UInt8((rawValue >> 8) & 0xFF)
        warning = UInt8((rawValue >> 16) & 0xFF)
    }

    /// The 24-bit form; an absent octet counts as zero.
    public var rawValue: UInt32 {
        UInt32(status ?? 0) | UInt32(calTemp ?? 0) << 8 | UInt32(warning ?? 0) << 16
    }

    /// No octet is present.
    public var isAbsent: Bool { status == nil && calTemp == nil && warning == nil }

    /// Bit number in the 24-bit field → specification name. Bits 6–7 and 14–15 are reserved.
    public static let bitNames: [(Int, String)] = [
        // Status-Octet
        (0, "Session Stopped"),
        (1, "Device Battery Low"),
        (2, "Sensor type incorrect for device"),
        (3, "Sensor malfunction"),
        (4, "Device Specific Alert"),
        (5, "General device fault has occurred in the sensor"),
        // Cal/Temp-Octet
        (8, "Time synchronization between sensor and collector required"),
        (9, "Calibration not allowed"),
        (10, "Calibration recommended"),
        (11, "Calibration required"),
        (12, "Sensor Temperature too high for valid test/result at time of measurement"),
        (13, "Sensor temperature too low for valid test/result at time of measurement"),
        // Warning-Octet
        (16, "Sensor result lower than the Patient Low level"),
        (17, "Sensor result higher than the Patient High level"),
        (18, "Sensor result lower than the Hypo level"),
        (19, "Sensor result higher than the Hyper level"),
        (20, "Sensor Rate of Decrease exceeded"),
        (21, "Sensor Rate of Increase exceeded"),
        (22, "Sensor result lower than the device can process"),
        (23, "Sensor result higher than the device can process"),
    ]

    public func isSet(_ bit: Int) -> Bool { rawValue & (1 << UInt32(bit)) != 0 }

    /// Names of the set bits in bit order; a set reserved bit appears as `Reserved (bit N)`.
    public var setNames: [String] {
        (0..<24).filter { isSet($0) }.map { bit in
            Self.bitNames.first { $0.0 == bit }?.1 ?? "Reserved (bit \(bit))"
        }
    }

    public var json: JSONValue {
        var o: [(String, JSONValue)] = []
        if let status { o.append(("statusOctet", .int(Int64(status)))) }
        if let calTemp { o.append(("calTempOctet", .int(Int64(calTemp)))) }
        if let warning { o.append(("warningOctet", .int(Int64(warning)))) }
        o.append(("set", .array(setNames.map { .string($0) })))
        return .object(o)
    }
}

/// One CGM Measurement record (characteristic 0x2AA7), Continuous Glucose Monitoring Service 1.0 §3.1,
/// sent by notification. One notification may carry several records back to back; use
/// `decodeRecords(bytes:crcExpected:)` for a whole notification.
///
/// Record layout (little-endian): Size uint8 (the whole record, itself and any E2E-CRC included, at least
/// 6); Flags uint8; CGM Glucose Concentration SFLOAT (mg/dL); Time Offset uint16 (minutes since the
/// session start); then, as flagged, the Sensor Status Annunciation octets (Status, Cal/Temp, Warning —
/// see `CGMSensorStatusAnnunciation`), CGM Trend Information SFLOAT ((mg/dL)/min, flag bit 0), CGM Quality
/// SFLOAT (%, flag bit 1); and last the E2E-CRC uint16 when CGM Feature says E2E-CRC is supported. The
/// CRC (CRC-16/MCRF4XX) covers every earlier byte of the record, Size included.
public struct CGMMeasurement: Hashable, Sendable, WireDescribable, E2ECRCProtectedValue {
    public static let uuid = BluetoothUUID(0x2AA7)
    public static let entity = "CGM Measurement (0x2AA7)"
    /// Size, Flags, Glucose Concentration and Time Offset.
    public static let minimumSize = 6

    /// CGM Glucose Concentration, mg/dL.
    public var glucoseConcentration: SFloat
    /// Time Offset, minutes since the Session Start Time.
    public var timeOffsetMinutes: UInt16
    /// The annunciation octets the record carries (none when all are nil).
    public var sensorStatus: CGMSensorStatusAnnunciation
    /// CGM Trend Information, (mg/dL)/min.
    public var trend: SFloat?
    /// CGM Quality, %.
    public var quality: SFloat?
    /// Whether the record ends with an E2E-CRC. A decoded record's CRC has been checked; `encoded()`
    /// computes it afresh.
    public var hasE2ECRC: Bool
    /// Flag bits 2–4, reserved; kept so a re-encode is byte-identical.
    public var reservedFlags: UInt8 = 0

    public init(
        glucoseConcentration: SFloat, timeOffsetMinutes: UInt16,
        sensorStatus: CGMSensorStatusAnnunciation = CGMSensorStatusAnnunciation(), trend: SFloat? = nil,
        quality: SFloat? = nil, hasE2ECRC: Bool = false
    ) {
        self.glucoseConcentration = glucoseConcentration
        self.timeOffsetMinutes = timeOffsetMinutes
        self.sensorStatus = sensorStatus
        self.trend = trend
        self.quality = quality
        self.hasE2ECRC = hasE2ECRC
    }


    public init(bytes: [UInt8], presence: E2ECRCPresence) throws(WireError) {
        let (record, end) = try Self.decodeRecord(in: bytes, at: 0, presence: presence)
        if end < bytes.count {
            throw ByteReader(bytes, entity: Self.entity).error(
                "(after record)", .trailingBytes(bytes.count - end), at: end)
        }
        self = record
    }

    /// Decodes every record of one notification. Error offsets count from the start of the notification.
    /// A record whose E2E-CRC does not match throws a `WireError` for the field `E2E-CRC` at that CRC's
    /// offset, so the caller can flag the notification and go on with the next one.
    public static func decodeRecords(bytes: [UInt8], crcExpected: Bool) throws(WireError) -> [CGMMeasurement] {
        let presence = E2ECRCPresence(expected: crcExpected)
        guard !bytes.isEmpty else {
            throw ByteReader(bytes, entity: entity).error("Size", .truncated(needed: 1, available: 0))
        }
        var records: [CGMMeasurement] = []
        var start = 0
        while start < bytes.count {
            let (record, end) = try decodeRecord(in: bytes, at: start, presence: presence)
            records.append(record)
            start = end
        }
        return records
    }

    /// Decodes the record that starts at `start`; returns it and the offset just past it.
    private static func decodeRecord(
        in bytes: [UInt8], at start: Int, presence: E2ECRCPresence
    ) throws(WireError) -> (CGMMeasurement, Int) {
        var head = ByteReader(bytes, entity: entity, from: start)
        let size = Int(try head.u8("Size"))
        guard size >= minimumSize else {
            throw head.error("Size", .invalidValue("\(size) is below the minimum record size of \(minimumSize)"), at: start)
        }
        let end = start + size
        // The record's fields may not run past its Size. A reader that ends there reports a notification
        // cut short as truncation of the field it cuts, and a Size too small for the Flags as a bad Size.
        let wholeRecordPresent = end <= bytes.count
        var r = ByteReader(Array(bytes[0..<min(end, bytes.count)]), entity: entity, from: start + 1)
        func sizeError(_ fieldsEnd: Int, crc: Bool) -> WireError {
            let fields = fieldsEnd - start
            return r.error(
                "Size",
                .invalidValue("\(size), but the Flags announce \(fields) octets\(crc ? " plus a 2-octet E2E-CRC" : "")"),
                at: start)
        }

        var m = CGMMeasurement(glucoseConcentration: .nan, timeOffsetMinutes: 0)
        let flags: UInt8
        do throws(WireError) {
            flags = try r.u8("Flags")
            m.reservedFlags = flags & 0x1C
            m.glucoseConcentration = try r.sfloat("CGM Glucose Concentration")
            m.timeOffsetMinutes = try r.u16le("Time Offset")
            if flags & 0x80 != 0 { m.sensorStatus.status = try r.u8("Sensor Status Annunciation.Status-Octet") }
            if flags & 0x40 != 0 { m.sensorStatus.calTemp = try r.u8("Sensor Status Annunciation.Cal/Temp-Octet") }
            if flags & 0x20 != 0 { m.sensorStatus.warning = try r.u8("Sensor Status Annunciation.Warning-Octet") }
            if flags & 0x01 != 0 { m.trend = try r.sfloat("CGM Trend Information") }
            if flags & 0x02 != 0 { m.quality = try r.sfloat("CGM Quality") }
        } catch {
            if wholeRecordPresent && error.reason.isTruncation {
                throw sizeError(fieldsEndIfComplete(flags: bytes[start + 1], start: start), crc: false)
            }
            throw error
        }

        let fieldsEnd = r.offset
        let left = end - fieldsEnd
        switch presence {
        case .inferred:
            guard left == 0 || left == 2 else { throw sizeError(fieldsEnd, crc: false) }
            m.hasE2ECRC = left == 2
        case .expected:
            guard left == 2 else { throw sizeError(fieldsEnd, crc: true) }
            m.hasE2ECRC = true
        case .absent:
            guard left == 0 else { throw sizeError(fieldsEnd, crc: false) }
            m.hasE2ECRC = false
        }
        if m.hasE2ECRC { _ = try r.e2eCRC(coveringFrom: start) }
        return (m, end)
    }

    /// Where the fields would end for these Flags (used only to word a bad-Size error).
    private static func fieldsEndIfComplete(flags: UInt8, start: Int) -> Int {
        start + minimumSize + optionalFieldsLength(flags: flags)
    }

    private static func optionalFieldsLength(flags: UInt8) -> Int {
        var n = 0
        for bit: UInt8 in [0x20, 0x40, 0x80] where flags & bit != 0 { n += 1 }
        if flags & 0x01 != 0 { n += 2 }
        if flags & 0x02 != 0 { n += 2 }
        return n
    }

    public var flags: UInt8 {
        var f = reservedFlags
        if trend != nil { f |= 0x01 }
        if quality != nil { f |= 0x02 }
        if sensorStatus.warning != nil { f |= 0x20 }
        if sensorStatus.calTemp != nil { f |= 0x40 }
        if sensorStatus.status != nil { f |= 0x80 }
        return f
    }

    /// The Size field: the whole record in octets.
    public var size: UInt8 {
        UInt8(Self.minimumSize + Self.optionalFieldsLength(flags: flags) + (hasE2ECRC ? 2 : 0))
    }

    public func encoded() -> [UInt8] {
        var w = ByteWriter()
        w.u8(size)
        w.u8(flags)
        w.sfloat(glucoseConcentration)
        w.u16le(timeOffsetMinutes)
        if let s = sensorStatus.status { w.u8(s) }
        if let c = sensorStatus.calTemp { w.u8(c) }
        if let wa = sensorStatus.warning { w.u8(wa) }
        if let trend { w.sfloat(trend) }
        if let quality { w.sfloat(quality) }
        if hasE2ECRC { w.e2eCRC() }
        return w.bytes
    }

    /// Several records as one notification value.
    public static func encode(records: [CGMMeasurement]) -> [UInt8] { records.flatMap { $0.encoded() } }

    /// The E2E-CRC this record carries, nil without one.
    public var e2eCRC: UInt16? {
        guard hasE2ECRC else { return nil }
        let b = encoded()
        return UInt16(b[b.count - 2]) | UInt16(b[b.count - 1]) << 8
    }

    public var json: JSONValue {
        var o: [(String, JSONValue)] = [
            ("characteristic", .string("0x2AA7")),
            ("name", .string("CGM Measurement")),
            ("size", .int(Int64(size))),
            (
                "flags",
                .object([
                    ("raw", .int(Int64(flags))),
                    ("cgmTrendInformationPresent", .bool(trend != nil)),
                    ("cgmQualityPresent", .bool(quality != nil)),
                    ("warningOctetPresent", .bool(sensorStatus.warning != nil)),
                    ("calTempOctetPresent", .bool(sensorStatus.calTemp != nil)),
                    ("statusOctetPresent", .bool(sensorStatus.status != nil)),
                ])
            ),
            ("cgmGlucoseConcentration", glucoseConcentration.json),
            ("cgmGlucoseConcentrationUnit", .string("mg/dL")),
            ("timeOffset", .int(Int64(timeOffsetMinutes))),
            ("timeOffsetUnit", .string("min")),
        ]
        if !sensorStatus.isAbsent { o.append(("sensorStatusAnnunciation", sensorStatus.json)) }
        if let trend {
            o.append(("cgmTrendInformation", trend.json))
            o.append(("cgmTrendInformationUnit", .string("mg/dL/min")))
        }
        if let quality {
            o.append(("cgmQuality", quality.json))
            o.append(("cgmQualityUnit", .string("%")))
        }
        if let e2eCRC { o.append(("e2eCRC", .string(CRC16MCRF4XX.hex(e2eCRC)))) }
        return .object(o)
    }
}

extension ByteReader {
    /// A reader whose next read is at `start` (error offsets stay relative to the start of `bytes`).
    fileprivate init(_ bytes: [UInt8], entity: String, from start: Int) {
        self.init(bytes, entity: entity)
        if start > 0 { _ = try? self.bytes(min(start, bytes.count), "") }
    }
}
