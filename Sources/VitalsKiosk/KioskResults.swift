import Foundation
import VitalsAnalytics
import VitalsCore

/// A kiosk blood-pressure result: the readings, the mean of the last two, and what it means.
public struct BloodPressureResult: Sendable, Equatable, Codable {
    public struct Measurement: Sendable, Equatable, Codable {
        public var at: Date
        public var systolic: Double
        public var diastolic: Double
        public var pulse: Double?
    }
    public var readings: [Measurement]
    /// Mean of the last two readings, rounded to whole mmHg.
    public var systolic: Double
    public var diastolic: Double
    public var pulse: Double?
    /// ACC/AHA 2017 category of the mean (`normal`, `elevated`, `stage-1`, `stage-2`, `crisis`).
    public var accAHA2017: String
    /// ESH 2023 office grade of the mean (`optimal` … `grade-3`, `isolated-systolic`).
    public var esh2023: String
    /// Whether any reading (not only the mean) was at crisis level.
    public var crisis: Bool
    public var headline: String
    public var advice: [String]
    public var citations: [String]
}

public enum BloodPressureAdvice {
    public static let accAHA = "Whelton PK et al. 2017 ACC/AHA High Blood Pressure Guideline. Hypertension 2018;71:e13–e115"
    public static let esh = "Mancia G et al. 2023 ESH Guidelines for the management of arterial hypertension. J Hypertens 2023;41:1874–2071"

    public static func isCrisis(systolic: Double, diastolic: Double) -> Bool {
        ACCAHA2017Category(systolic: systolic, diastolic: diastolic) == .crisis
    }

    public static let crisisAdvice =
        "This reading is above 180/120 mmHg (ACC/AHA 2017: hypertensive crisis). If you have chest pain, shortness of breath, back pain, numbness or weakness, a change in vision or difficulty speaking, call emergency services now. Otherwise tell the pharmacist; stay seated and calm."

    /// The result of a completed sitting: the mean of the last two readings.
    public static func result(_ readings: [Reading]) -> BloodPressureResult {
        let ms = readings.compactMap { r -> BloodPressureResult.Measurement? in
            guard let s = r.observation(.systolic)?.value, let d = r.observation(.diastolic)?.value else { return nil }
            return .init(at: r.effectiveTime, systolic: s, diastolic: d, pulse: r.observation(.pulseRateNonInvasive)?.value)
        }
        let last = ms.suffix(2)
        func mean(_ v: [Double]) -> Double { (v.reduce(0, +) / Double(max(v.count, 1))).rounded() }
        let sys = mean(last.map(\.systolic)), dia = mean(last.map(\.diastolic))
        let pulses = last.compactMap(\.pulse)
        let acc = ACCAHA2017Category(systolic: sys, diastolic: dia)
        let grade = ESH2023Grade(systolic: sys, diastolic: dia)
        let anyCrisis = ms.contains { isCrisis(systolic: $0.systolic, diastolic: $0.diastolic) }
        var advice: [String] = []
        switch acc {
        case .normal:
            advice.append("Normal (ACC/AHA 2017: below 120/80 mmHg). Keep up a healthy lifestyle and have your blood pressure checked at least once a year.")
        case .elevated:
            advice.append("Elevated (ACC/AHA 2017: systolic 120–129 with diastolic below 80 mmHg). Healthy eating, less salt, regular activity and limiting alcohol help; check again within 3 to 6 months.")
        case .stage1:
            advice.append("In the stage 1 hypertension range (ACC/AHA 2017: 130–139 systolic or 80–89 diastolic mmHg). One sitting is not a diagnosis: talk to your doctor or pharmacist about confirming it with home readings, and about lifestyle changes.")
        case .stage2:
            advice.append("In the stage 2 hypertension range (ACC/AHA 2017: 140 systolic or 90 diastolic mmHg or higher). See your doctor within a month to confirm it and discuss treatment\(sys >= 160 || dia >= 100 ? "; at 160/100 or above, within a week" : "").")
        case .crisis:
            advice.append(crisisAdvice)
        }
        advice.append("ESH 2023 office grade: \(eshText(grade)).")
        if anyCrisis && acc != .crisis { advice.append("One of the readings was above 180/120 mmHg: show this result to the pharmacist today.") }
        advice.append("A kiosk measurement is a screening, not a diagnosis. Bring this result to your doctor or pharmacist.")
        return BloodPressureResult(
            readings: ms, systolic: sys, diastolic: dia, pulse: pulses.isEmpty ? nil : mean(pulses), accAHA2017: acc.rawValue, esh2023: grade.rawValue,
            crisis: anyCrisis || acc == .crisis, headline: "\(Int(sys))/\(Int(dia)) mmHg — \(accText(acc))", advice: advice, citations: [accAHA, esh])
    }

    static func accText(_ c: ACCAHA2017Category) -> String {
        switch c {
        case .normal: "normal"
        case .elevated: "elevated"
        case .stage1: "stage 1 hypertension range"
        case .stage2: "stage 2 hypertension range"
        case .crisis: "above 180/120: act now"
        }
    }

