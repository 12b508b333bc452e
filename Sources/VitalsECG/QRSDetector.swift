import Foundation

/// One detected beat.
public struct DetectedBeat: Sendable, Equatable {
    /// Sample index of the R peak, counted from the first sample given to the detector.
    public var sample: Int
    /// Interval from the previous detected beat, in samples (nil for the first beat, or the first after a
    /// signal loss).
    public var rrSamples: Int?
    /// Found by search-back at the lower threshold rather than at the primary threshold.
    public var searchBack: Bool
    /// Correlation of this beat's QRS with the running beat template (−1…1).
    public var templateCorrelation: Double
    /// Sample index at which the detector emitted the beat (latency = `emittedAt - sample`).
    public var emittedAt: Int
}

/// A stretch of signal the detector judged unusable.
public struct SignalLoss: Sendable, Equatable {
    public enum Reason: String, Sendable { case flatLine = "flat-line" }
    public var start: Int
    /// nil while the loss lasts.
    public var end: Int?
    public var reason: Reason
}

/// A signal-quality verdict for a fixed window (default 10 s).
public struct QualityWindow: Sendable, Equatable {
    public var start: Int
    public var end: Int
    /// 0…1: the mean template correlation of the window's beats, 0 when the window is not physiologically
    /// feasible (Orphanidou et al. 2015: HR 40–180 bpm, no RR over 3 s, max/min RR below 2.2).
    public var index: Double
    /// `index ≥ 0.66` (Orphanidou's template-correlation criterion) and no signal loss in the window.
    public var usable: Bool
    /// The mean correlation of the window's beats with the running beat template, whatever their rhythm: 0
    /// with fewer than two beats or a signal loss in the window. Orphanidou's feasibility rules (RR ratio
    /// under 2.2, no RR over 3 s) make `index` 0 in atrial fibrillation and across a pause, so rhythm
    /// analysis judges usability by this morphology part (`SignalQualityRule`).
    public var correlation: Double

    public init(start: Int, end: Int, index: Double, usable: Bool, correlation: Double) {
        self.start = start
        self.end = end
        self.index = index
        self.usable = usable
        self.correlation = correlation
    }
}

/// What one call to `QRSDetector.process` produced.
public struct DetectorOutput: Sendable, Equatable {
    public var beats: [DetectedBeat] = []
    public var losses: [SignalLoss] = []
    public var quality: [QualityWindow] = []
}

/// A streaming R-peak detector for one ECG lead.
///
/// Design (see docs/ecg.md): the Pan–Tompkins chain (Pan & Tompkins 1985; Hamilton & Tompkins 1986) —
/// band-pass, derivative, squaring, moving-window integration, adaptive signal and noise peak levels with
/// search-back and T-wave discrimination — built only from integer running sums, so every stage has an
/// exact integer delay (linear phase) at any sample rate, costs O(1) per sample and has no start-up drift.
/// The R peak is placed at the largest band-passed deflection around the integrator peak.
///
/// Feed samples in blocks of any size with `process(_:)`; call `finish()` at the end of a recording.
/// Gain and baseline do not matter (the thresholds adapt); `adcGain` (ADC units per mV), when given, sets
/// the flat-line threshold in millivolts.
public struct QRSDetector: Sendable {
    public struct Configuration: Sendable {
        public var sampleRate: Double
        /// ADC units per millivolt, if known.
        public var adcGain: Double?
        /// Peak-to-peak amplitude below which a 1-s stretch counts as flat (lead off), in mV; if the gain is
        /// unknown, `flatLineADC` ADC units are used instead.
        public var flatLineMillivolts: Double = 0.02
        public var flatLineADC: Int = 2
        /// Refractory period: two beats are never closer than this (s).
        public var refractory: Double = 0.2
        /// Primary threshold position between the noise and signal peak levels.
        public var thresholdFraction: Double = 0.25
        /// Search back when no beat was found within this multiple of the mean RR.
        public var searchBackFactor: Double = 1.66
        /// Signal-quality window length (s).
        public var qualityWindow: Double = 10
        /// T-wave test: a peak within this many seconds of the last beat whose slope is below
        /// `tWaveSlopeRatio` of the last QRS slope is taken for a T wave.
        public var tWaveWindow: Double = 0.36
        public var tWaveSlopeRatio: Double = 0.5
        /// When a search-back finds nothing, the signal level is multiplied by this (the amplitude fell).
        public var signalDecay: Double = 0.5
        /// Latency bound (s): a candidate between the thresholds is decided no later than this after its R
        /// peak (see `processDeadlines`).
        public var maxLatency: Double = 0.95
        /// Signal (s) that sets the first thresholds, at the start and after a lead-off. Beats found in it
        /// are reported when it ends, filter delays later: 0.8 s keeps them within `maxLatency` too.
        public var learningPeriod: Double = 0.8
        /// Look-back for a missed beat (see `lookBack`): an interval between two beats at least this multiple
        /// of the mean RR is searched for a candidate above NPK + `lookBackFraction` (SPK − NPK) that lies at
        /// least `tWaveWindow` after the first beat and `lookBackGapAfter` seconds before the second.
        public var lookBackRR: Double = 1.2
        public var lookBackFraction: Double = 0.05
        public var lookBackGapAfter: Double = 0.3

