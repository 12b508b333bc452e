import Foundation
import VitalsAnalytics
import VitalsCore
import VitalsStore

/// A subject's analytics computed on the store's readings with VitalsAnalytics: the consensus CGM metrics
/// and AGP (`GlucoseMetrics`) and the blood-pressure categories and ESH home average (`BloodPressureCategories`).
/// Values are unrounded. Times of day (AGP hours, the home protocol's calendar days) are in `timeZone`, as named
/// in the request.
struct SubjectAnalytics: Encodable {
    var subject: String
    var from: Date?
    var to: Date?
    var timeZone: String
    var glucose: GlucoseResource
    var bloodPressure: BloodPressureResource

    struct GlucoseResource: Encodable {
        /// Readings with a numeric value (mmol/L converted to mg/dL).
        var readings: Int
        /// Readings without one, such as a meter's LO or HI: not in any percentage.
        var skipped: Int
        var meanMgdl: Double?
        var tirPct: Double?
        var tbr70Pct: Double?
        var tbr54Pct: Double?
        var tar180Pct: Double?
        var tar250Pct: Double?
        var cvPct: Double?
        var gmiPct: Double?
        var sufficient: Bool
        var hypoEpisodes: HypoEpisodes
        var samplingIntervalSeconds: Double?
        var agp: [AGPBinResource]
    }

    struct HypoEpisodes: Encodable {
        var level1: Int
        var level2: Int
    }

    struct AGPBinResource: Encodable {
        var minuteOfDay: Int
        var count: Int
        var p5, p25, p50, p75, p95: Double
    }

    struct BloodPressureResource: Encodable {
        var readings: Int
        /// Readings without both a numeric systolic and diastolic value.
        var skipped: Int
        var homeAverage: HomeAverage
        var latest: LatestBP?
        /// How many readings fall in each category (every category listed, zeros included).
        var categories: Categories
        var crises: Int
    }

    struct HomeAverage: Encodable {
        var readings: Int
        var meanSystolic: Double?
        var meanDiastolic: Double?
        var homeHypertension: Bool
        var sufficient: Bool
    }

    struct LatestBP: Encodable {
        var at: Date
        var systolic: Double
        var diastolic: Double
        var accAha2017: String
        var esh2023: String
    }

    struct Categories: Encodable {
        var accAha2017: [String: Int]
        var esh2023: [String: Int]
    }

    /// Seconds in the subject's civil time, as VitalsAnalytics counts them (see `CivilTime`).
    static func civil(_ d: Date, _ zone: TimeZone) -> Double { d.timeIntervalSince1970 + Double(zone.secondsFromGMT(for: d)) }

    /// The glucose series: each reading's first glucose observation, in mg/dL when it is a number.
    static func glucose(_ points: [SeriesPoint], zone: TimeZone) -> (readings: [GlucoseReading], skipped: Int) {
        var out: [GlucoseReading] = []
        var skipped = 0
        var seen: Set<Int64> = []
        for p in points where p.metric.hasPrefix("glucose.") && !seen.contains(p.readingID) {
            seen.insert(p.readingID)
            guard p.state == "number", let v = p.value else {
                skipped += 1
                continue
            }
            switch p.unit {
            case UCUMUnit.milligramPerDecilitre.code: out.append(GlucoseReading(time: civil(p.effectiveAt, zone), mgdl: v))
            case UCUMUnit.millimolePerLitre.code: out.append(GlucoseReading(time: civil(p.effectiveAt, zone), mgdl: UnitConversion.glucoseMgPerDl(fromMmolPerL: v)))
            default: skipped += 1
            }
        }
        return (out, skipped)
    }

