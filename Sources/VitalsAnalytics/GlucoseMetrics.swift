import Foundation

/// One CGM reading: a time (seconds, see `CivilTime`) and a glucose value in mg/dL.
public struct GlucoseReading: Sendable, Equatable {
    public var time: Double
    public var mgdl: Double

    public init(time: Double, mgdl: Double) {
        self.time = time
        self.mgdl = mgdl
    }
}

/// The standard CGM metrics for one subject. Values are unrounded; nil where they are undefined
/// (no readings, or fewer than two for the coefficient of variation).
public struct GlucoseSummary: Sendable, Equatable {
    public var id: String
    /// Rows with a numeric glucose value.
    public var readings: Int
    /// Rows with a missing or non-numeric glucose value.
    public var skipped: Int
    public var meanMgdl: Double?
    /// Time in range, 70–180 mg/dL inclusive, as a percentage of readings.
    public var tirPct: Double?
    /// Time below range, < 70 mg/dL.
    public var tbr70Pct: Double?
    /// Time below range, < 54 mg/dL.
    public var tbr54Pct: Double?
    /// Time above range, > 180 mg/dL.
    public var tar180Pct: Double?
    /// Time above range, > 250 mg/dL.
    public var tar250Pct: Double?
    /// Coefficient of variation: sample SD (n − 1) / mean × 100.
    public var cvPct: Double?
    /// Glucose management indicator: 3.31 + 0.02392 × mean (mg/dL).
    public var gmiPct: Double?
    /// At least 70 % of the possible readings over the last 14 days are present.
    public var sufficient: Bool
    /// Level 1 hypoglycaemia episodes (< 70 mg/dL).
    public var hypoLevel1: Int
    /// Level 2 hypoglycaemia episodes (< 54 mg/dL).
    public var hypoLevel2: Int
    /// The median gap between consecutive readings, in seconds (nil with fewer than two distinct times).
    public var samplingIntervalSeconds: Double?
    /// The ambulatory glucose profile: percentiles by hour of day.
    public var agp: [AGPBin] = []
}

/// CGM summary metrics, per the international consensus on time in range:
/// Battelino T. et al., "Clinical Targets for Continuous Glucose Monitoring Data Interpretation:
/// Recommendations From the International Consensus on Time in Range", Diabetes Care 2019;42:1593–1603
/// (TIR 70–180 mg/dL, TBR < 70 and < 54, TAR > 180 and > 250, CV, and ≥ 70 % of 14 days of data);
/// Danne T. et al., "International Consensus on Use of Continuous Glucose Monitoring", Diabetes Care
/// 2017;40:1631–1640 (hypoglycaemia episodes: ≥ 15 consecutive minutes below the threshold starts one,
/// ≥ 15 consecutive minutes at or above it ends it); Bergenstal R.M. et al., "Glucose Management
/// Indicator (GMI)", Diabetes Care 2018;41:2275–2280 (GMI % = 3.31 + 0.02392 × mean glucose in mg/dL).
/// No I/O.
public enum GlucoseMetrics {
    /// Level 1 hypoglycaemia threshold, mg/dL (values below it).
    public static let level1Threshold = 70.0
    /// Level 2 hypoglycaemia threshold, mg/dL (values below it).
    public static let level2Threshold = 54.0
    /// An episode starts after this many seconds below the threshold and ends after this many at or above it.
    public static let episodeSeconds = 15.0 * 60
    /// A gap between consecutive readings longer than this ends a run (and any episode in progress).
    public static let maxGapSeconds = 30.0 * 60
    /// Battelino 2019: data sufficiency is judged over 14 days, needing ≥ 70 % of the possible readings.
    public static let sufficiencyWindowSeconds = 14.0 * 86_400
    public static let sufficiencyFraction = 0.70

    /// Reads a CSV with columns `id`, `time` and `gl` (mg/dL; header names matched case-insensitively) and
    /// summarises each id in first-seen order. A missing or non-numeric `gl` skips the row (counted in
    /// `skipped`). Throws `CSVError` naming the line and column for a missing column, a short row or a
    /// time that does not parse.
    public static func summarize(csv: CSVTable) throws(CSVError) -> [GlucoseSummary] {
        var idx: [Int] = []
        for name in ["id", "time", "gl"] {
            guard let i = csv.columnIndex(name) else {
                throw CSVError(line: csv.headerLine, column: name, "missing column (header is: \(csv.header.joined(separator: ",")))")
            }
            idx.append(i)
        }
        let (iID, iTime, iGl) = (idx[0], idx[1], idx[2])
        var order: [String] = []
        var byID: [String: (readings: [GlucoseReading], skipped: Int)] = [:]
        for row in csv.rows {
            for (i, name) in zip([iID, iTime, iGl], ["id", "time", "gl"]) where i >= row.fields.count {
                throw CSVError(line: row.line, column: name, "missing field (row has \(row.fields.count) fields, header has \(csv.header.count))")
            }
            let id = row.fields[iID]
            if byID[id] == nil {
                order.append(id)
                byID[id] = ([], 0)
            }
            let glText = row.fields[iGl].trimmingCharacters(in: .whitespaces)
            guard let gl = Double(glText), gl.isFinite else {
                byID[id]!.skipped += 1
                continue
            }
            guard let t = CivilTime.parse(row.fields[iTime]) else {
                throw CSVError(line: row.line, column: "time", "'\(row.fields[iTime])' is not a date and time (expected YYYY-MM-DD HH:MM:SS)")
            }
            byID[id]!.readings.append(GlucoseReading(time: t, mgdl: gl))
        }
        return order.map { summarize(id: $0, readings: byID[$0]!.readings, skipped: byID[$0]!.skipped) }
    }

