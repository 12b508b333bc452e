/// USBIP_CMD_SUBMIT (command 0x00000001): submit an URB. Big-endian; a 48-byte header, then the
/// transfer buffer for OUT (transfer_buffer_length bytes), then ISO packet descriptors (16 bytes each).
public struct USBIPCmdSubmit: Hashable, Sendable {
    public static let entity = "USBIP_CMD_SUBMIT"

    public var seqnum: UInt32
    public var devid: UInt32
    /// 0 OUT, 1 IN.
    public var direction: UInt32
    /// Endpoint number (0 = the control endpoint).
    public var ep: UInt32
    public var transferFlags: UInt32
    public var transferBufferLength: UInt32
    public var startFrame: UInt32
    /// 0xFFFFFFFF (or 0, as Linux sends) when not isochronous.
    public var numberOfPackets: UInt32
    public var interval: UInt32
    /// The SETUP packet of a control transfer; zeros otherwise.
    public var setup: [UInt8]
    /// For OUT: the data (transfer_buffer_length bytes).
    public var data: [UInt8]
    /// ISO packet descriptors, as sent (not interpreted).
    public var isoDescriptors: [UInt8]

    public init(
        seqnum: UInt32, devid: UInt32 = 0, direction: UInt32, ep: UInt32, transferFlags: UInt32 = 0, transferBufferLength: UInt32,
        startFrame: UInt32 = 0, numberOfPackets: UInt32 = 0xFFFF_FFFF, interval: UInt32 = 0, setup: [UInt8] = [UInt8](repeating: 0, count: 8),
        data: [UInt8] = [], isoDescriptors: [UInt8] = []
    ) {
        self.seqnum = seqnum
        self.devid = devid
        self.direction = direction
        self.ep = ep
        self.transferFlags = transferFlags
        self.transferBufferLength = transferBufferLength
        self.startFrame = startFrame
        self.numberOfPackets = numberOfPackets
        self.interval = interval
        self.setup = setup
        self.data = data
        self.isoDescriptors = isoDescriptors
    }

    public var isIn: Bool { direction == USBIPBasicHeader.directionIn }

    /// The ISO packet count, or 0 when this is not an isochronous transfer.
    static func isoPackets(_ n: UInt32) -> Int { n == 0xFFFF_FFFF || n > 1024 ? 0 : Int(n) }

    /// The bytes that follow a 48-byte CMD_SUBMIT header in the stream.
    public static func payloadLength(header: [UInt8]) throws(WireError) -> Int {
        var r = ByteReader(header, entity: entity)
        let h = try USBIPBasicHeader.read(&r)
        _ = try r.u32be("transfer_flags")
        let len = try r.u32be("transfer_buffer_length")
        _ = try r.u32be("start_frame")
        let n = try r.u32be("number_of_packets")
        guard len <= 16 * 1024 * 1024 else { throw r.error("transfer_buffer_length", .invalidValue("\(len) is more than 16 MiB"), at: 0x18) }
        return (h.direction == USBIPBasicHeader.directionOut ? Int(len) : 0) + 16 * isoPackets(n)
    }

    public init(bytes: [UInt8]) throws(WireError) {
        var r = ByteReader(bytes, entity: Self.entity)
        let h = try USBIPBasicHeader.read(&r)
        guard h.command == USBIPBasicHeader.Command.submit else {
            throw r.error("command", .invalidValue("0x\(String(h.command, radix: 16)), expected 0x00000001"), at: 0)
        }
        seqnum = h.seqnum
        devid = h.devid
        direction = h.direction
        ep = h.ep
        transferFlags = try r.u32be("transfer_flags")
        transferBufferLength = try r.u32be("transfer_buffer_length")
        startFrame = try r.u32be("start_frame")
        numberOfPackets = try r.u32be("number_of_packets")
        interval = try r.u32be("interval")
        setup = try r.bytes(8, "setup")
        data = h.direction == USBIPBasicHeader.directionOut ? try r.bytes(Int(transferBufferLength), "transfer_buffer") : []
        isoDescriptors = try r.bytes(16 * Self.isoPackets(numberOfPackets), "iso_packet_descriptor")
        try r.expectEnd(after: "iso_packet_descriptor")
    }

    public func encoded() -> [UInt8] {
        var w = ByteWriter()
        USBIPBasicHeader(command: USBIPBasicHeader.Command.submit, seqnum: seqnum, devid: devid, direction: direction, ep: ep).write(&w)
        w.u32be(transferFlags)
        w.u32be(transferBufferLength)
        w.u32be(startFrame)
        w.u32be(numberOfPackets)
        w.u32be(interval)
        w.append(setup.count == 8 ? setup : Array((setup + [UInt8](repeating: 0, count: 8)).prefix(8)))
        if !isIn { w.append(data) }
        w.append(isoDescriptors)
        return w.bytes
    }
}
