import Foundation
import VitalsCore
import VitalsProfiles

/// Physiological plausibility ranges: engineering convention and typical device display ranges
/// (see docs/ARCHITECTURE.md, "Validation"). Values outside are flagged, never dropped.
public enum PlausibleRange {
    public static let systolic: ClosedRange<Double> = 50...300
    public static let diastolic: ClosedRange<Double> = 20...200
    public static let pulse: ClosedRange<Double> = 25...250
    /// mg/dL. Meters display up to about 600; beyond 1000 no reading is a blood glucose.
    public static let glucose: ClosedRange<Double> = 10...1000
    /// Pulse pressure (SBP − DBP), mmHg.
    public static let pulsePressure: ClosedRange<Double> = 10...150
    /// Heart rate from a strap or ECG, per minute.
    public static let heartRate: ClosedRange<Double> = 20...300
    /// SpO2, %: oximeters are not specified below about 70 %, and below 50 % a reading is not credible.
    public static let spo2: ClosedRange<Double> = 50...100
    /// Body temperature, °C: survivable extremes are about 14 °C (accidental hypothermia) and 46 °C.
    public static let bodyTemperatureCelsius: ClosedRange<Double> = 25...45
    /// Body weight, kg: scales for people weigh from a newborn to about 300 kg.
    public static let bodyWeightKilograms: ClosedRange<Double> = 0.5...350
}

/// Grades a reading by its device's profile and flags what makes it less trustworthy. Never drops a reading.
public struct ReadingValidator: Sendable {
    public let catalogue: ProfileCatalogue

    public init(catalogue: ProfileCatalogue) { self.catalogue = catalogue }

    /// The reading with its grade and every judgement's flags: its device's report (clock, unchecked cuff
    /// conditions, certification) and the plausibility of its values.
    public func validate(_ reading: Reading) -> Reading {
        var r = reading
        r.flags.formUnion(DeviceRules.clockFlags(r))
        r.flags.formUnion(DeviceRules.uncheckedConditions(r))
        r.flags.formUnion(DeviceRules.certificationFlags(r))
        if let id = r.device.profileID, let p = catalogue.profile(id: id) {
            r.grade = p.grade
        } else {
            // Unknown devices are never medical.
            r.grade = .unverified
            r.flags.insert(.unknownDevice)
        }
        switch r.kind {
        case .bloodPressure: checkBloodPressure(&r)
        case .glucose: checkGlucose(&r)
        case .heartRate: checkRanges(&r, [(.heartRate, PlausibleRange.heartRate)])
        case .spo2: checkRanges(&r, [(.spo2, PlausibleRange.spo2), (.pulseOximeterRate, PlausibleRange.pulse)])
        case .ecg: break
        case .temperature:
            for o in r.observations where o.unit == .degreeCelsius {
                if let v = o.value, !PlausibleRange.bodyTemperatureCelsius.contains(v) { r.flags.insert(.implausible) }
            }
        case .weight:
            for o in r.observations where o.unit == .kilogram {
                if let v = o.value, !PlausibleRange.bodyWeightKilograms.contains(v) { r.flags.insert(.implausible) }
            }
        }
        return r
    }

    func checkBloodPressure(_ r: inout Reading) {
        let sys = r.observation(.systolic)?.value
        let dia = r.observation(.diastolic)?.value
        if let sys, !PlausibleRange.systolic.contains(sys) { r.flags.insert(.implausible) }
        if let dia, !PlausibleRange.diastolic.contains(dia) { r.flags.insert(.implausible) }
        if let p = r.observation(.pulseRateNonInvasive)?.value, !PlausibleRange.pulse.contains(p) { r.flags.insert(.implausible) }
        if let sys, let dia, sys <= dia { r.flags.insert(.systolicNotAboveDiastolic) }
        if let sys, let dia, sys > dia {
            let pp = sys - dia
            if !PlausibleRange.pulsePressure.contains(pp) { r.flags.insert(.implausible) }
            // A pulse pressure under a quarter of the systolic is "narrow": worth a second look, not a rejection.
            if pp < sys / 4 { r.flags.insert(.narrowPulsePressure) }
        }
    }

    func checkRanges(_ r: inout Reading, _ checks: [(Metric, ClosedRange<Double>)]) {
        for (metric, range) in checks {
            if let v = r.observation(metric)?.value, !range.contains(v) { r.flags.insert(.implausible) }
        }
    }

    func checkGlucose(_ r: inout Reading) {
        for o in r.observations where o.unit == .milligramPerDecilitre {
            if let v = o.value, !PlausibleRange.glucose.contains(v) { r.flags.insert(.implausible) }
        }
    }
}
