import VitalsCore
import VitalsWire

/// What a BLE radio reports to the central.
public enum RadioEvent: Sendable {
    case advertisement(address: BLEAddress, addressType: UInt8, rssi: Int8, data: [UInt8])
    case connected(address: BLEAddress, link: UInt16)
    case connectFailed(address: BLEAddress, reason: String)
    /// The link ended; `reason` is an HCI reason code (0x13 remote user terminated, 0x08 timeout …).
    case disconnected(link: UInt16, reason: UInt8)
    /// One ATT PDU arrived on a link.
    case att(link: UInt16, pdu: [UInt8])
    /// Something arrived that could not be understood; the radio keeps going.
    case malformed(String)
    /// A USB device was attached (simulator link only: it carries USB devices beside BLE ones).
    case usbAttached(link: UInt16, vendorID: UInt16, productID: UInt16, interfaceClass: UInt8, product: String)
    /// A bulk IN transfer from a USB device.
    case usbData(link: UInt16, data: [UInt8])
    case usbDetached(link: UInt16)
    /// The simulator's scenario has played out (simulator link only).
    case scenarioEnd
    /// A timer tick put in by `tick()`.
    case tick
}

/// A BLE central's radio: the simulator link, or a Linux HCI adapter with L2CAP sockets.
/// Commands return at once; results come back as events. The central does the protocol work.
public protocol BLERadio: AnyObject, Sendable {
    var transport: TransportKind { get }
    var events: any AsyncSequence<RadioEvent, any Error> & Sendable { get }
    /// Call once for each event taken from `events`, so the radio may read more (back-pressure).
    func consumed(_ event: RadioEvent)
    func startScan() throws
    /// Connects to a device; `secure` asks for an encrypted link (pairing if needed) before any ATT traffic.
    func connect(_ address: BLEAddress, addressType: UInt8, secure: Bool) throws
    func disconnect(link: UInt16) throws
    func send(link: UInt16, pdu: [UInt8]) throws
    func tick()
    func close()
    /// A bulk OUT transfer to a USB device the radio reported (simulator link only).
    func sendUSB(link: UInt16, data: [UInt8]) throws
}

/// The radio cannot do that (e.g. USB over a real BLE adapter).
public struct RadioUnsupported: Error, CustomStringConvertible {
    public var what: String
    public init(_ what: String) { self.what = what }
    public var description: String { "\(what) is not supported by this radio" }
}

extension BLERadio {
    public func sendUSB(link: UInt16, data: [UInt8]) throws { throw RadioUnsupported("USB") }
}
