import FirmwareSimKit
import Foundation
import Logging
import Metrics
import Synchronization
import Testing
import VitalsCore
@testable import VitalsPipeline
import VitalsProfiles
import VitalsStore
import VitalsTransport

import VitalsTestSupport

/// The hub's radio over the simulator link at `path`.
func simRadio(_ path: String) -> BLECentralService.RadioFactory {
    { try await SimRadio.connect(path: path, timeout: .seconds(10), logger: quiet) }
}

/// Serves a scenario on a background thread, as firmware-sim does, and reports when it is done.
final class SimThread: Sendable {
    let done = Mutex<FirmwareSimKit.SimulatorServer.Summary?>(nil)
    let failed = Mutex<String?>(nil)
    let finishedSignal = DispatchSemaphore(value: 0)

    init(scenario: Scenario, path: String, start: Date) {
        let ready = DispatchSemaphore(value: 0)
        let server = SimulatorServer(scenario: scenario, path: path, logger: quiet, start: start)
        let thread = Thread {
            do {
                let summary = try server.run(maxHubs: 1, ready: { ready.signal() })
                self.done.withLock { $0 = summary }
            } catch {
                self.failed.withLock { $0 = "\(error)" }
                ready.signal()
            }
            self.finishedSignal.signal()
        }
        thread.start()
        ready.wait()
    }

    func waitFinished() -> FirmwareSimKit.SimulatorServer.Summary? {
        _ = finishedSignal.wait(timeout: .now() + 10)
        return done.withLock { $0 }
    }
}

/// The shipped device profiles.
func shippedCatalogue() throws -> ProfileCatalogue { try ProfileCatalogue.load(directory: repoRoot.appendingPathComponent("device-profiles")) }

/// Plays `scenario` on a simulator thread into a whole hub filing readings under `subject` in `store`, until the
/// scenario ends; returns the totals, every event the hub reported, and the simulator's summary.
func playScenario(
    _ scenario: Scenario, subject: String, store: VitalsStore, start: Date, catalogue: ProfileCatalogue? = nil
) async throws -> (PipelineTotals, [PipelineEvent], FirmwareSimKit.SimulatorServer.Summary?) {
    let socket = FileManager.default.temporaryDirectory.appendingPathComponent("hub-\(UUID().uuidString.prefix(8)).sock").path
    let sim = SimThread(scenario: scenario, path: socket, start: start)
    let events = Mutex<[PipelineEvent]>([])
    let pipeline = HubPipeline(
        configuration: .init(central: .init(subject: SubjectID(subject), exitWhenScenarioEnds: true)), radio: simRadio(socket),
        catalogue: try catalogue ?? shippedCatalogue(), store: store, logger: quiet, metrics: NOOPMetricsHandler.instance
    ) { e in events.withLock { $0.append(e) } }
    try await pipeline.run(signals: [])
    return (pipeline.totals.value, events.withLock { $0 }, sim.waitFinished())
}

struct EndToEndTests {
    let catalogue: ProfileCatalogue
    init() throws { catalogue = try ProfileCatalogue.load(directory: repoRoot.appendingPathComponent("device-profiles")) }

    func runHub(scenario: String, db: String, start: Date) async throws -> (PipelineTotals, [PipelineEvent], FirmwareSimKit.SimulatorServer.Summary?) {
        try await playScenario(try Scenario.load(scenario), subject: "alice", store: try VitalsStore(path: db, logger: quiet), start: start, catalogue: catalogue)
    }

    @Test func simToHubToStoreToAlert() async throws {
        let db = FileManager.default.temporaryDirectory.appendingPathComponent("e2e-\(UUID().uuidString).sqlite").path
        let start = Date(timeIntervalSince1970: 1_795_000_000)
        let (totals, events, summary) = try await runHub(scenario: "demo", db: db, start: start)
        #expect(summary?.finished == true, "every simulated device delivered and was confirmed")
        #expect(totals.stored == 7)
        #expect(totals.alerts == 2)

        let store = try VitalsStore(path: db, logger: quiet)
        let readings = try await store.readings()
        #expect(readings.filter { $0.kind == "blood-pressure" }.count == 2)
        #expect(readings.filter { $0.kind == "glucose" }.compactMap(\.sequence) == [1, 2, 3, 4, 5])
        // The meter's Glucose Measurement Context records (0x2A34) joined their readings: meal context as flags.
        let meals = readings.filter { $0.kind == "glucose" }.map { $0.flags.filter { $0.hasPrefix("glucose.meal.") || $0.hasPrefix("glucose.context") } }
        #expect(meals == [[], ["glucose.meal.postprandial"], ["glucose.meal.preprandial"], [], []])
        #expect(readings.allSatisfy { $0.subjectID == "alice" && $0.grade == "medical" })
        let crisis = try #require(readings.first { $0.observations.first?.value == 186 })
        #expect(crisis.observations.map(\.metric) == ["bp.systolic", "bp.diastolic", "bp.mean", "bp.pulse"])
        // The simulated clocks read a fixed date in the past, so the hub also flags (and corrects) the drift.
        #expect(crisis.flags == ["bp.irregular-pulse", "time.device-clock-drift"])

        let alerts = try await store.alerts()
        #expect(Set(alerts.map(\.ruleID)) == ["bp.hypertensive-crisis", "glucose.hypoglycaemia-level-2"])
        #expect(alerts.allSatisfy { $0.severity == .critical })
        #expect(events.contains { if case .transferComplete = $0 { true } else { false } })

        // The same devices again with the same clocks: the cuff's readings are replays and are ignored;
        // the meter is asked only for records after 5 and has none.
        let (again, _, summary2) = try await runHub(scenario: "demo", db: db, start: start)
        #expect(summary2?.finished == true)
        #expect(again.stored == 0)
        #expect(again.duplicates == 2)
        #expect(again.alerts == 0)
        #expect(try await store.readings().count == 7)
        #expect(try await store.alerts().count == 2)
    }

    @Test func recordStageKeepsUndecodableBytesAndAcknowledgesAfterCommit() async throws {
        let store = try VitalsStore(path: ":memory:", logger: quiet)
        let input = BoundedChannel<IngestItem>(capacity: 4)
        let output = BoundedChannel<Reading>(capacity: 4)
        let events = BoundedChannel<PipelineEvent>(capacity: 8)
        let acked = Mutex<[String]>([])
        let device = DeviceIdentity(transport: .simBLE, address: "C0:FF:EE:00:02:01", profileID: "sim-glucose-meter")
        let stage = RecordService(store: store, input: input, output: output, events: events, logger: quiet, metrics: NOOPMetricsHandler.instance)
        await input.send(.rejected(device: device, source: "2A18", bytes: [0x0B, 0x07], error: "truncated", received: Date(), ack: { acked.withLock { $0.append("rejected") } }))
        await input.send(.barrier(ack: { acked.withLock { $0.append("barrier") } }))
        input.finish()
        await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await stage.run() }
            // The stage waits for the group's shutdown after draining; end it once the output is finished.
            while await output.next() != nil {}
            group.cancelAll()
        }
        #expect(acked.withLock { $0 } == ["rejected", "barrier"])
        #expect(try await store.rejectedFrames().map(\.hex) == ["0B07"])
    }
}
