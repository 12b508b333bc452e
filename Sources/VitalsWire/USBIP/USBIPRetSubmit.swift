/// USBIP_RET_SUBMIT (command 0x00000003): the result of an URB. Big-endian; a 48-byte header, then for
/// IN the transfer buffer (actual_length bytes), then ISO packet descriptors.
///
/// The server sets devid, direction and ep to 0, so whether data follows depends on the submission being
/// answered: decoding takes its direction.
public struct USBIPRetSubmit: Hashable, Sendable {
    public static let entity = "USBIP_RET_SUBMIT"

    public var seqnum: UInt32
    public var devid: UInt32
    public var direction: UInt32
    public var ep: UInt32
    /// 0, or a negative Linux errno: -32 (EPIPE) a stall, -104 (ECONNRESET) unlinked, -108 (ESHUTDOWN) gone.
    public var status: Int32
    public var actualLength: UInt32
    public var startFrame: UInt32
    public var numberOfPackets: UInt32
    public var errorCount: UInt32
    /// For IN: the data returned.
    public var data: [UInt8]
    public var isoDescriptors: [UInt8]

    public static let statusStall: Int32 = -32
    public static let statusUnlinked: Int32 = -104

    public init(
        seqnum: UInt32, devid: UInt32 = 0, direction: UInt32 = 0, ep: UInt32 = 0, status: Int32 = 0, actualLength: UInt32,
        startFrame: UInt32 = 0, numberOfPackets: UInt32 = 0xFFFF_FFFF, errorCount: UInt32 = 0, data: [UInt8] = [], isoDescriptors: [UInt8] = []
    ) {
        self.seqnum = seqnum
        self.devid = devid
        self.direction = direction
        self.ep = ep
        self.status = status
        self.actualLength = actualLength
        self.startFrame = startFrame
        self.numberOfPackets = numberOfPackets
        self.errorCount = errorCount
        self.data = data
        self.isoDescriptors = isoDescriptors
    }

    /// The bytes that follow a 48-byte RET_SUBMIT header, for a submission in direction `isIn`.
    public static func payloadLength(header: [UInt8], isIn: Bool) throws(WireError) -> Int {
        let r = try USBIPRetSubmit(bytes: Array(header.prefix(USBIPBasicHeader.fullLength)), isIn: false)
        guard r.actualLength <= 16 * 1024 * 1024 else {
            throw WireError(entity: entity, field: "actual_length", offset: 0x18, reason: .invalidValue("\(r.actualLength) is more than 16 MiB"))
        }
        return (isIn ? Int(r.actualLength) : 0) + 16 * USBIPCmdSubmit.isoPackets(r.numberOfPackets)
    }

    /// Decodes a whole message; with `isIn` false no data is expected (but ISO descriptors still are).
    public init(bytes: [UInt8], isIn: Bool) throws(WireError) {
        var r = ByteReader(bytes, entity: Self.entity)
        let h = try USBIPBasicHeader.read(&r)
        guard h.command == USBIPBasicHeader.Command.returnSubmit else {
            throw r.error("command", .invalidValue("0x\(String(h.command, radix: 16)), expected 0x00000003"), at: 0)
        }
        seqnum = h.seqnum
        devid = h.devid
        direction = h.direction
        ep = h.ep
        status = Int32(bitPattern: try r.u32be("status"))
        actualLength = try r.u32be("actual_length")
        startFrame = try r.u32be("start_frame")
        numberOfPackets = try r.u32be("number_of_packets")
        errorCount = try r.u32be("error_count")
        _ = try r.bytes(8, "padding")
        let isoLength = 16 * USBIPCmdSubmit.isoPackets(numberOfPackets)
        if bytes.count == USBIPBasicHeader.fullLength && !isIn {
            data = []
            isoDescriptors = []
            return
        }
        data = isIn ? try r.bytes(Int(actualLength), "transfer_buffer") : []
        isoDescriptors = try r.bytes(isoLength, "iso_packet_descriptor")
        try r.expectEnd(after: "iso_packet_descriptor")
    }

    public func encoded() -> [UInt8] {
        var w = ByteWriter()
        USBIPBasicHeader(command: USBIPBasicHeader.Command.returnSubmit, seqnum: seqnum, devid: devid, direction: direction, ep: ep).write(&w)
        w.u32be(UInt32(bitPattern: status))
        w.u32be(actualLength)
        w.u32be(startFrame)
        w.u32be(numberOfPackets)
        w.u32be(errorCount)
        w.append([UInt8](repeating: 0, count: 8))
        w.append(data)
        w.append(isoDescriptors)
        return w.bytes
    }
}
