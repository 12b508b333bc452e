import Foundation
import VitalsCore

/// A rhythm finding with the span of samples that is its evidence.
public struct RhythmEvent: Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable {
        case bradycardia, tachycardia, pause
        case atrialFibrillation = "atrial-fibrillation"
    }
    public var kind: Kind
    /// First and last sample of the evidence (R peaks).
    public var start: Int
    public var end: Int
    /// Mean heart rate over the span (bpm); for a pause, the pause length in seconds.
    public var value: Double
}

/// Rhythm rules over a beat series. Thresholds are configurable; the defaults and their sources:
///
/// - Bradycardia below 50 bpm and tachycardia above 120 bpm, sustained 30 s. The 2018 ACC/AHA/HRS
///   bradycardia guideline (Kusumoto et al.) defines sinus bradycardia as < 50 bpm and the adult resting
///   range as 60–100 bpm; bedside monitors use alarm defaults of < 50 and > 120 bpm (shared analytics
///   notes, table "ECG"). Heart rate is the mean over the last 8 RR intervals.
/// - Pause: an RR interval of 3.0 s or more, the usual Holter pause report (ACC/AHA/HRS 2018).
/// - Atrial fibrillation: irregularly irregular RR intervals. Per beat, over a window of 32 RR intervals
///   after removing ectopic short–long pairs, the median |RRᵢ − RRᵢ₋ₗ| divided by the median RR, taking
///   the smallest over lags l = 1, 2, 3 so that bigeminy and trigeminy (regular at lag 2 or 3) do not
///   count (a robust variant of the RR-irregularity statistics of Dash et al. 2009 and the ΔRR median of
///   Petrėnas et al. 2015). Episodes of at least 30 s are reported (the usual minimum for an AF episode, HRS/EHRA 2017).
public struct RhythmRules: Sendable {
    public var bradycardiaBelow: Double = 50
    public var tachycardiaAbove: Double = 120
    public var sustained: Double = 30
    public var pauseAtLeast: Double = 3.0
    public var afIrregularity: Double = 0.1
    public var afWindow: Int = 32
    public var afMinimumDuration: Double = 30

    public init() {}

    /// Analyses beats (R-peak sample indices, ascending) recorded at `sampleRate`. `breaks` are sample
    /// indices where the signal was lost: no RR interval is measured across one.
    public func analyse(beats: [Int], sampleRate fs: Double, breaks: [Int] = []) -> [RhythmEvent] {
        guard beats.count >= 2 else { return [] }
        // RR intervals: rr[i] is from beats[i] to beats[i+1]; nil across a break.
        var rr: [Double?] = []
        var b = 0
        let sortedBreaks = breaks.sorted()
        for i in 0..<(beats.count - 1) {
            while b < sortedBreaks.count && sortedBreaks[b] <= beats[i] { b += 1 }
            let crosses = b < sortedBreaks.count && sortedBreaks[b] < beats[i + 1]
            rr.append(crosses ? nil : Double(beats[i + 1] - beats[i]) / fs)
        }
        var events: [RhythmEvent] = []
        // Pauses.
        for (i, r) in rr.enumerated() {
            if let r, r >= pauseAtLeast { events.append(RhythmEvent(kind: .pause, start: beats[i], end: beats[i + 1], value: r)) }
        }
        // Rate: mean of the last 8 intervals ending at beat i+1.
        var hr = [Double?](repeating: nil, count: rr.count)
        for i in 0..<rr.count {
            var sum = 0.0, n = 0
            var k = i
            while k >= 0 && n < 8, let r = rr[k] { sum += r; n += 1; k -= 1 }
            if n >= 4 { hr[i] = 60 * Double(n) / sum }
        }
        events += runs(hr, beats: beats, fs: fs, kind: .bradycardia) { $0 < bradycardiaBelow }
        events += runs(hr, beats: beats, fs: fs, kind: .tachycardia) { $0 > tachycardiaAbove }
        events += atrialFibrillation(rr, beats: beats, fs: fs)
        return events.sorted { ($0.start, $0.kind.rawValue) < ($1.start, $1.kind.rawValue) }
    }

    private func runs(_ hr: [Double?], beats: [Int], fs: Double, kind: RhythmEvent.Kind, _ holds: (Double) -> Bool) -> [RhythmEvent] {
        var out: [RhythmEvent] = []
        var start: Int?
        var sum = 0.0, n = 0
        func close(_ endIndex: Int) {
            guard let s = start else { return }
            // hr[i] is the rate over intervals ending at beat i+1; the run's evidence starts where its first
            // interval starts.
            let from = beats[s], to = beats[endIndex + 1]
            if Double(to - from) / fs >= sustained { out.append(RhythmEvent(kind: kind, start: from, end: to, value: sum / Double(n))) }
            start = nil; sum = 0; n = 0
        }
        for i in 0..<hr.count {
            if let h = hr[i], holds(h) {
                if start == nil { start = i }
                sum += h; n += 1
            } else if start != nil {
                close(i - 1)
            }
        }
        if start != nil { close(hr.count - 1) }
        return out
    }

