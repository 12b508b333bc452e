import Foundation
import Logging
import Metrics
import ServiceLifecycle
import VitalsAnalytics
import VitalsCore
import VitalsECG
import VitalsProfiles
import VitalsStore
import VitalsValidation

/// Rhythm analysis of stored ECG: each device's lead is a session of contiguous blocks run through the
/// streaming R-peak detector. While the session runs, every `interval` seconds of signal, the rhythm rules
/// (bradycardia, tachycardia, pause, atrial fibrillation) run on the beats of the last `lookback` seconds,
/// so a sustained tachycardia or an AF episode is reported while the strap is still streaming; once more
/// when the session ends (a gap in the blocks, another rate, or the hub stopping). Each episode is one alert
/// with a life, stored as steps (`alert_events`, which the webhook delivers): raised when first found,
/// updated as it goes on (every 30 s of further evidence, the span extended), resolved once no beat has
/// continued it for 60 s or the session ends; escalated, as the other alerts are, when nobody acknowledged it
/// within `escalateAfter` (a non-medical device's stay advisories). A finding that overlaps an episode of the same kind is that
/// episode. A device that is not medical-grade raises advisories only. Memory per session is bounded by
/// the lookback (older beats and finished episodes are dropped).
///
/// Signal quality acts on the alerts (docs/validation-policy.md): a finding whose evidence lies half or more in
/// 10-s windows that are not usable (lead off, low quality, below 125 Hz) is held, not raised (a flat line or
/// noise is what makes false pauses and false AF); it is raised later if it goes on in usable signal. A finding
/// with some unusable evidence is raised one severity lower, saying so. A session belongs to one person: a
/// device's blocks filed under another subject start that person's own session, so one patient's ECG never
/// extends, deepens or ends another's episode.
public struct ECGAnalysisService: Service {
    let store: VitalsStore
    let catalogue: ProfileCatalogue
    let input: BoundedChannel<SampleBlock>
    let events: BoundedChannel<PipelineEvent>
    let logger: Logger
    let rules: RhythmRules
    let now: @Sendable () -> Date
    /// Seconds of signal between live analyses.
    let interval: Double
    /// Seconds of beats each analysis looks at (longer than the rules' 30-s episodes and 32-RR AF window).
    let lookback: Double
    /// An open rhythm alert nobody acknowledged is escalated after this many seconds (and again after as long).
    let escalateAfter: Double
    let maxEscalations: Int
    /// A store that cannot write now (full disk, lock): rhythm alert steps are tried again, not dropped.
    let outage: StoreOutage

    public init(
        store: VitalsStore, catalogue: ProfileCatalogue, input: BoundedChannel<SampleBlock>, events: BoundedChannel<PipelineEvent>,
        logger: Logger, rules: RhythmRules = RhythmRules(), now: @escaping @Sendable () -> Date = { Date() },
        interval: Double = 15, lookback: Double = 600, escalateAfter: Double = 15 * 60, maxEscalations: Int = 2,
        metrics: any MetricsFactory = NOOPMetricsHandler.instance
    ) {
        outage = StoreOutage(path: store.path, stage: "ecg", holding: "rhythm alert steps wait until they are stored", logger: logger,
                             metrics: metrics, shutdownGrace: .seconds(20))
        self.escalateAfter = escalateAfter
        self.maxEscalations = maxEscalations
        self.interval = interval
        self.lookback = lookback
        self.store = store
        self.catalogue = catalogue
        self.input = input
        self.events = events
        self.logger = logger
        self.rules = rules
        self.now = now
    }

    struct Session {
        var device: DeviceIdentity
        var subject: SubjectID
        var lead: Metric
        var start: Date
        var rate: Double
        var detector: QRSDetector
        /// Signal-loss spans (lead off / flat line) seen lately, for flagging quality windows.
        var lossSpans: [(start: Int, end: Int?)] = []
        /// Quality windows not yet stored.
        var quality: [QualityWindow] = []
        var samples = 0
        var beats: [Int] = []
        var breaks: [Int] = []
        /// Sample count at the last analysis.
        var analysedAt = 0
        /// Episodes reported in this session: the finding (its span extended as it goes on), its alert, and
        /// how far the alert's evidence reaches.
        var reported: [Episode] = []
        /// The quality windows of the lookback, in samples: whether each was usable.
        var windows: [(start: Int, end: Int, usable: Bool)] = []

        /// The share of samples in `start..<end` that lie in windows found not usable (unjudged samples count as usable).
        func unusableShare(_ start: Int, _ end: Int) -> Double {
            guard end > start else { return 0 }
            let bad = windows.filter { !$0.usable }.reduce(0) { $0 + max(0, min(end, $1.end) - max(start, $1.start)) }
            return Double(bad) / Double(end - start)
        }

        var expectedNext: Date { start.addingTimeInterval(Double(samples) / rate) }

