import FirmwareSimKit
import Foundation
import Metrics
import MetricsTestKit
import Testing
import VitalsTestSupport
import VitalsCore
@testable import VitalsPipeline
import VitalsProfiles
import VitalsStore

struct FaultTests {
    /// ATT error on discovery → the session fails, the hub backs off and reconnects; a malformed measurement is
    /// kept raw and confirmed, the good ones stored; the device's fast clock shows in its time stamps; a slow link.
    @Test func theHubRidesOutDeviceFaults() async throws {
        let catalogue = try ProfileCatalogue.load(directory: repoRoot.appendingPathComponent("device-profiles"))
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("faults-\(UUID().uuidString.prefix(8)).sock").path
        let start = Date(timeIntervalSince1970: 1_795_000_000)
        let sim = SimThread(scenario: try Scenario.load("faults"), path: path, start: start)
        let store = try VitalsStore(path: ":memory:", logger: quiet)
        var central = BLECentralService.Configuration(subject: SubjectID("ida"), exitWhenScenarioEnds: true)
        central.reconnectBase = 0.05
        let events = Locked<[PipelineEvent]>([])
        let metrics = TestMetrics()
        let pipeline = HubPipeline(
            configuration: .init(central: central), radio: simRadio(path), catalogue: catalogue, store: store, logger: quiet,
            metrics: metrics
        ) { e in events.withLock { $0.append(e) } }
        try await pipeline.run(signals: [])
        #expect(sim.waitFinished()?.finished == true)

        let all = events.withLock { $0 }
        let disconnects = all.compactMap { e -> String? in if case .deviceDisconnected(_, let r) = e { r } else { nil } }
        #expect(disconnects.first?.contains("Unlikely Error") == true, "the injected ATT error ended the first session: \(disconnects)")
        #expect(all.filter { if case .deviceConnected = $0 { true } else { false } }.count == 2)

        // The hub read the cuff's clock, found it off (by the simulated 90 minutes and the fixed test date), and set it.
        let clocks = all.compactMap { e -> (Double, Bool)? in if case .deviceClock(_, let o, let set) = e { (o, set) } else { nil } }
        #expect(clocks.contains { abs($0.0) > 3600 && $0.1 })

        let readings = try await store.readings()
        #expect(readings.map { $0.observations.first?.value } == [131, 124])
        // The device clock is off (90 minutes fast, from a test date in the past): the offset read at connection
        // corrects the effective times to "20 and 5 minutes ago" by the hub's clock, and the drift is flagged.
        let now = Date()
        #expect(readings.first.map { abs($0.effectiveAt.timeIntervalSince(now.addingTimeInterval(-20 * 60))) < 30 } == true)
        #expect(readings.last.map { abs($0.effectiveAt.timeIntervalSince(now.addingTimeInterval(-5 * 60))) < 30 } == true)
        #expect(readings.allSatisfy { $0.flags.contains("time.device-clock-drift") })
        // The cuff's regulatory list claims only a glucose-meter class (10417): its readings are flagged, and the
        // list and the clock offset are recorded with the device.
        #expect(readings.allSatisfy { $0.flags.contains("device.certification-mismatch") })
        let device = try await store.devices().first { $0.id == "sim-ble:C0:FF:EE:00:01:07" }
        #expect(device?.certifiedClasses?.contains("10417") == true || device?.certifiedClasses?.lowercased().contains("glucose") == true)
        #expect(device?.clockOffsetSeconds.map { abs($0) > 3600 } == true)
        // Every clock check is kept: the first, at the first connection, found the 90-minute offset.
        let checks = try await store.clockChecks(DeviceID(transport: .simBLE, address: "C0:FF:EE:00:01:07"))
        #expect(checks.count >= 1 && checks.count <= 2 && abs(checks[0].offsetSeconds) > 3600)
        // The cuff's UDI (0x2BFF) is recorded with the device.
        #expect(device?.udiDeviceIdentifier == "00000000000017" && device?.udi == "(01)00000000000017(21)SIMBP0001")
        // The device time itself is kept as the device said it.
        #expect(readings.first?.deviceTime != nil)
        // The malformed ATT PDU and the malformed measurement were both counted; the link went on.
        #expect(metrics.counterTotal(label: "vitals_frames_malformed_total") >= 2)
        let rejected = try await store.rejectedFrames()
        #expect(rejected.count == 1)
        #expect(rejected.first?.error.contains("Time Stamp") == true)
    }
}
