import Foundation
import Logging
import VitalsTransport
import VitalsWire

/// Serves a scenario on the simulator link socket: one hub at a time, until the scenario has played out.
public struct SimulatorServer: Sendable {
    public let scenario: Scenario
    public let path: String
    public let logger: Logger
    /// The device clocks' reading at the start (scenario times are relative to it).
    public let start: Date

    public init(scenario: Scenario, path: String, logger: Logger, start: Date = Date()) {
        self.scenario = scenario
        self.path = path
        self.logger = logger
        self.start = start
    }

    public struct Summary: Sendable {
        public var hubsServed: Int
        public var finished: Bool
    }

    /// Blocks: listens, serves hubs in turn, returns when every device has delivered its data
    /// (or after `maxHubs` hubs have come and gone).
    public func run(maxHubs: Int = .max, ready: (@Sendable () -> Void)? = nil) throws -> Summary {
        let listener = try SeqPacketListener(path: path)
        logger.info("firmware-sim listening", metadata: ["sim.socket": "\(path)", "sim.scenario": "\(scenario.name)"])
        ready?()
        var core = SimulatorCore(scenario: scenario, now: start)
        var served = 0
        while served < maxHubs && !core.allFinished {
            let socket = try listener.accept()
            served += 1
            logger.info("hub connected", metadata: ["sim.hub": "\(served)"])
            defer { core.hubDisconnected() }
            // A hub that dies (killed, crashed) resets the link: the devices keep what it did not confirm, and
            // the next hub gets it; only the listener failing ends the simulator.
            do { try serve(socket, core: &core) } catch {
                logger.notice("hub link failed; waiting for the next hub", metadata: ["error": "\(error)"])
            }
            logger.info("hub gone", metadata: ["sim.finished": "\(core.allFinished)"])
        }
        return Summary(hubsServed: served, finished: core.allFinished)
    }

    func serve(_ socket: SeqPacketSocket, core: inout SimulatorCore) throws {
        let latency = scenario.linkLatencyMs ?? 0
        func send(_ frames: [SimFrame]) throws {
            for f in frames {
                if latency > 0, case .att = f { usleep(useconds_t(latency * 1000)) }
                logger.trace("sim → hub", metadata: ["frame": "\(Hex.format(f.encoded()))"])
                try socket.send(f.encoded())
            }
        }
        _ = core.tick(now: Date())
        try send(core.hubConnected())
        while true {
            // Scheduled measurements: wait for the hub only until the next one is due, then let it be taken.
            if let due = core.secondsToNextMeasurement(now: Date()) {
                let ms = Int32(clamping: max(50, Int((due * 1000).rounded(.up))))
                if try !socket.waitReadable(timeoutMilliseconds: ms) {
                    try send(core.tick(now: Date()))
                    continue
                }
            }
            guard let bytes = try socket.receive() else { break }
            let frame: SimFrame
            do { frame = try SimFrame(bytes: bytes) } catch {
                logger.warning("malformed frame from hub", metadata: ["error": "\(error)"])
                continue
            }
            logger.trace("hub → sim", metadata: ["frame": "\(Hex.format(bytes))"])
            do { try send(core.tick(now: Date()) + core.receive(frame)) } catch {
                logger.warning("hub link closed while sending", metadata: ["error": "\(error)"])
                return
            }
        }
    }
}
