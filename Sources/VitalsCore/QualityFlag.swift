/// A named reason to trust a reading less, or a fact about how it was taken.
///
/// Flags are stored with the reading; a flagged reading is never silently dropped.
public struct QualityFlag: Hashable, Sendable, Codable, Comparable, CustomStringConvertible {
    public var rawValue: String
    public init(_ rawValue: String) { self.rawValue = rawValue }
    public var description: String { rawValue }
    public static func < (a: QualityFlag, b: QualityFlag) -> Bool { a.rawValue < b.rawValue }

    public init(from decoder: any Decoder) throws {
        rawValue = try decoder.singleValueContainer().decode(String.self)
    }
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(rawValue)
    }

    // Blood pressure measurement status (BLS 0x2A35).
    public static let bodyMovement = QualityFlag("bp.body-movement")
    public static let cuffTooLoose = QualityFlag("bp.cuff-too-loose")
    public static let irregularPulse = QualityFlag("bp.irregular-pulse")
    public static let pulseAboveRange = QualityFlag("bp.pulse-above-range")
    public static let pulseBelowRange = QualityFlag("bp.pulse-below-range")
    public static let improperPosition = QualityFlag("bp.improper-position")
    /// The cuff does not say it detects `check` (its Blood Pressure Feature), or the measurement had no status:
    /// the reading says nothing either way about that condition.
    public static func bloodPressureUnchecked(_ check: BloodPressureCheck) -> QualityFlag { QualityFlag("bp.unchecked.\(check.rawValue)") }
    /// A pulse pressure under a quarter of the systolic: worth a second look, not a rejection.
    public static let narrowPulsePressure = QualityFlag("bp.narrow-pulse-pressure")

    // Glucose sensor status annunciation (GLS 0x2A18).
    public static let batteryLow = QualityFlag("device.battery-low")
    public static let sensorMalfunction = QualityFlag("glucose.sensor-malfunction")
    public static let sampleSizeInsufficient = QualityFlag("glucose.sample-size-insufficient")
    public static let stripInsertionError = QualityFlag("glucose.strip-insertion-error")
    public static let stripTypeIncorrect = QualityFlag("glucose.strip-type-incorrect")
    public static let resultAboveDeviceRange = QualityFlag("glucose.result-above-device-range")
    public static let resultBelowDeviceRange = QualityFlag("glucose.result-below-device-range")
    public static let temperatureTooHigh = QualityFlag("glucose.temperature-too-high")
    public static let temperatureTooLow = QualityFlag("glucose.temperature-too-low")
    public static let readInterrupted = QualityFlag("glucose.read-interrupted")
    public static let generalDeviceFault = QualityFlag("device.general-fault")
    public static let timeFault = QualityFlag("device.time-fault")
    public static let controlSolution = QualityFlag("glucose.control-solution")
    // Glucose context (GLS Glucose Measurement Context 0x2A34 Meal / Tester / Health; ASTM markers B and A).
    public static let mealPreprandial = QualityFlag("glucose.meal.preprandial")
    public static let mealPostprandial = QualityFlag("glucose.meal.postprandial")
    public static let mealFasting = QualityFlag("glucose.meal.fasting")
    public static let mealCasual = QualityFlag("glucose.meal.casual")
    public static let mealBedtime = QualityFlag("glucose.meal.bedtime")
    public static let testerProfessional = QualityFlag("glucose.tester.health-care-professional")
    public static let testerLab = QualityFlag("glucose.tester.lab-test")
    public static let healthMinorIssues = QualityFlag("glucose.health.minor-issues")
    public static let healthMajorIssues = QualityFlag("glucose.health.major-issues")
    public static let healthMenses = QualityFlag("glucose.health.menses")
    public static let healthStress = QualityFlag("glucose.health.stress")
    /// A CGM record from the sensor's warm-up (its profile's `warmUpMinutes` after the session start).
    public static let cgmWarmUp = QualityFlag("cgm.warm-up")
    /// The measurement said a context record follows, but none with its sequence number came.
    public static let contextMissing = QualityFlag("glucose.context-missing")

    // CGM Sensor Status Annunciation (CGMS 1.0 §3.1.1.6) kept by name; the others map to the glucose flags above.
    public static let cgmSessionStopped = QualityFlag("cgm.session-stopped")
    public static let cgmDeviceSpecificAlert = QualityFlag("cgm.device-specific-alert")
    public static let cgmTimeSyncRequired = QualityFlag("cgm.time-sync-required")
    public static let cgmCalibrationNotAllowed = QualityFlag("cgm.calibration-not-allowed")
    public static let cgmCalibrationRecommended = QualityFlag("cgm.calibration-recommended")
    public static let cgmCalibrationRequired = QualityFlag("cgm.calibration-required")
    public static let cgmBelowPatientLow = QualityFlag("cgm.below-patient-low")
    public static let cgmAbovePatientHigh = QualityFlag("cgm.above-patient-high")
    public static let cgmBelowHypoLevel = QualityFlag("cgm.below-hypo-level")
    public static let cgmAboveHyperLevel = QualityFlag("cgm.above-hyper-level")
    public static let cgmRateOfDecreaseExceeded = QualityFlag("cgm.rate-of-decrease-exceeded")
    public static let cgmRateOfIncreaseExceeded = QualityFlag("cgm.rate-of-increase-exceeded")

    // Heart rate (HRS 0x2A37).
    /// The strap supports skin-contact detection and says it has none.
    public static let noSkinContact = QualityFlag("hr.no-skin-contact")

    // Pulse oximetry (PLXS): each status bit the device set, by its PLXS name (`plx.` + the wire key).
    public static func pulseOximetry(_ key: String) -> QualityFlag { QualityFlag("plx.\(key)") }
    public static let plxDemonstrationData = pulseOximetry("dataForDemonstration")
    public static let plxTestingData = pulseOximetry("dataForTesting")
    public static let plxInvalidMeasurement = pulseOximetry("invalidMeasurementDetected")
    public static let plxMeasurementUnavailable = pulseOximetry("measurementUnavailable")

    // ECG 10-s signal-quality windows (stored with the waveform's quality, not on readings).
    public static let ecgLeadOff = QualityFlag("ecg.lead-off")
    public static let ecgLowSignalQuality = QualityFlag("ecg.low-signal-quality")
    public static let ecgSampleRateBelow125 = QualityFlag("ecg.sample-rate-below-125")

    // Values.
    public static let valueNotANumber = QualityFlag("value.nan")
    public static let valueNotAtThisResolution = QualityFlag("value.nres")
    public static let valueInfinite = QualityFlag("value.infinite")
    public static let valueReserved = QualityFlag("value.reserved")
    public static let implausible = QualityFlag("value.implausible")
    public static let systolicNotAboveDiastolic = QualityFlag("bp.systolic-not-above-diastolic")

    // Device.
    public static let unknownDevice = QualityFlag("device.unknown-profile")
    public static let deviceTimeMissing = QualityFlag("time.device-time-missing")
    public static let deviceTimeInvalid = QualityFlag("time.device-time-invalid")
    /// The device clock was more than 5 minutes off the hub's when the reading was downloaded; the effective
    /// time was corrected by the offset measured then.
    public static let deviceClockDrift = QualityFlag("time.device-clock-drift")
    /// The device clock reads a date before 2010: it was reset (battery out; many devices restart at 2000).
    public static let deviceClockReset = QualityFlag("time.device-clock-reset")
    /// The device's IEEE 11073-20601 certified device classes do not certify the specialization in use over the
    /// transport in use (interoperability certification is evidence of format, never of accuracy).
    public static let certificationMismatch = QualityFlag("device.certification-mismatch")
}
