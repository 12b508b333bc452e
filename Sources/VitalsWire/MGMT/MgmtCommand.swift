/// The management commands a pairing agent sends (BlueZ doc/mgmt-api.txt, "Commands").
public enum MgmtCommand: Hashable, Sendable {
    /// 0x0013 Load Long Term Keys: Key_Count (2), then the keys. Replaces the controller's whole list.
    case loadLongTermKeys([MgmtLongTermKey])
    /// 0x0009 Set Bondable: 1 to keep (and hand out) keys when pairing, so the pairing is a bond.
    case setBondable(Bool)
    /// 0x0018 Set IO Capability: 0 DisplayOnly, 1 DisplayYesNo, 2 KeyboardOnly, 3 NoInputNoOutput, 4 KeyboardDisplay.
    case setIOCapability(UInt8)
    /// 0x001C User Confirmation Reply: Address, Address_Type.
    case userConfirmationReply(MgmtAddress)
    /// 0x001D User Confirmation Negative Reply: Address, Address_Type.
    case userConfirmationNegativeReply(MgmtAddress)
    /// 0x001E User Passkey Reply: Address, Address_Type, Passkey (4, 0...999999). The passkey is a secret:
    /// never log this command's parameters.
    case userPasskeyReply(MgmtAddress, passkey: UInt32)
    /// 0x001F User Passkey Negative Reply: Address, Address_Type.
    case userPasskeyNegativeReply(MgmtAddress)
    /// 0x0030 Load Identity Resolving Keys: Key_Count (2), then the keys. Replaces the controller's list, and
    /// tells the kernel that user space keeps IRKs: from then on its SMP asks devices to distribute theirs.
    case loadIdentityResolvingKeys([MgmtIdentityResolvingKey])

    public static let entity = "Bluetooth management command"
    /// Long Term Keys that fit one Load Long Term Keys command ((65535 − 2) / 36).
    public static let maxLongTermKeys = 1820
    /// Identity Resolving Keys that fit one Load Identity Resolving Keys command ((65535 − 2) / 23).
    public static let maxIdentityResolvingKeys = 2849
    /// The largest passkey: six decimal digits.
    public static let maxPasskey: UInt32 = 999_999

    public var code: UInt16 {
        switch self {
        case .setBondable: 0x0009
        case .loadLongTermKeys: 0x0013
        case .setIOCapability: 0x0018
        case .userConfirmationReply: 0x001C
        case .userConfirmationNegativeReply: 0x001D
        case .userPasskeyReply: 0x001E
        case .userPasskeyNegativeReply: 0x001F
        case .loadIdentityResolvingKeys: 0x0030
        }
    }

    public func packet(index: UInt16) -> MgmtPacket {
        var w = ByteWriter()
        switch self {
        case .setBondable(let on):
            w.u8(on ? 1 : 0)
        case .loadLongTermKeys(let keys):
            // The parameter length is 16 bits: at most 1820 keys fit (the caller keeps well under it).
            let fit = Array(keys.prefix(Self.maxLongTermKeys))
            w.u16le(UInt16(fit.count))
            for k in fit { k.write(to: &w) }
        case .setIOCapability(let cap):
            w.u8(cap)
        case .userConfirmationReply(let a), .userConfirmationNegativeReply(let a), .userPasskeyNegativeReply(let a):
            a.write(to: &w)
        case .userPasskeyReply(let a, let passkey):
            a.write(to: &w)
            w.u32le(passkey)
        case .loadIdentityResolvingKeys(let keys):
            let fit = Array(keys.prefix(Self.maxIdentityResolvingKeys))
            w.u16le(UInt16(fit.count))
            for k in fit { k.write(to: &w) }
        }
        return MgmtPacket(code: code, index: index, parameters: w.bytes)
    }

    /// Decodes a command (the other side of `packet(index:)`: tests, and a simulated kernel).
    public init(_ packet: MgmtPacket) throws(WireError) {
        var r = ByteReader(packet.parameters, entity: Self.entity)
        switch packet.code {
        case 0x0013:
            let n = Int(try r.u16le("Key_Count"))
            guard r.remaining == n * MgmtLongTermKey.size else {
                throw r.error("Key_Count", .invalidValue("\(n) keys need \(n * MgmtLongTermKey.size) bytes, \(r.remaining) follow"), at: 0)
            }
            var keys: [MgmtLongTermKey] = []
            for _ in 0..<n { keys.append(try MgmtLongTermKey(from: &r)) }
            self = .loadLongTermKeys(keys)
        case 0x0009:
            let v = try r.u8("Bondable")
            guard v <= 1 else { throw r.error("Bondable", .invalidValue("\(v) is not 0 or 1"), at: 0) }
            try r.expectEnd(after: "Bondable")
            self = .setBondable(v == 1)
        case 0x0018:
            let cap = try r.u8("IO_Capability")
            guard cap <= 4 else { throw r.error("IO_Capability", .invalidValue("\(cap) is outside 0...4"), at: 0) }
            try r.expectEnd(after: "IO_Capability")
            self = .setIOCapability(cap)
        case 0x001C, 0x001D, 0x001F:
            let a = try MgmtAddress(from: &r)
            try r.expectEnd(after: "Address_Type")
            self = packet.code == 0x001C ? .userConfirmationReply(a) : packet.code == 0x001D ? .userConfirmationNegativeReply(a) : .userPasskeyNegativeReply(a)
        case 0x001E:
            let a = try MgmtAddress(from: &r)
            let passkey = try r.u32le("Passkey")
            guard passkey <= Self.maxPasskey else { throw r.error("Passkey", .invalidValue("more than six decimal digits"), at: 7) }
            try r.expectEnd(after: "Passkey")
            self = .userPasskeyReply(a, passkey: passkey)
        case 0x0030:
            let n = Int(try r.u16le("Key_Count"))
            guard r.remaining == n * MgmtIdentityResolvingKey.size else {
                throw r.error("Key_Count", .invalidValue("\(n) keys need \(n * MgmtIdentityResolvingKey.size) bytes, \(r.remaining) follow"), at: 0)
            }
            var keys: [MgmtIdentityResolvingKey] = []
            for _ in 0..<n { keys.append(try MgmtIdentityResolvingKey(from: &r)) }
            self = .loadIdentityResolvingKeys(keys)
        default:
            throw r.error("Command Code", .invalidValue("0x\(Hex.format([UInt8(packet.code >> 8), UInt8(packet.code & 0xFF)], separator: "")) is not a command this agent sends"), at: 0)
        }
    }
}
