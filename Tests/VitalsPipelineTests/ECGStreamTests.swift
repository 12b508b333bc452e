import FirmwareSimKit
import Foundation
import Metrics
import Testing
import VitalsTestSupport
import VitalsCore
@testable import VitalsPipeline
import VitalsProfiles
import VitalsStore

struct ECGStreamTests {
    /// Ten minutes of 130 Hz ECG from a Polar-style strap end up as waveform blocks with no gap and no
    /// repeated sample: the samples are exactly those the strap sent, and each block starts where the last ended.
    @Test func tenMinutesAt130HzWithoutGapOrRepeat() async throws {
        let catalogue = try ProfileCatalogue.load(directory: repoRoot.appendingPathComponent("device-profiles"))
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("ecg-\(UUID().uuidString.prefix(8)).sock").path
        let start = Date(timeIntervalSince1970: 1_795_000_000)
        let sim = SimThread(scenario: try Scenario.load("ecg-10min"), path: path, start: start)
        let store = try VitalsStore(path: ":memory:", logger: quiet)
        let pipeline = HubPipeline(
            configuration: .init(central: .init(subject: SubjectID("gus"), exitWhenScenarioEnds: true)), radio: simRadio(path),
            catalogue: catalogue, store: store, logger: quiet, metrics: NOOPMetricsHandler.instance
        ) { _ in }
        try await pipeline.run(signals: [])
        #expect(sim.waitFinished()?.finished == true)
        #expect(pipeline.totals.value.waveformSamples == 78_000)

        let device = DeviceID(transport: .simBLE, address: "C0:FF:EE:00:04:01")
        let samples = try await store.waveformSamples(device: device, lead: .ecgUnspecified)
        #expect(samples.count == 78_000)
        #expect(samples == (0..<78_000).map(SimulatedPolarECG.sample), "exactly the strap's samples, in order")

        let blocks = try await store.waveformBlocks(device: device, lead: .ecgUnspecified)
        #expect(blocks.first.map { abs(Double($0.startMicroseconds) - (start.timeIntervalSince1970 - 600) * 1e6) < 1000 } == true)
        // Consecutive blocks: each starts one sample period after the previous block's last sample.
        let period = 1e6 / 130
        for (a, b) in zip(blocks, blocks.dropFirst()) {
            let expected = Double(a.startMicroseconds) + Double(a.samples) * period
            #expect(abs(Double(b.startMicroseconds) - expected) < 2, "gap or overlap between blocks at \(a.startMicroseconds)")
        }
    }
}
