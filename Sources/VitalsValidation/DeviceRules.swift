import Foundation
import VitalsCore
import VitalsWire

/// Judgements on what a device said about itself and its measurement: its clock, the conditions a cuff
/// checks, its certification, and which flags mean the values are not a measurement of the person.
/// Drivers and mappers only record (`Reading.report`, status flags); these rules decide, in one place.
public enum DeviceRules {
    /// A device clock more than this off the hub's is drift worth flagging (its readings' times were
    /// corrected by the offset measured at the download).
    public static let clockDriftLimit: TimeInterval = 5 * 60
    /// A device clock that reads a year before this was reset (battery out; many devices restart at 2000).
    public static let clockResetBeforeYear = 2010

    /// `time.device-clock-reset` and `time.device-clock-drift`.
    public static func clockFlags(_ r: Reading) -> Set<QualityFlag> {
        var flags: Set<QualityFlag> = []
        if let t = r.deviceTime, !r.flags.contains(.deviceTimeInvalid), t.year < clockResetBeforeYear { flags.insert(.deviceClockReset) }
        if let offset = r.report.clockOffset, abs(offset) > clockDriftLimit { flags.insert(.deviceClockDrift) }
        return flags
    }

    /// `bp.unchecked.*`: a clear status bit means "checked, fine" only for a condition the cuff says it
    /// detects; for the others the reading says nothing either way, and the flag says so.
    public static func uncheckedConditions(_ r: Reading) -> Set<QualityFlag> {
        guard r.kind == .bloodPressure, let checked = r.report.checkedConditions else { return [] }
        return Set(BloodPressureCheck.allCases.filter { !checked.contains($0) }.map(QualityFlag.bloodPressureUnchecked))
    }

    /// Whether the device's certified classes fail to certify the specialization in use over its transport.
    /// Interoperability certification is evidence of format, never of accuracy; a class for another
    /// specialization or transport is a warning sign all the same. An empty list claims nothing.
    public static func certificationMismatch(classes: [UInt16], specialization: UInt16, transport: TransportKind) -> Bool {
        let certified = classes.map { RegulatoryCertificationDataList.CertifiedDeviceClass(rawValue: $0) }
        return !RegulatoryCertificationDataList.certifies(certified, specialization: specialization, over: transport)
    }

    /// `device.certification-mismatch`, when the reading's report carries the classes and the specialization.
    public static func certificationFlags(_ r: Reading) -> Set<QualityFlag> {
        guard let classes = r.report.certifiedClasses, let spec = r.report.specialization else { return [] }
        return certificationMismatch(classes: classes, specialization: spec, transport: r.device.transport) ? [.certificationMismatch] : []
    }

    /// Flags that mean the values are not a measurement of the person: analytics and alerts leave such
    /// readings out (they are kept and shown, flagged).
    public static let notAMeasurement: Set<QualityFlag> = [
        .controlSolution, .valueNotANumber, .valueNotAtThisResolution, .valueInfinite, .valueReserved, .implausible,
        .systolicNotAboveDiastolic, .sensorMalfunction, .stripInsertionError, .stripTypeIncorrect, .sampleSizeInsufficient,
        .generalDeviceFault, .readInterrupted, .cgmWarmUp,
        // A pulse oximeter's demonstration, test, invalid or unavailable data.
        .plxDemonstrationData, .plxTestingData, .plxInvalidMeasurement, .plxMeasurementUnavailable,
    ]
}

extension Reading {
    /// Whether analytics may treat the values as a real measurement of the person (`DeviceRules.notAMeasurement`).
    public var isAnalysable: Bool { flags.isDisjoint(with: DeviceRules.notAMeasurement) }
}

/// When a 10-s ECG window is usable for rhythm analysis, and the flags that say why not.
///
/// Usable means the beats look like one another (their mean correlation with the running beat template is at
/// least Orphanidou's 0.66), the leads were on, and the sampling rate is high enough. Orphanidou's index also
/// requires a physiologically "feasible" rhythm (RR ratio under 2.2, no RR over 3 s), which is right for a
/// heart-rate reading but would mark atrial fibrillation and pauses, the very findings rhythm analysis
/// looks for, as poor signal: MIT-BIH 201 and 203 have about half and nine tenths of their AF windows at
/// index 0. So the index is stored as measured, and usability is judged on morphology.
public enum SignalQualityRule {
    /// Orphanidou's template-correlation criterion: below this the beats are not trustworthy.
    public static let minimumCorrelation = 0.66
    /// The sampling-rate floor of IEC 60601-2-47 ambulatory ECG, in Hz: below it an ECG is flagged whatever its index.
    public static let minimumSampleRate = 125.0

    /// `correlation`: the window's mean beat-to-template correlation (0 with fewer than two beats or a
    /// signal loss in it).
    public static func judge(correlation: Double, sampleRate: Double, leadOff: Bool) -> (usable: Bool, flags: [QualityFlag]) {
        var flags: [QualityFlag] = []
        if leadOff { flags.append(.ecgLeadOff) }
        if correlation < minimumCorrelation { flags.append(.ecgLowSignalQuality) }
        if sampleRate < minimumSampleRate { flags.append(.ecgSampleRateBelow125) }
        return (correlation >= minimumCorrelation && sampleRate >= minimumSampleRate && !leadOff, flags)
    }
}