    /// The blood-pressure series: readings with numeric systolic and diastolic values, in mmHg.
    static func bloodPressure(_ points: [SeriesPoint], zone: TimeZone) -> (readings: [(at: Date, reading: BPReading)], skipped: Int) {
        var byReading: [Int64: (at: Date, sys: Double?, dia: Double?, pulse: Double?)] = [:]
        var order: [Int64] = []
        func mmHg(_ p: SeriesPoint) -> Double? {
            guard p.state == "number", let v = p.value else { return nil }
            switch p.unit {
            case UCUMUnit.millimetreOfMercury.code: return v
            case UCUMUnit.kilopascal.code: return UnitConversion.mmHg(fromKilopascal: v)
            default: return nil
            }
        }
        for p in points {
            if byReading[p.readingID] == nil {
                byReading[p.readingID] = (p.effectiveAt, nil, nil, nil)
                order.append(p.readingID)
            }
            switch p.metric {
            case Metric.systolic.key: byReading[p.readingID]?.sys = mmHg(p)
            case Metric.diastolic.key: byReading[p.readingID]?.dia = mmHg(p)
            case Metric.pulseRateNonInvasive.key: byReading[p.readingID]?.pulse = p.state == "number" ? p.value : nil
            default: break
            }
        }
        var out: [(Date, BPReading)] = []
        var skipped = 0
        for id in order {
            let r = byReading[id]!
            guard let s = r.sys, let d = r.dia else {
                skipped += 1
                continue
            }
            out.append((r.at, BPReading(timeText: JSON.time(r.at), time: civil(r.at, zone), systolic: s, diastolic: d, pulse: r.pulse)))
        }
        return (out, skipped)
    }

    static func compute(subject: String, from: Date?, to: Date?, zone: TimeZone, zoneName: String, glucosePoints: [SeriesPoint], bpPoints: [SeriesPoint]) -> SubjectAnalytics {
        let g = glucose(glucosePoints, zone: zone)
        let s = GlucoseMetrics.summarize(id: subject, readings: g.readings, skipped: g.skipped)
        let glucose = GlucoseResource(
            readings: s.readings, skipped: s.skipped, meanMgdl: s.meanMgdl, tirPct: s.tirPct, tbr70Pct: s.tbr70Pct, tbr54Pct: s.tbr54Pct,
            tar180Pct: s.tar180Pct, tar250Pct: s.tar250Pct, cvPct: s.cvPct, gmiPct: s.gmiPct, sufficient: s.sufficient,
            hypoEpisodes: HypoEpisodes(level1: s.hypoLevel1, level2: s.hypoLevel2), samplingIntervalSeconds: s.samplingIntervalSeconds,
            agp: s.agp.map { AGPBinResource(minuteOfDay: $0.minuteOfDay, count: $0.count, p5: $0.p5, p25: $0.p25, p50: $0.p50, p75: $0.p75, p95: $0.p95) })

        let b = bloodPressure(bpPoints, zone: zone)
        let readings = b.readings.map(\.reading)
        let home = BloodPressureCategories.homeProtocol(readings)
        var acc = Dictionary(uniqueKeysWithValues: ACCAHA2017Category.allCases.map { ($0.rawValue, 0) })
        var esh = Dictionary(uniqueKeysWithValues: ESH2023Grade.allCases.map { ($0.rawValue, 0) })
        for r in readings {
            acc[r.accAHA2017.rawValue, default: 0] += 1
            esh[r.esh2023.rawValue, default: 0] += 1
        }
        let latest = b.readings.last.map {
            LatestBP(at: $0.at, systolic: $0.reading.systolic, diastolic: $0.reading.diastolic, accAha2017: $0.reading.accAHA2017.rawValue, esh2023: $0.reading.esh2023.rawValue)
        }
        let bp = BloodPressureResource(
            readings: readings.count, skipped: b.skipped,
            homeAverage: HomeAverage(readings: home.readings, meanSystolic: home.meanSystolic, meanDiastolic: home.meanDiastolic, homeHypertension: home.homeHypertension, sufficient: home.sufficient),
            latest: latest, categories: Categories(accAha2017: acc, esh2023: esh), crises: readings.count(where: \.isCrisis))
        return SubjectAnalytics(subject: subject, from: from, to: to, timeZone: zoneName, glucose: glucose, bloodPressure: bp)
    }
}
