/// A USB configuration descriptor with everything GET_DESCRIPTOR(CONFIGURATION) returns after it
/// (USB 2.0 §9.6.3, descriptor type 0x02): interfaces, their endpoints and class-specific descriptors.
///
/// Decoding walks the descriptors by bLength: an interface descriptor starts an interface, an endpoint
/// descriptor belongs to the last interface, and any other descriptor goes into the `extra` of the last
/// endpoint, else of the last interface, else of the configuration.
public struct USBConfigurationDescriptor: Hashable, Sendable {
    public static let entity = "USB configuration descriptor"
    public static let length = 9
    public static let descriptorType: UInt8 = 0x02

    public var configurationValue: UInt8
    /// String descriptor index (0 = none).
    public var configurationIndex: UInt8
    /// Bit 7 reserved (set), bit 6 self-powered, bit 5 remote wakeup.
    public var attributes: UInt8
    /// In units of 2 mA.
    public var maxPower: UInt8
    /// Descriptors between the configuration descriptor and the first interface (e.g. an interface association).
    public var extra: [UInt8]
    /// Every interface descriptor, alternate settings included, in order.
    public var interfaces: [USBInterfaceDescriptor]

    public init(configurationValue: UInt8 = 1, configurationIndex: UInt8 = 0, attributes: UInt8 = 0x80, maxPower: UInt8 = 50, extra: [UInt8] = [], interfaces: [USBInterfaceDescriptor]) {
        self.configurationValue = configurationValue
        self.configurationIndex = configurationIndex
        self.attributes = attributes
        self.maxPower = maxPower
        self.extra = extra
        self.interfaces = interfaces
    }

    /// Distinct interface numbers (alternate settings count once).
    public var numInterfaces: Int { Set(interfaces.map(\.number)).count }

    public init(bytes: [UInt8]) throws(WireError) {
        var r = ByteReader(bytes, entity: Self.entity)
        let length = try r.u8("bLength")
        guard length == Self.length else { throw r.error("bLength", .invalidValue("\(length), expected 9"), at: 0) }
        let type = try r.u8("bDescriptorType")
        guard type == Self.descriptorType else { throw r.error("bDescriptorType", .invalidValue("0x\(String(type, radix: 16)), expected 0x02"), at: 1) }
        let total = try r.u16le("wTotalLength")
        guard Int(total) == bytes.count else {
            if Int(total) > bytes.count { throw r.error("wTotalLength", .truncated(needed: Int(total), available: bytes.count), at: 2) }
            throw r.error("wTotalLength", .invalidValue("\(total), but \(bytes.count) bytes were given"), at: 2)
        }
        let numInterfaces = try r.u8("bNumInterfaces")
        configurationValue = try r.u8("bConfigurationValue")
        configurationIndex = try r.u8("iConfiguration")
        attributes = try r.u8("bmAttributes")
        maxPower = try r.u8("bMaxPower")
        extra = []
        interfaces = []
        var expectedEndpoints: [(count: Int, offset: Int)] = []
        while !r.isAtEnd {
            let start = r.offset
            let len = Int(r.bytes[start])
            guard len >= 2 else { throw r.error("bLength", .invalidValue("\(len) is shorter than a descriptor header"), at: start) }
            guard len <= r.remaining else { throw r.error("bLength", .truncated(needed: len, available: r.remaining), at: start) }
            let t = r.bytes[start + 1]
            switch t {
            case USBInterfaceDescriptor.descriptorType:
                let (i, n) = try USBInterfaceDescriptor.read(&r)
                interfaces.append(i)
                expectedEndpoints.append((Int(n), start + 4))
            case USBEndpointDescriptor.descriptorType:
                guard !interfaces.isEmpty else { throw r.error("bDescriptorType", .invalidValue("an endpoint descriptor before any interface"), at: start + 1) }
                let e = try USBEndpointDescriptor(reading: &r)
                interfaces[interfaces.count - 1].endpoints.append(e)
            default:
                let d = try r.bytes(len, "class-specific descriptor 0x\(String(t, radix: 16))")
                if let last = interfaces.indices.last {
                    if interfaces[last].endpoints.isEmpty {
                        interfaces[last].extra += d
                    } else {
                        interfaces[last].endpoints[interfaces[last].endpoints.count - 1].extra += d
                    }
                } else {
                    extra += d
                }
            }
        }
        for (i, e) in expectedEndpoints.enumerated() where interfaces[i].endpoints.count != e.count {
            throw WireError(entity: Self.entity, field: "bNumEndpoints", offset: e.offset, reason: .invalidValue("interface \(interfaces[i].number) declares \(e.count) endpoints, \(interfaces[i].endpoints.count) follow"))
        }
        let found = Set(interfaces.map(\.number)).count
        guard Int(numInterfaces) == found else {
            throw WireError(entity: Self.entity, field: "bNumInterfaces", offset: 4, reason: .invalidValue("\(numInterfaces), but \(found) interfaces follow"))
        }
    }

    public func encoded() -> [UInt8] {
        let body = extra + interfaces.flatMap { $0.encoded() }
        var w = ByteWriter()
        w.u8(UInt8(Self.length))
        w.u8(Self.descriptorType)
        w.u16le(UInt16(Self.length + body.count))
        w.u8(UInt8(numInterfaces))
        w.u8(configurationValue)
        w.u8(configurationIndex)
        w.u8(attributes)
        w.u8(maxPower)
        w.append(body)
        return w.bytes
    }
}