    static func eshText(_ g: ESH2023Grade) -> String {
        switch g {
        case .optimal: "optimal (below 120/80)"
        case .normal: "normal (120–129/80–84)"
        case .highNormal: "high-normal (130–139/85–89)"
        case .grade1: "grade 1 hypertension (140–159/90–99)"
        case .grade2: "grade 2 hypertension (160–179/100–109)"
        case .grade3: "grade 3 hypertension (180/110 or higher)"
        case .isolatedSystolic: "isolated systolic hypertension (140 or higher with diastolic below 90)"
        }
    }
}

/// A kiosk finger-stick glucose result.
public struct GlucoseResult: Sendable, Equatable, Codable {
    public var at: Date
    /// mg/dL; nil when the meter said LOW or HIGH (`censored`).
    public var mgPerDL: Double?
    /// `below-range` (LOW) or `above-range` (HIGH) when the meter could not measure the value.
    public var censored: String?
    public var meal: KioskSession.MealContext
    /// `level-2-hypoglycaemia`, `level-1-hypoglycaemia`, `normal`, `prediabetes-range`, `diabetes-range`,
    /// `above-usual`, `high`, `within-usual`.
    public var category: String
    public var urgent: Bool
    public var headline: String
    public var advice: [String]
    public var citations: [String]
}

public enum GlucoseAdvice {
    public static let ada = "American Diabetes Association. Standards of Care in Diabetes — 2024: §2 Diagnosis and Classification; §6 Glycemic Goals and Hypoglycemia. Diabetes Care 2024;47(Suppl 1)"

    public static func result(_ r: Reading, meal: KioskSession.MealContext) -> GlucoseResult {
        let o = r.observations.first
        let value = o?.value
        let censored: String? = o?.state == .negativeInfinity ? "below-range" : o?.state == .positiveInfinity ? "above-range" : nil
        let (category, urgent, advice) = classify(value: value, censored: censored, meal: meal)
        let shown = censored == "below-range" ? "LOW" : censored == "above-range" ? "HIGH" : value.map { "\(Int($0.rounded())) mg/dL (\(String(format: "%.1f", $0 / 18.016)) mmol/L)" } ?? "no value"
        return GlucoseResult(
            at: r.effectiveTime, mgPerDL: value, censored: censored, meal: meal, category: category, urgent: urgent,
            headline: "\(shown) — \(category.replacingOccurrences(of: "-", with: " "))",
            advice: advice + ["A finger-stick test at a kiosk is a screening, not a diagnosis: diabetes is diagnosed by a laboratory test, repeated (ADA)."],
            citations: [ada])
    }

    static func classify(value: Double?, censored: String?, meal: KioskSession.MealContext) -> (String, Bool, [String]) {
        if censored == "below-range" || (value ?? 100) < 54 {
            return ("level-2-hypoglycaemia", true, [
                "Very low (ADA level 2 hypoglycaemia: below 54 mg/dL). Take 15–20 g of fast-acting sugar now (glucose tablets, juice, regular soda), tell the pharmacist, and test again in 15 minutes. If you feel confused or faint, call emergency services.",
            ])
        }
        if let v = value, v < 70 {
            return ("level-1-hypoglycaemia", true, [
                "Low (ADA level 1 hypoglycaemia: 54–69 mg/dL). Take 15 g of fast-acting sugar and test again in 15 minutes; tell the pharmacist.",
            ])
        }
        if censored == "above-range" || (value ?? 0) >= 600 {
            return ("high", true, [
                "Very high: beyond what the meter can measure or 600 mg/dL or more. Tell the pharmacist now and seek medical care today, at once if you feel unwell, very thirsty, drowsy or are vomiting.",
            ])
        }
        let v = value ?? 0
        switch meal {
        case .fasting:
            if v < 100 { return ("normal", false, ["Normal for a fasting test (ADA: below 100 mg/dL)."]) }
            if v < 126 { return ("prediabetes-range", false, ["In the prediabetes range for a fasting test (ADA: 100–125 mg/dL). Ask your doctor about a laboratory test (fasting plasma glucose or HbA1c)."]) }
            return ("diabetes-range", false, ["In the diabetes range for a fasting test (ADA: 126 mg/dL or more). See your doctor soon for a laboratory test to confirm or rule out diabetes."])
        case .afterMeal:
            if v < 140 { return ("normal", false, ["Within the usual range two hours after a meal (below 140 mg/dL, the ADA's 2-hour glucose threshold)."]) }
            if v < 200 { return ("above-usual", false, ["Above the usual range two hours after a meal (ADA 2-hour values 140–199 mg/dL are in the prediabetes range). Ask your doctor about a laboratory test."]) }
            return ("diabetes-range", false, ["200 mg/dL or more two hours after a meal (ADA's diabetes threshold for a 2-hour value). See your doctor soon for a laboratory test."])
        case .random:
            if v < 200 { return ("within-usual", false, ["Below 200 mg/dL for a test at a random time. A random test cannot rule diabetes in or out; a fasting or laboratory test can."]) }
            return ("high", false, ["200 mg/dL or more at a random time. With thirst, frequent urination or weight loss this suggests diabetes (ADA): see your doctor soon, today if you feel unwell."])
        }
    }
}