        public init(sampleRate: Double, adcGain: Double? = nil) {
            self.sampleRate = sampleRate
            self.adcGain = adcGain
        }
    }

    public let configuration: Configuration
    // Filter lengths (samples) and delays.
    let l1: Int, lh: Int, ld: Int, lw: Int
    /// Delay from the input to the band-passed signal y, and from y to the integrator m.
    let delayY: Int, delayYM: Int
    let refractory: Int, rWindow: Int, slopeWindow: Int, deadlineSamples: Int

    // Rings (power-of-two sizes).
    private var rx: [Int64], r1: [Int64], r2: [Int64], ry: [Int64], rs: [Double]
    private let mx: Int, m1: Int, m2: Int, my: Int, ms: Int
    private var s1: Int64 = 0, s2: Int64 = 0, s3: Int64 = 0, s4: Double = 0
    private var mPrev1: Double = 0, mPrev2: Double = 0
    /// Samples seen.
    public private(set) var count = 0
    private var started = false

    // Candidate peak awaiting confirmation (no larger peak within the refractory period).
    private var pendingIndex = -1
    private var pendingValue = 0.0

    // Adaptive levels.
    private var spk = 0.0, npk = 0.0
    private var learning = true
    private var learnEnd = 0
    private var learnCandidates: [(Int, Double)] = []
    private var learnMax = 0.0
    private var lastBeatM = -1  // integrator time of the last beat
    private var lastBeatSample = -1
    private var lastSlope = 0.0
    private var rr: [Int] = []
    private var rrSum = 0
    private var noiseCandidates: [Candidate] = []
    /// Sample count at which the search-back interval after the last beat ends.
    private var searchBackDue = Int.max

    // Template (band-passed QRS ± 50 ms) for the quality index.
    private var template: [Double]
    private var templateBeats = 0
    private var lowCorrelationRun = 0
    private let templateHalf: Int

    // Flat-line detection on 1-s chunks of the raw input.
    private var chunkMin = Int64.max, chunkMax = Int64.min, chunkStart = 0
    private let chunkLength: Int
    private let flatThreshold: Int64
    private var flat = false
    private var flatStart = 0
    private var lossesClosed: [(Int, Int)] = []

    // Quality windows.
    private var qualityStart = 0
    private let qualityLength: Int
    private var recentBeats: [DetectedBeat] = []

    private var out = DetectorOutput()

    struct Candidate {
        var m: Int
        var value: Double
        var rPeak: Int
        var slope: Double
        var correlation: Double
    }

