/// One message on a Linux Bluetooth management socket (HCI_CHANNEL_CONTROL; BlueZ doc/mgmt-api.txt,
/// "Packet Structures"): Command or Event Code (2 octets), Controller Index (2 octets, 0xFFFF for none),
/// Parameter Length (2 octets), then the parameters. All fields little-endian.
///
/// Commands and events share this frame; `MgmtCommand` and `MgmtEvent` give the parameters meaning.
public struct MgmtPacket: Hashable, Sendable {
    public static let entity = "Bluetooth management packet"
    /// The Controller Index of a message that concerns no controller.
    public static let noController: UInt16 = 0xFFFF

    public var code: UInt16
    public var index: UInt16
    public var parameters: [UInt8]

    public init(code: UInt16, index: UInt16, parameters: [UInt8]) {
        self.code = code
        self.index = index
        self.parameters = parameters
    }

    /// Decodes one whole packet (a management socket delivers one per read).
    public init(bytes: [UInt8]) throws(WireError) {
        var r = ByteReader(bytes, entity: Self.entity)
        code = try r.u16le("Code")
        index = try r.u16le("Controller Index")
        let lengthOffset = r.offset
        let length = Int(try r.u16le("Parameter Length"))
        guard r.remaining == length else {
            throw r.error("Parameter Length", r.remaining < length ? .truncated(needed: length, available: r.remaining) : .invalidValue("says \(length) but \(r.remaining) bytes follow"), at: lengthOffset)
        }
        parameters = r.rest()
    }

    public func encoded() -> [UInt8] {
        var w = ByteWriter()
        w.u16le(code)
        w.u16le(index)
        w.u16le(UInt16(parameters.count))
        w.append(parameters)
        return w.bytes
    }
}

/// A remote device as the management interface names it: its address (sent little-endian, as bdaddr_t)
/// and Address_Type (0 BR/EDR, 1 LE Public, 2 LE Random).
public struct MgmtAddress: Hashable, Sendable, CustomStringConvertible {
    public var address: BLEAddress
    public var type: UInt8

    public init(address: BLEAddress, type: UInt8) {
        self.address = address
        self.type = type
    }

    public var description: String { "\(address) (\(type == 1 ? "LE public" : type == 2 ? "LE random" : type == 0 ? "BR/EDR" : "type \(type)"))" }

    init(from r: inout ByteReader) throws(WireError) {
        address = BLEAddress(bytes: Array(try r.bytes(6, "Address").reversed()))
        type = try r.u8("Address_Type")
    }

    func write(to w: inout ByteWriter) {
        w.append(address.bytes.reversed())
        w.u8(type)
    }
}
