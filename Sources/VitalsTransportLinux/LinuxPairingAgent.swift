import CBlueZ
import Foundation
import Logging
import Synchronization
import VitalsTransport
import VitalsWire

/// Answers the kernel's pairing questions for one adapter on a Bluetooth management socket, so a hub or
/// a simulated device can pair without bluetoothd.
///
/// The kernel's SMP asks user space to confirm even a Just Works pairing (User Confirmation Request with
/// Confirm_Hint 1); with no management client listening the pairing stalls after the Pairing Response.
/// This agent accepts Just Works, refuses numeric comparison (no display), answers passkey entry with the
/// device's configured PIN (`PasskeyBook`; refused without one), and keeps the Long Term Keys and Identity
/// Resolving Keys of bonded devices in `BondKeyFile`, so a device bonded once reconnects encrypted after a
/// restart and is recognised under a resolvable private address. Policy: `PairingPolicy`.
///
/// Run it only where bluetoothd does not manage the adapter: loading keys replaces the kernel's list.
public final class LinuxPairingAgent: Sendable {
    public let adapter: UInt16
    let fd: Int32
    let keyFile: BondKeyFile?
    let logger: Logger
    let closed = Atomic<Bool>(false)
    let counts = Mutex(Counts())
    let passkeys: PasskeyBook
    /// The bonded devices' IRKs: loaded at start, added to as devices bond.
    let resolver: Mutex<IdentityResolver>

    public struct Counts: Sendable, Equatable {
        /// Just Works confirmations accepted.
        public var accepted = 0
        /// Confirmations or passkeys refused (no display; no PIN configured for the device).
        public var refused = 0
        /// Passkey requests answered with a configured PIN.
        public var passkeysEntered = 0
        /// Long Term Keys received with a store hint (bonds made).
        public var bonded = 0
        /// Identity Resolving Keys received with a store hint.
        public var identityKeys = 0
        public var failures = 0
    }

    public struct AgentError: Error, CustomStringConvertible {
        public var message: String
        public var description: String { message }
    }

