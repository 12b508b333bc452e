import Foundation

/// Synthetic ECG with known beat times, after the dynamical model of McSharry et al. (IEEE TBME 50(3):289,
/// 2003, "ECGSYN"): the phase θ turns once per RR interval (θ = 0 at each R peak) and
/// ż = −Σᵢ aᵢ Δθᵢ exp(−Δθᵢ² / 2bᵢ²) − (z − z₀) is integrated for the P, Q, R, S and T events. Premature
/// ventricular beats use wide QRS and inverted T events and no P; atrial fibrillation has irregular RR
/// intervals, no P wave and fibrillatory waves. White noise and baseline wander are added, and the result
/// is quantised to ADC units with any gain and baseline.
struct SyntheticECG {
    enum Rhythm {
        case sinus(bpm: Double)
        case atrialFibrillation(bpm: Double)
        /// One RR interval of this length, then sinus at `bpm`.
        case pause(seconds: Double, bpm: Double)
    }

    struct Segment {
        var rhythm: Rhythm
        var duration: Double
        /// Every n-th beat is a premature ventricular beat (with a compensatory pause).
        var ectopicEvery: Int? = nil
    }

    struct Output {
        var samples: [Int32]
        /// R-peak sample indices.
        var beats: [Int]
        var ectopicBeats: [Int]
        var afSpans: [(start: Int, end: Int)]
        var sampleRate: Double
    }

    var sampleRate = 360.0
    var gain = 200.0          // ADC units per mV
    var baseline: Int32 = 1024
    var noise = 0.02          // mV RMS
    var wander = 0.15         // mV, 0.3 Hz
    var seed: UInt64 = 1

    private struct Wave { var theta: Double; var a: Double; var b: Double }
    private static let normal = [Wave(theta: -.pi / 3, a: 1.2, b: 0.25), Wave(theta: -.pi / 12, a: -5, b: 0.1), Wave(theta: 0, a: 30, b: 0.1),
                                 Wave(theta: .pi / 12, a: -7.5, b: 0.1), Wave(theta: .pi / 2, a: 0.75, b: 0.4)]
    private static let ventricular = [Wave(theta: -.pi / 8, a: -3, b: 0.2), Wave(theta: 0, a: 18, b: 0.22),
                                      Wave(theta: .pi / 7, a: -9, b: 0.22), Wave(theta: .pi / 2, a: -1.2, b: 0.45)]

    func generate(_ segments: [Segment]) -> Output {
        var rng = SplitMix64(seed: seed)
        // Beat times.
        var times: [Double] = [0.6]
        var kinds: [Bool] = [false]     // true = ventricular
        var af: [Bool] = [false]
        var afSpans: [(Double, Double)] = []
        var segStart = 0.0
        for seg in segments {
            let end = segStart + seg.duration
            var n = 0
            var compensate = 0.0
            if case .atrialFibrillation = seg.rhythm { afSpans.append((segStart, end)) }
            if case .pause(let s, _) = seg.rhythm, let last = times.last {
                times.append(last + s); kinds.append(false); af.append(false)
            }
            while let last = times.last, last < end {
                n += 1
                var rr: Double
                var ectopic = false
                switch seg.rhythm {
                case .sinus(let bpm), .pause(_, let bpm):
                    rr = 60 / bpm * (1 + 0.03 * sin(2 * .pi * 0.25 * last))
                case .atrialFibrillation(let bpm):
                    rr = 60 / bpm * (1 + 0.4 * (rng.uniform() * 2 - 1))   // CV ≈ 0.23, typical of AF
                }
                if compensate > 0 { rr += compensate; compensate = 0 }
                if let e = seg.ectopicEvery, n % e == 0 {
                    compensate = 0.35 * rr
                    rr *= 0.65
                    ectopic = true
                }
                let t = last + rr
                if t >= end { break }
                times.append(t); kinds.append(ectopic)
                if case .atrialFibrillation = seg.rhythm { af.append(true) } else { af.append(false) }
            }
            segStart = end
        }
        let total = segStart
        let fs = sampleRate
        let count = Int(total * fs)
        var samples = [Int32](repeating: 0, count: count)
        let sub = 4
        let dt = 1 / (fs * Double(sub))
        var z = 0.0
        var k = 0  // times[k] ≤ t < times[k+1]
        var fPhase = 0.0
        for i in 0..<count {
            for s in 0..<sub {
                let t = (Double(i) + Double(s) / Double(sub)) / fs
                while k + 1 < times.count && times[k + 1] <= t { k += 1 }
                var dz = 0.0
                if t >= times[0] && k + 1 < times.count {
                    let t0 = times[k], t1 = times[k + 1]
                    var theta = 2 * .pi * (t - t0) / (t1 - t0)   // 0…2π over the interval
                    // θ ∈ [0, π): after beat k; θ ∈ [π, 2π): before beat k+1 (expressed as θ − 2π).
                    let after = theta < .pi
                    if !after { theta -= 2 * .pi }
                    let beat = after ? k : k + 1
                    let waves = kinds[beat] ? Self.ventricular : Self.normal
                    // Scale the QRS width with the interval, as ECGSYN does with the heart rate.
                    let w = max(0.6, min(1.4, sqrt((t1 - t0) / 0.8)))
                    for wv in waves {
                        if wv.theta < 0 && wv.b > 0.2 && af[beat] { continue }      // no P wave in AF
                        let b = abs(wv.theta) > .pi / 4 ? wv.b * w : wv.b
                        var d = theta - wv.theta
                        d = d - 2 * .pi * (d / (2 * .pi)).rounded()
                        dz -= wv.a * d * exp(-d * d / (2 * b * b)) * (2 * .pi / (t1 - t0))
                    }
                }
                dz -= z
                z += dz * dt
            }
            let t = Double(i) / fs
            var mv = z * 1.6
            if af[min(k, af.count - 1)] {
                fPhase += 2 * .pi * (6 + 1.5 * sin(t)) / fs
                mv += 0.05 * sin(fPhase)
            }
            mv += wander * sin(2 * .pi * 0.3 * t) + noise * rng.gaussian()
            samples[i] = baseline + Int32((mv * gain).rounded())
        }
        func idx(_ t: Double) -> Int { Int((t * fs).rounded()) }
        var beats: [Int] = [], ectopics: [Int] = []
        for (j, t) in times.enumerated() where idx(t) < count {
            beats.append(idx(t))
            if kinds[j] { ectopics.append(idx(t)) }
        }
        return Output(samples: samples, beats: beats, ectopicBeats: ectopics, afSpans: afSpans.map { (idx($0.0), idx($0.1)) }, sampleRate: fs)
    }
}

/// A small deterministic generator (SplitMix64, Steele et al. 2014).
struct SplitMix64 {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func uniform() -> Double { Double(next() >> 11) / Double(1 << 53) }
    mutating func gaussian() -> Double {
        let u1 = max(uniform(), 1e-300), u2 = uniform()
        return (-2 * log(u1)).squareRoot() * cos(2 * .pi * u2)
    }
}
