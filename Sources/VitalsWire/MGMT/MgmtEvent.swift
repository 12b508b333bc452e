/// The management events a pairing agent handles (BlueZ doc/mgmt-api.txt, "Events"); any other event is
/// kept as `.other` with its code and parameters.
public enum MgmtEvent: Hashable, Sendable {
    /// 0x0001 Command Complete: Command_Opcode (2), Status (1), Return_Parameters.
    case commandComplete(command: UInt16, status: UInt8, returnParameters: [UInt8])
    /// 0x0002 Command Status: Command_Opcode (2), Status (1).
    case commandStatus(command: UInt16, status: UInt8)
    /// 0x000A New Long Term Key: Store_Hint (1), Key (36).
    case newLongTermKey(storeHint: UInt8, key: MgmtLongTermKey)
    /// 0x000B Device Connected: Address, Address_Type, Flags (4), EIR_Data_Length (2), EIR_Data.
    case deviceConnected(MgmtAddress, flags: UInt32)
    /// 0x000C Device Disconnected: Address, Address_Type, Reason (1).
    case deviceDisconnected(MgmtAddress, reason: UInt8)
    /// 0x000F User Confirmation Request: Address, Address_Type, Confirm_Hint (1), Value (4).
    /// Confirm_Hint 1: a plain yes/no (Just Works); 0: a number to compare with the other device's.
    case userConfirmationRequest(MgmtAddress, confirmHint: UInt8, value: UInt32)
    /// 0x0010 User Passkey Request: Address, Address_Type.
    case userPasskeyRequest(MgmtAddress)
    /// 0x0011 Authentication Failed: Address, Address_Type, Status (1).
    case authenticationFailed(MgmtAddress, status: UInt8)
    /// 0x0018 New Identity Resolving Key: Store_Hint (1), Random_Address (6), Key (23: Address, Address_Type,
    /// Value). Random_Address is the resolvable private address that was resolved into the key's identity
    /// address, or 00:00:00:00:00:00 when the device paired from its public or static address. From this event
    /// on, the kernel names the device by its identity address (and the New Long Term Key that follows
    /// carries it).
    case newIdentityResolvingKey(storeHint: UInt8, randomAddress: BLEAddress, key: MgmtIdentityResolvingKey)
    case other(code: UInt16, parameters: [UInt8])

    public static let entity = "Bluetooth management event"

    /// The event in `packet`; errors name the field and its offset in the parameters.
    public init(_ packet: MgmtPacket) throws(WireError) {
        var r = ByteReader(packet.parameters, entity: "\(Self.entity) 0x\(Hex.format([UInt8(packet.code >> 8), UInt8(packet.code & 0xFF)], separator: ""))")
        switch packet.code {
        case 0x0001:
            let command = try r.u16le("Command_Opcode")
            let status = try r.u8("Status")
            self = .commandComplete(command: command, status: status, returnParameters: r.rest())
        case 0x0002:
            let command = try r.u16le("Command_Opcode")
            let status = try r.u8("Status")
            try r.expectEnd(after: "Status")
            self = .commandStatus(command: command, status: status)
        case 0x000A:
            let hint = try r.u8("Store_Hint")
            let key = try MgmtLongTermKey(from: &r)
            try r.expectEnd(after: "Value")
            self = .newLongTermKey(storeHint: hint, key: key)
        case 0x000B:
            let a = try MgmtAddress(from: &r)
            let flags = try r.u32le("Flags")
            let n = Int(try r.u16le("EIR_Data_Length"))
            _ = try r.bytes(n, "EIR_Data")
            try r.expectEnd(after: "EIR_Data")
            self = .deviceConnected(a, flags: flags)
        case 0x000C:
            let a = try MgmtAddress(from: &r)
            let reason = try r.u8("Reason")
            try r.expectEnd(after: "Reason")
            self = .deviceDisconnected(a, reason: reason)
        case 0x000F:
            let a = try MgmtAddress(from: &r)
            let hint = try r.u8("Confirm_Hint")
            let value = try r.u32le("Value")
            try r.expectEnd(after: "Value")
            self = .userConfirmationRequest(a, confirmHint: hint, value: value)
        case 0x0010:
            let a = try MgmtAddress(from: &r)
            try r.expectEnd(after: "Address_Type")
            self = .userPasskeyRequest(a)
        case 0x0011:
            let a = try MgmtAddress(from: &r)
            let status = try r.u8("Status")
            try r.expectEnd(after: "Status")
            self = .authenticationFailed(a, status: status)
        case 0x0018:
            let hint = try r.u8("Store_Hint")
            let random = BLEAddress(bytes: Array(try r.bytes(6, "Random_Address").reversed()))
            let key = try MgmtIdentityResolvingKey(from: &r)
            try r.expectEnd(after: "Value")
            self = .newIdentityResolvingKey(storeHint: hint, randomAddress: random, key: key)
        default:
            self = .other(code: packet.code, parameters: packet.parameters)
        }
    }

    /// The event as the kernel sends it, for controller `index` (tests and simulated management sockets).
    public func packet(index: UInt16) -> MgmtPacket {
        var w = ByteWriter()
        let code: UInt16
        switch self {
        case .commandComplete(let command, let status, let rest):
            code = 0x0001; w.u16le(command); w.u8(status); w.append(rest)
        case .commandStatus(let command, let status):
            code = 0x0002; w.u16le(command); w.u8(status)
        case .newLongTermKey(let hint, let key):
            code = 0x000A; w.u8(hint); key.write(to: &w)
        case .deviceConnected(let a, let flags):
            code = 0x000B; a.write(to: &w); w.u32le(flags); w.u16le(0)
        case .deviceDisconnected(let a, let reason):
            code = 0x000C; a.write(to: &w); w.u8(reason)
        case .userConfirmationRequest(let a, let hint, let value):
            code = 0x000F; a.write(to: &w); w.u8(hint); w.u32le(value)
        case .userPasskeyRequest(let a):
            code = 0x0010; a.write(to: &w)
        case .authenticationFailed(let a, let status):
            code = 0x0011; a.write(to: &w); w.u8(status)
        case .newIdentityResolvingKey(let hint, let random, let key):
            code = 0x0018; w.u8(hint); w.append(random.bytes.reversed()); key.write(to: &w)
        case .other(let c, let parameters):
            code = c; w.append(parameters)
        }
        return MgmtPacket(code: code, index: index, parameters: w.bytes)
    }

    /// The name of a management status code (mgmt-api.txt, "Error Codes").
    public static func statusName(_ status: UInt8) -> String {
        let names = ["Success", "Unknown Command", "Not Connected", "Failed", "Connect Failed", "Authentication Failed",
                     "Not Paired", "No Resources", "Timeout", "Already Connected", "Busy", "Rejected", "Not Supported",
                     "Invalid Parameters", "Disconnected", "Not Powered", "Cancelled", "Invalid Index", "RFKilled",
                     "Already Paired", "Permission Denied"]
        return Int(status) < names.count ? names[Int(status)] : "status 0x\(Hex.format([status]))"
    }
}
