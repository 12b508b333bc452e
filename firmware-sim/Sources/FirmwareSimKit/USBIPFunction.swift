import VitalsWire

/// What a simulated USB device looks like on the bus: one configuration with one interface.
/// The server builds the device, configuration and string descriptors from it.
public struct SimulatedUSBDescriptor: Hashable, Sendable {
    public var vendorID: UInt16
    public var productID: UInt16
    public var bcdDevice: UInt16
    /// String descriptors 1, 2 and 3 when present.
    public var manufacturer: String?
    public var product: String?
    public var serialNumber: String?
    public var interfaceClass: UInt8
    public var interfaceSubClass: UInt8
    public var interfaceProtocol: UInt8
    /// Class-specific descriptors right after the interface descriptor, e.g. PHDC's 0x20 and 0x30.
    public var classDescriptors: [UInt8]
    /// The interface's endpoints, each with its own class-specific descriptors in `extra` (PHDC QoS 0x21).
    public var endpoints: [USBEndpointDescriptor]

    public init(
        vendorID: UInt16, productID: UInt16, bcdDevice: UInt16 = 0x0100, manufacturer: String? = nil, product: String? = nil,
        serialNumber: String? = nil, interfaceClass: UInt8, interfaceSubClass: UInt8 = 0, interfaceProtocol: UInt8 = 0,
        classDescriptors: [UInt8] = [], endpoints: [USBEndpointDescriptor]
    ) {
        self.vendorID = vendorID
        self.productID = productID
        self.bcdDevice = bcdDevice
        self.manufacturer = manufacturer
        self.product = product
        self.serialNumber = serialNumber
        self.interfaceClass = interfaceClass
        self.interfaceSubClass = interfaceSubClass
        self.interfaceProtocol = interfaceProtocol
        self.classDescriptors = classDescriptors
        self.endpoints = endpoints
    }

    public var deviceDescriptor: USBDeviceDescriptor {
        USBDeviceDescriptor(
            bcdUSB: 0x0200, maxPacketSize0: 64, vendorID: vendorID, productID: productID, bcdDevice: bcdDevice,
            manufacturerIndex: manufacturer == nil ? 0 : 1, productIndex: product == nil ? 0 : 2, serialNumberIndex: serialNumber == nil ? 0 : 3)
    }

    public var configurationDescriptor: USBConfigurationDescriptor {
        USBConfigurationDescriptor(interfaces: [
            USBInterfaceDescriptor(
                number: 0, interfaceClass: interfaceClass, interfaceSubClass: interfaceSubClass, interfaceProtocol: interfaceProtocol,
                extra: classDescriptors, endpoints: endpoints),
        ])
    }

    /// String descriptor `index` (0: the language list), or nil if there is none.
    public func string(_ index: UInt8) -> USBStringDescriptor? {
        switch index {
        case 0: USBStringDescriptor(languages: [USBStringDescriptor.englishUS])
        case 1: manufacturer.map(USBStringDescriptor.init)
        case 2: product.map(USBStringDescriptor.init)
        case 3: serialNumber.map(USBStringDescriptor.init)
        default: nil
        }
    }

    /// The endpoint with this address (bit 7 set for IN).
    public func endpoint(_ address: UInt8) -> USBEndpointDescriptor? { endpoints.first { $0.address == address } }
}

/// A simulated USB device function behind the USB/IP server: the server answers the standard control
/// requests from `usbDescriptor`; the function only sees bulk data. What it returns is queued on the bulk IN
/// endpoint, one transfer per element, and handed to the host as it asks for data.
///
/// Called from the connection's thread, one call at a time.
public protocol SimulatedUSBFunction: AnyObject, Sendable {
    var usbDescriptor: SimulatedUSBDescriptor { get }
    /// The host set the configuration (a new session): bytes to queue on bulk IN.
    func configured() -> [[UInt8]]
    /// The host wrote one bulk OUT transfer: bytes to queue on bulk IN.
    func bulkOut(_ data: [UInt8]) -> [[UInt8]]
}

/// A PHDC test device: interface class 0x0F with a Class Function descriptor for IEEE 11073-20601, bulk OUT
/// 0x01, bulk IN 0x81 and interrupt IN 0x82, each with a QoS descriptor. Every bulk OUT transfer comes back,
/// unchanged, on bulk IN. No 11073 here: it exercises the USB path alone.
public final class USBLoopbackFunction: SimulatedUSBFunction {
    public let usbDescriptor: SimulatedUSBDescriptor

    /// VID 0x1209 (pid.codes, for open-source projects) with a test PID.
    public init(vendorID: UInt16 = 0x1209, productID: UInt16 = 0x0001, serialNumber: String = "OV-USB-LOOP-01") {
        usbDescriptor = SimulatedUSBDescriptor(
            vendorID: vendorID, productID: productID, manufacturer: "OpenVitals", product: "PHDC loopback test device", serialNumber: serialNumber,
            interfaceClass: USBInterfaceDescriptor.phdcClass,
            classDescriptors: PHDCDescriptor.classFunction(dataCode: PHDCDescriptor.dataCode11073_20601, capability: 0).encoded(),
            endpoints: [
                USBEndpointDescriptor(address: 0x01, type: .bulk, maxPacketSize: 512, extra: PHDCDescriptor.qos(encodingVersion: 1, latencyReliability: 0x08).encoded()),
                USBEndpointDescriptor(address: 0x81, type: .bulk, maxPacketSize: 512, extra: PHDCDescriptor.qos(encodingVersion: 1, latencyReliability: 0x08).encoded()),
                USBEndpointDescriptor(address: 0x82, type: .interrupt, maxPacketSize: 64, interval: 8, extra: PHDCDescriptor.qos(encodingVersion: 1, latencyReliability: 0x01).encoded()),
            ])
    }

    public func configured() -> [[UInt8]] { [] }
    public func bulkOut(_ data: [UInt8]) -> [[UInt8]] { [data] }
}
