import FirmwareSimKit
import Foundation
import Metrics
import Synchronization
import Testing
import VitalsTestSupport
import VitalsCore
@testable import VitalsPipeline
import VitalsProfiles
import VitalsStore

/// IEEE 11073-20601 agents (USB PHDC) through the whole hub: associate, configure, measure, release.
struct PHDTests {
    let catalogue: ProfileCatalogue
    init() throws { catalogue = try ProfileCatalogue.load(directory: repoRoot.appendingPathComponent("device-profiles")) }
    static let start = Date(timeIntervalSince1970: 1_795_000_000)

    func run(_ scenario: String, store: VitalsStore) async throws -> [String] {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("phd-\(UUID().uuidString.prefix(8)).sock").path
        let sim = SimThread(scenario: try Scenario.load(scenario), path: path, start: Self.start)
        let details = Mutex<[String]>([])
        let pipeline = HubPipeline(
            configuration: .init(central: .init(subject: SubjectID("pat"), exitWhenScenarioEnds: true)), radio: simRadio(path),
            catalogue: catalogue, store: store, logger: quiet, metrics: NOOPMetricsHandler.instance
        ) { e in
            if case .transferComplete(let d, let detail) = e { details.withLock { $0.append("\(d.address) \(detail)") } }
        }
        try await pipeline.run(signals: [])
        #expect(sim.waitFinished()?.finished == true)
        return details.withLock { $0 }.sorted()
    }

