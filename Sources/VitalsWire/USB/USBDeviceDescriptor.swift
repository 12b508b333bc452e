/// The USB standard device descriptor (USB 2.0 §9.6.1, descriptor type 0x01): 18 bytes, little-endian.
public struct USBDeviceDescriptor: Hashable, Sendable {
    public static let entity = "USB device descriptor"
    public static let length = 18
    public static let descriptorType: UInt8 = 0x01

    public var bcdUSB: UInt16
    public var deviceClass: UInt8
    public var deviceSubClass: UInt8
    public var deviceProtocol: UInt8
    public var maxPacketSize0: UInt8
    public var vendorID: UInt16
    public var productID: UInt16
    public var bcdDevice: UInt16
    /// String descriptor indexes (0 = none).
    public var manufacturerIndex: UInt8
    public var productIndex: UInt8
    public var serialNumberIndex: UInt8
    public var numConfigurations: UInt8

    public init(
        bcdUSB: UInt16 = 0x0200, deviceClass: UInt8 = 0, deviceSubClass: UInt8 = 0, deviceProtocol: UInt8 = 0,
        maxPacketSize0: UInt8 = 64, vendorID: UInt16, productID: UInt16, bcdDevice: UInt16 = 0x0100,
        manufacturerIndex: UInt8 = 0, productIndex: UInt8 = 0, serialNumberIndex: UInt8 = 0, numConfigurations: UInt8 = 1
    ) {
        self.bcdUSB = bcdUSB
        self.deviceClass = deviceClass
        self.deviceSubClass = deviceSubClass
        self.deviceProtocol = deviceProtocol
        self.maxPacketSize0 = maxPacketSize0
        self.vendorID = vendorID
        self.productID = productID
        self.bcdDevice = bcdDevice
        self.manufacturerIndex = manufacturerIndex
        self.productIndex = productIndex
        self.serialNumberIndex = serialNumberIndex
        self.numConfigurations = numConfigurations
    }

    public init(bytes: [UInt8]) throws(WireError) {
        var r = ByteReader(bytes, entity: Self.entity)
        let length = try r.u8("bLength")
        guard length == Self.length else { throw r.error("bLength", .invalidValue("\(length), expected 18"), at: 0) }
        let type = try r.u8("bDescriptorType")
        guard type == Self.descriptorType else { throw r.error("bDescriptorType", .invalidValue("0x\(String(type, radix: 16)), expected 0x01"), at: 1) }
        bcdUSB = try r.u16le("bcdUSB")
        deviceClass = try r.u8("bDeviceClass")
        deviceSubClass = try r.u8("bDeviceSubClass")
        deviceProtocol = try r.u8("bDeviceProtocol")
        maxPacketSize0 = try r.u8("bMaxPacketSize0")
        vendorID = try r.u16le("idVendor")
        productID = try r.u16le("idProduct")
        bcdDevice = try r.u16le("bcdDevice")
        manufacturerIndex = try r.u8("iManufacturer")
        productIndex = try r.u8("iProduct")
        serialNumberIndex = try r.u8("iSerialNumber")
        numConfigurations = try r.u8("bNumConfigurations")
        try r.expectEnd(after: "bNumConfigurations")
    }

    public func encoded() -> [UInt8] {
        var w = ByteWriter()
        w.u8(UInt8(Self.length))
        w.u8(Self.descriptorType)
        w.u16le(bcdUSB)
        w.u8(deviceClass)
        w.u8(deviceSubClass)
        w.u8(deviceProtocol)
        w.u8(maxPacketSize0)
        w.u16le(vendorID)
        w.u16le(productID)
        w.u16le(bcdDevice)
        w.u8(manufacturerIndex)
        w.u8(productIndex)
        w.u8(serialNumberIndex)
        w.u8(numConfigurations)
        return w.bytes
    }
}
