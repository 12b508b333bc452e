/// Glucose Feature characteristic (0x2A51): which sensor conditions the meter can report.
public struct GlucoseFeature: Hashable, Sendable, WireDescribable {
    public static let uuid = GATTAssigned.glucoseFeature
    public static let entity = "Glucose Feature (0x2A51)"

    public static let bitNames: [(Int, String)] = [
        (0, "Low Battery Detection During Measurement Supported"),
        (1, "Sensor Malfunction Detection Supported"),
        (2, "Sensor Sample Size Supported"),
        (3, "Sensor Strip Insertion Error Detection Supported"),
        (4, "Sensor Strip Type Error Detection Supported"),
        (5, "Sensor Result High-Low Detection Supported"),
        (6, "Sensor Temperature High-Low Detection Supported"),
        (7, "Sensor Read Interrupt Detection Supported"),
        (8, "General Device Fault Supported"),
        (9, "Time Fault Supported"),
        (10, "Multiple Bond Supported"),
    ]

    public var rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    public init(bytes: [UInt8]) throws(WireError) {
        var r = ByteReader(bytes, entity: Self.entity)
        rawValue = try r.u16le("Glucose Feature")
        try r.expectEnd(after: "Glucose Feature")
    }

    public func encoded() -> [UInt8] { [UInt8(rawValue & 0xFF), UInt8(rawValue >> 8)] }

    public var json: JSONValue {
        .object([
            ("characteristic", .string("0x2A51")),
            ("name", .string("Glucose Feature")),
            ("raw", .int(Int64(rawValue))),
            ("supported", .array(Self.bitNames.filter { rawValue & (1 << UInt16($0.0)) != 0 }.map { .string($0.1) })),
        ])
    }
}