    /// Opens the management socket, declares the IO capability (`PairingPolicy.ioCapability`), and loads the
    /// Identity Resolving Keys and then the Long Term Keys that `keyFile` holds for this adapter.
    public init(adapter: UInt16, adapterAddress: BLEAddress, keyFile: BondKeyFile?, passkeys: PasskeyBook = PasskeyBook(), logger: Logger) throws {
        let fd = socket(PF_BLUETOOTH, Int32(SOCK_RAW.rawValue) | Int32(SOCK_CLOEXEC.rawValue), BTPROTO_HCI)
        guard fd >= 0 else { throw AgentError(message: "Bluetooth management socket: \(String(cString: strerror(errno)))") }
        var addr = sockaddr_hci(hci_family: sa_family_t(AF_BLUETOOTH), hci_dev: UInt16(HCI_DEV_NONE), hci_channel: UInt16(HCI_CHANNEL_CONTROL))
        let bound = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_hci>.size)) } }
        guard bound == 0 else {
            let e = errno
            Glibc.close(fd)
            throw AgentError(message: "bind to the Bluetooth management channel (needs CAP_NET_ADMIN): \(String(cString: strerror(e)))")
        }
        self.adapter = adapter
        self.fd = fd
        self.keyFile = keyFile
        self.logger = logger
        self.passkeys = passkeys
        // IRKs are read first so that the resolver is set before anything is sent.
        var identityKeys: [MgmtIdentityResolvingKey] = []
        if let keyFile {
            do {
                identityKeys = Array(try keyFile.identityKeys(adapter: adapterAddress).suffix(MgmtCommand.maxIdentityResolvingKeys))
            } catch {
                logger.error("bond key file unreadable: bonded devices will pair again", metadata: ["error": "\(error)"])
            }
        }
        resolver = Mutex(IdentityResolver(keys: identityKeys))
        let capability = PairingPolicy.ioCapability(passkeys: passkeys)
        send(.setIOCapability(capability))
        if capability == 2 {
            logger.info("IO capability KeyboardOnly: passkey entry for the devices with a configured PIN", metadata: ["adapter": "hci\(adapter)", "devices": "\(passkeys.devices.count)"])
        }
        // Bondable, so a pairing hands over keys worth keeping (New Long Term Key with a store hint).
        send(.setBondable(true))
        // IRKs before LTKs (as bluetoothd does), and always, even none: Load Identity Resolving Keys is what tells
        // the kernel that user space keeps IRKs, and only then does its SMP ask a device to distribute its own
        // (identity address and IRK), so that it is known under a resolvable private address next time.
        send(.loadIdentityResolvingKeys(identityKeys))
        if !identityKeys.isEmpty {
            logger.info("loaded identity resolving keys", metadata: ["adapter": "hci\(adapter)", "keys": "\(identityKeys.count)"])
        }
        if let keyFile {
            do {
                let keys = Array(try keyFile.keys(adapter: adapterAddress).suffix(MgmtCommand.maxLongTermKeys))
                if !keys.isEmpty {
                    send(.loadLongTermKeys(keys))
                    logger.info("loaded bond keys", metadata: ["adapter": "hci\(adapter)", "keys": "\(keys.count)"])
                }
            } catch {
                // Devices pair again; the file is set aside when the next key is stored.
                logger.error("bond key file unreadable: bonded devices will pair again", metadata: ["error": "\(error)"])
            }
        }
        let thread = Thread { [self] in readLoop(adapterAddress: adapterAddress) }
        thread.name = "mgmt-agent"
        thread.start()
    }

    deinit { Glibc.close(fd) }

    public func close() { closed.store(true, ordering: .relaxed) }

    public var totals: Counts { counts.withLock { $0 } }

    /// The identity (public or static random address) of the bonded device advertising from `address`, when
    /// `address` is a resolvable private address one of the kept IRKs resolves; nil otherwise.
    public func identity(of address: BLEAddress, random: Bool) -> MgmtAddress? {
        guard random, IdentityResolver.isResolvable(address) else { return nil }
        return resolver.withLock { $0.identity(of: address, random: random) }
    }

    func send(_ command: MgmtCommand) {
        let bytes = command.packet(index: adapter).encoded()
        let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        if n != bytes.count {
            logger.warning("management command not sent", metadata: ["command": "0x\(String(command.code, radix: 16))", "error": "\(String(cString: strerror(errno)))"])
        }
    }

    func readLoop(adapterAddress: BLEAddress) {
        var buffer = [UInt8](repeating: 0, count: 4096)
        while !closed.load(ordering: .relaxed) {
            var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let ready = poll(&p, 1, 200)
            if ready < 0 && errno == EINTR { continue }
            guard ready > 0 else {
                if ready < 0 { logger.error("management socket poll failed; pairing agent stopped", metadata: ["error": "\(String(cString: strerror(errno)))"]) ; return }
                continue
            }
            if p.revents & Int16(POLLERR | POLLHUP | POLLNVAL) != 0 && p.revents & Int16(POLLIN) == 0 {
                logger.error("management socket closed; pairing agent stopped", metadata: ["adapter": "hci\(adapter)"])
                return
            }
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 && (errno == EINTR || errno == EAGAIN) { continue }
            guard n > 0 else {
                logger.error("management socket read failed; pairing agent stopped", metadata: ["error": "\(String(cString: strerror(errno)))"])
                return
            }
            let event: MgmtEvent
            do {
                let packet = try MgmtPacket(bytes: Array(buffer[0..<n]))
                guard packet.index == adapter else { continue }
                event = try MgmtEvent(packet)
            } catch {
                logger.warning("malformed management event", metadata: ["error": "\(error)"])
                continue
            }
            handle(event, adapterAddress: adapterAddress)
        }
    }

    func handle(_ event: MgmtEvent, adapterAddress: BLEAddress) {
        switch PairingPolicy.answer(to: event, passkeys: passkeys) {
        case .reply(let command):
            send(command)
            switch command {
            case .userConfirmationReply(let device):
                counts.withLock { $0.accepted += 1 }
                logger.info("pairing accepted (Just Works)", metadata: ["adapter": "hci\(adapter)", "device": "\(device)"])
            case .userPasskeyReply(let device, _):
                // Never the passkey itself.
                counts.withLock { $0.passkeysEntered += 1 }
                logger.info("pairing: passkey entered from the configured PIN", metadata: ["adapter": "hci\(adapter)", "device": "\(device)"])
            case .userPasskeyNegativeReply(let device):
                counts.withLock { $0.refused += 1 }
                logger.notice("pairing refused: device \(device.address) wants a PIN; configure it with --ble-passkey \(device.address)=PIN or a line in --ble-passkey-file", metadata: ["adapter": "hci\(adapter)", "request": "passkey entry"])
            default:
                counts.withLock { $0.refused += 1 }
                logger.warning("pairing refused: numeric comparison needs a display this hub does not have", metadata: ["adapter": "hci\(adapter)", "request": "numeric comparison"])
            }
        case .store(let key):
            counts.withLock { $0.bonded += 1 }
            logger.info("bonded", metadata: ["adapter": "hci\(adapter)", "device": "\(key.device)", "key.type": "\(key.keyType)"])
            if let keyFile {
                do { try keyFile.store(key, adapter: adapterAddress) } catch {
                    logger.error("bond key not saved: the device pairs again next time", metadata: ["error": "\(error)"])
                }
            }
        case .storeIdentity(let key, let random):
            counts.withLock { $0.identityKeys += 1 }
            resolver.withLock { $0.add(key) }
            let paired = random.bytes.allSatisfy { $0 == 0 } ? "its identity address" : "\(random)"
            logger.info("identity resolving key kept", metadata: ["adapter": "hci\(adapter)", "device": "\(key.device)", "paired.from": "\(paired)"])
            if let keyFile {
                do { try keyFile.store(key, adapter: adapterAddress) } catch {
                    logger.error("identity resolving key not saved: after a restart the device is not recognised under a private address", metadata: ["error": "\(error)"])
                }
            }
        case .failed(let device, let status):
            counts.withLock { $0.failures += 1 }
            logger.warning("pairing failed", metadata: ["adapter": "hci\(adapter)", "device": "\(device)", "status": "\(MgmtEvent.statusName(status))"])
        case .commandFailed(let command, let status):
            logger.warning("management command failed", metadata: ["command": "0x\(String(command, radix: 16))", "status": "\(MgmtEvent.statusName(status))"])
        case .none:
            break
        }
    }
}
