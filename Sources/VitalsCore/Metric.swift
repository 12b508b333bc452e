/// A measured quantity with its standard codes.
///
/// Codes follow IEEE 11073-10101 (MDC, `partition × 65536 + term`) and LOINC,
/// as listed in the FHIR R4 vital-signs profile and the HL7 PHD implementation guide.
public struct Metric: Hashable, Sendable, Codable, CustomStringConvertible {
    /// Stable key used in the store and the CLI (for example `bp.systolic`).
    public var key: String
    /// IEEE 11073-10101 code (partition × 65536 + term).
    public var mdc: UInt32
    /// MDC reference identifier, for people reading the data.
    public var mdcName: String
    /// LOINC code, when one exists for this quantity.
    public var loinc: String?
    /// Human-readable name.
    public var name: String

    public init(key: String, mdc: UInt32, mdcName: String, loinc: String?, name: String) {
        self.key = key
        self.mdc = mdc
        self.mdcName = mdcName
        self.loinc = loinc
        self.name = name
    }

    public var description: String { key }
}

extension Metric {
    /// MDC_PRESS_BLD_NONINV_SYS
    public static let systolic = Metric(
        key: "bp.systolic", mdc: 150_021, mdcName: "MDC_PRESS_BLD_NONINV_SYS", loinc: "8480-6",
        name: "Systolic blood pressure")
    /// MDC_PRESS_BLD_NONINV_DIA
    public static let diastolic = Metric(
        key: "bp.diastolic", mdc: 150_022, mdcName: "MDC_PRESS_BLD_NONINV_DIA", loinc: "8462-4",
        name: "Diastolic blood pressure")
    /// MDC_PRESS_BLD_NONINV_MEAN
    public static let meanArterialPressure = Metric(
        key: "bp.mean", mdc: 150_023, mdcName: "MDC_PRESS_BLD_NONINV_MEAN", loinc: "8478-0",
        name: "Mean arterial pressure")
    /// MDC_PULS_RATE_NON_INV: the pulse rate a cuff reports.
    public static let pulseRateNonInvasive = Metric(
        key: "bp.pulse", mdc: 149_546, mdcName: "MDC_PULS_RATE_NON_INV", loinc: "8867-4",
        name: "Pulse rate")
    /// MDC_CONC_GLU_CAPILLARY_WHOLEBLOOD
    public static let glucoseCapillaryWholeBlood = Metric(
        key: "glucose.capillary-whole-blood", mdc: 160_184, mdcName: "MDC_CONC_GLU_CAPILLARY_WHOLEBLOOD",
        loinc: "41653-7", name: "Glucose, capillary blood (glucometer)")
    /// MDC_CONC_GLU_CAPILLARY_PLASMA
    public static let glucoseCapillaryPlasma = Metric(
        key: "glucose.capillary-plasma", mdc: 160_188, mdcName: "MDC_CONC_GLU_CAPILLARY_PLASMA",
        loinc: "41653-7", name: "Glucose, capillary plasma (glucometer)")
    /// MDC_CONC_GLU_ISF: interstitial fluid, as a CGM measures.
    public static let glucoseInterstitial = Metric(
        key: "glucose.interstitial", mdc: 160_212, mdcName: "MDC_CONC_GLU_ISF", loinc: "99504-3",
        name: "Glucose, interstitial fluid")
    /// MDC_CONC_GLU_GEN: glucose where the sample type is some other blood or not stated.
    public static let glucoseGeneric = Metric(
        key: "glucose.blood", mdc: 160_020, mdcName: "MDC_CONC_GLU_GEN", loinc: "2339-0",
        name: "Glucose, blood")
    /// MDC_ECG_HEART_RATE (a.k.a. MDC_ECG_CARD_BEAT_RATE): heart rate from an ECG or chest strap.
    public static let heartRate = Metric(
        key: "hr.heart-rate", mdc: 147_842, mdcName: "MDC_ECG_HEART_RATE", loinc: "8867-4", name: "Heart rate")
    /// MDC_PULS_OXIM_SAT_O2: SpO2 by pulse oximetry (LOINC 59408-5; US Core pairs it with 2708-6).
    public static let spo2 = Metric(
        key: "spo2", mdc: 150_456, mdcName: "MDC_PULS_OXIM_SAT_O2", loinc: "59408-5", name: "Oxygen saturation (pulse oximetry)")
    /// MDC_PULS_OXIM_PULS_RATE: pulse rate from a pulse oximeter.
    public static let pulseOximeterRate = Metric(
        key: "spo2.pulse", mdc: 149_530, mdcName: "MDC_PULS_OXIM_PULS_RATE", loinc: "8867-4", name: "Pulse rate (oximeter)")
    /// MDC_ECG_ELEC_POTL_II: ECG lead II.
    public static let ecgLeadII = Metric(
        key: "ecg.lead-ii", mdc: 131_330, mdcName: "MDC_ECG_ELEC_POTL_II", loinc: nil, name: "ECG lead II")
    /// MDC_ECG_ELEC_POTL: ECG, lead not specified.
    public static let ecgUnspecified = Metric(
        key: "ecg", mdc: 131_328, mdcName: "MDC_ECG_ELEC_POTL", loinc: nil, name: "ECG")

    /// MDC_TEMP_BODY: body temperature (thermometer).
    public static let bodyTemperature = Metric(
        key: "temperature.body", mdc: 150_364, mdcName: "MDC_TEMP_BODY", loinc: "8310-5", name: "Body temperature")
    /// MDC_MASS_BODY_ACTUAL: body weight (scale).
    public static let bodyWeight = Metric(
        key: "weight.body", mdc: 188_736, mdcName: "MDC_MASS_BODY_ACTUAL", loinc: "29463-7", name: "Body weight")

    /// Every metric this build knows, by key.
    public static let catalogue: [String: Metric] = Dictionary(
        uniqueKeysWithValues: [
            systolic, diastolic, meanArterialPressure, pulseRateNonInvasive, glucoseCapillaryWholeBlood,
            glucoseCapillaryPlasma, glucoseInterstitial, glucoseGeneric, heartRate, spo2, pulseOximeterRate, ecgLeadII, ecgUnspecified,
            bodyTemperature, bodyWeight,
        ].map { ($0.key, $0) })
}
