import Foundation

/// The one alert policy every rule goes through (per-reading rules, the streaming detectors and the ECG
/// rhythm rules): how a device's grade caps an alert, how the reading's quality flags downgrade or hold it,
/// how an alert names its evidence, and how far escalation may go. docs/validation-policy.md states it in
/// words; this is the code.
public enum AlertPolicy {
    /// The sentence added to every alert from a device that is not medical-grade.
    public static let nonMedicalPrefix = "This device is not a validated medical device"

    public static func nonMedicalNote(grade: String) -> String {
        "\(nonMedicalPrefix) (grade: \(grade)): confirm with a validated device."
    }

    /// A non-medical device raises advisories only, and says so.
    public static func capped(_ severity: AlertSeverity, _ message: String, medical: Bool, grade: String) -> (AlertSeverity, String) {
        medical ? (severity, message) : (.advisory, message + " " + nonMedicalNote(grade: grade))
    }

    /// How far escalation may raise an alert nobody acknowledged.
    public static func escalationCap(medical: Bool) -> AlertSeverity { medical ? .critical : .advisory }

    /// `device|kind|natural key`: the evidence key of an alert raised by one reading.
    public static func evidenceKey(_ r: Reading) -> String { "\(r.device.id.rawValue)|\(r.kind.rawValue)|\(r.naturalKey)" }

    /// Cuff status bits that say the measurement itself was taken badly: the value may be wrong either way.
    public static let doubtfulBloodPressure: [(QualityFlag, String)] = [
        (.bodyMovement, "body movement"), (.cuffTooLoose, "a loose cuff"), (.improperPosition, "an improper measurement position"),
    ]

    /// What the reading's flags do to an alert it raises. A blood-pressure reading the cuff says was taken with
    /// body movement, a loose cuff or in an improper position still raises its alert (a real crisis must not be
    /// missed) but one severity lower, asking for a new measurement; and it never resolves or deepens an open
    /// alert (`canResolve`). Every other flag leaves the alert as it is (the not-a-measurement flags stop it
    /// earlier: `DeviceRules.notAMeasurement` in VitalsValidation).
    public static func qualityAdjusted(_ severity: AlertSeverity, _ message: String, flags: Set<QualityFlag>) -> (AlertSeverity, String) {
        let doubts = doubtfulBloodPressure.filter { flags.contains($0.0) }.map(\.1)
        guard !doubts.isEmpty else { return (severity, message) }
        return (lowered(severity), message + " The cuff reported \(doubts.joined(separator: " and ")): sit still with the cuff snug on the bare upper arm at heart level, rest 5 minutes and measure again to confirm.")
    }

    /// One severity step down (advisory stays advisory): what a doubtful measurement does to its alert.
    public static func lowered(_ severity: AlertSeverity) -> AlertSeverity { severity == .critical ? .urgent : .advisory }

    /// A rhythm finding with this share or more of its evidence in ECG windows that are not usable (lead off, low
    /// signal quality, under 125 Hz) is held, not raised: a flat line or noise is what makes false pauses and AF.
    public static let signalHoldShare = 0.5

    /// What poor signal does to a rhythm finding's alert: nil when it is held (`unusableShare` at or above
    /// `signalHoldShare`); one step lower, saying why, when some of its evidence is unusable; unchanged otherwise.
    public static func signalAdjusted(_ severity: AlertSeverity, _ message: String, unusableShare: Double) -> (AlertSeverity, String)? {
        guard unusableShare < signalHoldShare else { return nil }
        guard unusableShare > 0 else { return (severity, message) }
        return (lowered(severity), message + " Part of this ECG (\(Int((unusableShare * 100).rounded())) %) was recorded with poor signal or a lead off: check the electrode contact and record again to confirm.")
    }

    /// Whether a reading is good enough to end an open alert (a doubtful measurement is not).
    public static func canResolve(flags: Set<QualityFlag>) -> Bool {
        !doubtfulBloodPressure.contains { flags.contains($0.0) }
    }
}