    public init(_ configuration: Configuration) {
        precondition(configuration.sampleRate >= 50 && configuration.sampleRate <= 10_000, "sample rate out of range")
        self.configuration = configuration
        let fs = configuration.sampleRate
        func odd(_ v: Double) -> Int { let r = max(1, Int(v.rounded())); return r | 1 }
        l1 = odd(fs * 0.028)
        lh = odd(fs * 0.125)
        ld = max(1, Int((fs * 0.01).rounded()))
        lw = odd(fs * 0.12)
        delayY = (l1 - 1) + (lh - 1) / 2
        delayYM = ld / 2 + (lw - 1) / 2
        refractory = Int((fs * configuration.refractory).rounded())
        deadlineSamples = Int(configuration.maxLatency * fs)
        rWindow = Int((fs * 0.09).rounded())
        slopeWindow = Int((fs * 0.06).rounded())
        templateHalf = Int((fs * 0.05).rounded())
        func pow2(_ n: Int) -> Int { var p = 1; while p < n { p <<= 1 }; return p }
        mx = pow2(l1 + 1) - 1
        m1 = mx
        m2 = pow2(lh + 1) - 1
        my = pow2(Int(fs * 1.2) + 2 * delayYM + refractory) - 1
        ms = pow2(lw + 1) - 1
        rx = Array(repeating: 0, count: mx + 1)
        r1 = Array(repeating: 0, count: m1 + 1)
        r2 = Array(repeating: 0, count: m2 + 1)
        ry = Array(repeating: 0, count: my + 1)
        rs = Array(repeating: 0, count: ms + 1)
        template = Array(repeating: 0, count: 2 * templateHalf + 1)
        chunkLength = max(1, Int(fs.rounded()))
        if let g = configuration.adcGain, g > 0 {
            flatThreshold = max(1, Int64((configuration.flatLineMillivolts * g).rounded()))
        } else {
            flatThreshold = Int64(configuration.flatLineADC)
        }
        qualityLength = max(1, Int((configuration.qualityWindow * fs).rounded()))
    }

    /// The delay in samples between a QRS and its regular (non-search-back) detection: filters plus the
    /// refractory confirmation.
    public var nominalLatency: Int { delayY + delayYM + refractory }

    /// Processes a block of samples (any size). Returns what became known.
    public mutating func process(_ samples: [Int32]) -> DetectorOutput {
        samples.withUnsafeBufferPointer { process($0) }
    }

    public mutating func process(_ samples: UnsafeBufferPointer<Int32>) -> DetectorOutput {
        out = DetectorOutput()
        guard !samples.isEmpty else { return out }
        if !started { prime(Int64(samples[0])) }
        for v in samples { step(Int64(v)) }
        emitQuality(final: false)
        let r = out
        out = DetectorOutput()
        return r
    }

    /// Ends the stream: pushes the last samples through the filters (by holding the last value) and
    /// reports what remains. Beats are reported only up to the last real sample.
    public mutating func finish() -> DetectorOutput {
        out = DetectorOutput()
        guard started else { return out }
        let end = count
        let hold = rx[(count - 1) & mx]
        for _ in 0..<(delayY + delayYM + refractory + 2) { step(hold) }
        processDeadlines(atEnd: true)
        out.beats.removeAll { $0.sample >= end }
        emitQuality(final: true)
        let r = out
        out = DetectorOutput()
        return r
    }

    private mutating func prime(_ x: Int64) {
        started = true
        let L1 = Int64(l1), Lh = Int64(lh)
        for i in 0...mx { rx[i] = x; r1[i] = L1 * x }
        for i in 0...m2 { r2[i] = L1 * L1 * x }
        s1 = L1 * x
        s2 = L1 * L1 * x
        s3 = Lh * L1 * L1 * x
        learnEnd = Int(configuration.learningPeriod * configuration.sampleRate) + delayY + delayYM
    }

    @inline(__always)
    private mutating func step(_ x: Int64) {
        let n = count
        // Flat-line bookkeeping on the raw input.
        if x < chunkMin { chunkMin = x }
        if x > chunkMax { chunkMax = x }
        if n - chunkStart + 1 >= chunkLength { closeChunk(end: n + 1) }

        // Low-pass: two boxes of length l1. High-pass: subtract a centred box of length lh.
        s1 += x - rx[(n - l1) & mx]
        rx[n & mx] = x
        s2 += s1 - r1[(n - l1) & m1]
        r1[n & m1] = s1
        s3 += s2 - r2[(n - lh) & m2]
        r2[n & m2] = s2
        let y = r2[(n - (lh - 1) / 2) & m2] * Int64(lh) - s3
        ry[n & my] = y
        let d = Double(y - ry[(n - ld) & my])
        let sq = d * d
        s4 += sq - rs[(n - lw) & ms]
        rs[n & ms] = sq
        if n & 0xFFFF == 0xFFFF { s4 = 0; for k in 0..<lw { s4 += rs[(n - k) & ms] } }
        let m = s4
        count = n + 1

        // Local maxima of the integrator; keep the largest within the refractory period.
        if mPrev1 > mPrev2 && mPrev1 >= m {
            let idx = n - 1
            if pendingIndex >= 0 && idx - pendingIndex < refractory {
                if mPrev1 > pendingValue { pendingIndex = idx; pendingValue = mPrev1 }
            } else {
                if pendingIndex >= 0 { confirm(pendingIndex, pendingValue) }
                pendingIndex = idx; pendingValue = mPrev1
            }
        }
        mPrev2 = mPrev1
        mPrev1 = m
        if pendingIndex >= 0 && n - pendingIndex >= refractory {
            confirm(pendingIndex, pendingValue)
            pendingIndex = -1
        }
        if learning && n >= learnEnd { endLearning() }
        if let first = noiseCandidates.first, count - first.rPeak >= deadlineSamples { processDeadlines() }
        if count >= searchBackDue { searchBack() }
    }

