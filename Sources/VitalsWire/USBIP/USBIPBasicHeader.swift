/// usbip_header_basic, the first 20 bytes of every URB-stage message (Linux
/// Documentation/usb/usbip_protocol.rst), big-endian. Every URB-stage header is 48 bytes in all.
public struct USBIPBasicHeader: Hashable, Sendable {
    public static let entity = "USB/IP header"
    public static let length = 20
    /// The length of every URB-stage header (basic header, command fields, padding), before any payload.
    public static let fullLength = 48

    public enum Command {
        public static let submit: UInt32 = 0x0000_0001
        public static let unlink: UInt32 = 0x0000_0002
        public static let returnSubmit: UInt32 = 0x0000_0003
        public static let returnUnlink: UInt32 = 0x0000_0004
    }

    public static let directionOut: UInt32 = 0
    public static let directionIn: UInt32 = 1

    public var command: UInt32
    public var seqnum: UInt32
    /// Client: (busnum << 16) | devnum; server: 0.
    public var devid: UInt32
    /// 0 OUT, 1 IN (client only; server 0).
    public var direction: UInt32
    /// Endpoint number (client only; server 0).
    public var ep: UInt32

    public init(command: UInt32, seqnum: UInt32, devid: UInt32 = 0, direction: UInt32 = 0, ep: UInt32 = 0) {
        self.command = command
        self.seqnum = seqnum
        self.devid = devid
        self.direction = direction
        self.ep = ep
    }

    public init(bytes: [UInt8]) throws(WireError) {
        var r = ByteReader(bytes, entity: Self.entity)
        self = try Self.read(&r)
    }

    static func read(_ r: inout ByteReader) throws(WireError) -> USBIPBasicHeader {
        let command = try r.u32be("command")
        guard (1...4).contains(command) else { throw r.error("command", .invalidValue("0x\(String(command, radix: 16)) is not a URB command"), at: r.offset - 4) }
        let seq = try r.u32be("seqnum")
        let devid = try r.u32be("devid")
        let dirOffset = r.offset
        let dir = try r.u32be("direction")
        guard dir <= 1 else { throw r.error("direction", .invalidValue("\(dir) is not 0 (OUT) or 1 (IN)"), at: dirOffset) }
        return USBIPBasicHeader(command: command, seqnum: seq, devid: devid, direction: dir, ep: try r.u32be("ep"))
    }

    func write(_ w: inout ByteWriter) {
        w.u32be(command)
        w.u32be(seqnum)
        w.u32be(devid)
        w.u32be(direction)
        w.u32be(ep)
    }
}