        mutating func take(_ out: DetectorOutput) {
            beats += out.beats.map(\.sample)
            breaks += out.losses.map(\.start)
            for l in out.losses {
                if let i = lossSpans.firstIndex(where: { $0.start == l.start }) { lossSpans[i].end = l.end } else { lossSpans.append((l.start, l.end)) }
            }
            quality += out.quality
        }

        /// The quality windows as stored: times, index and flags, judged by `SignalQualityRule`.
        mutating func takeQuality() -> [VitalsStore.WaveformQuality] {
            defer {
                quality = []
                lossSpans.removeAll { $0.end.map { $0 < samples - Int(60 * rate) } ?? false }
            }
            // The detector's last window can reach past the signal (its filter delay at the end): clip it.
            return quality.filter { $0.start < samples }.map { window in
                var w = window
                w.end = min(w.end, samples)
                let leadOff = lossSpans.contains(where: { $0.start < w.end && ($0.end ?? Int.max) > w.start })
                let (usable, flags) = SignalQualityRule.judge(correlation: w.correlation, sampleRate: rate, leadOff: leadOff)
                windows.append((w.start, w.end, usable))
                return .init(start: start.addingTimeInterval(Double(w.start) / rate), end: start.addingTimeInterval(Double(w.end) / rate),
                             index: w.index, usable: usable, flags: flags.map(\.rawValue))
            }
        }

        /// Drops beats and breaks older than `keep` samples before the newest sample.
        mutating func trim(keep: Int) {
            let oldest = samples - keep
            beats.removeFirst(beats.firstIndex(where: { $0 >= oldest }) ?? beats.count)
            breaks.removeAll { $0 < oldest }
            windows.removeAll { $0.end < oldest }
            // A resolved episode that ended before the window cannot overlap a new finding.
            reported.removeAll { ($0.resolved || !$0.raised) && $0.event.end < oldest }
        }

        /// The findings that are no episode yet; overlapping ones extend their episode.
        mutating func unreported(_ found: [RhythmEvent]) -> [RhythmEvent] {
            var fresh: [RhythmEvent] = []
            for e in found {
                if let i = reported.firstIndex(where: { $0.event.kind == e.kind && $0.event.start <= e.end && e.start <= $0.event.end }) {
                    if !reported[i].resolved { reported[i].event.end = max(reported[i].event.end, e.end) }
                } else {
                    fresh.append(e)
                }
            }
            return fresh
        }
    }

    struct Episode {
        var event: RhythmEvent
        var alert: Alert
        /// False while the finding is held for poor signal: no step has been stored for it.
        var raised = true
        /// The last sample the alert's evidence reaches.
        var reportedEnd: Int
        var resolved = false
        /// When the alert was raised or last escalated (hub time).
        var escalationClock: Date
        var medical: Bool
    }

    public func run() async throws {
        await analyse()
        // Ended with its input: stay until the group shuts down, as the other stages do.
        await waitForGroupShutdown()
    }

    /// Reads blocks until the input ends, then analyses the open sessions and says finish() on `events`.
    func analyse() async {
        defer { events.finish() }
        var sessions: [String: Session] = [:]
        while let block = await input.next() {
            guard block.lead.key.hasPrefix("ecg") else { continue }
            let key = "\(block.device.id.rawValue)|\(block.lead.mdc)"
            // A gap of more than a second, another rate, or the device now recording another person ends the session.
            if let s = sessions[key], s.subject != block.subject || s.rate != block.sampleRate || abs(block.startTime.timeIntervalSince(s.expectedNext)) > 1 {
                await finish(s)
                sessions[key] = nil
            }
            var s = sessions[key] ?? Session(
                device: block.device, subject: block.subject, lead: block.lead, start: block.startTime, rate: block.sampleRate,
                detector: QRSDetector(.init(sampleRate: block.sampleRate, adcGain: block.gain)))
            s.take(s.detector.process(block.samples))
            s.samples += block.samples.count
            await storeQuality(&s)
            if Double(s.samples - s.analysedAt) >= interval * s.rate {
                await analyse(&s)
            }
            sessions[key] = s
        }
        for s in sessions.values { await finish(s) }
    }

    /// Stores the session's finished quality windows.
    func storeQuality(_ s: inout Session) async {
        guard !s.quality.isEmpty else { return }
        let windows = s.takeQuality()
        do { try await store.record(quality: windows, device: s.device.id, lead: s.lead) } catch {
            logger.error("cannot store ECG signal quality", metadata: ["device.id": "\(s.device.id)", "error": "\(error)"])
        }
    }

    func finish(_ session: Session) async {
        var s = session
        s.take(s.detector.finish())
        await storeQuality(&s)
        await analyse(&s, sessionEnded: true)
        logger.info("ECG session analysed", metadata: [
            "device.id": "\(s.device.id)", "ecg.samples": "\(s.samples)", "ecg.rhythm-events": "\(s.reported.count)",
        ])
    }