    /// Per-interval irregularity (median |ΔRR| / median RR over a centred window, ectopic pairs removed).
    public func irregularity(_ rr: [Double?]) -> [Double?] {
        let n = rr.count
        var out = [Double?](repeating: nil, count: n)
        guard n >= 8 else { return out }
        let half = afWindow / 2
        for i in 0..<n {
            let lo = max(0, i - half), hi = min(n, i + half)
            var w: [Double] = []
            for k in lo..<hi { if let r = rr[k] { w.append(r) } }
            guard w.count >= afWindow / 2 else { continue }
            let med = median(w)
            // Drop ectopic short–long pairs (a premature beat and its compensatory pause).
            var keep = [Bool](repeating: true, count: w.count)
            for k in 0..<(w.count - 1) where w[k] < 0.85 * med && w[k + 1] > 1.1 * med { keep[k] = false; keep[k + 1] = false }
            var kept: [Double] = []
            for k in 0..<w.count where keep[k] { kept.append(w[k]) }
            guard kept.count >= 8 else { out[i] = 0; continue }
            // Patterned rhythms (bigeminy, trigeminy) repeat at lag 2 or 3; AF repeats at no lag.
            var least = Double.infinity
            for lag in 1...3 where kept.count > lag + 4 {
                var d: [Double] = []
                for k in lag..<kept.count { d.append(abs(kept[k] - kept[k - lag])) }
                least = min(least, median(d))
            }
            out[i] = least / median(kept)
        }
        return out
    }

    private func atrialFibrillation(_ rr: [Double?], beats: [Int], fs: Double) -> [RhythmEvent] {
        let irr = irregularity(rr)
        var out: [RhythmEvent] = []
        var start: Int?
        func close(_ last: Int) {
            guard let s = start else { return }
            let from = beats[s], to = beats[last + 1]
            if Double(to - from) / fs >= afMinimumDuration {
                var sum = 0.0, n = 0
                for k in s...last { if let r = rr[k] { sum += r; n += 1 } }
                out.append(RhythmEvent(kind: .atrialFibrillation, start: from, end: to, value: n > 0 ? 60 * Double(n) / sum : 0))
            }
            start = nil
        }
        for i in 0..<irr.count {
            if let v = irr[i], v >= afIrregularity {
                if start == nil { start = i }
            } else if start != nil {
                close(i - 1)
            }
        }
        if start != nil { close(irr.count - 1) }
        return out
    }

    private func median(_ v: [Double]) -> Double {
        let s = v.sorted()
        return s.count % 2 == 1 ? s[s.count / 2] : 0.5 * (s[s.count / 2 - 1] + s[s.count / 2])
    }
}

/// Turns rhythm events into `Alert`s with their evidence span.
public enum RhythmAlerts {
    public static func citation(_ kind: RhythmEvent.Kind) -> String {
        switch kind {
        case .bradycardia: "ACC/AHA/HRS 2018 bradycardia guideline (Kusumoto et al.): bradycardia below 50 bpm; monitor alarm default < 50 bpm, sustained"
        case .tachycardia: "Adult resting rate 60–100 bpm (ACC/AHA/HRS 2018); monitor alarm default > 120 bpm, sustained"
        case .pause: "ACC/AHA/HRS 2018: RR pause of 3.0 s or more (Holter pause criterion)"
        case .atrialFibrillation: "AF from RR irregularity (Dash et al. 2009; Petrėnas et al. 2015), episodes of 30 s or more (HRS/EHRA 2017)"
        }
    }

    /// - Parameters:
    ///   - recordingStart: time of sample 0.
    ///   - grade: the device's grade; below medical the alerts are advisories that ask for confirmation (`AlertPolicy`).
    public static func alerts(
        for events: [RhythmEvent], sampleRate: Double, recordingStart: Date, subject: SubjectID, device: DeviceID,
        grade: DeviceGrade = .medical, now: Date
    ) -> [Alert] {
        let iso = ISO8601DateFormatter()
        iso.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return events.map { e in
            let from = recordingStart.addingTimeInterval(Double(e.start) / sampleRate)
            let to = recordingStart.addingTimeInterval(Double(e.end) / sampleRate)
            let span = "\(iso.string(from: from))/\(iso.string(from: to))"
            let secs = Int((Double(e.end - e.start) / sampleRate).rounded())
            let rate = Int(e.value.rounded())
            let (severity, text): (AlertSeverity, String) = switch e.kind {
            case .bradycardia: (.advisory, "Heart rate averaged \(rate) bpm for \(secs) s (below 50 bpm).")
            case .tachycardia: (.advisory, "Heart rate averaged \(rate) bpm for \(secs) s (above 120 bpm).")
            case .pause: (.urgent, String(format: "A pause of %.1f s between heartbeats was recorded.", e.value))
            case .atrialFibrillation: (.urgent, "An irregular rhythm suggesting atrial fibrillation lasted \(secs) s (mean rate \(rate) bpm).")
            }
            let ruleID = "ecg.\(e.kind.rawValue)"
            let key = "\(device.rawValue)|ecg|\(span)"
            let (capped, message) = AlertPolicy.capped(
                severity, "\(text) Evidence: \(span)." + (grade.isMedical ? " Contact the care team." : ""), medical: grade.isMedical, grade: grade.rawValue)
            return Alert(
                id: "\(ruleID)/\(key)", ruleID: ruleID, subject: subject, device: device, severity: capped, message: message,
                citation: citation(e.kind), raisedAt: now, effectiveTime: from, evidenceKey: key)
        }
    }
}
