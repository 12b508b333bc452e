import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing
import VitalsAnalytics
import VitalsCore
import VitalsStore
import VitalsTestSupport

/// The analytics route computes on the store's readings what VitalsAnalytics computes on the same values.
struct AnalyticsAPITests {
    struct Analytics: Decodable {
        struct Glucose: Decodable {
            var readings: Int
            var skipped: Int
            var meanMgdl, tirPct, tbr70Pct, tbr54Pct, tar180Pct, tar250Pct, cvPct, gmiPct, samplingIntervalSeconds: Double?
            var sufficient: Bool
            var hypoEpisodes: [String: Int]
            var agp: [Bin]
        }

        struct Bin: Decodable, Equatable {
            var minuteOfDay: Int
            var count: Int
            var p5, p25, p50, p75, p95: Double
        }

        struct BP: Decodable {
            struct Home: Decodable {
                var readings: Int
                var meanSystolic, meanDiastolic: Double?
                var homeHypertension, sufficient: Bool
            }

            struct Latest: Decodable {
                var systolic, diastolic: Double
                var accAha2017, esh2023: String
            }

            var readings: Int
            var skipped: Int
            var homeAverage: Home
            var latest: Latest?
            var categories: [String: [String: Int]]
            var crises: Int
        }

        var subject: String
        var timeZone: String
        var glucose: Glucose
        var bloodPressure: BP
    }

    let start = Date(timeIntervalSince1970: 1_798_761_600)  // 2027-01-01 00:00 UTC

    /// Three days of CGM every 15 minutes (one LOW), and two home-BP readings a day for a week.
    func seeded() async throws -> (VitalsStore, glucose: [(Date, Double)], bp: [(Date, Double, Double)]) {
        let store = try memoryStore()
        var g: [(Date, Double)] = []
        var readings: [Reading] = []
        for i in 0..<(3 * 96) {
            let t = start.addingTimeInterval(Double(i) * 900)
            if i == 50 {
                readings.append(cgmReading("alice", seq: UInt32(i + 1), at: t, mgdl: nil))
                continue
            }
            let v = glucoseValue(i)
            g.append((t, v))
            // Every tenth value arrives in mmol/L, as some meters send it.
            readings.append(i % 10 == 0
                ? cgmReading("alice", seq: UInt32(i + 1), at: t, mgdl: UnitConversion.glucoseMmolPerL(fromMgPerDl: v), unit: .millimolePerLitre)
                : cgmReading("alice", seq: UInt32(i + 1), at: t, mgdl: v))
        }
        var bp: [(Date, Double, Double)] = []
        for day in 0..<7 {
            for (k, hour) in [7.0, 20.0].enumerated() {
                let t = start.addingTimeInterval(Double(day) * 86_400 + hour * 3600)
                let sys = 128 + Double((day * 5 + k * 3) % 17), dia = 80 + Double((day * 3 + k) % 9)
                bp.append((t, sys, dia))
                readings.append(cuffReading("alice", seq: UInt32(day * 2 + k + 1), at: t, sys: sys, dia: dia))
            }
        }
        _ = try await store.record(readings)
        return (store, g, bp)
    }

