/// Current Time characteristic (0x2A2B), Current Time Service 1.1 §3.1 and the GATT Specification Supplement.
///
/// Layout (little-endian, 10 bytes): Exact Time 256 = Day Date Time (Date Time: year uint16, month, day, hours,
/// minutes, seconds; then Day of Week uint8) + Fractions256 (uint8, 1/256 s); then Adjust Reason (uint8).
///
/// Day of Week: 0 not known, 1 Monday … 7 Sunday; 8–255 reserved. Adjust Reason bits: 0 Manual time update,
/// 1 External reference time update, 2 Change of time zone, 3 Change of DST (daylight savings time); bits 4–7
/// reserved. The time is the server's local time; this characteristic carries no zone.
public struct CurrentTime: Hashable, Sendable, WireDescribable {
    public static let uuid = BluetoothUUID(0x2A2B)
    public static let entity = "Current Time (0x2A2B)"

    /// Adjust Reason: why the time last changed.
    public struct AdjustReason: OptionSet, Hashable, Sendable {
        public var rawValue: UInt8
        public init(rawValue: UInt8) { self.rawValue = rawValue }

        public static let manualTimeUpdate = Self(rawValue: 0x01)
        public static let externalReferenceTimeUpdate = Self(rawValue: 0x02)
        public static let changeOfTimeZone = Self(rawValue: 0x04)
        public static let changeOfDST = Self(rawValue: 0x08)

        public static let namedBits: [(bit: Int, key: String, name: String)] = [
            (0, "manualTimeUpdate", "Manual time update"),
            (1, "externalReferenceTimeUpdate", "External reference time update"),
            (2, "changeOfTimeZone", "Change of time zone"),
            (3, "changeOfDST", "Change of DST (daylight savings time)"),
        ]

        /// Bits 4–7, reserved for future use.
        public var reservedBits: UInt8 { rawValue & 0xF0 }

        public var setNames: [String] {
            Self.namedBits.filter { rawValue & (1 << UInt8($0.bit)) != 0 }.map(\.name)
        }
    }

    public var dateTime: BLEDateTime
    /// 0 = not known, 1 = Monday … 7 = Sunday.
    public var dayOfWeek: UInt8
    /// Fractions of a second in units of 1/256 s.
    public var fractions256: UInt8
    public var adjustReason: AdjustReason

    public init(dateTime: BLEDateTime, dayOfWeek: UInt8, fractions256: UInt8 = 0, adjustReason: AdjustReason = []) {
        self.dateTime = dateTime
        self.dayOfWeek = dayOfWeek
        self.fractions256 = fractions256
        self.adjustReason = adjustReason
    }

    public init(bytes: [UInt8]) throws(WireError) {
        var r = ByteReader(bytes, entity: Self.entity)
        dateTime = try BLEDateTime(from: &r, field: "Exact Time 256.Day Date Time.Date Time")
        dayOfWeek = try r.u8("Exact Time 256.Day Date Time.Day of Week")
        fractions256 = try r.u8("Exact Time 256.Fractions256")
        adjustReason = AdjustReason(rawValue: try r.u8("Adjust Reason"))
        try r.expectEnd(after: "Adjust Reason")
    }

    public func encoded() -> [UInt8] {
        var w = ByteWriter()
        dateTime.encode(into: &w)
        w.u8(dayOfWeek)
        w.u8(fractions256)
        w.u8(adjustReason.rawValue)
        return w.bytes
    }

    /// The fraction of the second, 0 ..< 1.
    public var fractionOfSecond: Double { Double(fractions256) / 256.0 }

    public var dayOfWeekName: String {
        switch dayOfWeek {
        case 0: "Day of week is not known"
        case 1: "Monday"
        case 2: "Tuesday"
        case 3: "Wednesday"
        case 4: "Thursday"
        case 5: "Friday"
        case 6: "Saturday"
        case 7: "Sunday"
        default: "Reserved (\(dayOfWeek))"
        }
    }

    /// ISO 8601 local time with milliseconds and no zone, e.g. `2025-03-14T09:26:53.500`;
    /// nil when the Date Time is not valid (e.g. year 0, "not known").
    public var isoString: String? {
        guard dateTime.isValid else { return nil }
        let ms = Int((Double(fractions256) * 1000.0 / 256.0).rounded())
        let s = String(ms)
        return dateTime.description + "." + String(repeating: "0", count: 3 - s.count) + s
    }

    public var json: JSONValue {
        .object([
            ("characteristic", .string("0x2A2B")),
            ("name", .string("Current Time")),
            ("currentTime", isoString.map { .string($0) } ?? dateTime.json),
            (
                "exactTime256",
                .object([
                    ("dateTime", dateTime.json),
                    ("dayOfWeek", .object([("raw", .int(Int64(dayOfWeek))), ("name", .string(dayOfWeekName))])),
                    ("fractions256", .int(Int64(fractions256))),
                    ("fractionOfSecond", .number(fractionOfSecond)),
                    ("fractionOfSecondUnit", .string("s")),
                ])
            ),
            (
                "adjustReason",
                .object(
                    [("raw", .int(Int64(adjustReason.rawValue)))]
                        + AdjustReason.namedBits.map { ($0.key, .bool(adjustReason.rawValue & (1 << UInt8($0.bit)) != 0)) }
                        + [("set", .array(adjustReason.setNames.map { .string($0) }))])
            ),
        ])
    }
}
