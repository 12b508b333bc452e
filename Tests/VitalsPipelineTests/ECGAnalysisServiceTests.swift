import Foundation
import Testing
import VitalsCore
@testable import VitalsPipeline
import VitalsProfiles
import VitalsStore

struct ECGAnalysisServiceTests {
    /// Triangular QRS complexes at 130 Hz, one every `rr` seconds, with one 4-second gap between beats.
    static func strip(seconds: Int, rr: Double, pauseAt: Double) -> [Int32] {
        let fs = 130.0
        var x = [Int32](repeating: 0, count: Int(Double(seconds) * fs))
        var t = 0.5
        while t * fs + 6 < Double(x.count) {
            let c = Int(t * fs)
            for k in -4...4 { x[c + k] = Int32(1200 * (4 - abs(k)) / 4) }
            t += (abs(t - pauseAt) < rr / 2) ? 4.0 : rr
        }
        // Noise and baseline wander, so the pause is a living baseline, not a flat line (lead off).
        for i in x.indices { x[i] += Int32((i * 7919) % 41) - 20 + Int32(120 * sin(2 * Double.pi * 0.3 * Double(i) / fs)) }
        return x
    }

    /// Blocks of a chest strap's stream, as the store hands them on: one session, analysed when the
    /// stream ends; the 4-s pause becomes one pause alert with its evidence span, stored and reported.
    @Test func aPauseInTheStreamRaisesOneAlertWithItsSpan() async throws {
        let catalogue = try ProfileCatalogue.load(directory: repoRoot.appendingPathComponent("device-profiles"))
        let store = try VitalsStore(path: ":memory:", logger: quiet)
        let input = BoundedChannel<SampleBlock>(capacity: 4096)
        let events = BoundedChannel<PipelineEvent>(capacity: 64)
        let device = DeviceIdentity(transport: .simBLE, address: "C0:FF:EE:00:04:01", profileID: "sim-polar-ecg")
        let samples = Self.strip(seconds: 90, rr: 0.8, pauseAt: 40)
        let start = Date(timeIntervalSince1970: 1_795_000_000)
        var i = 0
        while i < samples.count {
            let n = min(73, samples.count - i)
            let block = SampleBlock(
                subject: SubjectID("p"), device: device, lead: .ecgUnspecified, startTime: start.addingTimeInterval(Double(i) / 130),
                sampleRate: 130, gain: 1000, baseline: 0, unit: .microvolt, samples: Array(samples[i..<i + n]))
            // As the record stage does: stored first (the device and subject rows with it), then analysed.
            _ = try await store.record(block: block)
            await input.send(block)
            i += n
        }
        input.finish()
        let service = ECGAnalysisService(store: store, catalogue: catalogue, input: input, events: events, logger: quiet, now: { start.addingTimeInterval(100) })
        await service.analyse()
        var reported: [Alert] = []
        while let e = await events.next() { if case .alert(let a) = e { reported.append(a) } }
        let alerts = try await store.alerts()
        #expect(alerts.map(\.ruleID) == ["ecg.pause"], "\(alerts.map(\.message))")
        #expect(reported.map(\.id) == alerts.map(\.id))
        let pause = try #require(alerts.first)
        #expect(abs(pause.effectiveTime.timeIntervalSince(start) - 40) < 2 && pause.message.contains("Evidence:"))
    }

    /// A sustained tachycardia is reported while the stream is still running (not only when it ends), once,
    /// however many times the live analysis sees it.
    @Test func aSustainedTachycardiaIsReportedLiveAndOnce() async throws {
        let catalogue = try ProfileCatalogue.load(directory: repoRoot.appendingPathComponent("device-profiles"))
        let store = try VitalsStore(path: ":memory:", logger: quiet)
        let input = BoundedChannel<SampleBlock>(capacity: 4096)
        let events = BoundedChannel<PipelineEvent>(capacity: 64)
        let device = DeviceIdentity(transport: .simBLE, address: "C0:FF:EE:00:04:02", profileID: "sim-polar-ecg")
        // 150 bpm (RR 0.4 s) for 3 minutes, no pause (the pause is put beyond the end).
        let samples = Self.strip(seconds: 180, rr: 0.4, pauseAt: 1000)
        let start = Date(timeIntervalSince1970: 1_795_000_000)
        let service = ECGAnalysisService(store: store, catalogue: catalogue, input: input, events: events, logger: quiet, now: { start })
        let analysis = Task { await service.analyse() }
        func send(_ range: Range<Int>) async throws {
            var i = range.lowerBound
            while i < range.upperBound {
                let n = min(130, range.upperBound - i)
                let block = SampleBlock(
                    subject: SubjectID("p"), device: device, lead: .ecgUnspecified, startTime: start.addingTimeInterval(Double(i) / 130),
                    sampleRate: 130, gain: 1000, baseline: 0, unit: .microvolt, samples: Array(samples[i..<i + n]))
                _ = try await store.record(block: block)
                await input.send(block)
                i += n
            }
        }
        // The first 90 s, and the stream stays open: the alert must come now.
        try await send(0..<(90 * 130))
        // Wait (bounded) for the analysis to store it; without live analysis nothing comes until the end.
        var waited = 0
        while try await store.alerts().isEmpty && waited < 400 {
            try await Task.sleep(for: .milliseconds(50))
            waited += 1
        }
        guard try await !store.alerts().isEmpty else {
            Issue.record("no alert while the stream was running")
            input.finish()
            await analysis.value
            return
        }
        let first = await events.next()
        guard case .alert(let live)? = first else { Issue.record("no live alert: \(String(describing: first))"); return }
        #expect(live.ruleID == "ecg.tachycardia")
        // The rest, then the end of the stream: the same episode is not reported again.
        try await send((90 * 130)..<samples.count)
        input.finish()
        await analysis.value
        var later: [Alert] = []
        while let e = await events.next() { if case .alert(let a) = e { later.append(a) } }
        #expect(later.isEmpty, "reported again: \(later.map(\.message))")
        #expect(try await store.alerts().map(\.ruleID) == ["ecg.tachycardia"])
    }
}
