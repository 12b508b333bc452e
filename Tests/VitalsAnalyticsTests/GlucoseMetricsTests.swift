import Foundation
import Testing
import VitalsTestSupport
import VitalsAnalytics

/// Readings every 5 minutes from t = 0 with the given values.
private func cgm(_ values: [Double], every minutes: Double = 5, from start: Double = 0) -> [GlucoseReading] {
    values.enumerated().map { GlucoseReading(time: start + Double($0.offset) * minutes * 60, mgdl: $0.element) }
}

private func episodes(_ r: [GlucoseReading], _ threshold: Double = 70) -> Int {
    GlucoseMetrics.hypoEpisodes(r, below: threshold)
}

struct GlucoseMetricsTests {
    @Test func civilTimeParsesOrdinaryAndShiftedDates() {
        // 2019-06-01 is 18048 days after 1970-01-01: 18048 × 86400 = 1559347200.
        #expect(CivilTime.parse("2019-06-01 00:00:00") == 1_559_347_200)
        // 1900-01-01 is 25567 days before 1970-01-01 (70 years, 17 leap days): −2208988800.
        #expect(CivilTime.parse("1900-01-01 00:00:00") == -2_208_988_800)
        #expect(CivilTime.parse("1900-01-01T00:05:30Z") == -2_208_988_470)  // −2208988800 + 330
        #expect(CivilTime.parse("2000-02-29 12:00") == 951_825_600)
        #expect(CivilTime.parse("1900-02-29 00:00:00") == nil)  // 1900 is not a leap year
        #expect(CivilTime.parse("2019-13-01 00:00:00") == nil)
        #expect(CivilTime.parse("yesterday") == nil)
    }

    @Test func csvReaderHandlesQuotesCRLFAndLineNumbers() throws {
        let t = try CSVTable.parse("\u{FEFF}\"id\",\"time\",\"gl\"\r\n\"a, \"\"b\"\"\",2019-06-01 00:00:00,100\r\n\r\n\"multi\nline\",x,1\n")
        #expect(t.header == ["id", "time", "gl"])
        #expect(t.rows.count == 2)
        #expect(t.rows[0] == .init(line: 2, fields: ["a, \"b\"", "2019-06-01 00:00:00", "100"]))
        #expect(t.rows[1].line == 4)  // line 3 is blank
        #expect(t.rows[1].fields[0] == "multi\nline")
        #expect(t.columnIndex("GL") == 2)
        #expect(throws: CSVError(line: 2, "unterminated quoted field")) { try CSVTable.parse("a\n\"open\n") }
        #expect(throws: CSVError(line: 1, "empty file: no header row")) { try CSVTable.parse("\n\n") }
    }

    @Test func basicMetricsDerivedByHand() {
        // Values 50, 60, 100, 200, 300: n = 5, mean = 710 / 5 = 142.
        // TIR (70–180): 100 → 1/5 = 20 %. TBR < 70: 50, 60 → 40 %. TBR < 54: 50 → 20 %.
        // TAR > 180: 200, 300 → 40 %. TAR > 250: 300 → 20 %.
        // GMI = 3.31 + 0.02392 × 142 = 6.70664 → 6.71.
        // Deviations −92, −82, −42, 58, 158; squares sum to 45280; / (n − 1) = 11320; SD = 106.3955;
        // CV = 106.3955 / 142 × 100 = 74.926 → 74.93.
        let s = GlucoseMetrics.summarize(id: "x", readings: cgm([50, 60, 100, 200, 300]))
        #expect(s.readings == 5)
        #expect(s.meanMgdl == 142)
        #expect(s.tirPct == 20)
        #expect(s.tbr70Pct == 40)
        #expect(s.tbr54Pct == 20)
        #expect(s.tar180Pct == 40)
        #expect(s.tar250Pct == 20)
        #expect(s.gmiPct.map(roundedTo2) == 6.71)
        #expect(s.cvPct.map(roundedTo2) == 74.93)
        // Below 70 for only 5 minutes (readings at 0 and 5 min): no episode.
        #expect(s.hypoLevel1 == 0 && s.hypoLevel2 == 0)
        #expect(!s.sufficient)  // 5 readings of 4032 possible
        // Boundaries: 70 and 180 are in range; 54 is not level 2; 250 is not above 250.
        let b = GlucoseMetrics.summarize(id: "b", readings: cgm([70, 180, 54, 250]))
        #expect(b.tirPct == 50 && b.tbr70Pct == 25 && b.tbr54Pct == 0 && b.tar180Pct == 25 && b.tar250Pct == 0)
        let one = GlucoseMetrics.summarize(id: "one", readings: cgm([100]))
        #expect(one.cvPct == nil)
        #expect(GlucoseMetrics.summarize(id: "none", readings: []).meanMgdl == nil)
    }

