/// Body Sensor Location characteristic (0x2A38), Heart Rate Service 1.0 §3.2: where the sensor is worn.
///
/// Value: one uint8. 0 Other, 1 Chest, 2 Wrist, 3 Finger, 4 Hand, 5 Ear Lobe, 6 Foot; 7–255 are reserved
/// and kept raw, never rejected.
public struct BodySensorLocation: Hashable, Sendable, WireDescribable, CustomStringConvertible {
    public static let uuid = BluetoothUUID(0x2A38)
    public static let entity = "Body Sensor Location (0x2A38)"

    public var rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    public static let other = Self(rawValue: 0)
    public static let chest = Self(rawValue: 1)
    public static let wrist = Self(rawValue: 2)
    public static let finger = Self(rawValue: 3)
    public static let hand = Self(rawValue: 4)
    public static let earLobe = Self(rawValue: 5)
    public static let foot = Self(rawValue: 6)

    public init(bytes: [UInt8]) throws(WireError) {
        var r = ByteReader(bytes, entity: Self.entity)
        rawValue = try r.u8("Body Sensor Location")
        try r.expectEnd(after: "Body Sensor Location")
    }

    public func encoded() -> [UInt8] { [rawValue] }

    public var isReserved: Bool { rawValue > 6 }

    public var description: String {
        switch rawValue {
        case 0: "Other"
        case 1: "Chest"
        case 2: "Wrist"
        case 3: "Finger"
        case 4: "Hand"
        case 5: "Ear Lobe"
        case 6: "Foot"
        default: "Reserved (\(rawValue))"
        }
    }

    public var json: JSONValue {
        .object([
            ("characteristic", .string("0x2A38")),
            ("name", .string("Body Sensor Location")),
            ("bodySensorLocation", .object([("raw", .int(Int64(rawValue))), ("name", .string(description))])),
        ])
    }
}
