import CBlueZ
import Foundation
import Logging
import Synchronization
import VitalsCore
import VitalsTransport
import VitalsWire

/// A BLE central on a Linux HCI adapter, through the kernel's own sockets (libbluetooth):
/// LE scanning on a raw HCI socket, and one L2CAP socket on the ATT fixed channel (CID 4) per link.
///
/// Encryption: `connect(…, secure: true)` sets BT_SECURITY medium on the socket before connecting, so the
/// kernel encrypts the link (Just Works pairing if no key is stored) before any ATT traffic flows.
/// The kernel asks user space to confirm every pairing: with `pairingAgent` the radio runs a
/// `LinuxPairingAgent` on the adapter (Just Works accepted, keys kept in `bondKeys`); without it that is
/// left to bluetoothd. See docs/ble-linux.md.
public final class LinuxBLERadio: BLERadio {
    public let transport = TransportKind.ble
    public let events: any AsyncSequence<RadioEvent, any Error> & Sendable
    let continuation: AsyncThrowingStream<RadioEvent, any Error>.Continuation
    let deviceID: Int32
    /// For commands (hci_send_req reads their completions here).
    let hci: Int32
    /// For advertising reports only: a reader on the command socket would steal command completions.
    let eventsFD: Int32
    let adapterAddress: bdaddr_t
    let slots = Slots(64)
    let logger: Logger
    let agent: LinuxPairingAgent?
    /// One LE connection attempt at a time: a controller initiates one connection at once, and scanning must
    /// stay off until the attempt ends (re-enabling it from another attempt's thread breaks the first).
    let connectLock = NSLock()

    struct State {
        var links: [UInt16: SeqPacketSocket] = [:]
        var nextLink: UInt16 = 0x0040
        var scanning = false
        var closed = false
    }
    let state = Mutex(State())

    public struct RadioError: Error, CustomStringConvertible {
        public var message: String
        public var description: String { message }
    }

    /// Opens adapter `hciN` (the first adapter when nil); with `pairingAgent`, answers pairing requests on it
    /// (with the PINs in `passkeys` for passkey entry) and keeps bond keys in `bondKeys` (when given).
    /// `agentCheck` runs before the agent starts, given the adapter's number and address: it throws to keep
    /// the agent off an adapter someone else manages (`BluetoothdCheck`).
    public init(adapter: Int32? = nil, logger: Logger, pairingAgent: Bool = false, bondKeys: BondKeyFile? = nil,
                passkeys: PasskeyBook = PasskeyBook(), agentCheck: ((Int32, BLEAddress) throws -> Void)? = nil) throws {
        let id = adapter ?? hci_get_route(nil)
        guard id >= 0 else { throw RadioError(message: "no Bluetooth adapter found (hci_get_route: \(String(cString: strerror(errno))))") }
        let dd = hci_open_dev(id)
        guard dd >= 0 else { throw RadioError(message: "cannot open hci\(id): \(String(cString: strerror(errno)))") }
        var ba = bdaddr_t()
        guard hci_devba(id, &ba) == 0 else {
            hci_close_dev(dd)
            throw RadioError(message: "cannot read the address of hci\(id): \(String(cString: strerror(errno)))")
        }
        let reader = hci_open_dev(id)
        guard reader >= 0 else {
            hci_close_dev(dd)
            throw RadioError(message: "cannot open hci\(id): \(String(cString: strerror(errno)))")
        }
        deviceID = id
        hci = dd
        eventsFD = reader
        adapterAddress = ba
        self.logger = logger
        if pairingAgent {
            do {
                try agentCheck?(id, Self.address(ba))
                agent = try LinuxPairingAgent(adapter: UInt16(id), adapterAddress: Self.address(ba), keyFile: bondKeys, passkeys: passkeys, logger: logger)
            } catch {
                hci_close_dev(dd)
                hci_close_dev(reader)
                throw RadioError(message: "pairing agent on hci\(id): \(error)")
            }
        } else {
            agent = nil
        }
        let (stream, continuation) = AsyncThrowingStream<RadioEvent, any Error>.makeStream()
        events = stream
        self.continuation = continuation
        startScanReader()
    }

    deinit {
        hci_close_dev(hci)
        hci_close_dev(eventsFD)
    }

    static func address(_ b: bdaddr_t) -> BLEAddress {
        var b = b
        return BLEAddress(bytes: withUnsafeBytes(of: &b.b) { Array($0.prefix(6)).reversed() })
    }

    static func bdaddr(_ a: BLEAddress) -> bdaddr_t {
        var b = bdaddr_t()
        let bytes = Array(a.bytes.reversed())  // bdaddr_t is little-endian
        withUnsafeMutableBytes(of: &b.b) { raw in for i in 0..<6 { raw[i] = bytes[i] } }
        return b
    }

    public func consumed(_ event: RadioEvent) {
        if case .tick = event { return }
        slots.signal()
    }

    func yield(_ e: RadioEvent) {
        slots.wait()
        continuation.yield(e)
    }

