import Foundation
import Logging
import Metrics
import VitalsCore
import VitalsDrivers
import VitalsProfiles
import VitalsWire

/// The hub's side of one ASTM E1381/E1394 meter (Contour-style): wakes it, ACKs good frames, NAKs bad
/// ones, and stores the coded results of each message. The meter keeps its memory, so a re-download is
/// recognised by the records' sequence numbers. The link does the I/O: bytes in, `send` out.
final class ASTMHost {
    let device: DeviceIdentity
    let profile: DeviceProfile
    let config: BLECentralService.Configuration
    let output: BoundedChannel<IngestItem>
    let logger: Logger
    let now: @Sendable () -> Date
    let send: @Sendable ([UInt8]) async -> Void
    let onMalformed: @Sendable () -> Void
    var session = ASTMReceiverSession(options: .init(hostInitiates: true))
    var receipts: UInt64 = 0
    private(set) var ended = false

    init(
        device: DeviceIdentity, profile: DeviceProfile, config: BLECentralService.Configuration, output: BoundedChannel<IngestItem>,
        logger: Logger, now: @escaping @Sendable () -> Date, send: @escaping @Sendable ([UInt8]) async -> Void,
        onMalformed: @escaping @Sendable () -> Void
    ) {
        self.device = device
        self.profile = profile
        self.config = config
        self.output = output
        self.logger = logger
        self.now = now
        self.send = send
        self.onMalformed = onMalformed
    }

    func start(now t: Duration) async {
        await output.send(.event(.deviceConnected(device, profileName: "\(profile.manufacturer) \(profile.model)", grade: profile.grade)))
        await perform(session.start(now: t))
    }

    func data(_ bytes: [UInt8], now t: Duration) async { await perform(session.received(bytes, now: t)) }
    func tick(now t: Duration) async { if !ended { await perform(session.tick(now: t)) } }

    func perform(_ actions: [ASTMReceiverSession.Action]) async {
        for a in actions {
            switch a {
            case .send(let bytes): await send(bytes)
            case .message(let m):
                let context = ObservationMapper.Context(subject: config.subject, device: device, received: now(), deviceTimeZone: config.timeZone(for: device))
                let out = ASTMObservationMapper.map(m, context: context)
                for why in out.unmapped { logger.warning("ASTM result not coded; raw message kept", metadata: ["device.id": "\(device.id)", "reason": "\(why)"]) }
                if !out.unmapped.isEmpty {
                    await output.send(.rejected(device: device, source: "ASTM E1394", bytes: m.encoded, error: out.unmapped.joined(separator: "; "), received: context.received, ack: nil))
                }
                for var r in out.readings {
                    receipts += 1
                    r.receiptIndex = receipts
                    await output.send(.reading(r, ack: nil))
                }
                await output.send(.event(.transferComplete(device, detail: "\(out.readings.count) result(s) received")))
            case .protocolError(let why):
                onMalformed()
                logger.warning("ASTM link error", metadata: ["device.id": "\(device.id)", "error": "\(why)"])
            case .ended:
                if !ended {
                    ended = true
                    await output.send(.event(.deviceDisconnected(device, reason: "transfer over")))
                }
            }
        }
    }
}
