/// A USB interface descriptor (USB 2.0 §9.6.5, descriptor type 0x04): 9 bytes, then the class-specific
/// descriptors that follow it (`extra`) and its endpoints.
public struct USBInterfaceDescriptor: Hashable, Sendable {
    public static let entity = "USB interface descriptor"
    public static let length = 9
    public static let descriptorType: UInt8 = 0x04
    /// Interface class of the Personal Healthcare Device Class.
    public static let phdcClass: UInt8 = 0x0F

    public var number: UInt8
    public var alternateSetting: UInt8
    public var interfaceClass: UInt8
    public var interfaceSubClass: UInt8
    public var interfaceProtocol: UInt8
    /// String descriptor index (0 = none).
    public var interfaceIndex: UInt8
    /// Class-specific descriptors between this descriptor and its first endpoint, as sent.
    public var extra: [UInt8]
    public var endpoints: [USBEndpointDescriptor]

    public init(
        number: UInt8, alternateSetting: UInt8 = 0, interfaceClass: UInt8, interfaceSubClass: UInt8 = 0,
        interfaceProtocol: UInt8 = 0, interfaceIndex: UInt8 = 0, extra: [UInt8] = [], endpoints: [USBEndpointDescriptor]
    ) {
        self.number = number
        self.alternateSetting = alternateSetting
        self.interfaceClass = interfaceClass
        self.interfaceSubClass = interfaceSubClass
        self.interfaceProtocol = interfaceProtocol
        self.interfaceIndex = interfaceIndex
        self.extra = extra
        self.endpoints = endpoints
    }

    /// Reads the 9-byte descriptor; `extra` and `endpoints` are filled by the configuration decoder.
    /// Returns bNumEndpoints too, to be checked against the endpoints that follow.
    static func read(_ r: inout ByteReader) throws(WireError) -> (USBInterfaceDescriptor, numEndpoints: UInt8) {
        let start = r.offset
        let length = try r.u8("bLength")
        guard length == Self.length else { throw r.error("bLength", .invalidValue("\(length), expected 9"), at: start) }
        let type = try r.u8("bDescriptorType")
        guard type == Self.descriptorType else { throw r.error("bDescriptorType", .invalidValue("0x\(String(type, radix: 16)), expected 0x04"), at: start + 1) }
        let number = try r.u8("bInterfaceNumber")
        let alt = try r.u8("bAlternateSetting")
        let n = try r.u8("bNumEndpoints")
        let cls = try r.u8("bInterfaceClass")
        let sub = try r.u8("bInterfaceSubClass")
        let proto = try r.u8("bInterfaceProtocol")
        let index = try r.u8("iInterface")
        return (USBInterfaceDescriptor(number: number, alternateSetting: alt, interfaceClass: cls, interfaceSubClass: sub, interfaceProtocol: proto, interfaceIndex: index, endpoints: []), n)
    }

    /// The descriptor, its `extra`, then each endpoint with its own extra.
    public func encoded() -> [UInt8] {
        var w = ByteWriter()
        w.u8(UInt8(Self.length))
        w.u8(Self.descriptorType)
        w.u8(number)
        w.u8(alternateSetting)
        w.u8(UInt8(endpoints.count))
        w.u8(interfaceClass)
        w.u8(interfaceSubClass)
        w.u8(interfaceProtocol)
        w.u8(interfaceIndex)
        w.append(extra)
        for e in endpoints { w.append(e.encoded()) }
        return w.bytes
    }

    /// The PHDC class descriptors of this interface and its endpoints, when it is a PHDC interface.
    public func phdc() throws(WireError) -> PHDCInterface? {
        guard interfaceClass == Self.phdcClass else { return nil }
        return try PHDCInterface(interfaceExtra: extra, endpoints: endpoints.map { ($0.address, $0.extra) })
    }
}
