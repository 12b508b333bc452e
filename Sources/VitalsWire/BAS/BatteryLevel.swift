/// Battery Level characteristic (0x2A19), Battery Service 1.0 §3.1 and the GATT Specification Supplement.
///
/// Value: one uint8, the charge level in percent: 100 fully charged, 0 fully discharged. 101–255 are reserved
/// and rejected as invalid, since no level can be read from them.
public struct BatteryLevel: Hashable, Sendable, WireDescribable {
    public static let uuid = BluetoothUUID(0x2A19)
    public static let entity = "Battery Level (0x2A19)"

    /// 0...100.
    public let percent: UInt8

    /// Nil when `percent` is above 100.
    public init?(percent: UInt8) {
        guard percent <= 100 else { return nil }
        self.percent = percent
    }

    public init(bytes: [UInt8]) throws(WireError) {
        var r = ByteReader(bytes, entity: Self.entity)
        let v = try r.u8("Battery Level")
        guard v <= 100 else {
            throw r.error("Battery Level", .invalidValue("\(v) is above 100 % (101–255 are reserved)"), at: 0)
        }
        try r.expectEnd(after: "Battery Level")
        percent = v
    }

    public func encoded() -> [UInt8] { [percent] }

    public var json: JSONValue {
        .object([
            ("characteristic", .string("0x2A19")),
            ("name", .string("Battery Level")),
            ("batteryLevel", .int(Int64(percent))),
            ("batteryLevelUnit", .string("%")),
        ])
    }
}