    @Test(arguments: ["UTC", "Europe/Berlin"])
    func numbersEqualVitalsAnalyticsOnTheSameReadings(zoneName: String) async throws {
        let (store, g, bp) = try await seeded()
        let zone = TimeZone(identifier: zoneName)!
        func civil(_ d: Date) -> Double { d.timeIntervalSince1970 + Double(zone.secondsFromGMT(for: d)) }
        let expected = GlucoseMetrics.summarize(
            id: "alice", readings: g.map { GlucoseReading(time: civil($0.0), mgdl: $0.1) }, skipped: 1)
        let bpReadings = bp.map { BPReading(timeText: "", time: civil($0.0), systolic: $0.1, diastolic: $0.2) }
        let home = BloodPressureCategories.homeProtocol(bpReadings)

        try await makeApp(store).test(.router) { client in
            let r = try await client.call(.get, "/api/v1/analytics?subject=alice&timeZone=\(zoneName)")
            #expect(r.status == .ok, "\(r.text)")
            let a = try r.decode(Analytics.self)
            #expect(a.subject == "alice" && a.timeZone == zoneName)
            #expect(a.glucose.readings == expected.readings && a.glucose.skipped == 1)
            // mmol/L values come back through the conversion, so compare those to the last bit or so.
            func close(_ x: Double?, _ y: Double?) -> Bool {
                guard let x, let y else { return x == nil && y == nil }
                return abs(x - y) <= 1e-9 * max(1, abs(y))
            }
            #expect(close(a.glucose.meanMgdl, expected.meanMgdl))
            #expect(a.glucose.tirPct == expected.tirPct && a.glucose.tbr70Pct == expected.tbr70Pct && a.glucose.tbr54Pct == expected.tbr54Pct)
            #expect(a.glucose.tar180Pct == expected.tar180Pct && a.glucose.tar250Pct == expected.tar250Pct)
            #expect(close(a.glucose.cvPct, expected.cvPct) && close(a.glucose.gmiPct, expected.gmiPct))
            #expect(a.glucose.sufficient == expected.sufficient && a.glucose.samplingIntervalSeconds == expected.samplingIntervalSeconds)
            #expect(a.glucose.hypoEpisodes == ["level1": expected.hypoLevel1, "level2": expected.hypoLevel2])
            #expect(a.glucose.agp.map(\.minuteOfDay) == expected.agp.map(\.minuteOfDay))
            #expect(a.glucose.agp.map(\.count) == expected.agp.map(\.count))
            for (x, y) in zip(a.glucose.agp, expected.agp) {
                #expect(close(x.p5, y.p5) && close(x.p25, y.p25) && close(x.p50, y.p50) && close(x.p75, y.p75) && close(x.p95, y.p95))
            }

            #expect(a.bloodPressure.readings == 14 && a.bloodPressure.skipped == 0)
            #expect(a.bloodPressure.homeAverage.readings == home.readings)
            #expect(a.bloodPressure.homeAverage.meanSystolic == home.meanSystolic && a.bloodPressure.homeAverage.meanDiastolic == home.meanDiastolic)
            #expect(a.bloodPressure.homeAverage.homeHypertension == home.homeHypertension && a.bloodPressure.homeAverage.sufficient == home.sufficient)
            let last = bpReadings.last!
            #expect(a.bloodPressure.latest?.accAha2017 == last.accAHA2017.rawValue && a.bloodPressure.latest?.esh2023 == last.esh2023.rawValue)
            for c in ACCAHA2017Category.allCases {
                #expect(a.bloodPressure.categories["accAha2017"]?[c.rawValue] == bpReadings.count { $0.accAHA2017 == c })
            }
            for c in ESH2023Grade.allCases {
                #expect(a.bloodPressure.categories["esh2023"]?[c.rawValue] == bpReadings.count { $0.esh2023 == c })
            }
            #expect(a.bloodPressure.crises == bpReadings.count(where: \.isCrisis))
        }
    }

    @Test func aTimeRangeLimitsTheReadingsAnalysed() async throws {
        let (store, g, _) = try await seeded()
        let from = start.addingTimeInterval(86_400), to = start.addingTimeInterval(2 * 86_400)
        let inRange = g.filter { $0.0 >= from && $0.0 < to }
        let expected = GlucoseMetrics.summarize(id: "alice", readings: inRange.map { GlucoseReading(time: $0.0.timeIntervalSince1970, mgdl: $0.1) })
        try await makeApp(store).test(.router) { client in
            let r = try await client.call(.get, "/api/v1/analytics?subject=alice&from=\(JSONTime.format(from))&to=\(JSONTime.format(to))")
            let a = try r.decode(Analytics.self)
            #expect(a.glucose.readings == expected.readings && a.glucose.readings == 96)
            #expect(a.glucose.tirPct == expected.tirPct)
            #expect(a.bloodPressure.readings == 2)
            let missing = try await client.call(.get, "/api/v1/analytics")
            #expect(try missing.status == .badRequest && (missing.decode(ErrorBody.self)).field == "subject")
            let zone = try await client.call(.get, "/api/v1/analytics?subject=alice&timeZone=Mars/Olympus")
            #expect(try zone.status == .badRequest && (zone.decode(ErrorBody.self)).field == "timeZone")
            #expect(try await client.call(.get, "/api/v1/analytics?subject=nobody").status == .notFound)
        }
    }
}
