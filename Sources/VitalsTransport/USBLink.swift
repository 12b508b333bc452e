import VitalsWire

/// A claimed USB interface with a bulk IN and a bulk OUT endpoint (and, for PHDC, optionally an interrupt IN):
/// what a USB protocol session (IEEE 11073-20601 over PHDC, for one) needs from the transport.
///
/// `LinuxUSBBulkLink` (VitalsTransportLinux) is the libusb one. Calls may come from any task; a link runs its
/// blocking transfers on its own threads, never on the cooperative pool.
public protocol USBBulkLink: Sendable {
    /// The device the link is open on.
    var device: USBDeviceSummary { get }
    /// One bulk OUT transfer of `bytes` (a short final packet ends it).
    func write(_ bytes: [UInt8]) async throws
    /// One bulk IN transfer: the bytes of the next transfer, or nil if nothing arrived within `timeout`.
    func read(timeout: Duration) async throws -> [UInt8]?
    /// One interrupt IN transfer (PHDC's optional "data waiting" endpoint), or nil on timeout or when the
    /// interface has no interrupt IN endpoint.
    func readInterrupt(timeout: Duration) async throws -> [UInt8]?
    /// Releases the interface and closes the device. Further calls throw `USBLinkError.closed`.
    func close()
}

/// Why a USB transfer failed. `disconnected` is the device going away (unplugged, or its USB/IP link
/// dropped): the session ends and the hub waits for the device to arrive again.
public enum USBLinkError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The device is gone (libusb LIBUSB_ERROR_NO_DEVICE).
    case disconnected
    /// The endpoint stalled (LIBUSB_ERROR_PIPE); the link has cleared the halt, the transfer is lost.
    case stalled(endpoint: UInt8)
    /// The link was closed by this side.
    case closed
    /// The device sent more than the transfer asked for (LIBUSB_ERROR_OVERFLOW, "babble").
    case overflow(endpoint: UInt8)
    /// Any other failure: the call, its return code and the library's text.
    case failed(call: String, code: Int32, message: String)

    public var description: String {
        switch self {
        case .disconnected: "USB device disconnected"
        case .stalled(let ep): "USB endpoint 0x\(String(ep, radix: 16)) stalled"
        case .closed: "USB link closed"
        case .overflow(let ep): "USB endpoint 0x\(String(ep, radix: 16)) sent more than asked for (babble)"
        case .failed(let call, let code, let message): "\(call) failed: \(message) (\(code))"
        }
    }
}

/// An endpoint of a USB interface.
public struct USBEndpointSummary: Hashable, Sendable, Codable {
    public var address: UInt8
    /// "control", "isochronous", "bulk" or "interrupt".
    public var transferType: String
    public var maxPacketSize: UInt16

    public init(address: UInt8, transferType: String, maxPacketSize: UInt16) {
        self.address = address
        self.transferType = transferType
        self.maxPacketSize = maxPacketSize
    }

    public var isIn: Bool { address & 0x80 != 0 }
}

/// One interface (alternate setting) of a USB device's active or first configuration.
public struct USBInterfaceSummary: Hashable, Sendable, Codable {
    public var number: UInt8
    public var alternateSetting: UInt8
    public var interfaceClass: UInt8
    public var interfaceSubClass: UInt8
    public var interfaceProtocol: UInt8
    public var endpoints: [USBEndpointSummary]
    /// bPHDCDataCode when this is a PHDC interface (class 0x0F) with a readable Class Function descriptor.
    public var phdcDataCode: UInt8?
    /// The 11073 device specialisations the PHDC interface declares (0x30 descriptor).
    public var phdcSpecializations: [UInt16]
    /// Why the PHDC descriptors could not be read, if they could not.
    public var phdcError: String?

