#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Logging
import Synchronization
import VitalsTransport
import VitalsWire

/// A user-space USB/IP server (the protocol of Linux's usbip-host and vhci-hcd) exporting one simulated
/// device: `usbip list -r HOST` lists it, `usbip attach -r HOST -b BUSID` plugs it into that host's USB
/// stack, where libusb (or a kernel driver) sees a real device. See docs/usb-linux.md.
///
/// Each TCP connection gets a thread. A device-list request is answered and the connection closed; an import
/// request, if the bus id matches and the device is free, turns the connection into the device's URB stream,
/// played by a `USBIPDeviceCore` until the host detaches (or a fault drops the link).
public final class USBIPServer: Sendable {
    public let function: any SimulatedUSBFunction
    public let busID: String
    public let faults: USBIPFaults
    /// The port listened on (the one asked for, or the one the kernel chose for 0).
    public let port: UInt16
    let listener: Int32
    let logger: Logger

    struct State {
        var imported = false
        var connections: Set<Int32> = []
        var stopped = false
        var importsServed = 0
    }
    let state = Mutex(State())

    public static let defaultPort: UInt16 = 3240

    /// Binds and listens on `host:port` (IPv4).
    public init(function: any SimulatedUSBFunction, host: String = "127.0.0.1", port: UInt16 = defaultPort, busID: String = "1-1", faults: USBIPFaults = .init(), logger: Logger) throws(SocketError) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw SocketError(call: "socket", errno: errno) }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = port.bigEndian
        guard inet_pton(AF_INET, host, &addr.sin_addr) == 1 else {
            _ = Glibc.close(fd)
            throw SocketError(call: "inet_pton", errno: EINVAL, path: host)
        }
        let rc = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        guard rc == 0, listen(fd, 8) == 0 else {
            let e = errno
            _ = Glibc.close(fd)
            throw SocketError(call: "bind/listen", errno: e, path: "\(host):\(port)")
        }
        var bound = sockaddr_in()
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &bound) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
        self.port = UInt16(bigEndian: bound.sin_port)
        self.listener = fd
        self.function = function
        self.busID = busID
        self.faults = faults
        self.logger = logger
    }

    deinit { _ = Glibc.close(listener) }

    /// Blocks: accepts connections until `stop()`, or until `maxImports` imports have ended.
    public func run(maxImports: Int = .max) {
        logger.info("usbip listening", metadata: ["usbip.port": "\(port)", "usbip.busid": "\(busID)", "usbip.device": "\(hex4(function.usbDescriptor.vendorID)):\(hex4(function.usbDescriptor.productID))"])
        while true {
            let c = accept(listener, nil, nil)
            if state.withLock({ $0.stopped || $0.importsServed >= maxImports }) {
                if c >= 0 { _ = Glibc.close(c) }
                return
            }
            guard c >= 0 else {
                if errno == EINTR { continue }
                logger.warning("usbip accept failed", metadata: ["error": "\(String(cString: strerror(errno)))"])
                return
            }
            var one: Int32 = 1
            setsockopt(c, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
            state.withLock { _ = $0.connections.insert(c) }
            let thread = Thread { [self] in
                serve(c)
                state.withLock { _ = $0.connections.remove(c) }
                _ = Glibc.close(c)
                // Wake the accept loop if that was the last import allowed.
                if state.withLock({ $0.importsServed >= maxImports }) { _ = shutdown(listener, Int32(SHUT_RDWR)) }
            }
            thread.name = "openvitals.usbip.connection"
            thread.start()
        }
    }

    /// Stops accepting and drops every connection (imported devices disappear from their hosts).
    public func stop() {
        let open = state.withLock { s in
            s.stopped = true
            return s.connections
        }
        for c in open { _ = shutdown(c, Int32(SHUT_RDWR)) }
        _ = shutdown(listener, Int32(SHUT_RDWR))
    }

    /// Imports that have ended (the host detached, or the connection dropped).
    public var importsServed: Int { state.withLock { $0.importsServed } }

    func serve(_ fd: Int32) {
        guard let header = readExactly(fd, USBIPOperation.headerLength) else { return }
        let request: USBIPOperation
        do {
            guard let body = try USBIPOperation.requestBodyLength(header: header), let rest = readExactly(fd, body) else {
                logger.warning("usbip: not a request", metadata: ["bytes": "\(Hex.format(header))"])
                return
            }
            request = try USBIPOperation(bytes: header + rest)
        } catch {
            logger.warning("usbip: malformed request", metadata: ["error": "\(error)"])
            return
        }
        var core = USBIPDeviceCore(function: function, busID: busID, faults: faults)
        switch request {
        case .requestDeviceList:
            logger.info("usbip: device list requested")
            _ = writeAll(fd, USBIPOperation.deviceList([core.deviceInfo()]).encoded())
        case .requestImport(let wanted):
            let granted = wanted == busID && state.withLock { s in
                defer { s.imported = true }
                return !s.imported
            }
            guard granted else {
                logger.notice("usbip: import refused", metadata: ["usbip.busid": "\(wanted)"])
                _ = writeAll(fd, USBIPOperation.importReply(status: 1, device: nil).encoded())
                return
            }
            logger.info("usbip: device imported", metadata: ["usbip.busid": "\(wanted)"])
            defer {
                // An import the host never used (its `usbip attach` failed after the import, e.g. vhci busy)
                // does not count toward maxImports, so the client can try again.
                let used = core.bulkTransfers > 0
                state.withLock { s in
                    s.imported = false
                    if used { s.importsServed += 1 }
                }
                logger.info("usbip: import ended", metadata: ["usbip.bulk-transfers": "\(core.bulkTransfers)"])
            }
            guard writeAll(fd, USBIPOperation.importReply(status: 0, device: core.deviceInfo()).encoded()) else { return }
            urbLoop(fd, &core)
        default:
            return
        }
    }

    func urbLoop(_ fd: Int32, _ core: inout USBIPDeviceCore) {
        while let header = readExactly(fd, USBIPBasicHeader.fullLength) {
            var out: [USBIPOutput]
            do {
                let basic = try USBIPBasicHeader(bytes: Array(header.prefix(USBIPBasicHeader.length)))
                switch basic.command {
                case USBIPBasicHeader.Command.submit:
                    guard let payload = readExactly(fd, try USBIPCmdSubmit.payloadLength(header: header)) else { return }
                    let cmd = try USBIPCmdSubmit(bytes: header + payload)
                    logger.trace("usbip: submit", metadata: ["seq": "\(cmd.seqnum)", "ep": "\(cmd.ep)", "dir": "\(cmd.isIn ? "in" : "out")", "len": "\(cmd.transferBufferLength)", "setup": "\(Hex.format(cmd.setup))"])
                    out = core.submit(cmd)
                case USBIPBasicHeader.Command.unlink:
                    let cmd = try USBIPCmdUnlink(bytes: header)
                    logger.trace("usbip: unlink", metadata: ["seq": "\(cmd.seqnum)", "unlink": "\(cmd.unlinkSeqnum)"])
                    out = core.unlink(cmd)
                default:
                    logger.warning("usbip: unexpected command from host", metadata: ["command": "\(basic.command)"])
                    return
                }
            } catch {
                logger.warning("usbip: malformed command; dropping the link", metadata: ["error": "\(error)"])
                return
            }
            for o in out {
                switch o {
                case .send(let bytes):
                    guard writeAll(fd, bytes) else { return }
                case .disconnect:
                    logger.notice("usbip: fault: disconnecting", metadata: ["usbip.bulk-transfers": "\(core.bulkTransfers)"])
                    return
                }
            }
        }
    }

    func readExactly(_ fd: Int32, _ n: Int) -> [UInt8]? {
        var buf = [UInt8](repeating: 0, count: n)
        var got = 0
        while got < n {
            let r = buf.withUnsafeMutableBytes { recv(fd, $0.baseAddress! + got, n - got, 0) }
            if r < 0 && errno == EINTR { continue }
            guard r > 0 else { return nil }
            got += r
        }
        return buf
    }

    func writeAll(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
        var sent = 0
        while sent < bytes.count {
            let r = bytes.withUnsafeBytes { send(fd, $0.baseAddress! + sent, bytes.count - sent, Int32(MSG_NOSIGNAL)) }
            if r < 0 && errno == EINTR { continue }
            guard r > 0 else { return false }
            sent += r
        }
        return true
    }

    func hex4(_ v: UInt16) -> String {
        let s = String(v, radix: 16)
        return String(repeating: "0", count: 4 - s.count) + s
    }
}
