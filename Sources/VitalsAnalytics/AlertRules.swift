import Foundation
import VitalsCore
import VitalsValidation

/// A rule that looks at one reading and may raise an alert.
public struct ReadingRule: Sendable {
    public var id: String
    public var citation: String
    public var kind: ReadingKind
    /// Returns the severity for a medical-grade device and the plain-words message, or nil.
    public var check: @Sendable (Reading) -> (AlertSeverity, String)?
}

/// The threshold rules of the foundation: hypertensive crisis and hypoglycaemia.
public struct AlertRules: Sendable {
    public var rules: [ReadingRule]

    public init(rules: [ReadingRule] = AlertRules.standard) { self.rules = rules }

    static func fmt(_ v: Double) -> String { v == v.rounded() ? String(Int(v)) : String(format: "%.1f", v) }

    public static let hypertensiveCrisis = ReadingRule(
        id: "bp.hypertensive-crisis",
        citation: "ACC/AHA 2017 (Whelton et al.): hypertensive crisis, SBP > 180 and/or DBP > 120 mmHg",
        kind: .bloodPressure
    ) { r in
        guard let s = r.observation(.systolic)?.value, let d = r.observation(.diastolic)?.value else { return nil }
        guard s > 180 || d > 120 else { return nil }
        return (.critical, "Blood pressure \(fmt(s))/\(fmt(d)) mmHg is at hypertensive-crisis level (above 180 systolic and/or 120 diastolic). Seek medical help now if there is chest pain, shortness of breath, weakness or trouble speaking; otherwise re-measure after 5 minutes of rest and contact the care team.")
    }

    public static let hypoglycaemiaLevel2 = ReadingRule(
        id: "glucose.hypoglycaemia-level-2",
        citation: "ADA Standards of Care §6: level 2 hypoglycaemia, glucose < 54 mg/dL (3.0 mmol/L)",
        kind: .glucose
    ) { r in
        // A LOW reading (below what the sensor or meter can measure, stored censored as −INF) is below 54 too.
        if r.flags.contains(.resultBelowDeviceRange), r.observations.contains(where: { $0.state == .negativeInfinity }) {
            return (.critical, "Glucose is LOW, below what the device can measure: level-2 hypoglycaemia (below 54 mg/dL). Treat with fast-acting carbohydrate now and re-check in 15 minutes.")
        }
        guard let v = r.observations.first(where: { $0.unit == .milligramPerDecilitre })?.value, v < 54 else { return nil }
        return (.critical, "Glucose \(fmt(v)) mg/dL is level-2 hypoglycaemia (below 54 mg/dL). Treat with fast-acting carbohydrate now and re-check in 15 minutes.")
    }

    public static let hypoglycaemiaLevel1 = ReadingRule(
        id: "glucose.hypoglycaemia-level-1",
        citation: "ADA Standards of Care §6: level 1 hypoglycaemia, glucose < 70 and ≥ 54 mg/dL",
        kind: .glucose
    ) { r in
        guard let v = r.observations.first(where: { $0.unit == .milligramPerDecilitre })?.value, v < 70, v >= 54 else { return nil }
        return (.urgent, "Glucose \(fmt(v)) mg/dL is level-1 hypoglycaemia (below 70 mg/dL). Take fast-acting carbohydrate and re-check in 15 minutes.")
    }

    public static let standard: [ReadingRule] = [hypertensiveCrisis, hypoglycaemiaLevel2, hypoglycaemiaLevel1]

    /// Alerts for one stored reading. A reading that cannot be trusted as a measurement (control solution,
    /// special values, implausible) raises nothing; the rest go through `AlertPolicy`: doubtful cuff readings one
    /// severity lower, and a device that is not medical-grade at most an advisory that says to confirm.
    public func evaluate(_ r: Reading, now: Date) -> [Alert] {
        guard r.isAnalysable else { return [] }
        var out: [Alert] = []
        let key = AlertPolicy.evidenceKey(r)
        for rule in rules where rule.kind == r.kind {
            guard let (ruleSeverity, ruleMessage) = rule.check(r) else { continue }
            let (adjusted, explained) = AlertPolicy.qualityAdjusted(ruleSeverity, ruleMessage, flags: r.flags)
            let (severity, message) = AlertPolicy.capped(adjusted, explained, medical: r.grade.isMedical, grade: r.grade.rawValue)
            out.append(Alert(
                id: "\(rule.id)/\(key)", ruleID: rule.id, subject: r.subject, device: r.device.id, severity: severity, message: message,
                citation: rule.citation, raisedAt: now, effectiveTime: r.effectiveTime, evidenceKey: key))
        }
        return out
    }
}
