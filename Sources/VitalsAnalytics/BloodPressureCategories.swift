import Foundation

/// Blood-pressure category per the 2017 ACC/AHA guideline: Whelton P.K. et al., "2017 ACC/AHA/AAPA/ABC/
/// ACPM/AGS/APhA/ASH/ASPC/NMA/PCNA Guideline for the Prevention, Detection, Evaluation, and Management of
/// High Blood Pressure in Adults", Hypertension 2018;71:e13–e115, table 6: normal SBP < 120 and DBP < 80;
/// elevated 120–129 and < 80; stage 1 130–139 or 80–89; stage 2 ≥ 140 or ≥ 90; and §11.2 hypertensive
/// crisis SBP > 180 and/or DBP > 120. When SBP and DBP fall in different categories, the higher one applies.
public enum ACCAHA2017Category: String, Sendable, CaseIterable, Comparable {
    case normal
    case elevated
    case stage1 = "stage-1"
    case stage2 = "stage-2"
    case crisis

    public init(systolic s: Double, diastolic d: Double) {
        if s > 180 || d > 120 { self = .crisis }
        else if s >= 140 || d >= 90 { self = .stage2 }
        else if s >= 130 || d >= 80 { self = .stage1 }
        else if s >= 120 { self = .elevated }  // and DBP < 80, or the branch above would have matched
        else { self = .normal }
    }

    public static func < (a: Self, b: Self) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }
}

/// Office blood-pressure grade per the 2023 ESH guideline: Mancia G. et al., "2023 ESH Guidelines for the
/// management of arterial hypertension", J Hypertens 2023;41:1874–2071, table 7: optimal < 120 and < 80;
/// normal 120–129 and/or 80–84; high-normal 130–139 and/or 85–89; grade 1 140–159 and/or 90–99; grade 2
/// 160–179 and/or 100–109; grade 3 ≥ 180 and/or ≥ 110; isolated systolic hypertension ≥ 140 and < 90.
/// The category is set by the higher of SBP and DBP; a reading with SBP ≥ 140 and DBP < 90 is reported as
/// isolated systolic hypertension whatever its systolic grade.
public enum ESH2023Grade: String, Sendable, CaseIterable {
    case optimal
    case normal
    case highNormal = "high-normal"
    case grade1 = "grade-1"
    case grade2 = "grade-2"
    case grade3 = "grade-3"
    case isolatedSystolic = "isolated-systolic"

    public init(systolic s: Double, diastolic d: Double) {
        if s >= 140 && d < 90 { self = .isolatedSystolic; return }
        func level(_ v: Double, _ cuts: [Double]) -> Int { cuts.count { v >= $0 } }
        // Levels 0…5: optimal, normal, high-normal, grade 1, grade 2, grade 3.
        let l = max(level(s, [120, 130, 140, 160, 180]), level(d, [80, 85, 90, 100, 110]))
        self = [.optimal, .normal, .highNormal, .grade1, .grade2, .grade3][l]
    }
}

/// One blood-pressure reading with its categories.
public struct BPReading: Sendable, Equatable {
    /// The time as written in the file.
    public var timeText: String
    /// Seconds, see `CivilTime`.
    public var time: Double
    public var systolic: Double
    public var diastolic: Double
    public var pulse: Double?

    public init(timeText: String, time: Double, systolic: Double, diastolic: Double, pulse: Double? = nil) {
        self.timeText = timeText
        self.time = time
        self.systolic = systolic
        self.diastolic = diastolic
        self.pulse = pulse
    }

    public var accAHA2017: ACCAHA2017Category { ACCAHA2017Category(systolic: systolic, diastolic: diastolic) }
    public var esh2023: ESH2023Grade { ESH2023Grade(systolic: systolic, diastolic: diastolic) }
    public var isCrisis: Bool { accAHA2017 == .crisis }
}

/// The ESH home blood-pressure monitoring protocol (2023 ESH guideline §4.2; Parati G. et al., "2021
/// European Society of Hypertension practice guidelines for office and out-of-office blood pressure
/// measurement", J Hypertens 2021;39:1293–1302): 7 days of readings, the first day discarded, at least 12
/// readings kept; home hypertension is a mean ≥ 135 systolic and/or ≥ 85 diastolic.
public struct HomeBPProtocolResult: Sendable, Equatable {
    public var readings: Int
    public var meanSystolic: Double?
    public var meanDiastolic: Double?
    /// Mean SBP ≥ 135 or mean DBP ≥ 85 (false when there are no readings).
    public var homeHypertension: Bool
    /// At least 12 readings remain.
    public var sufficient: Bool

    public init(readings: Int, meanSystolic: Double? = nil, meanDiastolic: Double? = nil, homeHypertension: Bool, sufficient: Bool) {
        self.readings = readings
        self.meanSystolic = meanSystolic
        self.meanDiastolic = meanDiastolic
        self.homeHypertension = homeHypertension
        self.sufficient = sufficient
    }
}

/// The result of `vitals analyze bp`.
public struct BPAnalysis: Sendable, Equatable {
    /// All readings, sorted by time (readings at the same time keep the file's order).
    public var readings: [BPReading]
    /// Rows without a numeric systolic or diastolic value.
    public var skipped: Int
    public var crises: [BPReading] { readings.filter(\.isCrisis) }
    public var homeProtocol: HomeBPProtocolResult { BloodPressureCategories.homeProtocol(readings) }
}

