import FirmwareSimKit
import Foundation
import Metrics
import Testing
import VitalsTestSupport
import VitalsCore
@testable import VitalsPipeline
import VitalsProfiles
import VitalsStore

struct WearablesTests {
    /// A heart-rate strap and a pulse oximeter through the hub: coded readings, PLX status as flags.
    @Test func heartRateAndPulseOximetry() async throws {
        let catalogue = try ProfileCatalogue.load(directory: repoRoot.appendingPathComponent("device-profiles"))
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("wear-\(UUID().uuidString.prefix(8)).sock").path
        let sim = SimThread(scenario: try Scenario.load("wearables"), path: path, start: Date(timeIntervalSince1970: 1_795_000_000))
        let store = try VitalsStore(path: ":memory:", logger: quiet)
        let pipeline = HubPipeline(
            configuration: .init(central: .init(subject: SubjectID("hal"), exitWhenScenarioEnds: true)), radio: simRadio(path),
            catalogue: catalogue, store: store, logger: quiet, metrics: NOOPMetricsHandler.instance
        ) { _ in }
        try await pipeline.run(signals: [])
        #expect(sim.waitFinished()?.finished == true)

        let readings = try await store.readings()
        let hr = readings.filter { $0.kind == "heart-rate" }
        #expect(hr.compactMap { $0.observations.first?.value } == [62, 64, 63, 66, 70, 74, 71, 68, 65, 64])
        #expect(hr.allSatisfy { $0.observations.first?.mdc == 147_842 && $0.observations.first?.unit == "/min" && $0.grade == "consumer" })

        let ox = readings.filter { $0.kind == "spo2" }
        #expect(ox.count == 3)
        #expect(ox.map { $0.observations.map(\.mdc) } == Array(repeating: [150_456, 149_530], count: 3))
        #expect(ox.compactMap { $0.observations.first?.value } == [97, 88, 96])
        #expect(ox[1].flags.contains("plx.questionableMeasurementDetected"))
        #expect(ox[0].flags.isEmpty && ox[2].flags.isEmpty)
        #expect(ox.allSatisfy { $0.observations.first?.unit == "%" && $0.grade == "medical" })
    }
}
