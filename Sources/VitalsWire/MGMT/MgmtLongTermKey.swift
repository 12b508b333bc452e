/// An LE Long Term Key as the management interface carries it (BlueZ doc/mgmt-api.txt, New Long Term Key
/// event 0x000A and Load Long Term Keys command 0x0013): Address (6), Address_Type (1), Key_Type (1),
/// Central (1), Encryption_Size (1), Encryption_Diversifier (2), Random_Number (8), Value (16): 36 octets.
///
/// It is a secret: whoever holds it can decrypt the link. It is kept only in a 0600 file.
public struct MgmtLongTermKey: Hashable, Sendable, Codable {
    public static let entity = "Bluetooth management Long Term Key"
    public static let size = 36

    public var device: MgmtAddress
    /// 0x00 unauthenticated legacy, 0x01 authenticated legacy, 0x02 unauthenticated P-256,
    /// 0x03 authenticated P-256, 0x04 debug P-256.
    public var keyType: UInt8
    /// 1 when this is the key used while the local side is central.
    public var central: UInt8
    public var encryptionSize: UInt8
    public var diversifier: UInt16
    public var random: [UInt8]
    public var value: [UInt8]

    public init(device: MgmtAddress, keyType: UInt8, central: UInt8, encryptionSize: UInt8, diversifier: UInt16, random: [UInt8], value: [UInt8]) {
        precondition(random.count == 8 && value.count == 16, "an LTK has an 8-octet random number and a 16-octet value")
        self.device = device
        self.keyType = keyType
        self.central = central
        self.encryptionSize = encryptionSize
        self.diversifier = diversifier
        self.random = random
        self.value = value
    }

    init(from r: inout ByteReader) throws(WireError) {
        device = try MgmtAddress(from: &r)
        guard device.type == 1 || device.type == 2 else {
            throw r.error("Address_Type", .invalidValue("\(device.type) is not an LE address type (1 public, 2 random)"), at: r.offset - 1)
        }
        keyType = try r.u8("Key_Type")
        central = try r.u8("Central")
        encryptionSize = try r.u8("Encryption_Size")
        guard (7...16).contains(encryptionSize) else {
            throw r.error("Encryption_Size", .invalidValue("\(encryptionSize) is outside 7...16"), at: r.offset - 1)
        }
        diversifier = try r.u16le("Encryption_Diversifier")
        random = try r.bytes(8, "Random_Number")
        value = try r.bytes(16, "Value")
    }

    func write(to w: inout ByteWriter) {
        device.write(to: &w)
        w.u8(keyType)
        w.u8(central)
        w.u8(encryptionSize)
        w.u16le(diversifier)
        w.append(random)
        w.append(value)
    }

    // Codable (for the key file): hex strings, so the file reads like the mgmt fields.
    enum CodingKeys: String, CodingKey { case address, addressType, keyType, central, encryptionSize, diversifier, random, value }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let text = try c.decode(String.self, forKey: .address)
        guard let address = BLEAddress(string: text) else {
            throw DecodingError.dataCorruptedError(forKey: .address, in: c, debugDescription: "'\(text)' is not an address like 00:AA:01:00:00:00")
        }
        device = MgmtAddress(address: address, type: try c.decode(UInt8.self, forKey: .addressType))
        keyType = try c.decode(UInt8.self, forKey: .keyType)
        central = try c.decode(UInt8.self, forKey: .central)
        encryptionSize = try c.decode(UInt8.self, forKey: .encryptionSize)
        diversifier = try c.decode(UInt16.self, forKey: .diversifier)
        func hex(_ key: CodingKeys, _ count: Int) throws -> [UInt8] {
            let s = try c.decode(String.self, forKey: key)
            guard let b = try? Hex.parse(s), b.count == count else {
                throw DecodingError.dataCorruptedError(forKey: key, in: c, debugDescription: "expected \(count) bytes of hex")
            }
            return b
        }
        random = try hex(.random, 8)
        value = try hex(.value, 16)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(device.address.description, forKey: .address)
        try c.encode(device.type, forKey: .addressType)
        try c.encode(keyType, forKey: .keyType)
        try c.encode(central, forKey: .central)
        try c.encode(encryptionSize, forKey: .encryptionSize)
        try c.encode(diversifier, forKey: .diversifier)
        try c.encode(Hex.format(random, separator: ""), forKey: .random)
        try c.encode(Hex.format(value, separator: ""), forKey: .value)
    }
}
