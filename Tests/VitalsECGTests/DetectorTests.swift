import Foundation
import Testing
import VitalsTestSupport
@testable import VitalsECG

/// Scores detections against the generator's known beats (±150 ms).
func score(_ beats: [DetectedBeat], _ truth: SyntheticECG.Output, from: Double = 0) -> BeatScore {
    BeatScore.score(reference: truth.beats, detections: beats.map(\.sample), tolerance: Int(0.15 * truth.sampleRate), from: Int(from * truth.sampleRate))
}

@Suite struct DetectorTests {
    static let mixed: [SyntheticECG.Segment] = [
        .init(rhythm: .sinus(bpm: 72), duration: 60, ectopicEvery: 9),
        .init(rhythm: .atrialFibrillation(bpm: 95), duration: 60),
        .init(rhythm: .sinus(bpm: 55), duration: 40),
        .init(rhythm: .sinus(bpm: 130), duration: 40, ectopicEvery: 15),
    ]

    @Test(arguments: [125.0, 250.0, 360.0, 500.0, 1000.0])
    func findsBeatsAtAnySampleRate(fs: Double) {
        let ecg = SyntheticECG(sampleRate: fs, gain: 200, baseline: 1024, noise: 0.03, wander: 0.2, seed: UInt64(fs)).generate(Self.mixed)
        let beats = QRSDetector.detect(ecg.samples, configuration: .init(sampleRate: fs, adcGain: 200))
        let s = score(beats, ecg, from: 2)
        // 125 Hz leaves about 5 samples per QRS: allow 99 % there.
        let floor = fs < 200 ? 99.0 : 99.5
        #expect(s.sensitivity >= floor && s.positivePredictivity >= floor, "fs \(fs): \(s)")
        // R peaks are placed near the true ones, not merely within the scoring window.
        let tol = Int(0.15 * fs)
        var errors: [Double] = []
        for b in beats { if let r = ecg.beats.min(by: { abs($0 - b.sample) < abs($1 - b.sample) }), abs(r - b.sample) <= tol { errors.append(Double(abs(r - b.sample)) / fs) } }
        let mean = errors.reduce(0, +) / Double(max(1, errors.count))
        #expect(mean < 0.02, "mean |error| \(mean) s at \(fs) Hz")
    }

    @Test(arguments: [(0.05, Int32(0)), (1.0, Int32(-30_000)), (50.0, Int32(100_000))])
    func gainAndBaselineDoNotMatter(gain: Double, baseline: Int32) {
        let ecg = SyntheticECG(sampleRate: 360, gain: gain * 200, baseline: baseline, noise: 0.02, wander: 0.1, seed: 7).generate(Self.mixed)
        let beats = QRSDetector.detect(ecg.samples, configuration: .init(sampleRate: 360))
        let s = score(beats, ecg, from: 2)
        #expect(s.sensitivity >= 99.5 && s.positivePredictivity >= 99.5, "gain ×\(gain): \(s)")
    }

    @Test func blockSizeDoesNotChangeTheResult() {
        let ecg = SyntheticECG(seed: 3).generate([.init(rhythm: .sinus(bpm: 80), duration: 40, ectopicEvery: 6)])
        let cfg = QRSDetector.Configuration(sampleRate: 360, adcGain: 200)
        let reference = QRSDetector.detect(ecg.samples, configuration: cfg, blockSize: 4096).map(\.sample)
        for size in [1, 7, 360, 100_000] {
            #expect(QRSDetector.detect(ecg.samples, configuration: cfg, blockSize: size).map(\.sample) == reference, "block size \(size)")
        }
        #expect(reference.count >= ecg.beats.count - 1)
    }

    @Test func latencyIsBounded() {
        let ecg = SyntheticECG(noise: 0.05, seed: 11).generate(Self.mixed)
        let beats = QRSDetector.detect(ecg.samples, configuration: .init(sampleRate: 360, adcGain: 200), blockSize: 64)
        let fs = 360.0
        // Every beat, those found while the detector learns its first thresholds included, is reported
        // within 1 s of its R peak.
        let late = beats.filter { Double($0.emittedAt - $0.sample) / fs > 1.0 }
        #expect(late.isEmpty, "\(late.count) beats later than 1 s")
        #expect(!beats.isEmpty)
    }

    @Test func flatLineIsReportedAndDetectionResumes() {
        var ecg = SyntheticECG(seed: 5).generate([.init(rhythm: .sinus(bpm: 70), duration: 60)])
        let fs = 360.0
        // Lead off from 20 s to 30 s: the amplifier holds one value.
        for i in Int(20 * fs)..<Int(30 * fs) { ecg.samples[i] = 2047 }
        var det = QRSDetector(.init(sampleRate: fs, adcGain: 200))
        var out = DetectorOutput()
        var i = 0
        while i < ecg.samples.count {
            let o = det.process(Array(ecg.samples[i..<min(ecg.samples.count, i + 500)]))
            out.beats += o.beats; out.losses += o.losses; out.quality += o.quality
            i += 500
        }
        let f = det.finish()
        out.beats += f.beats; out.losses += f.losses; out.quality += f.quality
        let closed = out.losses.compactMap { l in l.end.map { (l.start, $0) } }
        #expect(closed.count == 1)
        if let (a, b) = closed.first {
            #expect(abs(Double(a) / fs - 20) <= 1.01 && abs(Double(b) / fs - 30) <= 1.01, "loss \(a)…\(b)")
        }
        #expect(!out.beats.contains { $0.sample > Int(20.5 * fs) && $0.sample < Int(29.5 * fs) }, "no beats while flat")
        // Beats come back after the lead is reattached.
        let after = ecg.beats.filter { $0 > Int(33 * fs) }
        let s = BeatScore.score(reference: after, detections: out.beats.map(\.sample), tolerance: 54, from: Int(33 * fs))
        #expect(s.sensitivity >= 99 && s.positivePredictivity >= 99, "after reattachment: \(s)")
        // Quality: the window with the loss is unusable, clean windows are usable.
        #expect(out.quality.contains { $0.start <= Int(25 * fs) && $0.end > Int(25 * fs) && !$0.usable })
        let clean = out.quality.filter { $0.end <= Int(20 * fs) && $0.start >= Int(2 * fs) }
        #expect(!clean.isEmpty && clean.allSatisfy { $0.usable }, "\(clean) \(out.beats.filter { $0.sample < 7200 }.map { ($0.sample, $0.templateCorrelation) })")
    }

    @Test func noiseAloneIsNotUsable() {
        var rng = SplitMix64(seed: 9)
        let noise = (0..<Int(60 * 360)).map { _ in Int32((rng.gaussian() * 60).rounded()) }
        var det = QRSDetector(.init(sampleRate: 360, adcGain: 200))
        var q = det.process(noise).quality
        q += det.finish().quality
        #expect(!q.isEmpty)
        #expect(q.filter(\.usable).count <= q.count / 5, "\(q.filter(\.usable).count) of \(q.count) noise windows usable")
    }
}
