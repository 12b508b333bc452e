import Foundation
import Logging
import VitalsTransport
import VitalsTransportLinux
import VitalsWire

/// Puts one simulated device on a real Linux HCI adapter: it advertises, accepts a central on the ATT channel,
/// and serves it with the same device logic the simulator link uses, until the device has delivered everything.
public struct RadioPeripheralServer: Sendable {
    public let adapter: Int32
    public let logger: Logger

    public init(adapter: Int32, logger: Logger) {
        self.adapter = adapter
        self.logger = logger
    }

    public struct Summary: Sendable {
        public var connections: Int
        public var finished: Bool
    }

    public func serve(_ device: any SimulatedDevice, maxConnections: Int = .max) throws -> Summary {
        var device = device
        let radio = try LinuxBLEPeripheral(adapter: adapter, logger: logger)
        logger.notice("peripheral on hci\(adapter) at \(radio.address)")
        // Answers the kernel's pairing questions for this adapter (Just Works), as a device's stack would.
        let agent = try LinuxPairingAgent(adapter: UInt16(adapter), adapterAddress: radio.address, keyFile: nil, logger: logger)
        defer { agent.close() }
        var connections = 0
        while !device.isFinished && connections < maxConnections {
            try radio.advertise(device.advertisement)
            let (socket, central) = try radio.accept()
            radio.stopAdvertising()
            connections += 1
            logger.info("central connected", metadata: ["central": "\(central)"])
            device.connected()
            var encryptedSeen = false
            link: while let bytes = try? socket.receive() {
                let pdu: ATTPDU
                do { pdu = try ATTPDU(bytes: bytes) } catch {
                    let op = ATTOpcode(rawValue: bytes.first ?? 0)
                    if op.isRequest {
                        try? socket.send(ATTPDU.errorResponse(ATTErrorResponse(requestOpcode: op, handle: 0, error: .invalidPDU)).encoded())
                    }
                    continue
                }
                if device.requiresEncryption, let handle = Self.protectedWrite(pdu) {
                    let level = socket.bluetoothSecurityLevel
                    if level < 2 {
                        logger.notice("write refused: link not encrypted", metadata: ["handle": "\(handle)", "security.level": "\(level)"])
                        if case .writeRequest = pdu {
                            try? socket.send(ATTPDU.errorResponse(ATTErrorResponse(requestOpcode: pdu.opcode, handle: handle, error: .insufficientEncryption)).encoded())
                        }
                        continue
                    }
                    if !encryptedSeen {
                        encryptedSeen = true
                        logger.notice("link encrypted", metadata: ["central": "\(central)", "security.level": "\(level)"])
                    }
                }
                for output in device.receive(pdu) {
                    switch output {
                    case .send(let p):
                        do { try socket.send(p.encoded()) } catch { break link }
                    case .disconnect:
                        socket.shutdown()
                        break link
                    }
                }
            }
            logger.info("central gone", metadata: ["device.finished": "\(device.isFinished)"])
        }
        return Summary(connections: connections, finished: device.isFinished)
    }

    /// The handle of a write that needs an encrypted link on a device that asks for one.
    static func protectedWrite(_ pdu: ATTPDU) -> UInt16? {
        switch pdu {
        case .writeRequest(let hv), .writeCommand(let hv): hv.handle
        default: nil
        }
    }
}