    public init(
        number: UInt8, alternateSetting: UInt8 = 0, interfaceClass: UInt8, interfaceSubClass: UInt8 = 0, interfaceProtocol: UInt8 = 0,
        endpoints: [USBEndpointSummary], phdcDataCode: UInt8? = nil, phdcSpecializations: [UInt16] = [], phdcError: String? = nil
    ) {
        self.number = number
        self.alternateSetting = alternateSetting
        self.interfaceClass = interfaceClass
        self.interfaceSubClass = interfaceSubClass
        self.interfaceProtocol = interfaceProtocol
        self.endpoints = endpoints
        self.phdcDataCode = phdcDataCode
        self.phdcSpecializations = phdcSpecializations
        self.phdcError = phdcError
    }

    /// Summarises a decoded interface descriptor, PHDC descriptors included.
    public init(_ d: USBInterfaceDescriptor) {
        self.init(
            number: d.number, alternateSetting: d.alternateSetting, interfaceClass: d.interfaceClass, interfaceSubClass: d.interfaceSubClass,
            interfaceProtocol: d.interfaceProtocol,
            endpoints: d.endpoints.map { USBEndpointSummary(address: $0.address, transferType: $0.transferType.description, maxPacketSize: $0.maxPacketSize) })
        if d.interfaceClass == USBInterfaceDescriptor.phdcClass {
            do {
                let p = try d.phdc()
                phdcDataCode = p?.dataCode
                phdcSpecializations = p?.deviceSpecializations ?? []
            } catch {
                phdcError = "\(error)"
            }
        }
    }

    public var isPHDC: Bool { interfaceClass == USBInterfaceDescriptor.phdcClass }
    public var isPHDC11073: Bool { isPHDC && phdcDataCode == PHDCDescriptor.dataCode11073_20601 }

    /// "PHDC 11073-20601", another PHDC data code, or nil for other classes.
    public var phdcSummary: String? {
        guard isPHDC else { return nil }
        guard let code = phdcDataCode else { return "PHDC (no class function descriptor)" }
        return PHDCInterface(dataCode: code).summary
    }
}

/// What enumeration found out about one USB device, without opening a session on it.
public struct USBDeviceSummary: Hashable, Sendable, Codable {
    public var bus: UInt8
    public var address: UInt8
    public var vendorID: UInt16
    public var productID: UInt16
    public var deviceClass: UInt8
    /// Read when the device could be opened (permissions; see docs/usb-linux.md).
    public var manufacturer: String?
    public var product: String?
    public var serialNumber: String?
    public var interfaces: [USBInterfaceSummary]

    public init(
        bus: UInt8, address: UInt8, vendorID: UInt16, productID: UInt16, deviceClass: UInt8 = 0, manufacturer: String? = nil,
        product: String? = nil, serialNumber: String? = nil, interfaces: [USBInterfaceSummary]
    ) {
        self.bus = bus
        self.address = address
        self.vendorID = vendorID
        self.productID = productID
        self.deviceClass = deviceClass
        self.manufacturer = manufacturer
        self.product = product
        self.serialNumber = serialNumber
        self.interfaces = interfaces
    }

    /// "cafe:4002" style.
    public var vidPid: String { String(format4(vendorID)) + ":" + format4(productID) }
    /// Bus and address, e.g. "001:004" (as lsusb prints them).
    public var location: String { format3(bus) + ":" + format3(address) }

    /// The first PHDC interface carrying IEEE 11073-20601.
    public var phdc11073Interface: USBInterfaceSummary? { interfaces.first { $0.isPHDC11073 } }

    private func format4(_ v: UInt16) -> String {
        let s = String(v, radix: 16)
        return String(repeating: "0", count: max(0, 4 - s.count)) + s
    }
    private func format3(_ v: UInt8) -> String {
        let s = String(v)
        return String(repeating: "0", count: max(0, 3 - s.count)) + s
    }
}

/// A USB device arriving or leaving, from a hot-plug monitor.
public enum USBHotplugEvent: Hashable, Sendable {
    case arrived(USBDeviceSummary)
    /// The device at this bus and address is gone.
    case left(bus: UInt8, address: UInt8)
}
