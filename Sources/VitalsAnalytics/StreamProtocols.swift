import Foundation

/// One time-of-day bin of the ambulatory glucose profile.
public struct AGPBin: Sendable, Equatable, Codable {
    /// Start of the bin, minutes after midnight (civil time as the data gives it).
    public var minuteOfDay: Int
    public var count: Int
    public var p5: Double
    public var p25: Double
    public var p50: Double
    public var p75: Double
    public var p95: Double
}

/// The ambulatory glucose profile (AGP): the 5th, 25th, 50th, 75th and 95th percentiles of glucose by time of
/// day, over all days — the standard CGM report's curves (Bergenstal et al., "Recommendations for standardizing
/// glucose reporting and analysis to optimize clinical decision making in diabetes: the Ambulatory Glucose
/// Profile", J Diabetes Sci Technol 2013;7:562–578; Battelino 2019 uses the same AGP report).
public enum AGP {
    /// Percentile with linear interpolation between closest ranks (R type 7, numpy's default).
    public static func percentile(_ sorted: [Double], _ p: Double) -> Double {
        precondition(!sorted.isEmpty)
        let h = Double(sorted.count - 1) * p / 100
        let lo = Int(h.rounded(.down))
        let hi = min(lo + 1, sorted.count - 1)
        return sorted[lo] + (h - Double(lo)) * (sorted[hi] - sorted[lo])
    }

    /// Bins of `binMinutes` (default 60: 24 bins); empty bins are left out.
    public static func profile(_ readings: [GlucoseReading], binMinutes: Int = 60) -> [AGPBin] {
        let bins = max(1, 1440 / max(1, binMinutes))
        var byBin = [[Double]](repeating: [], count: bins)
        for r in readings {
            let secondOfDay = r.time - Double(CivilTime.dayNumber(r.time)) * 86_400
            let b = min(bins - 1, Int(secondOfDay / 60) / max(1, binMinutes))
            byBin[b].append(r.mgdl)
        }
        return byBin.enumerated().compactMap { i, values in
            guard !values.isEmpty else { return nil }
            let s = values.sorted()
            return AGPBin(minuteOfDay: i * binMinutes, count: s.count, p5: percentile(s, 5), p25: percentile(s, 25), p50: percentile(s, 50),
                          p75: percentile(s, 75), p95: percentile(s, 95))
        }
    }
}

/// The BP kiosk / office protocol: three readings about one minute apart, the first discarded and the result
/// the mean of the last two (ESH 2023 / AHA 2019 measurement guidance: "average of ≥ 2 readings"; the
/// first of three is dropped). Sittings are found with session windows: readings less than `gap` apart.
public struct KioskSitting: Sendable, Equatable {
    public var start: Double
    public var readings: Int
    /// Mean of the last two systolic and diastolic readings; nil with fewer than three readings.
    public var systolic: Double?
    public var diastolic: Double?
    public var complete: Bool { systolic != nil }
}

public enum BPProtocols {
    public static let sittingGap = 5.0 * 60

    /// Groups (time, sys, dia) readings into sittings with the streaming core's session windows and applies the
    /// kiosk protocol to each.
    public static func kiosk(_ readings: [(time: Double, sys: Double, dia: Double)], gap: Double = sittingGap) -> [KioskSitting] {
        let key = StreamKey(subject: "-", metric: "bp")
        var sys = WindowOperator(key: key, spec: .session(gap: gap), allowedLateness: .greatestFiniteMagnitude / 4)
        var dia = sys
        var ws: [WindowResult] = [], wd: [WindowResult] = []
        for r in readings {
            ws += sys.insert(StreamSample(time: r.time, value: r.sys))
            wd += dia.insert(StreamSample(time: r.time, value: r.dia))
        }
        ws += sys.advance(to: .greatestFiniteMagnitude / 2)
        wd += dia.advance(to: .greatestFiniteMagnitude / 2)
        return zip(ws.sorted { $0.start < $1.start }, wd.sorted { $0.start < $1.start }).map { s, d in
            let n = s.aggregate.count
            func lastTwo(_ w: WindowResult) -> Double? {
                guard n >= 3 else { return nil }
                let v = w.aggregate.values.suffix(2).map(\.value)
                return (v[0] + v[1]) / 2
            }
            return KioskSitting(start: s.start, readings: n, systolic: lastTwo(s), diastolic: lastTwo(d))
        }
    }
}

extension CivilTime {
    /// `YYYY-MM-DD HH:MM:SS` for seconds as `parse` returns them (civil time counted as if it were UTC).
    public static func format(_ seconds: Double) -> String {
        var cal = Calendar(identifier: .gregorian)
        cal.timeZone = TimeZone(identifier: "UTC")!
        let c = cal.dateComponents([.year, .month, .day, .hour, .minute, .second], from: Date(timeIntervalSince1970: seconds.rounded(.down)))
        return String(format: "%04d-%02d-%02d %02d:%02d:%02d", c.year ?? 0, c.month ?? 0, c.day ?? 0, c.hour ?? 0, c.minute ?? 0, c.second ?? 0)
    }
}
