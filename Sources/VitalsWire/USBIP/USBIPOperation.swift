/// The messages of USB/IP's operation stage, before a device is imported (Linux
/// Documentation/usb/usbip_protocol.rst): a common header (version uint16, code uint16, status uint32,
/// big-endian), then the body.
public enum USBIPOperation: Hashable, Sendable {
    /// OP_REQ_DEVLIST (0x8005).
    case requestDeviceList
    /// OP_REP_DEVLIST (0x0005): number of devices uint32, then each device with its interfaces.
    case deviceList([USBIPDeviceInfo])
    /// OP_REQ_IMPORT (0x8003): busid, 32 bytes.
    case requestImport(busID: String)
    /// OP_REP_IMPORT (0x0003): status (0 OK, 1 error); on OK the device (without interfaces).
    case importReply(status: UInt32, device: USBIPDeviceInfo?)

    public static let entity = "USB/IP operation"
    /// USB/IP 1.1.1.
    public static let version: UInt16 = 0x0111
    public static let headerLength = 8

    public enum Code {
        public static let requestDeviceList: UInt16 = 0x8005
        public static let deviceList: UInt16 = 0x0005
        public static let requestImport: UInt16 = 0x8003
        public static let importReply: UInt16 = 0x0003
    }

    public var code: UInt16 {
        switch self {
        case .requestDeviceList: Code.requestDeviceList
        case .deviceList: Code.deviceList
        case .requestImport: Code.requestImport
        case .importReply: Code.importReply
        }
    }

    /// For a server reading a request from a stream: the bytes that follow the 8-byte header, or nil for
    /// a code that is not a request.
    public static func requestBodyLength(header: [UInt8]) throws(WireError) -> Int? {
        var r = ByteReader(header, entity: entity)
        _ = try r.u16be("version")
        switch try r.u16be("code") {
        case Code.requestDeviceList: return 0
        case Code.requestImport: return 32
        default: return nil
        }
    }

    public init(bytes: [UInt8]) throws(WireError) {
        var r = ByteReader(bytes, entity: Self.entity)
        let version = try r.u16be("version")
        guard version == Self.version else {
            throw r.error("version", .invalidValue("0x\(String(version, radix: 16)), expected 0x0111"), at: 0)
        }
        let code = try r.u16be("code")
        let status = try r.u32be("status")
        switch code {
        case Code.requestDeviceList:
            self = .requestDeviceList
        case Code.deviceList:
            let n = try r.u32be("number of exported devices")
            var list: [USBIPDeviceInfo] = []
            // Each device is at least 0x138 bytes: a count larger than the bytes allow is malformed, not a huge loop.
            guard Int(n) <= r.remaining / USBIPDeviceInfo.length else {
                throw r.error("number of exported devices", .truncated(needed: Int(n) * USBIPDeviceInfo.length, available: r.remaining), at: 8)
            }
            for _ in 0..<n { list.append(try USBIPDeviceInfo.read(&r, withInterfaces: true)) }
            self = .deviceList(list)
        case Code.requestImport:
            self = .requestImport(busID: USBIPDeviceInfo.cString(try r.bytes(32, "busid")))
        case Code.importReply:
            self = .importReply(status: status, device: status == 0 ? try USBIPDeviceInfo.read(&r, withInterfaces: false) : nil)
        default:
            throw r.error("code", .invalidValue("unknown operation 0x\(String(code, radix: 16))"), at: 2)
        }
        try r.expectEnd(after: "\(self.code == Code.deviceList ? "last device" : "body")")
    }

    public func encoded() -> [UInt8] {
        var w = ByteWriter()
        w.u16be(Self.version)
        w.u16be(code)
        switch self {
        case .requestDeviceList:
            w.u32be(0)
        case .deviceList(let list):
            w.u32be(0)
            w.u32be(UInt32(list.count))
            for d in list { d.write(&w, withInterfaces: true) }
        case .requestImport(let busID):
            w.u32be(0)
            w.append(USBIPDeviceInfo.fixed(busID, 32))
        case .importReply(let status, let device):
            w.u32be(status)
            if status == 0, let device { device.write(&w, withInterfaces: false) }
        }
        return w.bytes
    }
}