/// Reads home blood-pressure exports and applies the ACC/AHA 2017 and ESH 2023 categories. No I/O.
public enum BloodPressureCategories {
    public static let homeHypertensionSystolic = 135.0
    public static let homeHypertensionDiastolic = 85.0
    public static let homeProtocolDays = 7
    public static let homeProtocolMinimumReadings = 12

    /// A `--columns` mapping that does not parse.
    public struct ColumnMappingError: Error, CustomStringConvertible, Sendable, Equatable {
        public var description: String
    }

    /// Which CSV header holds each field. Names are matched case-insensitively.
    public struct Columns: Sendable, Equatable {
        public var time = "time"
        public var sys = "sys"
        public var dia = "dia"
        public var pulse = "pulse"

        public init() {}

        /// Parses `time=DateTime,sys=Sys.mmHg.,dia=Dias.mmHg.,pulse=Pulse.bpm.`; unnamed fields keep their defaults.
        public init(mapping: String) throws(ColumnMappingError) {
            for item in mapping.split(separator: ",") {
                let kv = item.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                guard kv.count == 2, !kv[1].isEmpty else { throw ColumnMappingError(description: "column mapping '\(item)' is not FIELD=HEADER") }
                switch kv[0].lowercased() {
                case "time": time = kv[1]
                case "sys": sys = kv[1]
                case "dia": dia = kv[1]
                case "pulse": pulse = kv[1]
                default: throw ColumnMappingError(description: "column mapping names unknown field '\(kv[0])' (use time, sys, dia, pulse)")
                }
            }
        }
    }

    /// Reads a CSV with time, systolic, diastolic and optional pulse columns. A row whose systolic or
    /// diastolic value is missing or not a number is skipped. Throws `CSVError` naming the line and column for
    /// a missing required column, a short row or a time that does not parse.
    public static func analyze(csv: CSVTable, columns: Columns = Columns()) throws(CSVError) -> BPAnalysis {
        func need(_ name: String) throws(CSVError) -> Int {
            guard let i = csv.columnIndex(name) else {
                throw CSVError(line: csv.headerLine, column: name, "missing column (header is: \(csv.header.joined(separator: ",")))")
            }
            return i
        }
        let iTime = try need(columns.time), iSys = try need(columns.sys), iDia = try need(columns.dia)
        let iPulse = csv.columnIndex(columns.pulse)
        var out: [BPReading] = []
        var skipped = 0
        for row in csv.rows {
            for (i, name) in [(iTime, columns.time), (iSys, columns.sys), (iDia, columns.dia)] where i >= row.fields.count {
                throw CSVError(line: row.line, column: name, "missing field (row has \(row.fields.count) fields, header has \(csv.header.count))")
            }
            func number(_ i: Int) -> Double? {
                Double(row.fields[i].trimmingCharacters(in: .whitespaces)).flatMap { $0.isFinite ? $0 : nil }
            }
            guard let s = number(iSys), let d = number(iDia) else {
                skipped += 1
                continue
            }
            let text = row.fields[iTime].trimmingCharacters(in: .whitespaces)
            guard let t = CivilTime.parse(text) else {
                throw CSVError(line: row.line, column: columns.time, "'\(text)' is not a date and time (expected YYYY-MM-DD HH:MM:SS)")
            }
            let pulse = iPulse.flatMap { $0 < row.fields.count ? number($0) : nil }
            out.append(BPReading(timeText: text, time: t, systolic: s, diastolic: d, pulse: pulse))
        }
        let sorted = out.enumerated().sorted { ($0.element.time, $0.offset) < ($1.element.time, $1.offset) }.map(\.element)
        return BPAnalysis(readings: sorted, skipped: skipped)
    }

    /// The ESH home protocol on calendar days: the window is the 7 calendar days ending on the day of the
    /// last reading; the first of those days is discarded, so days 2–7 count. Sufficient with ≥ 12 readings.
    public static func homeProtocol(_ readings: [BPReading]) -> HomeBPProtocolResult {
        guard let last = readings.map(\.time).max() else {
            return HomeBPProtocolResult(readings: 0, homeHypertension: false, sufficient: false)
        }
        let lastDay = CivilTime.dayNumber(last)
        let firstKeptDay = lastDay - (homeProtocolDays - 1) + 1
        let kept = readings.filter { (firstKeptDay...lastDay).contains(CivilTime.dayNumber($0.time)) }
        let n = kept.count
        guard n > 0 else { return HomeBPProtocolResult(readings: 0, homeHypertension: false, sufficient: false) }
        let ms = kept.map(\.systolic).reduce(0, +) / Double(n)
        let md = kept.map(\.diastolic).reduce(0, +) / Double(n)
        return HomeBPProtocolResult(
            readings: n, meanSystolic: ms, meanDiastolic: md,
            homeHypertension: ms >= homeHypertensionSystolic || md >= homeHypertensionDiastolic,
            sufficient: n >= homeProtocolMinimumReadings)
    }
}