    @Test func sixSpecialisationsAssociateMeasureAndRelease() async throws {
        let store = try VitalsStore(path: FileManager.default.temporaryDirectory.appendingPathComponent("phd-\(UUID().uuidString.prefix(8)).sqlite").path, logger: quiet)
        let details = try await run("usb-agents", store: store)
        let all = try await store.readings()
        // The scenario's ASTM meter (7 results, one frame NAKed and resent) is checked at the end.
        let astm = all.filter { $0.deviceID.hasPrefix("sim-usb:1209:7100") }
        let readings = all.filter { !$0.deviceID.hasPrefix("sim-usb:1209:7100") }
        func values(_ kind: String) -> [[Double?]] { readings.filter { $0.kind == kind }.sorted { $0.effectiveAt < $1.effectiveAt }.map { $0.observations.map(\.value) } }
        // Observations in MDC order within a reading: SYS, DIA, MEAN (150021…) then pulse (149546) sorted by code.
        let bp = readings.filter { $0.kind == "blood-pressure" }.sorted { $0.effectiveAt < $1.effectiveAt }
        #expect(bp.map { Dictionary(uniqueKeysWithValues: $0.observations.map { ($0.metric, $0.value ?? -1) }) } == [
            ["bp.systolic": 128, "bp.diastolic": 82, "bp.mean": 97, "bp.pulse": 66],
            ["bp.systolic": 186, "bp.diastolic": 124, "bp.mean": 145, "bp.pulse": 88],
        ])
        #expect(values("glucose") == [[104], [52], [88]])
        #expect(readings.filter { $0.kind == "glucose" }.allSatisfy { $0.observations.first?.mdc == 160_184 && $0.observations.first?.unit == "mg/dL" && $0.observations.first?.loinc == "41653-7" })
        #expect(values("weight") == [[76.2]])
        #expect(readings.first { $0.kind == "weight" }?.observations.first.map { ($0.unit, $0.mdc, $0.wire.hasPrefix("float")) } ?? ("", 0, false) == ("kg", 188_736, true))
        #expect(values("temperature") == [[37.4]])
        #expect(readings.first { $0.kind == "temperature" }?.observations.first?.unit == "Cel")
        #expect(values("spo2").map { $0.compactMap { $0 }.sorted() } == [[72, 97], [75, 95]])
        #expect(values("heart-rate") == [[64], [66]])
        #expect(readings.count == 11, "every measurement stored exactly once")
        #expect(readings.allSatisfy { $0.grade == "medical" && $0.deviceID.hasPrefix("sim-usb:4F56C0FFEE0007") })
        // Each agent certifies its specialization over USB; on the simulator link it is still a USB device, so
        // its certification matches (it was once judged against the link's BLE transport code).
        #expect(readings.allSatisfy { !$0.flags.contains("device.certification-mismatch") })
        // Device times are the agents' own: 30 minutes before the start for the first BP reading, corrected by the
        // clock offset measured at association (none when within 2 s: the clocks agree unless a loaded machine held
        // the association's GET for seconds, and then the correction is that offset).
        let cuffOffset = try await store.devices().first { $0.id == bp.first?.deviceID }?.clockOffsetSeconds ?? 0
        #expect(abs((bp.first?.effectiveAt ?? .distantPast).timeIntervalSince(Self.start.addingTimeInterval(-30 * 60 - cuffOffset))) < 1)
        // The basic ECG's samples are stored as waveform blocks (2 reports × 50 samples at 250 Hz).
        let blocks = try await store.waveformBlocks(device: DeviceID(rawValue: "sim-usb:4F56C0FFEE000706"), lead: .ecgLeadII)
        #expect(blocks.map(\.samples) == [50, 50] && blocks.allSatisfy { $0.sampleRate == 250 })
        // Alerts from the hypertensive crisis and the level-2 hypo.
        let alerts = try await store.alerts()
        #expect(Set(alerts.map(\.ruleID)).count == 2 && alerts.allSatisfy { $0.severity == .critical })
        // Glucose meter and scale exchanged their extended configurations; the others used standard ones.
        #expect(details.filter { $0.contains("after configuration exchange") }.map { String($0.prefix(16)) } == ["4F56C0FFEE000702", "4F56C0FFEE000703"])
        #expect(astm.count == 7 && astm.allSatisfy { $0.kind == "glucose" && $0.grade == "medical" } && Set(astm.compactMap(\.sequence)) == Set(1...7))
        #expect(details.contains { $0.hasPrefix("1209:7100:LINK-") && $0.hasSuffix("7 result(s) received") }, "\(details)")
        let cached = try await store.phdConfigurations()
        #expect(cached.map(\.systemID) == ["4F56C0FFEE000702", "4F56C0FFEE000703"] && cached.map(\.configID) == [0x4011, 0x400F])

        // A restarted hub (same store, new process state): the known agents re-associate without the
        // exchange, and the same measurements sent again are recognised, not stored twice.
        let again = try await run("usb-agents", store: store).filter { !$0.hasPrefix("1209:7100") }
        #expect(again.count == 6 && again.allSatisfy { $0.contains("associated with known configuration") })
        #expect(try await store.readings().count == 18, "the agents' 11 and the meter's 7, each once")
    }

    @Test func faultyAgentsDoNotStopTheHubAndLoseNothingAcknowledged() async throws {
        let store = try VitalsStore(path: ":memory:", logger: quiet)
        let details = try await run("usb-faults", store: store)
        let readings = try await store.readings()
        #expect(readings.filter { $0.kind == "blood-pressure" }.isEmpty, "the agent that never answers is aborted")
        // Wrong invoke-id on GET: the measurement is kept (unacknowledged, so the agent keeps it too).
        #expect(readings.filter { $0.kind == "glucose" }.map { $0.observations.first?.value } == [99])
        // Abort after the first acknowledged measurement: that one is stored, the second stays on the agent.
        #expect(readings.filter { $0.kind == "temperature" }.map { $0.observations.first?.value } == [36.9])
        // An unusable extended configuration: the agent falls back to the standard one and its weight arrives.
        #expect(readings.filter { $0.kind == "weight" }.map { $0.observations.first?.value } == [81.5])
        #expect(details.contains { $0.hasPrefix("4F56C0FFEE000804") && $0.contains("0x05dc") })
        // Clock two hours slow: drift flagged, effective time corrected to the real one (20 min before start).
        // Both measurements were stamped by the slow clock before the hub set it: both corrected.
        let ox = readings.filter { $0.kind == "spo2" }.sorted { $0.effectiveAt < $1.effectiveAt }
        #expect(ox.count == 2 && ox.allSatisfy { $0.flags.contains("time.device-clock-drift") })
        #expect(ox.map { Int(($0.effectiveAt.timeIntervalSince(Self.start) / 60).rounded()) } == [-20, -10])
        // The agent too slow for the first GET: the hub aborts on its 3-s timeout, the agent associates again
        // and both its measurements arrive, each once.
        let rates: [Double] = readings.filter { $0.kind == "heart-rate" }.compactMap { $0.observations.first?.value }
        #expect(rates.sorted() == [72, 75])
        #expect(details.filter { $0.hasPrefix("4F56C0FFEE000806") && $0.contains("associated") }.count == 2, "\(details)")
    }

    /// Stored-data transfer: the meter's PM-store segment (25 entries in events of ten) arrives before
    /// its live measurement, each entry its own reading at its own time; a second download is all duplicates.
    @Test func storedDataComesFromThePMStore() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("pm-\(UUID().uuidString.prefix(8)).sqlite").path
        let store = try VitalsStore(path: path, logger: quiet)
        _ = try await run("usb-stored", store: store)
        let glucose = try await store.readings().filter { $0.kind == "glucose" }.sorted { $0.effectiveAt < $1.effectiveAt }
        #expect(glucose.count == 26)
        let storedTimes = glucose.prefix(25).map(\.effectiveAt)
        #expect(zip(storedTimes, storedTimes.dropFirst()).allSatisfy { abs($1.timeIntervalSince($0) - 3 * 3600) < 1 }, "one entry every 3 hours")
        #expect(glucose.prefix(25).enumerated().allSatisfy { i, r in r.observations.first?.value == Double(85 + (i * 37) % 90) })
        #expect(glucose.last?.observations.first?.value == 131)
        _ = try await run("usb-stored", store: store)
        #expect(try await store.readings().count == 26, "the same segment again is recognised, not stored twice")
    }
}