    public func startScan() throws {
        // Active scan, 10 ms interval and window, public own address, no filter policy.
        guard hci_le_set_scan_parameters(hci, 0x01, UInt16(0x0010).littleEndian, UInt16(0x0010).littleEndian, 0x00, 0x00, 1000) >= 0 || errno == EIO else {
            throw RadioError(message: "LE Set Scan Parameters failed on hci\(deviceID): \(String(cString: strerror(errno)))")
        }
        guard hci_le_set_scan_enable(hci, 0x01, 0x00, 1000) >= 0 else {
            throw RadioError(message: "LE Set Scan Enable failed on hci\(deviceID): \(String(cString: strerror(errno)))")
        }
        state.withLock { $0.scanning = true }
    }

    func pauseScan() {
        if hci_le_set_scan_enable(hci, 0x00, 0x00, 2000) < 0 {
            logger.warning("LE Set Scan Enable (off) failed", metadata: ["error": "\(String(cString: strerror(errno)))"])
        }
    }
    func resumeScan() {
        if state.withLock({ $0.scanning && !$0.closed }) { _ = hci_le_set_scan_enable(hci, 0x01, 0x00, 1000) }
    }

    /// Reads LE Meta events from the raw HCI socket on its own thread.
    func startScanReader() {
        var filter = hci_filter()
        hci_filter_clear(&filter)
        hci_filter_set_ptype(Int32(HCI_EVENT_PKT), &filter)
        hci_filter_set_event(Int32(EVT_LE_META_EVENT), &filter)
        _ = setsockopt(eventsFD, Int32(SOL_HCI), Int32(HCI_FILTER), &filter, socklen_t(MemoryLayout<hci_filter>.size))
        let fd = eventsFD
        let thread = Thread { [self] in
            var buffer = [UInt8](repeating: 0, count: Int(HCI_MAX_EVENT_SIZE))
            while !state.withLock({ $0.closed }) {
                var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
                guard poll(&p, 1, 200) > 0 else { continue }
                let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
                guard n > 0 else { continue }
                do {
                    guard let ev = try HCILEAdvertisingReport(packet: Array(buffer[0..<n])) else { continue }
                    for r in ev.reports where r.eventType != 0x04 || !r.data.isEmpty {
                        // A bonded device advertising from a resolvable private address is named by its identity
                        // address: the hub keys it by that, and the kernel (which has its IRK) connects to it by that.
                        if r.addressType == 0x01, let identity = agent?.identity(of: r.address, random: true) {
                            yield(.advertisement(address: identity.address, addressType: identity.type == 1 ? 0x00 : 0x01, rssi: r.rssi, data: r.data))
                        } else {
                            yield(.advertisement(address: r.address, addressType: r.addressType, rssi: r.rssi, data: r.data))
                        }
                    }
                } catch {
                    yield(.malformed("\(error)"))
                }
            }
        }
        thread.name = "hci-scan"
        thread.start()
    }

    public func connect(_ address: BLEAddress, addressType: UInt8, secure: Bool) throws {
        let thread = Thread { [self] in
            connectLock.lock()
            defer { connectLock.unlock() }
            pauseScan()
            defer { resumeScan() }
            do {
                let socket = try openATTSocket(to: address, addressType: addressType, secure: secure)
                let link: UInt16? = state.withLock { s in
                    guard !s.closed else { return nil }
                    let l = s.nextLink
                    s.nextLink = s.nextLink == 0x0EFF ? 0x0040 : s.nextLink + 1
                    s.links[l] = socket
                    return l
                }
                // The radio closed while connecting: the socket goes with it.
                guard let link else {
                    socket.shutdown()
                    return
                }
                yield(.connected(address: address, link: link))
                startLinkReader(socket, link: link)
            } catch {
                yield(.connectFailed(address: address, reason: "\(error)"))
            }
        }
        thread.name = "l2cap-connect"
        thread.start()
    }