    @Test func episodeStartsAfterExactly15MinutesBelow() {
        // Below at 0, 5, 10, 15 min: the run lasts 15 − 0 = 15 min → one episode.
        #expect(episodes(cgm([60, 60, 60, 60, 100])) == 1)
        // Below at 0, 5, 10 min: 10 min → none.
        #expect(episodes(cgm([60, 60, 60, 100, 100, 100, 100])) == 0)
        // Level 2: 50 at 0…15 min is also below 70, so one level-1 and one level-2 episode.
        let low = cgm([50, 50, 50, 50, 100])
        #expect(episodes(low, 70) == 1)
        #expect(episodes(low, 54) == 1)
        // 60 is below 70 but not below 54.
        #expect(episodes(cgm([60, 60, 60, 60]), 54) == 0)
    }

    @Test func fifteenMinuteRecoveryEndsAnEpisodeAndTenDoesNot() {
        // Below 0–15, at/above 20, 25, 30, 35 (35 − 20 = 15 min: ends), below 40–55 (15 min): two episodes.
        #expect(episodes(cgm([60, 60, 60, 60, 100, 100, 100, 100, 60, 60, 60, 60])) == 2)
        // Below 0–15, above 20, 25, 30 (10 min: still the same episode), below 35–50: one episode.
        #expect(episodes(cgm([60, 60, 60, 60, 100, 100, 100, 60, 60, 60, 60])) == 1)
        // A single reading at 70 (at the threshold) is recovery, but 0 min of it: one episode.
        #expect(episodes(cgm([60, 60, 60, 60, 70, 60, 60, 60, 60])) == 1)
    }

    @Test func gapsOverThirtyMinutesEndRuns() {
        // Below at 0 and 5 min, 40-minute gap, below at 45 and 50: each run lasts 5 min → none.
        let gapped = [GlucoseReading(time: 0, mgdl: 60), GlucoseReading(time: 300, mgdl: 60),
                      GlucoseReading(time: 2700, mgdl: 60), GlucoseReading(time: 3000, mgdl: 60)]
        #expect(episodes(gapped) == 0)
        // A 20-minute gap does not break the run: below at 0, 5, 25 → 25 min → one episode.
        let bridged = [GlucoseReading(time: 0, mgdl: 60), GlucoseReading(time: 300, mgdl: 60), GlucoseReading(time: 1500, mgdl: 60)]
        #expect(episodes(bridged) == 1)
        // Episode 0–15 min, then a 60-minute gap ends it; below again 75–90 min → a second episode.
        let split = cgm([60, 60, 60, 60]) + cgm([60, 60, 60, 60], from: 75 * 60)
        #expect(episodes(split) == 2)
        // Unsorted input is sorted by time first.
        let s = GlucoseMetrics.summarize(id: "u", readings: cgm([60, 60, 60, 60, 100]).reversed())
        #expect(s.hypoLevel1 == 1)
    }

    @Test func sufficiencyIsSeventyPercentOfFourteenDays() {
        // 14 days at 5 min: 4032 possible readings; 70 % = 2822.4.
        // Keep slots i % 10 < 7 of 0..<4032: 403 × 7 + 2 (i = 4030, 4031) = 2823 ≥ 2822.4 → sufficient.
        // Gaps: 6 of 5 min and 1 of 20 min per 10 slots → median 5 min.
        let keep7 = (0..<4032).filter { $0 % 10 < 7 }.map { GlucoseReading(time: Double($0) * 300, mgdl: 100) }
        #expect(keep7.count == 2823)
        #expect(GlucoseMetrics.samplingInterval(keep7) == 300)
        #expect(GlucoseMetrics.isSufficient(keep7))
        // i % 10 < 6: 403 × 6 + 2 = 2420 < 2822.4 → insufficient.
        let keep6 = (0..<4032).filter { $0 % 10 < 6 }.map { GlucoseReading(time: Double($0) * 300, mgdl: 100) }
        #expect(!GlucoseMetrics.isSufficient(keep6))
        // 14 dense days (4032 readings at 5 min) followed by 14 days at 15 min (1344 readings): the median
        // gap is 5 min, and only the last 14 days count: 1344 < 2822.4 → insufficient.
        let dense = (0..<4032).map { GlucoseReading(time: Double($0) * 300, mgdl: 100) }
        let sparse = (1...1344).map { GlucoseReading(time: 4031 * 300 + Double($0) * 900, mgdl: 100) }
        #expect(GlucoseMetrics.isSufficient(dense))
        #expect(!GlucoseMetrics.isSufficient(dense + sparse))
    }

