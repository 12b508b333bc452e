import Logging
import VitalsCore
import VitalsWire

/// The simulator link as a BLE radio.
public final class SimRadio: BLERadio {
    public let transport = TransportKind.simBLE
    public let events: any AsyncSequence<RadioEvent, any Error> & Sendable
    let connection: SimLinkConnection

    /// Connects to firmware-sim at `path`, retrying until `timeout` (either program may start first).
    public static func connect(path: String, timeout: Duration, logger: Logger) async throws -> SimRadio {
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: timeout)
        while true {
            do {
                let socket = try SeqPacketSocket.connect(path: path)
                return try SimRadio(connection: SimLinkConnection(socket: socket, logger: logger), path: path)
            } catch let e as SocketError {
                if clock.now >= deadline { throw e }
                try await Task.sleep(for: .milliseconds(100))
            }
        }
    }

    init(connection: SimLinkConnection, path: String) throws {
        self.connection = connection
        try connection.send(.hello(role: .hub, version: SimFrame.version))
        // Frames become radio events as the central pulls them; frames a hub has no use for free their slot here.
        events = connection.events.compactMap { e throws -> RadioEvent? in
            switch e {
            case .tick: return .tick
            case .malformed(let error, _): return .malformed("\(error)")
            case .frame(let f):
                switch f {
                case .hello(let role, let version):
                    connection.consumed()
                    guard role == .simulator, version == SimFrame.version else {
                        throw SimLinkError(message: "the peer at \(path) is a \(role) speaking link version \(version); this hub speaks version \(SimFrame.version) to a simulator")
                    }
                    return nil
                case .advertisement(let a, let t, let rssi, let data): return .advertisement(address: a, addressType: t, rssi: rssi, data: data)
                case .connected(let a, let l): return .connected(address: a, link: l)
                case .connectFailed(let a, let reason): return .connectFailed(address: a, reason: "HCI reason 0x\(String(reason, radix: 16))")
                case .disconnect(let l, let reason): return .disconnected(link: l, reason: reason)
                case .att(let l, let pdu): return .att(link: l, pdu: pdu)
                case .scenarioEnd: return .scenarioEnd
                case .usbAttached(let l, let v, let p, let c, let name): return .usbAttached(link: l, vendorID: v, productID: p, interfaceClass: c, product: name)
                case .usbDetached(let l): return .usbDetached(link: l)
                case .usbTransfer(let l, let ep, let data) where ep & 0x80 != 0: return .usbData(link: l, data: data)
                case .scanStart, .scanStop, .connectRequest, .usbTransfer:
                    connection.consumed()
                    return nil
                }
            }
        }
    }

    public func consumed(_ event: RadioEvent) {
        if case .tick = event { return }
        connection.consumed()
    }

    public func startScan() throws { try connection.send(.scanStart) }
    public func connect(_ address: BLEAddress, addressType: UInt8, secure: Bool) throws {
        // The simulated radio's links are taken as encrypted; pairing faults arrive with the security work.
        try connection.send(.connectRequest(address: address))
    }
    public func disconnect(link: UInt16) throws { try connection.send(.disconnect(link: link, reason: 0x13)) }
    public func send(link: UInt16, pdu: [UInt8]) throws { try connection.send(.att(link: link, pdu: pdu)) }
    public func tick() { connection.tick() }
    /// Bulk OUT on endpoint 0x01.
    public func sendUSB(link: UInt16, data: [UInt8]) throws { try connection.send(.usbTransfer(link: link, endpoint: 0x01, data: data)) }
    public func close() { connection.close() }
}

/// The simulator link cannot be used (wrong peer or version).
public struct SimLinkError: Error, CustomStringConvertible, Sendable {
    public var message: String
    public var description: String { message }
}
