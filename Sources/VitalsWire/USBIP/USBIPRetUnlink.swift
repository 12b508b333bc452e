/// USBIP_RET_UNLINK (command 0x00000004): the answer to CMD_UNLINK. Big-endian; the basic header,
/// status int32 (-104 ECONNRESET: the URB was cancelled, no RET_SUBMIT follows; 0: it had already
/// completed), 24 bytes of padding (48 bytes).
public struct USBIPRetUnlink: Hashable, Sendable {
    public static let entity = "USBIP_RET_UNLINK"

    public var seqnum: UInt32
    public var devid: UInt32
    public var direction: UInt32
    public var ep: UInt32
    public var status: Int32

    public init(seqnum: UInt32, devid: UInt32 = 0, direction: UInt32 = 0, ep: UInt32 = 0, status: Int32) {
        self.seqnum = seqnum
        self.devid = devid
        self.direction = direction
        self.ep = ep
        self.status = status
    }

    public init(bytes: [UInt8]) throws(WireError) {
        var r = ByteReader(bytes, entity: Self.entity)
        let h = try USBIPBasicHeader.read(&r)
        guard h.command == USBIPBasicHeader.Command.returnUnlink else {
            throw r.error("command", .invalidValue("0x\(String(h.command, radix: 16)), expected 0x00000004"), at: 0)
        }
        seqnum = h.seqnum
        devid = h.devid
        direction = h.direction
        ep = h.ep
        status = Int32(bitPattern: try r.u32be("status"))
        _ = try r.bytes(24, "padding")
        try r.expectEnd(after: "padding")
    }

    public func encoded() -> [UInt8] {
        var w = ByteWriter()
        USBIPBasicHeader(command: USBIPBasicHeader.Command.returnUnlink, seqnum: seqnum, devid: devid, direction: direction, ep: ep).write(&w)
        w.u32be(UInt32(bitPattern: status))
        w.append([UInt8](repeating: 0, count: 24))
        return w.bytes
    }
}
