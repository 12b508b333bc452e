/// USBIP_CMD_UNLINK (command 0x00000002): cancel a submitted URB. Big-endian; the basic header,
/// unlink_seqnum uint32, 24 bytes of padding (48 bytes).
public struct USBIPCmdUnlink: Hashable, Sendable {
    public static let entity = "USBIP_CMD_UNLINK"

    public var seqnum: UInt32
    public var devid: UInt32
    public var direction: UInt32
    public var ep: UInt32
    /// The seqnum of the CMD_SUBMIT to cancel.
    public var unlinkSeqnum: UInt32

    public init(seqnum: UInt32, devid: UInt32 = 0, direction: UInt32 = 0, ep: UInt32 = 0, unlinkSeqnum: UInt32) {
        self.seqnum = seqnum
        self.devid = devid
        self.direction = direction
        self.ep = ep
        self.unlinkSeqnum = unlinkSeqnum
    }

    public init(bytes: [UInt8]) throws(WireError) {
        var r = ByteReader(bytes, entity: Self.entity)
        let h = try USBIPBasicHeader.read(&r)
        guard h.command == USBIPBasicHeader.Command.unlink else {
            throw r.error("command", .invalidValue("0x\(String(h.command, radix: 16)), expected 0x00000002"), at: 0)
        }
        seqnum = h.seqnum
        devid = h.devid
        direction = h.direction
        ep = h.ep
        unlinkSeqnum = try r.u32be("unlink_seqnum")
        _ = try r.bytes(24, "padding")
        try r.expectEnd(after: "padding")
    }

    public func encoded() -> [UInt8] {
        var w = ByteWriter()
        USBIPBasicHeader(command: USBIPBasicHeader.Command.unlink, seqnum: seqnum, devid: devid, direction: direction, ep: ep).write(&w)
        w.u32be(unlinkSeqnum)
        w.append([UInt8](repeating: 0, count: 24))
        return w.bytes
    }
}
