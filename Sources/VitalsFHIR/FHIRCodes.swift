/// Code systems, profiles and codes the FHIR export uses (FHIR R4 4.0.1, HL7 PHD IG STU 1).
public enum FHIRCodes {
    // Code systems.
    public static let mdc = "urn:iso:std:iso:11073:10101"
    public static let loinc = "http://loinc.org"
    public static let ucum = "http://unitsofmeasure.org"
    public static let observationCategory = "http://terminology.hl7.org/CodeSystem/observation-category"
    public static let phdObservationCategory = "http://hl7.org/fhir/uv/phd/CodeSystem/PhdObservationCategories"
    public static let dataAbsentReason = "http://terminology.hl7.org/CodeSystem/data-absent-reason"
    public static let continuaDeviceIdentifiers = "http://hl7.org/fhir/uv/phd/CodeSystem/ContinuaDeviceIdentifiers"
    public static let actReason = "http://terminology.hl7.org/CodeSystem/v3-ActReason"

    // Identifier systems.
    /// IEEE EUI-64 (an IEEE 11073-20601 System-Id).
    public static let eui64 = "urn:oid:1.2.840.10004.1.1.1.0.0.1.0.0.1.2680"
    /// A Bluetooth device address as an EUI-48.
    public static let bluetoothEUI48 = "http://hl7.org/fhir/sid/eui-48/bluetooth"
    /// OpenVitals' own device id (`TRANSPORT:ADDRESS`), used for conditional creates of devices.
    public static let deviceID = "https://openvitals.dev/fhir/sid/device"
    /// OpenVitals' gateway (hub) id.
    public static let gatewayID = "https://openvitals.dev/fhir/sid/gateway"
    /// OpenVitals' subject id: the person a reading is filed under.
    public static let subjectID = "https://openvitals.dev/fhir/sid/subject"

    // OpenVitals' own definitions.
    /// Each `QualityFlag` of a reading, by its name (`bp.irregular-pulse`, `glucose.result-below-device-range`, …).
    public static let qualityFlagSystem = "https://openvitals.dev/fhir/CodeSystem/quality-flag"
    /// Extension (valueCoding from `qualityFlagSystem`), one per flag.
    public static let qualityFlagExtension = "https://openvitals.dev/fhir/StructureDefinition/quality-flag"
    /// Extension (valueCode: medical, medical-unvalidated, consumer, unverified): the device grade the hub gave the reading.
    public static let deviceGradeExtension = "https://openvitals.dev/fhir/StructureDefinition/device-grade"

    // Profiles and extensions from FHIR and the PHD IG.
    public static let phdDevice = "http://hl7.org/fhir/uv/phd/StructureDefinition/PhdDevice"
    public static let phgDevice = "http://hl7.org/fhir/uv/phd/StructureDefinition/PhgDevice"
    public static let phdNumeric = "http://hl7.org/fhir/uv/phd/StructureDefinition/PhdNumericObservation"
    public static let phdCompoundNumeric = "http://hl7.org/fhir/uv/phd/StructureDefinition/PhdCompoundNumericObservation"
    public static let phdRtsa = "http://hl7.org/fhir/uv/phd/StructureDefinition/PhdRtsaObservation"
    public static let bpProfile = "http://hl7.org/fhir/StructureDefinition/bp"
    public static let gatewayDeviceExtension = "http://hl7.org/fhir/StructureDefinition/observation-gatewayDevice"

    // MDC terms (partition × 65536 + term).
    /// MDC_MOC_VMS_MDS_SIMP: a personal health device's simple MDS.
    public static let mdsSimple: (code: Int, name: String) = (65_573, "MDC_MOC_VMS_MDS_SIMP")
    /// MDC_MOC_VMS_MDS_AHD: an application hosting device, i.e. a personal health gateway.
    public static let mdsAHD: (code: Int, name: String) = (531_981, "MDC_MOC_VMS_MDS_AHD")
    /// MDC_PRESS_BLD_NONINV: the blood-pressure compound.
    public static let bloodPressure: (code: Int, name: String, loinc: String) = (150_020, "MDC_PRESS_BLD_NONINV", "85354-9")
    /// LOINC's other oxygen-saturation code, which US Core pairs with 59408-5.
    public static let oxygenSaturationLOINC = "2708-6"

    /// Device specializations (partition 8, MDC_DEV_SPEC_PROFILE_*).
    public enum Specialization: Int, CaseIterable, Sendable {
        case generic = 528_385
        case pulseOximeter = 528_388
        case ecg = 528_390
        case bloodPressure = 528_391
        case thermometer = 528_392
        case scale = 528_399
        case glucose = 528_401
        case cgm = 528_409

        public var name: String {
            switch self {
            case .generic: "MDC_DEV_SPEC_PROFILE_GENERIC"
            case .pulseOximeter: "MDC_DEV_SPEC_PROFILE_PULS_OXIM"
            case .ecg: "MDC_DEV_SPEC_PROFILE_ECG"
            case .bloodPressure: "MDC_DEV_SPEC_PROFILE_BP"
            case .thermometer: "MDC_DEV_SPEC_PROFILE_TEMP"
            case .scale: "MDC_DEV_SPEC_PROFILE_SCALE"
            case .glucose: "MDC_DEV_SPEC_PROFILE_GLUCOSE"
            case .cgm: "MDC_DEV_SPEC_PROFILE_CGM"
            }
        }

        public var text: String {
            switch self {
            case .generic: "Generic personal health device"
            case .pulseOximeter: "Pulse oximeter"
            case .ecg: "Electrocardiograph"
            case .bloodPressure: "Blood pressure monitor"
            case .thermometer: "Thermometer"
            case .scale: "Weighing scale"
            case .glucose: "Glucose meter"
            case .cgm: "Continuous glucose monitor"
            }
        }
    }

    /// LOINC codes of the FHIR R4 vital-signs profiles: an observation coded with one of them gets the vital-signs category.
    public static let vitalSignsLOINC: Set<String> = [
        "85354-9", "8480-6", "8462-4", "8867-4", "59408-5", "2708-6", "8310-5", "29463-7", "9279-1", "8302-2", "39156-5",
    ]
}
