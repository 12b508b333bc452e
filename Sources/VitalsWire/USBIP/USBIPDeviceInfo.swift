/// The description of an exported device in OP_REP_DEVLIST and OP_REP_IMPORT (Linux
/// Documentation/usb/usbip_protocol.rst): 0x138 bytes, big-endian; in OP_REP_DEVLIST followed by 4 bytes
/// per interface (class, subclass, protocol, padding).
public struct USBIPDeviceInfo: Hashable, Sendable {
    public static let entity = "USB/IP device"
    /// Bytes without the interface list.
    public static let length = 0x138

    public struct Interface: Hashable, Sendable {
        public var interfaceClass: UInt8
        public var interfaceSubClass: UInt8
        public var interfaceProtocol: UInt8
        public init(interfaceClass: UInt8, interfaceSubClass: UInt8, interfaceProtocol: UInt8) {
            self.interfaceClass = interfaceClass
            self.interfaceSubClass = interfaceSubClass
            self.interfaceProtocol = interfaceProtocol
        }
    }

    /// sysfs path on the exporting host, up to 255 bytes.
    public var path: String
    /// Bus id, e.g. "1-1", up to 31 bytes.
    public var busID: String
    public var busNumber: UInt32
    public var deviceNumber: UInt32
    /// Linux `enum usb_device_speed`: 1 low, 2 full, 3 high, 5 super.
    public var speed: UInt32
    public var vendorID: UInt16
    public var productID: UInt16
    public var bcdDevice: UInt16
    public var deviceClass: UInt8
    public var deviceSubClass: UInt8
    public var deviceProtocol: UInt8
    public var configurationValue: UInt8
    public var numConfigurations: UInt8
    public var numInterfaces: UInt8
    /// Only in OP_REP_DEVLIST.
    public var interfaces: [Interface]

    public init(
        path: String, busID: String, busNumber: UInt32, deviceNumber: UInt32, speed: UInt32, vendorID: UInt16, productID: UInt16,
        bcdDevice: UInt16, deviceClass: UInt8 = 0, deviceSubClass: UInt8 = 0, deviceProtocol: UInt8 = 0, configurationValue: UInt8 = 0,
        numConfigurations: UInt8 = 1, numInterfaces: UInt8, interfaces: [Interface] = []
    ) {
        self.path = path
        self.busID = busID
        self.busNumber = busNumber
        self.deviceNumber = deviceNumber
        self.speed = speed
        self.vendorID = vendorID
        self.productID = productID
        self.bcdDevice = bcdDevice
        self.deviceClass = deviceClass
        self.deviceSubClass = deviceSubClass
        self.deviceProtocol = deviceProtocol
        self.configurationValue = configurationValue
        self.numConfigurations = numConfigurations
        self.numInterfaces = numInterfaces
        self.interfaces = interfaces
    }

    /// Reads one device; with `withInterfaces`, also its bNumInterfaces interface entries.
    static func read(_ r: inout ByteReader, withInterfaces: Bool) throws(WireError) -> USBIPDeviceInfo {
        let path = cString(try r.bytes(256, "path"))
        let busID = cString(try r.bytes(32, "busid"))
        var d = USBIPDeviceInfo(
            path: path, busID: busID, busNumber: try r.u32be("busnum"), deviceNumber: try r.u32be("devnum"), speed: try r.u32be("speed"),
            vendorID: try r.u16be("idVendor"), productID: try r.u16be("idProduct"), bcdDevice: try r.u16be("bcdDevice"),
            deviceClass: try r.u8("bDeviceClass"), deviceSubClass: try r.u8("bDeviceSubClass"), deviceProtocol: try r.u8("bDeviceProtocol"),
            configurationValue: try r.u8("bConfigurationValue"), numConfigurations: try r.u8("bNumConfigurations"), numInterfaces: try r.u8("bNumInterfaces"))
        if withInterfaces {
            for _ in 0..<d.numInterfaces {
                let c = try r.u8("bInterfaceClass")
                let s = try r.u8("bInterfaceSubClass")
                let p = try r.u8("bInterfaceProtocol")
                _ = try r.u8("padding")
                d.interfaces.append(Interface(interfaceClass: c, interfaceSubClass: s, interfaceProtocol: p))
            }
        }
        return d
    }

    func write(_ w: inout ByteWriter, withInterfaces: Bool) {
        w.append(Self.fixed(path, 256))
        w.append(Self.fixed(busID, 32))
        w.u32be(busNumber)
        w.u32be(deviceNumber)
        w.u32be(speed)
        w.u16be(vendorID)
        w.u16be(productID)
        w.u16be(bcdDevice)
        w.u8(deviceClass)
        w.u8(deviceSubClass)
        w.u8(deviceProtocol)
        w.u8(configurationValue)
        w.u8(numConfigurations)
        w.u8(numInterfaces)
        if withInterfaces {
            for i in interfaces { w.append([i.interfaceClass, i.interfaceSubClass, i.interfaceProtocol, 0]) }
        }
    }

    /// A zero-terminated string in a zero-filled field of `size` bytes (cut to size - 1).
    static func fixed(_ s: String, _ size: Int) -> [UInt8] {
        let b = Array(s.utf8.prefix(size - 1))
        return b + [UInt8](repeating: 0, count: size - b.count)
    }

    static func cString(_ b: [UInt8]) -> String { String(decoding: b.prefix { $0 != 0 }, as: UTF8.self) }
}