    private mutating func closeChunk(end: Int) {
        let isFlat = chunkMax - chunkMin < flatThreshold
        if isFlat && !flat {
            flat = true
            flatStart = chunkStart
            out.losses.append(SignalLoss(start: chunkStart, end: nil, reason: .flatLine))
        } else if !isFlat && flat {
            flat = false
            lossesClosed.append((flatStart, chunkStart))
            out.losses.append(SignalLoss(start: flatStart, end: chunkStart, reason: .flatLine))
            // Start again: relearn the levels on the returning signal.
            learning = true
            learnEnd = count + Int(configuration.learningPeriod * configuration.sampleRate) + delayY + delayYM
            learnCandidates = []
            learnMax = 0
            lastBeatM = -1
            lastBeatSample = -1
            rr = []
            rrSum = 0
            noiseCandidates = []
        }
        chunkMin = .max
        chunkMax = .min
        chunkStart = end
    }

    private var rrMean: Double {
        rr.isEmpty ? configuration.sampleRate * 0.8 : Double(rrSum) / Double(rr.count)
    }

    private var threshold1: Double { npk + configuration.thresholdFraction * (spk - npk) }

    /// Describes an integrator peak: where its R peak is, how steep it is, how it matches the template.
    private func candidate(_ mIndex: Int, _ value: Double) -> Candidate {
        let cy = mIndex - delayYM
        var best = Int64(-1), bestAt = cy, slope = Int64(0)
        var t = cy - rWindow
        while t <= cy + rWindow {
            let v = ry[t & my]
            let a = v < 0 ? -v : v
            if a > best { best = a; bestAt = t }
            if t >= cy - slopeWindow && t <= cy + slopeWindow {
                let dd = v - ry[(t - ld) & my]
                let ad = dd < 0 ? -dd : dd
                if ad > slope { slope = ad }
            }
            t += 1
        }
        return Candidate(m: mIndex, value: value, rPeak: bestAt - delayY, slope: Double(slope), correlation: correlation(at: bestAt))
    }

    private func correlation(at yIndex: Int) -> Double {
        guard templateBeats > 0 else { return 1 }
        var sxy = 0.0, sxx = 0.0, syy = 0.0, mx_ = 0.0, mt = 0.0
        let n = Double(template.count)
        for k in 0..<template.count { mx_ += Double(ry[(yIndex - templateHalf + k) & my]); mt += template[k] }
        mx_ /= n; mt /= n
        for k in 0..<template.count {
            let a = Double(ry[(yIndex - templateHalf + k) & my]) - mx_, b = template[k] - mt
            sxy += a * b; sxx += a * a; syy += b * b
        }
        return sxx > 0 && syy > 0 ? sxy / (sxx * syy).squareRoot() : 0
    }

    private mutating func updateTemplate(_ c: Candidate) {
        let yAt = c.rPeak + delayY
        var peak = 0.0
        for k in 0..<template.count { peak = max(peak, abs(Double(ry[(yAt - templateHalf + k) & my]))) }
        guard peak > 0 else { return }
        let w = templateBeats == 0 ? 1.0 : templateBeats < 8 ? 1.0 / Double(templateBeats + 1) : 0.05
        // A template that no longer matches (it was learnt on an odd first beat, or the lead changed) is
        // started again from the current beat.
        if c.correlation <= 0.5 { lowCorrelationRun += 1 } else { lowCorrelationRun = 0 }
        if lowCorrelationRun >= 4 { templateBeats = 0; lowCorrelationRun = 0 }
        if templateBeats == 0 || c.correlation > 0.5 {
            for k in 0..<template.count {
                template[k] = (1 - w) * template[k] + w * Double(ry[(yAt - templateHalf + k) & my]) / peak
            }
            templateBeats += 1
        }
    }

