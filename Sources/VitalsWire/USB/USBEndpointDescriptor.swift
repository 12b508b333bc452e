/// A USB endpoint descriptor (USB 2.0 §9.6.6, descriptor type 0x05): 7 bytes, plus the class-specific
/// descriptors that follow it in a configuration (PHDC puts its QoS descriptor here).
public struct USBEndpointDescriptor: Hashable, Sendable {
    public static let entity = "USB endpoint descriptor"
    public static let length = 7
    public static let descriptorType: UInt8 = 0x05

    /// Bit 7 set: IN (device to host); bits 0-3: the endpoint number.
    public var address: UInt8
    /// Bits 0-1: transfer type (0 control, 1 isochronous, 2 bulk, 3 interrupt).
    public var attributes: UInt8
    public var maxPacketSize: UInt16
    public var interval: UInt8
    /// The descriptors between this one and the next interface or endpoint descriptor, as sent.
    public var extra: [UInt8]

    public enum TransferType: UInt8, Hashable, Sendable, CustomStringConvertible {
        case control = 0, isochronous = 1, bulk = 2, interrupt = 3
        public var description: String {
            switch self {
            case .control: "control"
            case .isochronous: "isochronous"
            case .bulk: "bulk"
            case .interrupt: "interrupt"
            }
        }
    }

    public init(address: UInt8, type: TransferType, maxPacketSize: UInt16, interval: UInt8 = 0, extra: [UInt8] = []) {
        self.address = address
        self.attributes = type.rawValue
        self.maxPacketSize = maxPacketSize
        self.interval = interval
        self.extra = extra
    }

    public var isIn: Bool { address & 0x80 != 0 }
    public var number: UInt8 { address & 0x0F }
    public var transferType: TransferType { TransferType(rawValue: attributes & 0x03)! }

    /// Decodes the 7-byte descriptor alone (`extra` empty).
    public init(bytes: [UInt8]) throws(WireError) {
        var r = ByteReader(bytes, entity: Self.entity)
        try self.init(reading: &r)
        try r.expectEnd(after: "bInterval")
    }

    init(reading r: inout ByteReader) throws(WireError) {
        let start = r.offset
        let length = try r.u8("bLength")
        guard length == Self.length else { throw r.error("bLength", .invalidValue("\(length), expected 7"), at: start) }
        let type = try r.u8("bDescriptorType")
        guard type == Self.descriptorType else { throw r.error("bDescriptorType", .invalidValue("0x\(String(type, radix: 16)), expected 0x05"), at: start + 1) }
        address = try r.u8("bEndpointAddress")
        attributes = try r.u8("bmAttributes")
        maxPacketSize = try r.u16le("wMaxPacketSize")
        interval = try r.u8("bInterval")
        extra = []
    }

    /// The descriptor followed by `extra`.
    public func encoded() -> [UInt8] {
        var w = ByteWriter()
        w.u8(UInt8(Self.length))
        w.u8(Self.descriptorType)
        w.u8(address)
        w.u8(attributes)
        w.u16le(maxPacketSize)
        w.u8(interval)
        w.append(extra)
        return w.bytes
    }
}
