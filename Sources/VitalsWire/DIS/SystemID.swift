/// System ID characteristic (0x2A23), Device Information Service 1.1 §3.6.
///
/// Layout (little-endian, 8 bytes): Manufacturer Identifier (uint40, the least significant octets) then
/// Organizationally Unique Identifier (uint24, the IEEE-assigned OUI). As one 64-bit number the System ID is
/// OUI × 2⁴⁰ + manufacturer identifier, i.e. an EUI-64 with the OUI in the top three octets. When it is derived
/// from a Bluetooth device address, the specification inserts 0xFFFE between the OUI and the company-assigned
/// part: address OUI 0x123456 and company-assigned 0x9ABCDE give System ID 0x123456FFFE9ABCDE.
public struct SystemID: Hashable, Sendable, WireDescribable, CustomStringConvertible {
    public static let uuid = BluetoothUUID(0x2A23)
    public static let entity = "System ID (0x2A23)"

    /// Manufacturer Identifier, 40 bits.
    public var manufacturerIdentifier: UInt64
    /// Organizationally Unique Identifier, 24 bits.
    public var organizationallyUniqueIdentifier: UInt32

    public init(manufacturerIdentifier: UInt64, organizationallyUniqueIdentifier: UInt32) {
        self.manufacturerIdentifier = manufacturerIdentifier & 0xFF_FFFF_FFFF
        self.organizationallyUniqueIdentifier = organizationallyUniqueIdentifier & 0xFF_FFFF
    }

    /// From the 64-bit System ID (OUI in the top 24 bits).
    public init(value: UInt64) {
        self.init(manufacturerIdentifier: value & 0xFF_FFFF_FFFF, organizationallyUniqueIdentifier: UInt32(value >> 40))
    }

    public init(bytes: [UInt8]) throws(WireError) {
        var r = ByteReader(bytes, entity: Self.entity)
        let m = try r.bytes(5, "Manufacturer Identifier")
        var id: UInt64 = 0
        for (i, b) in m.enumerated() { id |= UInt64(b) << (8 * UInt64(i)) }
        manufacturerIdentifier = id
        organizationallyUniqueIdentifier = try r.u24le("Organizationally Unique Identifier")
        try r.expectEnd(after: "Organizationally Unique Identifier")
    }

    public func encoded() -> [UInt8] {
        var w = ByteWriter()
        for i in 0..<5 { w.u8(UInt8((manufacturerIdentifier >> (8 * UInt64(i))) & 0xFF)) }
        w.u24le(organizationallyUniqueIdentifier)
        return w.bytes
    }

    /// The System ID as one 64-bit number: OUI × 2⁴⁰ + manufacturer identifier.
    public var value: UInt64 {
        UInt64(organizationallyUniqueIdentifier & 0xFF_FFFF) << 40 | (manufacturerIdentifier & 0xFF_FFFF_FFFF)
    }

    /// The Bluetooth device address (48 bits) when the System ID was derived from one (0xFFFE in bits 24–39).
    public var derivedBluetoothAddress: UInt64? {
        guard (manufacturerIdentifier >> 24) & 0xFFFF == 0xFFFE else { return nil }
        return UInt64(organizationallyUniqueIdentifier) << 24 | (manufacturerIdentifier & 0xFF_FFFF)
    }

    /// `12:34:56:FF:FE:9A:BC:DE`: the EUI-64 form, most significant octet first.
    public var description: String {
        Hex.format((0..<8).reversed().map { UInt8((value >> (8 * UInt64($0))) & 0xFF) }, separator: ":")
    }

    public var json: JSONValue {
        var o: [(String, JSONValue)] = [
            ("characteristic", .string("0x2A23")),
            ("name", .string("System ID")),
            ("manufacturerIdentifier", .string("0x" + hex(manufacturerIdentifier, digits: 10))),
            ("organizationallyUniqueIdentifier", .string("0x" + hex(UInt64(organizationallyUniqueIdentifier), digits: 6))),
            ("systemID", .string(description)),
        ]
        if let a = derivedBluetoothAddress {
            let octets = (0..<6).reversed().map { UInt8((a >> (8 * UInt64($0))) & 0xFF) }
            o.append(("derivedFromBluetoothAddress", .string(Hex.format(octets, separator: ":"))))
        }
        return .object(o)
    }

    private func hex(_ v: UInt64, digits: Int) -> String {
        let s = String(v, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, digits - s.count)) + s
    }
}
