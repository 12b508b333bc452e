import Foundation
import Testing
import VitalsAnalytics
import VitalsCore
import VitalsTestSupport

/// Erasing a subject from the streaming core's saved state: its lanes and open alerts go, the others' stay.
struct StreamingErasureTests {
    func cgm(_ subject: String, minutes: Double, _ v: Double) -> StreamInput {
        StreamInput(key: StreamKey(subject: subject, metric: StreamInput.cgm), time: Date(timeIntervalSince1970: 1_800_000_000 + minutes * 60), value: v,
                    device: "cgm-\(subject)", evidenceKey: "cgm-\(subject)|glucose|seq:\(Int(minutes))", medical: true, grade: "medical")
    }

    @Test func forgettingASubjectLeavesTheOthers() throws {
        var e = StreamingAnalytics(configuration: StreamingConfiguration(liveHorizon: .infinity, allowedLateness: 0, escalateAfter: .infinity))
        for m in stride(from: 0.0, through: 30, by: 5) {
            for s in ["ann-q", "ben-q"] { _ = e.process([cgm(s, minutes: m, 60)], now: cgm(s, minutes: m, 60).time) }
        }
        #expect(Set(e.openLiveAlerts.map(\.subject.rawValue)) == ["ann-q", "ben-q"], "a hypoglycaemia episode each")
        let saved = try e.serialized()
        #expect(String(decoding: saved, as: UTF8.self).contains("ann-q"))

        let without = try StreamingAnalytics.forgetting(subject: "ann-q", in: saved)
        #expect(!String(decoding: without, as: UTF8.self).contains("ann-q"))
        let restored = try StreamingAnalytics(serialized: without)
        #expect(restored.openLiveAlerts.map(\.subject.rawValue) == ["ben-q"])
        // Ben's episode goes on where it was: recovery resolves it, no new alert is raised.
        var r = restored
        let trs = (7...11).flatMap { i in r.process([cgm("ben-q", minutes: Double(i) * 5, 90)], now: cgm("ben-q", minutes: Double(i) * 5, 90).time).transitions }
        #expect(trs.map(\.kind) == [.resolved])
    }
}
