/// A remote device's Identity Resolving Key as the management interface carries it (BlueZ
/// doc/mgmt-api.txt, New Identity Resolving Key event 0x0018 and Load Identity Resolving Keys command
/// 0x0030): Address (6), Address_Type (1), Value (16): 23 octets.
///
/// The address is the device's identity: its public address (type 1) or its static random address
/// (type 2), never a resolvable or non-resolvable private address. With the key the kernel (and the
/// hub) can tell which bonded device a resolvable private address belongs to. Whoever holds it can
/// track the device, so it is kept only in the 0600 bond key file.
public struct MgmtIdentityResolvingKey: Hashable, Sendable, Codable {
    public static let entity = "Bluetooth management Identity Resolving Key"
    public static let size = 23

    /// The identity address.
    public var device: MgmtAddress
    /// The 16 octets as the interface carries them (least significant octet first).
    public var value: [UInt8]

    public init(device: MgmtAddress, value: [UInt8]) {
        precondition(value.count == 16, "an IRK is 16 octets")
        self.device = device
        self.value = value
    }

    init(from r: inout ByteReader) throws(WireError) {
        device = try MgmtAddress(from: &r)
        guard device.type == 1 || device.type == 2 else {
            throw r.error("Address_Type", .invalidValue("\(device.type) is not an LE identity address type (1 public, 2 random)"), at: r.offset - 1)
        }
        // A random identity is a static address: its two most significant bits are 0b11.
        if device.type == 2 && device.address.bytes[0] & 0xC0 != 0xC0 {
            throw r.error("Address", .invalidValue("\(device.address) is a random address but not a static one, so it is no identity"), at: r.offset - 7)
        }
        value = try r.bytes(16, "Value")
    }

    func write(to w: inout ByteWriter) {
        device.write(to: &w)
        w.append(value)
    }

    // Codable (for the key file): hex strings, as for `MgmtLongTermKey`.
    enum CodingKeys: String, CodingKey { case address, addressType, value }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let text = try c.decode(String.self, forKey: .address)
        guard let address = BLEAddress(string: text) else {
            throw DecodingError.dataCorruptedError(forKey: .address, in: c, debugDescription: "'\(text)' is not an address like 00:AA:01:00:00:00")
        }
        let type = try c.decode(UInt8.self, forKey: .addressType)
        guard type == 1 || type == 2 else {
            throw DecodingError.dataCorruptedError(forKey: .addressType, in: c, debugDescription: "\(type) is not an LE identity address type (1 public, 2 random)")
        }
        device = MgmtAddress(address: address, type: type)
        let s = try c.decode(String.self, forKey: .value)
        guard let b = try? Hex.parse(s), b.count == 16 else {
            throw DecodingError.dataCorruptedError(forKey: .value, in: c, debugDescription: "expected 16 bytes of hex")
        }
        value = b
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(device.address.description, forKey: .address)
        try c.encode(device.type, forKey: .addressType)
        try c.encode(Hex.format(value, separator: ""), forKey: .value)
    }
}
