/// A frame on the simulator link: what a radio or a bus would carry between firmware-sim and the hub.
///
/// One frame per SOCK_SEQPACKET record, so the socket keeps frame boundaries. Byte 0 is the frame type;
/// multi-byte integers are little-endian; a BLE address is 6 bytes, most significant first.
/// The format is documented in docs/sim-link.md.
public enum SimFrame: Hashable, Sendable {
    /// 0x01, either side, first frame: Role uint8 (0 hub, 1 simulator), Version uint8.
    case hello(role: Role, version: UInt8)
    /// 0x10, simulator → hub: Address (6), Address Type uint8, RSSI sint8, advertising data.
    case advertisement(address: BLEAddress, addressType: UInt8, rssi: Int8, data: [UInt8])
    /// 0x11, hub → simulator: start scanning (the simulator starts advertising its devices).
    case scanStart
    /// 0x12, hub → simulator.
    case scanStop
    /// 0x20, hub → simulator: connect to the device at Address.
    case connectRequest(address: BLEAddress)
    /// 0x21, simulator → hub: Address (6), Link uint16.
    case connected(address: BLEAddress, link: UInt16)
    /// 0x22, either side: Link uint16, Reason uint8 (HCI reason, e.g. 0x13 remote user terminated).
    case disconnect(link: UInt16, reason: UInt8)
    /// 0x23, simulator → hub: Address (6), Reason uint8.
    case connectFailed(address: BLEAddress, reason: UInt8)
    /// 0x30, either side: Link uint16, then one ATT PDU.
    case att(link: UInt16, pdu: [UInt8])
    /// 0x40, either side: Link uint16, Endpoint uint8 (bit 7 set = IN), then the transfer's bytes.
    case usbTransfer(link: UInt16, endpoint: UInt8, data: [UInt8])
    /// 0x41, simulator → hub: a USB device was plugged in: Link uint16, idVendor uint16, idProduct uint16,
    /// bInterfaceClass uint8 (0x0F for PHDC), then its product string (UTF-8).
    case usbAttached(link: UInt16, vendorID: UInt16, productID: UInt16, interfaceClass: UInt8, product: String)
    /// 0x42, simulator → hub: the USB device on Link was unplugged.
    case usbDetached(link: UInt16)
    /// 0x7F, simulator → hub: the scenario has played to its end.
    case scenarioEnd

    public enum Role: UInt8, Hashable, Sendable {
        case hub = 0
        case simulator = 1
    }

    public static let version: UInt8 = 1
    public static let entity = "Simulator link frame"

    public init(bytes: [UInt8]) throws(WireError) {
        var r = ByteReader(bytes, entity: Self.entity)
        let typeOffset = r.offset
        let type = try r.u8("Frame Type")
        switch type {
        case 0x01:
            let roleOffset = r.offset
            let raw = try r.u8("Role")
            guard let role = Role(rawValue: raw) else { throw r.error("Role", .invalidValue("\(raw) is not 0 (hub) or 1 (simulator)"), at: roleOffset) }
            self = .hello(role: role, version: try r.u8("Version"))
        case 0x10:
            let a = BLEAddress(bytes: try r.bytes(6, "Address"))
            let t = try r.u8("Address Type")
            let rssi = try r.i8("RSSI")
            self = .advertisement(address: a, addressType: t, rssi: rssi, data: r.rest())
        case 0x11: self = .scanStart
        case 0x12: self = .scanStop
        case 0x20: self = .connectRequest(address: BLEAddress(bytes: try r.bytes(6, "Address")))
        case 0x21:
            let a = BLEAddress(bytes: try r.bytes(6, "Address"))
            self = .connected(address: a, link: try r.u16le("Link"))
        case 0x22:
            let l = try r.u16le("Link")
            self = .disconnect(link: l, reason: try r.u8("Reason"))
        case 0x23:
            let a = BLEAddress(bytes: try r.bytes(6, "Address"))
            self = .connectFailed(address: a, reason: try r.u8("Reason"))
        case 0x30:
            let l = try r.u16le("Link")
            guard r.remaining > 0 else { throw r.error("ATT PDU", .truncated(needed: 1, available: 0)) }
            self = .att(link: l, pdu: r.rest())
        case 0x40:
            let l = try r.u16le("Link")
            let ep = try r.u8("Endpoint")
            self = .usbTransfer(link: l, endpoint: ep, data: r.rest())
        case 0x41:
            let l = try r.u16le("Link")
            let v = try r.u16le("idVendor")
            let p = try r.u16le("idProduct")
            let c = try r.u8("bInterfaceClass")
            self = .usbAttached(link: l, vendorID: v, productID: p, interfaceClass: c, product: String(decoding: r.rest(), as: UTF8.self))
        case 0x42: self = .usbDetached(link: try r.u16le("Link"))
        case 0x7F: self = .scenarioEnd
        default:
            throw r.error("Frame Type", .invalidValue("unknown frame type 0x\(String(type, radix: 16, uppercase: true))"), at: typeOffset)
        }
        switch self {
        case .advertisement, .att, .usbTransfer, .usbAttached: break
        default: try r.expectEnd(after: "end of frame")
        }
    }

    public func encoded() -> [UInt8] {
        var w = ByteWriter()
        switch self {
        case .hello(let role, let version):
            w.u8(0x01)
            w.u8(role.rawValue)
            w.u8(version)
        case .advertisement(let a, let t, let rssi, let data):
            w.u8(0x10)
            w.append(a.bytes)
            w.u8(t)
            w.i8(rssi)
            w.append(data)
        case .scanStart: w.u8(0x11)
        case .scanStop: w.u8(0x12)
        case .connectRequest(let a):
            w.u8(0x20)
            w.append(a.bytes)
        case .connected(let a, let l):
            w.u8(0x21)
            w.append(a.bytes)
            w.u16le(l)
        case .disconnect(let l, let reason):
            w.u8(0x22)
            w.u16le(l)
            w.u8(reason)
        case .connectFailed(let a, let reason):
            w.u8(0x23)
            w.append(a.bytes)
            w.u8(reason)
        case .att(let l, let pdu):
            w.u8(0x30)
            w.u16le(l)
            w.append(pdu)
        case .usbTransfer(let l, let ep, let data):
            w.u8(0x40)
            w.u16le(l)
            w.u8(ep)
            w.append(data)
        case .usbAttached(let l, let v, let p, let c, let product):
            w.u8(0x41)
            w.u16le(l)
            w.u16le(v)
            w.u16le(p)
            w.u8(c)
            w.append(Array(product.utf8))
        case .usbDetached(let l):
            w.u8(0x42)
            w.u16le(l)
        case .scenarioEnd: w.u8(0x7F)
        }
        return w.bytes
    }
}

/// A 48-bit Bluetooth device address, most significant byte first as written (`AA:BB:CC:DD:EE:FF`).
public struct BLEAddress: Hashable, Sendable, CustomStringConvertible {
    public var bytes: [UInt8]

    public init(bytes: [UInt8]) {
        precondition(bytes.count == 6, "a BLE address is 6 bytes")
        self.bytes = bytes
    }

    public init?(string: String) {
        let parts = string.split(separator: ":")
        guard parts.count == 6 else { return nil }
        var b: [UInt8] = []
        for p in parts {
            guard p.count == 2, let v = UInt8(p, radix: 16) else { return nil }
            b.append(v)
        }
        bytes = b
    }

    public var description: String { Hex.format(bytes, separator: ":") }
}
