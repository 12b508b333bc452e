/// CGM Session Start Time characteristic (0x2AAA), Continuous Glucose Monitoring Service 1.0 §3.4, read
/// and written by the collector.
///
/// Layout (little-endian): Session Start Time (Date Time, 7 octets, local time); Time Zone (sint8, offset
/// from UTC in 15-minute steps, -48…+56, -128 = not known); DST Offset (uint8: 0 standard time, 2 +0.5 h,
/// 4 +1 h, 8 +2 h, 255 not known); E2E-CRC (uint16) when CGM Feature says E2E-CRC is supported.
/// The UTC offset of the local time is Time Zone + DST Offset.
public struct CGMSessionStartTime: Hashable, Sendable, WireDescribable, E2ECRCProtectedValue {
    public static let uuid = BluetoothUUID(0x2AAA)
    public static let entity = "CGM Session Start Time (0x2AAA)"
    public static let timeZoneNotKnown: Int8 = -128
    public static let dstOffsetNotKnown: UInt8 = 255

    public var sessionStartTime: BLEDateTime
    /// Time Zone as sent: 15-minute steps from UTC, -128 = not known.
    public var timeZone: Int8
    /// DST Offset as sent: 0, 2, 4, 8, or 255 = not known.
    public var dstOffset: UInt8
    /// Whether an E2E-CRC follows. A decoded value's CRC has been checked; `encoded()` computes it afresh.
    public var hasE2ECRC: Bool

    public init(sessionStartTime: BLEDateTime, timeZone: Int8, dstOffset: UInt8, hasE2ECRC: Bool = false) {
        self.sessionStartTime = sessionStartTime
        self.timeZone = timeZone
        self.dstOffset = dstOffset
        self.hasE2ECRC = hasE2ECRC
    }


    public init(bytes: [UInt8], presence: E2ECRCPresence) throws(WireError) {
        var r = ByteReader(bytes, entity: Self.entity)
        sessionStartTime = try BLEDateTime(from: &r, field: "Session Start Time")
        timeZone = try r.i8("Time Zone")
        dstOffset = try r.u8("DST Offset")
        hasE2ECRC = try r.trailingE2ECRC(presence, after: "DST Offset")
    }

    /// Minutes east of UTC, nil when not known or outside -48…+56 steps.
    public var timeZoneMinutes: Int? {
        guard (-48...56).contains(timeZone) else { return nil }
        return Int(timeZone) * 15
    }

    /// Daylight saving minutes, nil when not known or a reserved value.
    public var dstOffsetMinutes: Int? {
        switch dstOffset {
        case 0: 0
        case 2: 30
        case 4: 60
        case 8: 120
        default: nil
        }
    }

    /// Offset of the local Session Start Time from UTC, when both parts are known.
    public var utcOffsetMinutes: Int? {
        guard let tz = timeZoneMinutes, let dst = dstOffsetMinutes else { return nil }
        return tz + dst
    }

    /// ISO 8601: the local time with its UTC offset (`2025-03-14T08:00:00+01:00`), or without one when
    /// the offset is not known.
    public var iso8601: String {
        guard let off = utcOffsetMinutes else { return sessionStartTime.description }
        if off == 0 { return sessionStartTime.description + "Z" }
        let sign = off < 0 ? "-" : "+"
        let h = abs(off) / 60
        let m = abs(off) % 60
        return sessionStartTime.description + sign + (h < 10 ? "0" : "") + String(h) + ":" + (m < 10 ? "0" : "")
            + String(m)
    }

    public var dstOffsetDescription: String {
        switch dstOffset {
        case 0: "Standard Time"
        case 2: "Half an hour Daylight Time (+0.5h)"
        case 4: "Daylight Time (+1h)"
        case 8: "Double Daylight Time (+2h)"
        case 255: "DST is not known"
        default: "Reserved (\(dstOffset))"
        }
    }

    public func encoded() -> [UInt8] {
        var w = ByteWriter()
        sessionStartTime.encode(into: &w)
        w.i8(timeZone)
        w.u8(dstOffset)
        if hasE2ECRC { w.e2eCRC() }
        return w.bytes
    }

    public var json: JSONValue {
        let tz: JSONValue =
            if let m = timeZoneMinutes {
                .object([("raw", .int(Int64(timeZone))), ("minutes", .int(Int64(m)))])
            } else {
                .object([
                    ("raw", .int(Int64(timeZone))),
                    ("name", .string(timeZone == Self.timeZoneNotKnown ? "Time zone offset is not known" : "Reserved (\(timeZone))")),
                ])
            }
        var dst: [(String, JSONValue)] = [("raw", .int(Int64(dstOffset))), ("name", .string(dstOffsetDescription))]
        if let m = dstOffsetMinutes { dst.append(("minutes", .int(Int64(m)))) }
        var o: [(String, JSONValue)] = [
            ("characteristic", .string("0x2AAA")),
            ("name", .string("CGM Session Start Time")),
            ("sessionStartTime", sessionStartTime.isValid ? .string(iso8601) : sessionStartTime.json),
            ("timeZone", tz),
            ("dstOffset", .object(dst)),
        ]
        if hasE2ECRC {
            let b = encoded()
            o.append(("e2eCRC", .string(CRC16MCRF4XX.hex(UInt16(b[9]) | UInt16(b[10]) << 8))))
        }
        return .object(o)
    }
}
