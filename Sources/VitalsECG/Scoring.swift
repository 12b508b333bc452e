/// Beat-by-beat comparison of detections with reference beats, ANSI/AAMI EC57 style.
public struct BeatScore: Sendable, Equatable {
    public var truePositives = 0
    public var falseNegatives = 0
    public var falsePositives = 0

    public init() {}

    /// Sensitivity in percent: TP / (TP + FN).
    public var sensitivity: Double { truePositives + falseNegatives == 0 ? 100 : 100 * Double(truePositives) / Double(truePositives + falseNegatives) }
    /// Positive predictivity in percent: TP / (TP + FP).
    public var positivePredictivity: Double { truePositives + falsePositives == 0 ? 100 : 100 * Double(truePositives) / Double(truePositives + falsePositives) }

    public static func + (a: BeatScore, b: BeatScore) -> BeatScore {
        var s = BeatScore()
        s.truePositives = a.truePositives + b.truePositives
        s.falseNegatives = a.falseNegatives + b.falseNegatives
        s.falsePositives = a.falsePositives + b.falsePositives
        return s
    }

    /// Matches detections to reference beats. A detection matches a reference beat within `tolerance`
    /// samples (150 ms under EC57); each is used at most once, and a detection that is closer to the next
    /// reference beat is left for it. Only beats at or after `from` (EC57 skips the first 5 minutes) and
    /// before `to` are counted.
    ///
    /// `excluding` spans (ventricular flutter/fibrillation, `[` to `]` in the reference) are left out of
    /// the comparison, as EC57 prescribes for beat-by-beat QRS scoring.
    public static func score(reference: [Int], detections: [Int], tolerance: Int, from: Int = 0, to: Int = .max, excluding: [(start: Int, end: Int)] = []) -> BeatScore {
        func keep(_ t: Int) -> Bool { t >= from && t < to && !excluding.contains { t >= $0.start && t <= $0.end } }
        let ref = reference.filter(keep).sorted()
        let det = detections.filter(keep).sorted()
        var s = BeatScore()
        var i = 0, j = 0
        while i < ref.count && j < det.count {
            let r = ref[i], d = det[j]
            if abs(d - r) <= tolerance {
                // Leave d for the next reference beat if it is closer to it and this one has another option.
                if i + 1 < ref.count && abs(ref[i + 1] - d) < abs(d - r) && !(j + 1 < det.count && abs(det[j + 1] - ref[i + 1]) < abs(ref[i + 1] - d)) {
                    s.falseNegatives += 1
                    i += 1
                    continue
                }
                s.truePositives += 1
                i += 1
                j += 1
            } else if d < r {
                s.falsePositives += 1
                j += 1
            } else {
                s.falseNegatives += 1
                i += 1
            }
        }
        s.falseNegatives += ref.count - i
        s.falsePositives += det.count - j
        return s
    }
}

/// Overlap of detected episodes with reference episodes, by duration.
public struct EpisodeScore: Sendable, Equatable {
    /// Reference duration covered by detections (samples).
    public var overlap = 0
    public var referenceDuration = 0
    public var detectedDuration = 0

    public init() {}

    /// Duration sensitivity in percent.
    public var sensitivity: Double { referenceDuration == 0 ? 100 : 100 * Double(overlap) / Double(referenceDuration) }
    /// Duration positive predictivity in percent.
    public var positivePredictivity: Double { detectedDuration == 0 ? (referenceDuration == 0 ? 100 : 0) : 100 * Double(overlap) / Double(detectedDuration) }

    public static func + (a: EpisodeScore, b: EpisodeScore) -> EpisodeScore {
        var s = EpisodeScore()
        s.overlap = a.overlap + b.overlap
        s.referenceDuration = a.referenceDuration + b.referenceDuration
        s.detectedDuration = a.detectedDuration + b.detectedDuration
        return s
    }

    public static func score(reference: [(start: Int, end: Int)], detected: [(start: Int, end: Int)], from: Int = 0) -> EpisodeScore {
        func clip(_ e: [(start: Int, end: Int)]) -> [(Int, Int)] { e.compactMap { let s = max($0.start, from); return $0.end > s ? (s, $0.end) : nil } }
        let r = clip(reference), d = clip(detected)
        var s = EpisodeScore()
        s.referenceDuration = r.reduce(0) { $0 + $1.1 - $1.0 }
        s.detectedDuration = d.reduce(0) { $0 + $1.1 - $1.0 }
        for a in r { for b in d { s.overlap += max(0, min(a.1, b.1) - max(a.0, b.0)) } }
        return s
    }
}