    /// Seconds of further evidence before an episode's alert is updated, and without any before it is resolved.
    static let updateEvery = 30.0
    static let resolveAfter = 60.0

    /// Runs the rules on the session's recent beats and moves each episode's alert along: raised, updated,
    /// resolved (all of them when the session has ended).
    func analyse(_ s: inout Session, sessionEnded: Bool = false) async {
        s.analysedAt = s.samples
        s.trim(keep: Int(lookback * s.rate))
        let found = s.unreported(rules.analyse(beats: s.beats, sampleRate: s.rate, breaks: s.breaks))
        let at = now()
        let (start, rate) = (s.start, s.rate)
        func time(_ sample: Int) -> Date { start.addingTimeInterval(Double(sample) / rate) }
        var steps: [AlertTransition] = []
        if !found.isEmpty {
            let grade = s.device.profileID.flatMap { catalogue.profile(id: $0) }?.grade ?? .unverified
            let alerts = RhythmAlerts.alerts(
                for: found, sampleRate: s.rate, recordingStart: s.start, subject: s.subject, device: s.device.id, grade: grade, now: at)
            for (e, a) in zip(found, alerts) {
                var alert = a
                alert.evidenceFrom = time(e.start)
                alert.evidenceTo = time(e.end)
                s.reported.append(Episode(event: e, alert: alert, raised: false, reportedEnd: e.end, escalationClock: at, medical: grade.isMedical))
            }
        }
        let lastBeat = s.beats.last ?? 0
        for i in s.reported.indices where !s.reported[i].resolved {
            var ep = s.reported[i]
            defer { s.reported[i] = ep }
            if !ep.raised {
                // Held until more than half of its evidence is usable signal.
                guard let (severity, message) = AlertPolicy.signalAdjusted(
                    ep.alert.severity, ep.alert.message, unusableShare: s.unusableShare(ep.event.start, ep.event.end)) else { continue }
                (ep.alert.severity, ep.alert.message) = (severity, message)
                ep.raised = true
                ep.reportedEnd = ep.event.end
                ep.escalationClock = at
                ep.alert.evidenceTo = time(ep.event.end)
                steps.append(AlertTransition(kind: .raised, alert: ep.alert, at: at, eventTime: time(ep.event.start)))
                continue
            }
            if Double(ep.event.end - ep.reportedEnd) >= Self.updateEvery * s.rate {
                ep.reportedEnd = ep.event.end
                let secs = Int((Double(ep.event.end - ep.event.start) / s.rate).rounded())
                if let step = AlertLifecycle.apply(.report(evidenceTo: time(ep.event.end), detail: "the episode goes on: \(secs) s so far"), to: &ep.alert, at: at) {
                    steps.append(step)
                }
            }
            if !sessionEnded && ep.alert.escalations < maxEscalations && at.timeIntervalSince(ep.escalationClock) >= escalateAfter {
                // Acknowledged by someone (vitals alerts ack): no escalation, and later updates keep it acknowledged.
                if (try? await store.alert(id: ep.alert.id))?.state == .acknowledged {
                    _ = AlertLifecycle.apply(.acknowledge, to: &ep.alert, at: at)
                } else if let step = AlertLifecycle.apply(.escalate(cap: AlertPolicy.escalationCap(medical: ep.medical)), to: &ep.alert, at: at) {
                    steps.append(step)
                }
                ep.escalationClock = at
            }
            if sessionEnded || Double(lastBeat - ep.event.end) >= Self.resolveAfter * s.rate {
                ep.resolved = true
                let secs = Int((Double(ep.event.end - ep.event.start) / s.rate).rounded())
                let why = Double(lastBeat - ep.event.end) >= Self.resolveAfter * s.rate ? "the episode ended" : "the ECG session ended"
                ep.alert.evidenceTo = max(ep.alert.evidenceTo ?? time(ep.event.end), time(ep.event.end))
                if let step = AlertLifecycle.apply(.resolve(eventTime: time(ep.event.end), reason: "\(why) after \(secs) s"), to: &ep.alert, at: at) {
                    steps.append(step)
                }
            }
        }
        guard !steps.isEmpty else { return }
        do {
            let seqs = try await outage.durably("rhythm alert steps", pending: 0) { try await store.apply(steps) }
            for (step, seq) in zip(steps, seqs) where seq != nil {
                await events.send(step.kind == .raised ? .alert(step.alert) : .alertUpdate(step))
            }
        } catch {
            logger.error("cannot store rhythm alerts", metadata: ["device.id": "\(s.device.id)", "error": "\(error)"])
        }
    }
}

extension ECGAnalysisService: CustomStringConvertible { public var description: String { "ECGAnalysisService" } }
