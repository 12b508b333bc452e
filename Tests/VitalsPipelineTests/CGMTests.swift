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

struct CGMPipelineTests {
    /// A record whose E2E-CRC does not match is rejected, kept raw with the reason, and flagged; the records
    /// before and after it — even in the same notification — are stored, and the link goes on.
    @Test func badE2ECRCIsRejectedAndTheLinkGoesOn() async throws {
        let start = Date(timeIntervalSince1970: 1_795_000_000)
        let store = try VitalsStore(path: ":memory:", logger: quiet)
        let (_, events, summary) = try await playScenario(try Scenario.load("cgm-bad-crc"), subject: "fay", store: store, start: start)
        #expect(summary?.finished == true)

        let readings = try await store.readings()
        #expect(readings.count == 11)
        #expect(readings.allSatisfy { $0.observations.first?.metric == "glucose.interstitial" && $0.grade == "medical" })
        // Times come from the session start plus each record's offset: 5 minutes apart, the last one at `start`.
        let times = readings.map(\.effectiveAt)
        #expect(times.last == start)
        #expect(zip(times, times.dropFirst()).allSatisfy { [300, 600].contains($1.timeIntervalSince($0)) })
        let values = readings.compactMap { $0.observations.first?.value }
        #expect(!values.contains(71), "the record with the bad CRC (71 mg/dL) is not stored as a reading")

        let rejected = try await store.rejectedFrames()
        #expect(rejected.count == 1)
        #expect(rejected.first?.error.contains("E2E-CRC") == true)
        #expect(rejected.first?.source == "2AA7")
        #expect(events.contains { if case .rejected(_, "2AA7", let e) = $0 { e.contains("E2E-CRC") } else { false } })
        // CGM readings are judged as a stream (Danne 2017): 64…68 mg/dL from 25 minutes ago to now is one level-1
        // episode (≥ 15 min below 70); the single 52 is not 15 minutes below 54, so it does not make it level 2.
        // The readings are days older than the hub's clock, so it is a historical event, not a live alert.
        let alerts = try await store.alerts()
        #expect(alerts.count == 1)
        #expect(alerts.first?.ruleID == "glucose.hypoglycaemia-level-1" && alerts.first?.historical == true && alerts.first?.state == .resolved)
    }
}