    private mutating func confirm(_ mIndex: Int, _ value: Double) {
        if flat { return }
        if learning {
            learnCandidates.append((mIndex, value))
            learnMax = max(learnMax, value)
            return
        }
        classify(candidate(mIndex, value))
    }

    private mutating func endLearning() {
        learning = false
        spk = learnMax * 0.5
        npk = 0
        for (_, v) in learnCandidates where v < 0.5 * learnMax { npk += v / Double(learnCandidates.count) }
        // Candidates in the learning second whose y history is still in the ring.
        let saved = learnCandidates
        learnCandidates = []
        for (i, v) in saved where count - i + rWindow + delayYM < my { classify(candidate(i, v)) }
    }

    private mutating func classify(_ c: Candidate) {
        if c.value > threshold1 {
            let since = lastBeatM >= 0 ? c.m - lastBeatM : Int.max
            // T-wave discrimination (Pan–Tompkins): a peak within 360 ms of the last beat whose slope is under
            // half the last QRS slope is a T wave.
            if since < Int(configuration.tWaveWindow * configuration.sampleRate) && c.slope < configuration.tWaveSlopeRatio * lastSlope {
                npk = 0.125 * c.value + 0.875 * npk
                return
            }
            lookBack(before: c)
            accept(c, searchBack: false)
            spk = 0.125 * min(c.value, 4 * max(spk, 1e-300)) + 0.875 * spk
        } else {
            npk = 0.125 * c.value + 0.875 * npk
            noiseCandidates.append(c)
        }
    }

    private mutating func accept(_ c: Candidate, searchBack: Bool) {
        var rrValue: Int?
        if lastBeatSample >= 0 {
            let r = c.rPeak - lastBeatSample
            guard r > 0 else { return }
            rrValue = r
            rr.append(c.m - lastBeatM)
            rrSum += c.m - lastBeatM
            if rr.count > 8 { rrSum -= rr.removeFirst() }
        }
        lastBeatM = c.m
        lastBeatSample = c.rPeak
        lastSlope = c.slope
        searchBackDue = c.m + refractory + searchBackLimit + 1
        noiseCandidates.removeAll { $0.m <= c.m }
        updateTemplate(c)
        let beat = DetectedBeat(sample: c.rPeak, rrSamples: rrValue, searchBack: searchBack, templateCorrelation: c.correlation, emittedAt: count)
        out.beats.append(beat)
        recentBeats.append(beat)
    }

    /// The smallest distance (samples) from the last beat at which a look-back candidate may lie.
    private var lookBackGapBefore: Int { Int(configuration.tWaveWindow * configuration.sampleRate) }
    /// Like the primary threshold, a point between the noise and signal peak levels, so it is never under NPK.
    private var lookBackThreshold: Double { npk + configuration.lookBackFraction * (spk - npk) }

    /// A beat `b` above the primary threshold has come after an interval of at least `lookBackRR` mean RR:
    /// the largest candidate in between is taken for a missed beat (a premature beat of lower amplitude, an
    /// aberrant or ventricular beat) if it is above the look-back threshold and splits the interval into two
    /// physiological parts (≥ the T-wave window after the last beat, ≥ `lookBackGapAfter` before `b`).
    private mutating func lookBack(before b: Candidate) {
        guard lastBeatM >= 0, Double(b.m - lastBeatM) >= configuration.lookBackRR * rrMean else { return }
        let after = Int(configuration.lookBackGapAfter * configuration.sampleRate)
        var best: Candidate?
        for c in noiseCandidates where c.m > lastBeatM && c.rPeak - lastBeatSample >= lookBackGapBefore && b.rPeak - c.rPeak >= after {
            if best == nil || c.value > best!.value { best = c }
        }
        if let x = best, x.value >= lookBackThreshold {
            accept(x, searchBack: true)
            spk = 0.25 * x.value + 0.75 * spk
        }
    }