    @Test func csvSummariesKeepFirstSeenOrderAndCountSkippedRows() throws {
        let text = """
            "id","time","gl"
            "a",1900-01-01 00:00:00,100
            "b",1900-01-01 00:00:00,NA
            "a",1900-01-01 00:05:00,
            "b",1900-01-01 00:05:00,60
            "a",1900-01-01 00:10:00,200
            """
        let s = try GlucoseMetrics.summarize(csv: try CSVTable.parse(text))
        #expect(s.map(\.id) == ["a", "b"])
        #expect(s[0].readings == 2 && s[0].skipped == 1 && s[0].meanMgdl == 150)
        #expect(s[1].readings == 1 && s[1].skipped == 1 && s[1].tbr70Pct == 100)
    }

    @Test func malformedFilesNameLineAndColumn() throws {
        #expect(throws: CSVError(line: 1, column: "gl", "missing column (header is: id,time)")) {
            try GlucoseMetrics.summarize(csv: try CSVTable.parse("id,time\na,2019-01-01 00:00:00\n"))
        }
        // No header: the first data row is read as the header, so the columns are missing.
        #expect(throws: CSVError.self) {
            try GlucoseMetrics.summarize(csv: try CSVTable.parse("\"001\",2014-10-01 19:14:00,185.4\n"))
        }
        #expect(throws: CSVError(line: 3, column: "gl", "missing field (row has 2 fields, header has 3)")) {
            try GlucoseMetrics.summarize(csv: try CSVTable.parse("id,time,gl\na,2019-01-01 00:00:00,1\na,2019-01-01 00:05:00\n"))
        }
        #expect(throws: CSVError(line: 2, column: "time", "'soon' is not a date and time (expected YYYY-MM-DD HH:MM:SS)")) {
            try GlucoseMetrics.summarize(csv: try CSVTable.parse("id,time,gl\na,soon,100\n"))
        }
    }

    static let igluPath = SharedData.url("cgm/iglu_example_data_5_subject.csv").path

    @Test(.enabled(if: SharedData.runs("cgm/iglu_example_data_5_subject.csv"), "needs ../shared/data"))
    func igluExampleDataIsConsistentAndMatchesAnIndependentComputation() throws {
        let text = try String(contentsOfFile: Self.igluPath, encoding: .utf8)
        let summaries = try GlucoseMetrics.summarize(csv: try CSVTable.parse(text))
        // Data rows per id, counted without the CSV reader (the id is everything before the first comma).
        var rows: [String: Int] = [:]
        for line in text.split(whereSeparator: \.isNewline).dropFirst() where !line.isEmpty {
            let id = line.prefix { $0 != "," }.trimmingCharacters(in: CharacterSet(charactersIn: "\""))
            rows[id, default: 0] += 1
        }
        #expect(summaries.count == 5)
        for s in summaries {
            #expect(s.readings == rows[s.id], "\(s.id)")
            #expect(s.skipped == 0)
            let sum = try #require(s.tbr70Pct) + #require(s.tirPct) + #require(s.tar180Pct)
            #expect(abs(sum - 100) <= 0.01, "\(s.id)")
            let mean = try #require(s.meanMgdl)
            #expect(abs(try #require(s.gmiPct) - (3.31 + 0.02392 * mean)) < 1e-9)
        }
        // Expected values computed independently with python3 (csv.DictReader over the file, per id:
        // n = len(values), mean = sum/n, TIR = count(70 <= v <= 180) * 100 / n, CV = statistics.stdev / mean
        // * 100), each rounded with round(x, 2):
        //   Subject 1 2915 123.67 91.66 26.9
        //   Subject 2 2829 218.45 26.44 23.97
        //   Subject 3 1533 154.04 81.34 29.07
        //   Subject 4 3664 129.67 95.11 22.42
        //   Subject 5 2925 174.61 62.12 33.55
        let expected: [(String, Int, Double, Double, Double)] = [
            ("Subject 1", 2915, 123.67, 91.66, 26.9),
            ("Subject 2", 2829, 218.45, 26.44, 23.97),
            ("Subject 3", 1533, 154.04, 81.34, 29.07),
            ("Subject 4", 3664, 129.67, 95.11, 22.42),
            ("Subject 5", 2925, 174.61, 62.12, 33.55),
        ]
        #expect(summaries.map(\.id) == expected.map(\.0))
        for (s, e) in zip(summaries, expected) {
            #expect(s.readings == e.1, "\(e.0)")
            #expect(s.meanMgdl.map(roundedTo2) == e.2, "\(e.0)")
            #expect(s.tirPct.map(roundedTo2) == e.3, "\(e.0)")
            #expect(s.cvPct.map(roundedTo2) == e.4, "\(e.0)")
        }
    }
}