    /// An L2CAP socket on the ATT fixed channel, connected to `address`.
    func openATTSocket(to address: BLEAddress, addressType: UInt8, secure: Bool) throws -> SeqPacketSocket {
        let fd = socket(PF_BLUETOOTH, Int32(SOCK_SEQPACKET.rawValue), BTPROTO_L2CAP)
        guard fd >= 0 else { throw RadioError(message: "L2CAP socket: \(String(cString: strerror(errno)))") }
        var local = sockaddr_l2()
        local.l2_family = sa_family_t(AF_BLUETOOTH)
        local.l2_bdaddr = adapterAddress
        local.l2_cid = UInt16(4).littleEndian
        local.l2_bdaddr_type = UInt8(BDADDR_LE_PUBLIC)
        let bound = withUnsafePointer(to: &local) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_l2>.size)) } }
        guard bound == 0 else {
            let e = errno
            Glibc.close(fd)
            throw RadioError(message: "bind to hci\(deviceID) ATT channel: \(String(cString: strerror(e)))")
        }
        if secure {
            var sec = bt_security(level: UInt8(BT_SECURITY_MEDIUM), key_size: 0)
            guard setsockopt(fd, SOL_BLUETOOTH, BT_SECURITY, &sec, socklen_t(MemoryLayout<bt_security>.size)) == 0 else {
                let e = errno
                Glibc.close(fd)
                throw RadioError(message: "BT_SECURITY medium: \(String(cString: strerror(e)))")
            }
        }
        var remote = sockaddr_l2()
        remote.l2_family = sa_family_t(AF_BLUETOOTH)
        remote.l2_bdaddr = Self.bdaddr(address)
        remote.l2_cid = UInt16(4).littleEndian
        // Advertising reports say 0 public / 1 random; L2CAP wants BDADDR_LE_PUBLIC (1) / BDADDR_LE_RANDOM (2).
        remote.l2_bdaddr_type = UInt8(addressType & 0x01 == 1 ? BDADDR_LE_RANDOM : BDADDR_LE_PUBLIC)
        let connected = withUnsafePointer(to: &remote) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_l2>.size)) } }
        guard connected == 0 else {
            let e = errno
            Glibc.close(fd)
            throw RadioError(message: "connect to \(address): \(String(cString: strerror(e)))")
        }
        if secure {
            // The kernel reports the fixed ATT channel connected as soon as the LE link is up and pairs
            // (or starts encryption with a stored key) after that: wait for it, so the first write to a
            // protected characteristic is not refused. A device that never encrypts gets a warning.
            // A link that ends meanwhile (pairing refused, the device gone) or a radio closing ends the wait.
            var level = Self.securityLevel(fd)
            let deadline = ContinuousClock.now + .seconds(20)
            while level < UInt8(BT_SECURITY_MEDIUM) && ContinuousClock.now < deadline {
                var p = pollfd(fd: fd, events: 0, revents: 0)
                _ = poll(&p, 1, 50)
                if p.revents & Int16(POLLHUP | POLLERR | POLLNVAL) != 0 || state.withLock({ $0.closed }) {
                    var err: Int32 = 0
                    var len = socklen_t(MemoryLayout<Int32>.size)
                    _ = getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len)
                    Glibc.close(fd)
                    throw RadioError(message: "link to \(address) ended before it was encrypted (pairing refused or failed?)\(err != 0 ? ": " + String(cString: strerror(err)) : "")")
                }
                level = Self.securityLevel(fd)
            }
            if level >= UInt8(BT_SECURITY_MEDIUM) {
                logger.info("link encrypted", metadata: ["address": "\(address)", "security.level": "\(level)"])
            } else {
                logger.warning("link not encrypted: protected characteristics will be refused", metadata: ["address": "\(address)", "security.level": "\(level)"])
            }
        }
        return SeqPacketSocket(adopting: fd)
    }

    static func securityLevel(_ fd: Int32) -> UInt8 {
        var sec = bt_security()
        var len = socklen_t(MemoryLayout<bt_security>.size)
        guard getsockopt(fd, SOL_BLUETOOTH, BT_SECURITY, &sec, &len) == 0 else { return 0 }
        return sec.level
    }

    func startLinkReader(_ socket: SeqPacketSocket, link: UInt16) {
        let thread = Thread { [self] in
            var reason: UInt8 = 0x13
            do throws(SocketError) {
                while let pdu = try socket.receive() { yield(.att(link: link, pdu: pdu)) }
            } catch {
                reason = error.errno == ETIMEDOUT ? 0x08 : 0x13
            }
            let known = state.withLock { $0.links.removeValue(forKey: link) != nil }
            if known { yield(.disconnected(link: link, reason: reason)) }
            // Restart the scan: a device that advertised while this link was ending is reported again
            // (some controllers, and the btvirt emulator, report an advertiser once per scan start).
            connectLock.lock()
            pauseScan()
            resumeScan()
            connectLock.unlock()
        }
        thread.name = "l2cap-\(link)"
        thread.start()
    }

    public func disconnect(link: UInt16) throws {
        let socket = state.withLock { $0.links.removeValue(forKey: link) }
        socket?.shutdown()
    }

    public func send(link: UInt16, pdu: [UInt8]) throws {
        guard let socket = state.withLock({ $0.links[link] }) else { return }
        try socket.send(pdu)
    }

    public func tick() { continuation.yield(.tick) }

    public func close() {
        let sockets: [SeqPacketSocket] = state.withLock { s in
            s.closed = true
            s.scanning = false
            defer { s.links.removeAll() }
            return Array(s.links.values)
        }
        pauseScan()
        agent?.close()
        for s in sockets { s.shutdown() }
        continuation.finish()
        slots.signal()
    }
}

extension SeqPacketSocket {
    /// An L2CAP socket's current BT_SECURITY level: 1 low (not encrypted), 2 medium (encrypted), 3 high
    /// (authenticated); 0 when it cannot be read.
    public var bluetoothSecurityLevel: UInt8 { LinuxBLERadio.securityLevel(fd) }
}
