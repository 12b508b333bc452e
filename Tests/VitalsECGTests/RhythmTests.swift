import Foundation
import Testing
import VitalsTestSupport
import VitalsCore
@testable import VitalsECG

@Suite struct RhythmTests {
    let fs = 360.0

    /// Beat sample indices from a list of RR intervals (s).
    func beats(_ rr: [Double], start: Double = 1) -> [Int] {
        var t = start
        var out = [Int((t * fs).rounded())]
        for r in rr { t += r; out.append(Int((t * fs).rounded())) }
        return out
    }

    @Test func bradycardiaSustained() {
        // 60 s at 75 bpm, 45 s at 45 bpm, 60 s at 75 bpm.
        let rr = Array(repeating: 0.8, count: 75) + Array(repeating: 60.0 / 45, count: 34) + Array(repeating: 0.8, count: 75)
        let ev = RhythmRules().analyse(beats: beats(rr), sampleRate: fs)
        let brady = ev.filter { $0.kind == .bradycardia }
        #expect(brady.count == 1)
        if let b = brady.first {
            #expect(abs(b.value - 45) < 3)
            #expect(Double(b.end - b.start) / fs >= 30 && Double(b.end - b.start) / fs <= 50)
        }
        #expect(!ev.contains { $0.kind == .tachycardia || $0.kind == .atrialFibrillation || $0.kind == .pause })
        // 20 s of bradycardia is not sustained.
        let short = Array(repeating: 0.8, count: 75) + Array(repeating: 60.0 / 45, count: 15) + Array(repeating: 0.8, count: 75)
        #expect(!RhythmRules().analyse(beats: beats(short), sampleRate: fs).contains { $0.kind == .bradycardia })
        // The threshold is configurable.
        var rules = RhythmRules()
        rules.bradycardiaBelow = 40
        #expect(!rules.analyse(beats: beats(rr), sampleRate: fs).contains { $0.kind == .bradycardia })
    }

    @Test func tachycardiaSustained() {
        let rr = Array(repeating: 0.8, count: 50) + Array(repeating: 60.0 / 140, count: 100) + Array(repeating: 0.8, count: 50)
        let ev = RhythmRules().analyse(beats: beats(rr), sampleRate: fs)
        let tachy = ev.filter { $0.kind == .tachycardia }
        #expect(tachy.count == 1)
        if let t = tachy.first { #expect(abs(t.value - 140) < 3) }
        var rules = RhythmRules()
        rules.tachycardiaAbove = 150
        #expect(!rules.analyse(beats: beats(rr), sampleRate: fs).contains { $0.kind == .tachycardia })
    }

    @Test func pauseOfThreeSeconds() {
        let rr = Array(repeating: 0.8, count: 20) + [3.4] + Array(repeating: 0.8, count: 20) + [2.9] + Array(repeating: 0.8, count: 5)
        let b = beats(rr)
        let pauses = RhythmRules().analyse(beats: b, sampleRate: fs).filter { $0.kind == .pause }
        #expect(pauses.count == 1, "2.9 s is not a pause, 3.4 s is")
        #expect(pauses.first?.start == b[20] && pauses.first?.end == b[21])
        // No pause is measured across a signal loss.
        #expect(RhythmRules().analyse(beats: b, sampleRate: fs, breaks: [b[20] + 100]).filter { $0.kind == .pause }.isEmpty)
    }

    @Test func atrialFibrillationFromIrregularRR() {
        var rng = SplitMix64(seed: 2)
        var rr: [Double] = []
        for i in 0..<150 { rr.append(0.85 + (i % 9 == 4 ? -0.3 : (i % 9 == 5 ? 0.3 : 0))) }  // sinus with PVCs
        for _ in 0..<120 { rr.append(0.65 * (1 + 0.4 * (rng.uniform() * 2 - 1))) }          // AF (RR CV ≈ 0.23), ~78 s
        for _ in 0..<150 { rr.append(0.85 + 0.02 * sin(Double(rr.count))) }                 // sinus arrhythmia, slight
        let b = beats(rr)
        let af = RhythmRules().analyse(beats: b, sampleRate: fs).filter { $0.kind == .atrialFibrillation }
        #expect(af.count == 1)
        if let e = af.first {
            let truth = (b[150], b[270])
            let s = EpisodeScore.score(reference: [truth], detected: [(e.start, e.end)])
            #expect(s.sensitivity > 85 && s.positivePredictivity > 85, "\(s)")
        }
        // Bigeminy (alternating short–long) is regular in its way: not AF.
        let bigeminy = (0..<200).map { $0 % 2 == 0 ? 0.55 : 1.05 }
        #expect(RhythmRules().analyse(beats: beats(bigeminy), sampleRate: fs).filter { $0.kind == .atrialFibrillation }.isEmpty)
    }

    @Test func afOnSyntheticECGThroughTheDetector() {
        let ecg = SyntheticECG(noise: 0.03, seed: 21).generate([
            .init(rhythm: .sinus(bpm: 70), duration: 90, ectopicEvery: 8),
            .init(rhythm: .atrialFibrillation(bpm: 100), duration: 120),
            .init(rhythm: .sinus(bpm: 70), duration: 90),
        ])
        let beats = QRSDetector.detect(ecg.samples, configuration: .init(sampleRate: 360, adcGain: 200)).map(\.sample)
        let af = RhythmRules().analyse(beats: beats, sampleRate: 360).filter { $0.kind == .atrialFibrillation }
        let s = EpisodeScore.score(reference: ecg.afSpans, detected: af.map { ($0.start, $0.end) })
        #expect(s.sensitivity > 85 && s.positivePredictivity > 85, "\(s)")
    }

    @Test func alertsCarryTheEvidenceSpanAndCitation() {
        let events = [RhythmEvent(kind: .pause, start: 3600, end: 4860, value: 3.5),
                      RhythmEvent(kind: .atrialFibrillation, start: 36000, end: 72000, value: 110)]
        let start = Date(timeIntervalSince1970: 1_700_000_000)
        let alerts = RhythmAlerts.alerts(for: events, sampleRate: 360, recordingStart: start, subject: SubjectID("alice"),
                                         device: DeviceID(rawValue: "sim-ble:AA"), now: start.addingTimeInterval(300))
        #expect(alerts.count == 2)
        #expect(alerts[0].ruleID == "ecg.pause" && alerts[0].severity == .urgent)
        #expect(alerts[0].effectiveTime == start.addingTimeInterval(10))
        #expect(alerts[0].message.contains("3.5 s") && alerts[0].evidenceKey.contains("2023-11-14T22:13:30"))
        #expect(alerts[0].citation.contains("ACC/AHA/HRS 2018"))
        #expect(alerts[1].ruleID == "ecg.atrial-fibrillation" && alerts[1].message.contains("100 s"))
        // Idempotent ids: the same evidence gives the same alert.
        let again = RhythmAlerts.alerts(for: events, sampleRate: 360, recordingStart: start, subject: SubjectID("alice"),
                                        device: DeviceID(rawValue: "sim-ble:AA"), now: start)
        #expect(again.map(\.id) == alerts.map(\.id))
        let consumer = RhythmAlerts.alerts(for: events, sampleRate: 360, recordingStart: start, subject: SubjectID("alice"),
                                           device: DeviceID(rawValue: "sim-ble:AA"), grade: .consumer, now: start)
        #expect(consumer.allSatisfy { $0.severity == .advisory && $0.message.contains("not a validated medical device") })
    }
}
