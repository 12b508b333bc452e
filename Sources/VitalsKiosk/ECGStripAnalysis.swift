import Foundation
import VitalsECG
import VitalsValidation

/// A kiosk 30-second single-lead ECG result: heart rate, rhythm, and the beats found (to draw on the strip).
public struct ECGStripResult: Sendable, Equatable, Codable {
    public var seconds: Double
    /// R-peak times from the start of the strip, in seconds.
    public var beats: [Double]
    /// Mean heart rate over the strip (per minute); nil when too few beats were found.
    public var heartRate: Double?
    /// Seconds of the strip in usable 10-s windows (`SignalQualityRule`).
    public var usableSeconds: Double
    /// `regular`, `possible-atrial-fibrillation`, `pause`, `low-heart-rate`, `high-heart-rate`, `inconclusive`.
    public var rhythm: String
    public var headline: String
    public var advice: [String]
    public var citations: [String]
}

public enum ECGStripAnalysis {
    /// At least this share of the strip must be usable signal for a rhythm result.
    public static let usableShare = 2.0 / 3.0
    public static let citations = [
        "Kusumoto FM et al. 2018 ACC/AHA/HRS Guideline on the Evaluation and Management of Patients With Bradycardia. Circulation 2019;140:e382–e482",
        "Van Gelder IC et al. 2024 ESC Guidelines for the management of atrial fibrillation. Eur Heart J 2024;45:3314–3414 (a single-lead ECG strip of 30 s or more showing AF establishes the diagnosis when a physician confirms it)",
        "Orphanidou C et al. Signal-quality indices for the electrocardiogram and photoplethysmogram. IEEE J Biomed Health Inform 2015;19:832–838",
    ]

    /// The rhythm rules for a strip: the hub's thresholds, with episodes judged over two thirds of a
    /// 30-s strip rather than 30 s (the detector needs the first seconds to learn the beat).
    static func rules(strip seconds: Double) -> RhythmRules {
        var r = RhythmRules()
        r.sustained = seconds * usableShare
        r.afMinimumDuration = seconds * usableShare
        return r
    }

    public static func analyse(samples: [Int32], sampleRate fs: Double, adcGain: Double?) -> ECGStripResult {
        let seconds = Double(samples.count) / fs
        var detector = QRSDetector(.init(sampleRate: fs, adcGain: adcGain))
        var out = detector.process(samples)
        let tail = detector.finish()
        out.beats += tail.beats
        out.losses += tail.losses
        out.quality += tail.quality
        // Judge each quality window as the hub does: index, rate, and no signal loss inside it.
        var usable = 0.0
        for w in out.quality where w.start < samples.count {
            let end = min(w.end, samples.count)
            let leadOff = out.losses.contains { $0.start < end && ($0.end ?? Int.max) > w.start }
            if SignalQualityRule.judge(correlation: w.correlation, sampleRate: fs, leadOff: leadOff).usable {
                usable += Double(end - w.start) / fs
            }
        }
        let beats = out.beats.map(\.sample).sorted()
        let times = beats.map { Double($0) / fs }
        let rate: Double? = beats.count >= 4 ? 60 * Double(beats.count - 1) / (times.last! - times.first!) : nil
        func result(_ rhythm: String, _ headline: String, _ advice: [String]) -> ECGStripResult {
            ECGStripResult(
                seconds: seconds, beats: times, heartRate: rate.map { $0.rounded() }, usableSeconds: usable, rhythm: rhythm, headline: headline,
                advice: advice + ["This strip cannot detect a heart attack, and a normal strip does not rule out heart disease. If you have chest pain, pressure or shortness of breath, call emergency services."],
                citations: citations)
        }
        guard usable >= seconds * usableShare, let rate else {
            return result("inconclusive", "Inconclusive: the recording was too noisy", [
                "Much of the recording was too noisy to read (\(Int(usable)) of \(Int(seconds)) s usable). Rest your arms on the table, keep still, keep your fingers on the electrodes without pressing hard, and record again.",
            ])
        }
        let bpm = Int(rate.rounded())
        let events = rules(strip: seconds).analyse(beats: beats, sampleRate: fs, breaks: out.losses.map(\.start))
        if events.contains(where: { $0.kind == .atrialFibrillation }) {
            return result("possible-atrial-fibrillation", "Possible atrial fibrillation, heart rate \(bpm)/min", [
                "The heartbeat was irregularly irregular, as in atrial fibrillation. This is not a diagnosis: show this strip to a doctor soon, who can confirm it (ESC 2024). AF raises the risk of stroke, and treatment lowers it.",
            ])
        }
        if let pause = events.first(where: { $0.kind == .pause }) {
            return result("pause", "A pause of \(String(format: "%.1f", pause.value)) s between beats", [
                "There was a pause of 3 seconds or more between two beats (ACC/AHA/HRS 2018). Show this strip to a doctor soon; at once if you feel faint or dizzy.",
            ])
        }
        if events.contains(where: { $0.kind == .bradycardia }) {
            return result("low-heart-rate", "Low heart rate: \(bpm)/min", [
                "Your heart rate was below 50 per minute (ACC/AHA/HRS 2018 bradycardia). This can be normal for fit people and with some medicines; see a doctor if you feel tired, dizzy or faint.",
            ])
        }
        if events.contains(where: { $0.kind == .tachycardia }) {
            return result("high-heart-rate", "High heart rate: \(bpm)/min", [
                "Your heart rate was above 120 per minute at rest. Rest for a few minutes and record again; if it stays high, or you feel palpitations, dizziness or chest discomfort, see a doctor today.",
            ])
        }
        return result("regular", "Regular rhythm, heart rate \(bpm)/min", [
            "No atrial fibrillation, pause, or heart rate below 50 or above 120 per minute was found in this strip.",
        ])
    }
}
