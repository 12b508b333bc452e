import Foundation
import Logging
import ServiceLifecycle
import VitalsCore
import VitalsECG
import VitalsProfiles
import VitalsStore

/// Rhythm analysis of stored ECG: each device's lead is a session of contiguous blocks run through the
/// streaming R-peak detector; when the session ends (a gap in the blocks, another rate, or the hub
/// stopping), the rhythm rules (bradycardia, tachycardia, pause, atrial fibrillation) run on its beats and
/// their alerts, with the evidence span, are stored and reported. A device that is not medical-grade
/// raises advisories only.
public struct ECGAnalysisService: Service {
    let store: VitalsStore
    let catalogue: ProfileCatalogue
    let input: BoundedChannel<SampleBlock>
    let events: BoundedChannel<PipelineEvent>
    let logger: Logger
    let rules: RhythmRules
    let now: @Sendable () -> Date

    public init(
        store: VitalsStore, catalogue: ProfileCatalogue, input: BoundedChannel<SampleBlock>, events: BoundedChannel<PipelineEvent>,
        logger: Logger, rules: RhythmRules = RhythmRules(), now: @escaping @Sendable () -> Date = { Date() }
    ) {
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
        var start: Date
        var rate: Double
        var detector: QRSDetector
        var samples = 0
        var beats: [Int] = []
        var breaks: [Int] = []

        var expectedNext: Date { start.addingTimeInterval(Double(samples) / rate) }

        mutating func take(_ out: DetectorOutput) {
            beats += out.beats.map(\.sample)
            breaks += out.losses.map(\.start)
        }
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
            // A gap of more than a second, or another rate, ends the session.
            if let s = sessions[key], s.rate != block.sampleRate || abs(block.startTime.timeIntervalSince(s.expectedNext)) > 1 {
                await finish(s)
                sessions[key] = nil
            }
            var s = sessions[key] ?? Session(
                device: block.device, subject: block.subject, start: block.startTime, rate: block.sampleRate,
                detector: QRSDetector(.init(sampleRate: block.sampleRate, adcGain: block.gain)))
            s.take(s.detector.process(block.samples))
            s.samples += block.samples.count
            sessions[key] = s
        }
        for s in sessions.values { await finish(s) }
    }

    func finish(_ session: Session) async {
        var s = session
        s.take(s.detector.finish())
        let found = rules.analyse(beats: s.beats, sampleRate: s.rate, breaks: s.breaks)
        let medical = s.device.profileID.flatMap { catalogue.profile(id: $0) }?.grade.isMedical ?? false
        let alerts = RhythmAlerts.alerts(
            for: found, sampleRate: s.rate, recordingStart: s.start, subject: s.subject, device: s.device.id, medicalGrade: medical, now: now())
        logger.info("ECG session analysed", metadata: [
            "device.id": "\(s.device.id)", "ecg.samples": "\(s.samples)", "ecg.beats": "\(s.beats.count)", "ecg.rhythm-events": "\(found.count)",
        ])
        guard !alerts.isEmpty else { return }
        do {
            let fresh = try await store.record(alerts: alerts)
            for (a, isNew) in zip(alerts, fresh) where isNew { await events.send(.alert(a)) }
        } catch {
            logger.error("cannot store rhythm alerts", metadata: ["device.id": "\(s.device.id)", "error": "\(error)"])
        }
    }
}

extension ECGAnalysisService: CustomStringConvertible { public var description: String { "ECGAnalysisService" } }