    /// Summarises one subject's readings (in any order).
    public static func summarize(id: String, readings unsorted: [GlucoseReading], skipped: Int = 0) -> GlucoseSummary {
        let r = sortedByTime(unsorted)
        let n = r.count
        var s = GlucoseSummary(
            id: id, readings: n, skipped: skipped, sufficient: false,
            hypoLevel1: hypoEpisodes(r, below: level1Threshold), hypoLevel2: hypoEpisodes(r, below: level2Threshold))
        s.samplingIntervalSeconds = samplingInterval(r)
        s.sufficient = isSufficient(r)
        s.agp = AGP.profile(r)
        guard n > 0 else { return s }
        let values = r.map(\.mgdl)
        let mean = values.reduce(0, +) / Double(n)
        func pct(_ p: (Double) -> Bool) -> Double { Double(values.count(where: p)) * 100 / Double(n) }
        s.meanMgdl = mean
        s.tirPct = pct { $0 >= 70 && $0 <= 180 }
        s.tbr70Pct = pct { $0 < 70 }
        s.tbr54Pct = pct { $0 < 54 }
        s.tar180Pct = pct { $0 > 180 }
        s.tar250Pct = pct { $0 > 250 }
        s.gmiPct = 3.31 + 0.02392 * mean
        if n >= 2, mean != 0 {
            let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(n - 1)
            s.cvPct = variance.squareRoot() / mean * 100
        }
        return s
    }

    /// A stable sort by time, so readings that share a time keep the file's order.
    static func sortedByTime(_ r: [GlucoseReading]) -> [GlucoseReading] {
        r.enumerated().sorted { ($0.element.time, $0.offset) < ($1.element.time, $1.offset) }.map(\.element)
    }

    /// The median of the positive gaps between consecutive readings (sorted by time), in seconds.
    /// Repeated time stamps (gap 0) are ignored. For an even count, the mean of the two middle gaps.
    public static func samplingInterval(_ sorted: [GlucoseReading]) -> Double? {
        guard sorted.count >= 2 else { return nil }
        let gaps = zip(sorted.dropFirst(), sorted).map { $0.time - $1.time }.filter { $0 > 0 }.sorted()
        guard !gaps.isEmpty else { return nil }
        let mid = gaps.count / 2
        return gaps.count % 2 == 1 ? gaps[mid] : (gaps[mid - 1] + gaps[mid]) / 2
    }

    /// Battelino 2019 data sufficiency: the readings in the last 14 days of the subject's data, the window
    /// (last − 14 d, last], number at least 70 % of the possible readings, 14 d / the sampling interval.
    public static func isSufficient(_ sorted: [GlucoseReading]) -> Bool {
        guard let last = sorted.last?.time, let interval = samplingInterval(sorted) else { return false }
        let possible = sufficiencyWindowSeconds / interval
        let inWindow = sorted.count { $0.time > last - sufficiencyWindowSeconds }
        return Double(inWindow) >= sufficiencyFraction * possible
    }

    /// Counts hypoglycaemia episodes below `threshold` (Danne 2017, Battelino 2019), on readings sorted by
    /// time. A run of readings lasts from its first reading's time to its last reading's time: an episode
    /// starts once a run below the threshold lasts ≥ 15 minutes (readings at 0, 5, 10 and 15 min), and ends
    /// once a run at or above it lasts ≥ 15 minutes; a shorter recovery leaves the episode going. A gap of
    /// more than 30 minutes between consecutive readings ends the current run and any episode in progress.
    public static func hypoEpisodes(_ sorted: [GlucoseReading], below threshold: Double) -> Int {
        var count = 0
        var inEpisode = false
        var belowSince: Double?
        var aboveSince: Double?
        var previous: Double?
        for r in sorted {
            if let p = previous, r.time - p > maxGapSeconds {
                inEpisode = false
                belowSince = nil
                aboveSince = nil
            }
            previous = r.time
            if r.mgdl < threshold {
                aboveSince = nil
                let start = belowSince ?? r.time
                belowSince = start
                if !inEpisode, r.time - start >= episodeSeconds {
                    inEpisode = true
                    count += 1
                }
            } else {
                belowSince = nil
                let start = aboveSince ?? r.time
                aboveSince = start
                if inEpisode, r.time - start >= episodeSeconds { inEpisode = false }
            }
        }
        return count
    }
}
