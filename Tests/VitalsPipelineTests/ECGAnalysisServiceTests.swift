import Foundation
import Synchronization
import Testing
import VitalsTestSupport
import VitalsCore
import VitalsECG
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

    /// The service's surroundings: the shipped profiles, an in-memory store, its input and event channels.
    static func rig() throws -> (ProfileCatalogue, VitalsStore, BoundedChannel<SampleBlock>, BoundedChannel<PipelineEvent>) {
        (try ProfileCatalogue.load(directory: repoRoot.appendingPathComponent("device-profiles")), try VitalsStore(path: ":memory:", logger: quiet),
         BoundedChannel<SampleBlock>(capacity: 4096), BoundedChannel<PipelineEvent>(capacity: 64))
    }

    /// Hands `samples[range]` on in blocks, as the record stage does: each block stored first (the device and
    /// subject rows with it), then sent for analysis.
    static func feed(
        _ samples: [Int32], _ range: Range<Int>, block size: Int, rate: Double, device: DeviceIdentity, start: Date,
        store: VitalsStore, into input: BoundedChannel<SampleBlock>, subject: SubjectID = SubjectID("p")
    ) async throws {
        var i = range.lowerBound
        while i < range.upperBound {
            let n = min(size, range.upperBound - i)
            let block = SampleBlock(
                subject: subject, device: device, lead: .ecgUnspecified, startTime: start.addingTimeInterval(Double(i) / rate),
                sampleRate: rate, gain: 1000, baseline: 0, unit: .microvolt, samples: Array(samples[i..<i + n]))
            _ = try await store.record(block: block)
            await input.send(block)
            i += n
        }
    }

    /// Blocks of a chest strap's stream, as the store hands them on: one session, analysed when the
    /// stream ends; the 4-s pause becomes one pause alert with its evidence span, stored and reported.
    @Test func aPauseInTheStreamRaisesOneAlertWithItsSpan() async throws {
        let (catalogue, store, input, events) = try Self.rig()
        let device = DeviceIdentity(transport: .simBLE, address: "C0:FF:EE:00:04:01", profileID: "sim-polar-ecg")
        let samples = Self.strip(seconds: 90, rr: 0.8, pauseAt: 40)
        let start = Date(timeIntervalSince1970: 1_795_000_000)
        try await Self.feed(samples, samples.indices, block: 73, rate: 130, device: device, start: start, store: store, into: input)
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

    /// The strap moves from one person to the next without a gap in its stream: the second person's pause is
    /// their own alert, and nothing of theirs extends or deepens the first person's episode.
    @Test func eachPersonsECGIsTheirOwnSession() async throws {
        let (catalogue, store, input, events) = try Self.rig()
        let device = DeviceIdentity(transport: .simBLE, address: "C0:FF:EE:00:04:05", profileID: "sim-polar-ecg")
        let samples = Self.strip(seconds: 90, rr: 0.8, pauseAt: 40)
        let start = Date(timeIntervalSince1970: 1_795_000_000)
        try await Self.feed(samples, samples.indices, block: 73, rate: 130, device: device, start: start, store: store, into: input, subject: SubjectID("p"))
        try await Self.feed(samples, samples.indices, block: 73, rate: 130, device: device, start: start.addingTimeInterval(Double(samples.count) / 130),
                            store: store, into: input, subject: SubjectID("q"))
        input.finish()
        let service = ECGAnalysisService(store: store, catalogue: catalogue, input: input, events: events, logger: quiet, now: { start.addingTimeInterval(200) })
        await service.analyse()
        let alerts = try await store.alerts().filter { $0.ruleID == "ecg.pause" }
        #expect(alerts.map(\.subject.rawValue).sorted() == ["p", "q"], "\(alerts.map { "\($0.subject): \($0.message)" })")
        let first = try #require(alerts.first { $0.subject.rawValue == "p" })
        #expect((first.evidenceTo ?? .distantFuture) <= start.addingTimeInterval(90), "p's evidence stays within p's recording")
    }

    /// Signal quality acts on rhythm alerts: a finding whose evidence lies in unusable windows (lead off, noise)
    /// is held, not raised; once most of it is in usable signal it is raised, one step lower, saying why.
    @Test func aFindingInPoorSignalIsHeldThenDowngraded() async throws {
        let (catalogue, store, input, events) = try Self.rig()
        let device = DeviceIdentity(transport: .simBLE, address: "C0:FF:EE:00:04:06", profileID: "sim-polar-ecg")
        let samples = Self.strip(seconds: 90, rr: 0.8, pauseAt: 40)
        let start = Date(timeIntervalSince1970: 1_795_000_000)
        _ = try await store.record(block: SampleBlock(subject: SubjectID("p"), device: device, lead: .ecgUnspecified, startTime: start,
                                                      sampleRate: 130, gain: 1000, baseline: 0, unit: .microvolt, samples: Array(samples)))
        let service = ECGAnalysisService(store: store, catalogue: catalogue, input: input, events: events, logger: quiet, now: { start.addingTimeInterval(100) })
        var s = ECGAnalysisService.Session(device: device, subject: SubjectID("p"), lead: .ecgUnspecified, start: start, rate: 130,
                                           detector: QRSDetector(.init(sampleRate: 130, adcGain: 1000)))
        s.take(s.detector.process(samples))
        s.samples = samples.count
        // Every window unusable: the pause is held.
        s.windows = [(0, samples.count, false)]
        await service.analyse(&s)
        #expect(try await store.alerts().isEmpty, "held: a pause in unusable signal is not raised")
        #expect(s.reported.count == 1 && !s.reported[0].raised)
        // Only the 10 s before the pause unusable: under half its evidence, so it is raised, one step lower.
        let pauseAt = s.reported[0].event.start
        s.windows = [(max(0, pauseAt - 1300), pauseAt + 100, false)]
        await service.analyse(&s)
        let alert = try #require(try await store.alerts().first)
        #expect(alert.ruleID == "ecg.pause" && alert.severity == .advisory, "urgent lowered to advisory: \(alert.severity)")
        #expect(alert.message.contains("poor signal or a lead off"))
    }

    /// A sustained tachycardia is reported while the stream is still running (not only when it ends), once,
    /// however many times the live analysis sees it; escalated when nobody acknowledges it, not when someone does.
    @Test(.timeLimit(.minutes(1)), arguments: [false, true]) func aSustainedTachycardiaIsReportedLiveAndOnce(acknowledge: Bool) async throws {
        let (catalogue, store, input, events) = try Self.rig()
        let device = DeviceIdentity(transport: .simBLE, address: "C0:FF:EE:00:04:02", profileID: "sim-polar-ecg")
        // 150 bpm (RR 0.4 s) for 3 minutes, no pause (the pause is put beyond the end).
        let samples = Self.strip(seconds: 180, rr: 0.4, pauseAt: 1000)
        let start = Date(timeIntervalSince1970: 1_795_000_000)
        // Hub time moves 20 s per analysis (every 15 s of signal): escalation is due 100 s after the alert is
        // raised, i.e. after the first 90 s of signal have been analysed.
        let clock = Mutex(start)
        let service = ECGAnalysisService(
            store: store, catalogue: catalogue, input: input, events: events, logger: quiet,
            now: { clock.withLock { $0 = $0.addingTimeInterval(20); return $0 } }, escalateAfter: 100)
        let analysis = Task { await service.analyse() }
        func send(_ range: Range<Int>) async throws {
            try await Self.feed(samples, range, block: 130, rate: 130, device: device, start: start, store: store, into: input)
        }
        // The first 90 s, and the stream stays open: the alert must come now.
        try await send(0..<(90 * 130))
        // The first event must come while the input is still open: without live analysis nothing would come
        // until the end, and the test's time limit would fail it.
        let first = await events.next()
        guard case .alert(let live)? = first else { Issue.record("no live alert: \(String(describing: first))"); return }
        #expect(live.ruleID == "ecg.tachycardia")
        if acknowledge { _ = try await store.acknowledge(alertID: live.id, by: "nurse", at: clock.withLock { $0 }) }
        // The rest, then the end of the stream: the same episode is not reported again.
        try await send((90 * 130)..<samples.count)
        input.finish()
        await analysis.value
        var later: [Alert] = []
        while let e = await events.next() { if case .alert(let a) = e { later.append(a) } }
        #expect(later.isEmpty, "reported again: \(later.map(\.message))")
        #expect(try await store.alerts().map(\.ruleID) == ["ecg.tachycardia"])
        // One alert with a life, every step stored for delivery: raised, updated as the episode went on (its
        // evidence reaching further), resolved when the stream ended.
        let steps = try await store.alertEvents(alertID: live.id)
        #expect(steps.first?.transition == .raised && steps.last?.transition == .resolved)
        #expect(steps.contains { $0.transition == .updated }, "\(steps.map(\.transition))")
        // Escalated while nobody acknowledged it (a consumer strap's alert stays an advisory); never once acknowledged.
        let escalations = steps.filter { $0.transition == .escalated }
        if acknowledge {
            #expect(escalations.isEmpty && steps.contains { $0.transition == .acknowledged })
        } else {
            #expect(!escalations.isEmpty && escalations.count <= 2 && escalations.allSatisfy { $0.severity == .advisory })
        }
        let stored = try #require(try await store.alert(id: live.id))
        #expect(stored.state == .resolved)
        let span = (stored.evidenceTo ?? start).timeIntervalSince(stored.evidenceFrom ?? start)
        #expect(span > 150, "the evidence covers the whole episode: \(span) s")
    }

    /// Signal quality is kept per 10-s window: a lead-off stretch (flat line) is flagged, clean windows are
    /// usable with a high index; an ECG sampled below 125 Hz is flagged whatever its index.
    @Test func signalQualityWindowsAreStoredWithLeadOffAndRateFlags() async throws {
        func run(rate: Double, flatFrom: Int, flatTo: Int, samples input: [Int32]) async throws -> [VitalsStore.WaveformQuality] {
            let (catalogue, store, channel, events) = try Self.rig()
            let device = DeviceIdentity(transport: .simBLE, address: "C0:FF:EE:00:04:03", profileID: "sim-polar-ecg")
            var samples = input
            for i in flatFrom..<flatTo { samples[i] = 0 }
            let start = Date(timeIntervalSince1970: 1_795_000_000)
            try await Self.feed(samples, samples.indices, block: 64, rate: rate, device: device, start: start, store: store, into: channel)
            channel.finish()
            await ECGAnalysisService(store: store, catalogue: catalogue, input: channel, events: events, logger: quiet, now: { start }).analyse()
            return try await store.waveformQuality(device: device.id, lead: .ecgUnspecified)
        }
        let strip = Self.strip(seconds: 60, rr: 0.8, pauseAt: 1000)
        let windows = try await run(rate: 130, flatFrom: 25 * 130, flatTo: 38 * 130, samples: strip)
        #expect(windows.count == 6, "\(windows.count) windows")
        let t0 = Date(timeIntervalSince1970: 1_795_000_000)
        for w in windows {
            let from = w.start.timeIntervalSince(t0), to = w.end.timeIntervalSince(t0)
            if to > 25 && from < 38 {
                #expect(w.flags.contains("ecg.lead-off") && !w.usable, "window \(from)–\(to) s: \(w.flags)")
            } else if from >= 10 {
                // (The first window holds the detector's learning period.)
                #expect(w.flags.isEmpty && w.usable && w.index > 0.8, "window \(from)–\(to) s: \(w.flags) \(w.index)")
            }
        }
        // The same clean strip as if sampled at 100 Hz: every window carries the rate flag and none is usable.
        let slow = try await run(rate: 100, flatFrom: 0, flatTo: 0, samples: strip)
        #expect(!slow.isEmpty && slow.allSatisfy { $0.flags.contains("ecg.sample-rate-below-125") && !$0.usable })
    }
}