    /// Candidates between the thresholds are decided when they are `maxLatency` old (all of them at the end
    /// of the stream), so that latency stays bounded. No beat has come within about 0.6 s after such a
    /// candidate (the regular detection delay is 0.35 s), so it lies in a long interval: it is taken for a
    /// beat on the look-back terms, i.e. if it is above the look-back threshold, at least the T-wave window
    /// after the last beat, and no larger candidate follows it within that window.
    private mutating func processDeadlines(atEnd: Bool = false) {
        guard !learning else { return }
        while let first = noiseCandidates.first, count - first.rPeak >= deadlineSamples || atEnd {
            if lastBeatM >= 0 && first.value >= lookBackThreshold && first.rPeak - lastBeatSample >= lookBackGapBefore
                && !noiseCandidates.contains(where: { $0.m > first.m && $0.rPeak - first.rPeak < lookBackGapBefore && $0.value > first.value }) {
                accept(first, searchBack: true)
                spk = 0.25 * first.value + 0.75 * spk
            } else {
                noiseCandidates.removeFirst()
            }
        }
    }

    /// The search-back interval (integrator samples after the last beat): 1.66 mean RR, or 0.5 s past
    /// the mean RR at slow rates so that latency stays bounded.
    private var searchBackLimit: Int {
        Int(min(configuration.searchBackFactor * rrMean, rrMean + 0.5 * configuration.sampleRate))
    }

    /// Search-back (Pan–Tompkins): when no beat came within the search-back interval, take the largest
    /// candidate still undecided above half the primary threshold. When there is none, the QRS amplitude
    /// may have fallen: SPK is multiplied by `signalDecay` (never below twice NPK), and again after every
    /// further interval without a beat.
    private mutating func searchBack() {
        guard !learning, lastBeatM >= 0 else { searchBackDue = .max; return }
        while count >= searchBackDue {
            let t2 = 0.5 * threshold1
            var best: Candidate?
            for c in noiseCandidates where c.value > t2 && c.rPeak - lastBeatSample >= lookBackGapBefore {
                if best == nil || c.value > best!.value { best = c }
            }
            guard let b = best else {
                spk = max(spk * configuration.signalDecay, 2 * npk)
                searchBackDue = count + searchBackLimit
                return
            }
            accept(b, searchBack: true)
            spk = 0.25 * b.value + 0.75 * spk
        }
    }

    private mutating func emitQuality(final: Bool) {
        let lag = nominalLatency + Int(configuration.sampleRate)
        while qualityStart + qualityLength + lag <= count || (final && qualityStart < count - 1) {
            let end = min(qualityStart + qualityLength, final ? count : qualityStart + qualityLength)
            let beats = recentBeats.filter { $0.sample >= qualityStart && $0.sample < end }
            let fs = configuration.sampleRate
            var feasible = beats.count >= 2
            var rrs: [Double] = []
            for b in beats { if let r = b.rrSamples { rrs.append(Double(r) / fs) } }
            if let lo = rrs.min(), let hi = rrs.max() {
                let hr = 60 / (rrs.reduce(0, +) / Double(rrs.count))
                if hr < 40 || hr > 180 || hi > 3 || hi / lo >= 2.2 { feasible = false }
            } else { feasible = false }
            let corr = beats.isEmpty ? 0 : beats.map(\.templateCorrelation).reduce(0, +) / Double(beats.count)
            let lost = flat && flatStart < end || lossesClosed.contains { $0.0 < end && $0.1 > qualityStart }
            let idx = feasible && !lost ? max(0, corr) : 0
            let morphology = beats.count >= 2 && !lost ? max(0, corr) : 0
            out.quality.append(QualityWindow(start: qualityStart, end: end, index: idx, usable: idx >= 0.66, correlation: morphology))
            qualityStart = end
            recentBeats.removeAll { $0.sample < qualityStart }
            lossesClosed.removeAll { $0.1 <= qualityStart }
            if end - qualityStart >= 0 && final && qualityStart >= count - 1 { break }
        }
    }
}

extension QRSDetector {
    /// Runs the detector over a whole recording in blocks of `blockSize` samples.
    public static func detect(_ samples: [Int32], configuration: Configuration, blockSize: Int = 4096) -> [DetectedBeat] {
        var det = QRSDetector(configuration)
        var beats: [DetectedBeat] = []
        samples.withUnsafeBufferPointer { buf in
            var i = 0
            while i < buf.count {
                let j = min(buf.count, i + blockSize)
                beats += det.process(UnsafeBufferPointer(rebasing: buf[i..<j])).beats
                i = j
            }
        }
        beats += det.finish().beats
        return beats
    }
}
