/// The 8-byte SETUP packet of a control transfer (USB 2.0 §9.3), little-endian.
public struct USBSetupPacket: Hashable, Sendable {
    public static let entity = "USB setup packet"

    public var requestType: UInt8
    public var request: UInt8
    public var value: UInt16
    public var index: UInt16
    public var length: UInt16

    public init(requestType: UInt8, request: UInt8, value: UInt16, index: UInt16, length: UInt16) {
        self.requestType = requestType
        self.request = request
        self.value = value
        self.index = index
        self.length = length
    }

    public init(bytes: [UInt8]) throws(WireError) {
        var r = ByteReader(bytes, entity: Self.entity)
        requestType = try r.u8("bmRequestType")
        request = try r.u8("bRequest")
        value = try r.u16le("wValue")
        index = try r.u16le("wIndex")
        length = try r.u16le("wLength")
        try r.expectEnd(after: "wLength")
    }

    public func encoded() -> [UInt8] {
        var w = ByteWriter()
        w.u8(requestType)
        w.u8(request)
        w.u16le(value)
        w.u16le(index)
        w.u16le(length)
        return w.bytes
    }

    /// Bit 7 of bmRequestType: data stage device-to-host.
    public var isDeviceToHost: Bool { requestType & 0x80 != 0 }
    /// Bits 5-6 of bmRequestType: 0 standard, 1 class, 2 vendor.
    public var kind: UInt8 { (requestType >> 5) & 0x03 }
    /// Bits 0-4 of bmRequestType: 0 device, 1 interface, 2 endpoint, 3 other.
    public var recipient: UInt8 { requestType & 0x1F }

    /// Standard request codes (USB 2.0 Table 9-4).
    public enum Request {
        public static let getStatus: UInt8 = 0x00
        public static let clearFeature: UInt8 = 0x01
        public static let setFeature: UInt8 = 0x03
        public static let setAddress: UInt8 = 0x05
        public static let getDescriptor: UInt8 = 0x06
        public static let getConfiguration: UInt8 = 0x08
        public static let setConfiguration: UInt8 = 0x09
        public static let getInterface: UInt8 = 0x0A
        public static let setInterface: UInt8 = 0x0B
    }
}
