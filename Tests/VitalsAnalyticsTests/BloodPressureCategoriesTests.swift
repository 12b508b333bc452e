import Foundation
import Testing
import VitalsTestSupport
import VitalsAnalytics

private func home(_ rows: [(String, Double, Double)]) -> HomeBPProtocolResult {
    BloodPressureCategories.homeProtocol(rows.map { BPReading(timeText: $0.0, time: CivilTime.parse($0.0)!, systolic: $0.1, diastolic: $0.2) })
}

struct BloodPressureCategoriesTests {
    @Test func accAHA2017Boundaries() {
        // Whelton 2017 table 6 and the crisis rule (> 180 and/or > 120); the higher category wins.
        let cases: [(Double, Double, ACCAHA2017Category)] = [
            (119, 79, .normal),
            (120, 79, .elevated), (129, 79, .elevated),
            (120, 80, .stage1), (130, 70, .stage1), (139, 89, .stage1), (110, 85, .stage1),
            (140, 70, .stage2), (110, 90, .stage2), (180, 120, .stage2),
            (181, 80, .crisis), (150, 121, .crisis),
        ]
        for (s, d, c) in cases { #expect(ACCAHA2017Category(systolic: s, diastolic: d) == c, "\(s)/\(d)") }
        #expect(ACCAHA2017Category(systolic: 181, diastolic: 80).rawValue == "crisis")
        #expect(ACCAHA2017Category.stage1.rawValue == "stage-1")
    }

    @Test func esh2023Boundaries() {
        // Mancia 2023 table 7; SBP ≥ 140 with DBP < 90 is isolated systolic hypertension.
        let cases: [(Double, Double, ESH2023Grade)] = [
            (119, 79, .optimal),
            (120, 79, .normal), (110, 84, .normal), (129, 84, .normal),
            (130, 84, .highNormal), (110, 85, .highNormal), (139, 89, .highNormal),
            (140, 90, .grade1), (159, 99, .grade1), (120, 95, .grade1),
            (160, 100, .grade2), (150, 105, .grade2), (179, 109, .grade2),
            (180, 110, .grade3), (130, 110, .grade3),
            (140, 89, .isolatedSystolic), (185, 85, .isolatedSystolic),
        ]
        for (s, d, g) in cases { #expect(ESH2023Grade(systolic: s, diastolic: d) == g, "\(s)/\(d)") }
        #expect(ESH2023Grade.isolatedSystolic.rawValue == "isolated-systolic")
        #expect(ESH2023Grade.highNormal.rawValue == "high-normal")
    }

    @Test func homeProtocolDiscardsDayOneOfTheLastSevenDays() {
        // 2024-03-01 … 03-07, two readings a day = 14. Day 1 (03-01, 200/120) is discarded → 12 readings.
        // Days 2–7: mornings 130/80, evenings 140/90 → mean 135/85 → home hypertension (≥ 135 or ≥ 85).
        // A reading on 02-20 (250/150) is outside the 7 days and ignored.
        var rows: [(String, Double, Double)] = [("2024-02-20 08:00:00", 250, 150), ("2024-03-01 08:00:00", 200, 120), ("2024-03-01 20:00:00", 200, 120)]
        for day in 2...7 {
            rows.append(("2024-03-0\(day) 08:00:00", 130, 80))
            rows.append(("2024-03-0\(day) 20:00:00", 140, 90))
        }
        let h = home(rows)
        #expect(h.readings == 12)
        #expect(h.meanSystolic == 135 && h.meanDiastolic == 85)
        #expect(h.homeHypertension && h.sufficient)
        // Evenings 138/88 instead: mean (130 + 138) / 2 = 134, (80 + 88) / 2 = 84 → below 135/85.
        let lower = home(rows.map { $0.0.hasSuffix("20:00:00") && $0.1 == 140 ? ($0.0, 138, 88) : $0 })
        #expect(lower.meanSystolic == 134 && lower.meanDiastolic == 84)
        #expect(!lower.homeHypertension)
        // Drop the last reading: 11 < 12 → not sufficient.
        #expect(!home(Array(rows.dropLast())).sufficient)
        #expect(home([]) == HomeBPProtocolResult(readings: 0, homeHypertension: false, sufficient: false))
    }

    @Test func csvWithColumnMappingSortsReadingsAndListsCrises() throws {
        let text = """
            DateTime,SYS.mmHg.,Dias.mmHg.,Pulse.bpm.
            2019-08-01 09:15:54,185,95,80
            2019-07-31 11:39:59,126,77,62
            2019-07-31 11:38:07,,76,60
            """
        #expect(throws: CSVError(line: 1, column: "time", "missing column (header is: DateTime,SYS.mmHg.,Dias.mmHg.,Pulse.bpm.)")) {
            try BloodPressureCategories.analyze(csv: try CSVTable.parse(text))
        }
        let columns = try BloodPressureCategories.Columns(mapping: "time=DateTime,sys=Sys.mmHg.,dia=Dias.mmHg.,pulse=Pulse.bpm.")
        let a = try BloodPressureCategories.analyze(csv: try CSVTable.parse(text), columns: columns)
        #expect(a.skipped == 1)
        #expect(a.readings.map(\.timeText) == ["2019-07-31 11:39:59", "2019-08-01 09:15:54"])
        #expect(a.readings[0].pulse == 62)
        #expect(a.readings[0].accAHA2017 == .elevated && a.readings[0].esh2023 == .normal)
        #expect(a.crises.map(\.systolic) == [185])
        #expect(a.crises[0].esh2023 == .grade3)
        #expect(throws: BloodPressureCategories.ColumnMappingError.self) { try BloodPressureCategories.Columns(mapping: "heart=HR") }
        // Default names match case-insensitively.
        let plain = try BloodPressureCategories.analyze(csv: try CSVTable.parse("Time,SYS,Dia\n2024-01-01 08:00,118,76\n"))
        #expect(plain.readings.count == 1 && plain.readings[0].accAHA2017 == .normal)
    }

    static let jhsPath = SharedData.url("bp/bp_jhs.csv").path

    @Test(.enabled(if: SharedData.runs("bp/bp_jhs.csv"), "needs ../shared/data"))
    func jhsFileWithMappedColumns() throws {
        let table = try CSVTable.parse(try String(contentsOfFile: Self.jhsPath, encoding: .utf8))
        let a = try BloodPressureCategories.analyze(
            csv: table, columns: try .init(mapping: "time=DateTime,sys=Sys.mmHg.,dia=Dias.mmHg.,pulse=Pulse.bpm."))
        // 223 lines = header + 222 readings. The last day is 2019-08-01; the kept days 07-27 … 08-01 hold
        // 0 + 4 + 4 + 2 + 2 + 1 = 13 readings (counted with awk/uniq on the DateTime column).
        #expect(a.readings.count == 222)
        #expect(a.homeProtocol.readings == 13)
        #expect(a.homeProtocol.sufficient)
    }
}
