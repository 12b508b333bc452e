/// IEEE 11073-10101 nomenclature terms used by IEEE 11073-20601 agents, with their reference ids.
///
/// A term is 16 bits inside a partition; the full 32-bit code is `partition × 65536 + term`.
/// Object classes, attributes, actions and notifications are partition 1 (object infrastructure),
/// measured quantities partition 2 (SCADA), units partition 4 (dimensions), device specialisation
/// profiles partition 8 (infrastructure).
public enum MDC {
    public enum Partition: UInt16, Sendable {
        case object = 1, scada = 2, dimension = 4, infrastructure = 8
        case phdDiseaseManagement = 128, phdHealthFitness = 129, phdAgingIndependently = 130
    }

    // Object classes (partition 1).
    public static let mocVMOMetricEnum: UInt16 = 5
    public static let mocVMOMetricNumeric: UInt16 = 6
    public static let mocVMOMetricRTSA: UInt16 = 9
    public static let mocScanConfigEpisodic: UInt16 = 18
    public static let mocScanConfigPeriodic: UInt16 = 19
    public static let mocMDS: UInt16 = 37
    public static let mocPMStore: UInt16 = 61
    public static let mocPMSegment: UInt16 = 62

    // Attributes (partition 1).
    public static let attrIDHandle: UInt16 = 2337
    public static let attrIDModel: UInt16 = 2344
    public static let attrIDProductionSpecification: UInt16 = 2349
    public static let attrIDType: UInt16 = 2351
    public static let attrMeasurementStatus: UInt16 = 2375
    public static let attrNuCompoundValueObserved: UInt16 = 2379
    public static let attrNuValueObserved: UInt16 = 2384
    public static let attrSampleArraySpecification: UInt16 = 2413
    public static let attrScaleSpecificationI16: UInt16 = 2415
    public static let attrSystemID: UInt16 = 2436
    public static let attrSystemType: UInt16 = 2438
    public static let attrTimeAbsolute: UInt16 = 2439
    public static let attrTimeBatteryRemaining: UInt16 = 2440
    public static let attrTimePeriodSample: UInt16 = 2445
    public static let attrTimeRelative: UInt16 = 2447
    public static let attrTimeStampAbsolute: UInt16 = 2448
    public static let attrTimeStampRelative: UInt16 = 2449
    public static let attrUnitCode: UInt16 = 2454
    public static let attrBatteryCharge: UInt16 = 2460
    public static let attrEnumObservedValue: UInt16 = 2462
    public static let attrDevConfigID: UInt16 = 2628
    public static let attrMDSTimeInfo: UInt16 = 2629
    public static let attrMetricSpecSmall: UInt16 = 2630
    public static let attrSimpleSAObservedValue: UInt16 = 2632
    public static let attrRegCertDataList: UInt16 = 2635
    public static let attrNuValueObservedBasic: UInt16 = 2636
    public static let attrScanHandleAttrValMap: UInt16 = 2643
    public static let attrAttributeValueMap: UInt16 = 2645
    public static let attrNuValueObservedSimple: UInt16 = 2646
    public static let attrSystemTypeSpecList: UInt16 = 2650
    public static let attrSupplementalTypes: UInt16 = 2657
    public static let attrEnumObservedValueSimpleBitString: UInt16 = 2661
    public static let attrMetricStructSmall: UInt16 = 2675
    public static let attrNuCompoundValueObservedSimple: UInt16 = 2676
    public static let attrNuCompoundValueObservedBasic: UInt16 = 2677
    public static let attrIDPhysioList: UInt16 = 2678

    // Actions and notifications (partition 1).
    public static let actSegmentClear: UInt16 = 3084
    public static let actSegmentGetInfo: UInt16 = 3085
    public static let actSetTime: UInt16 = 3095
    public static let actDataRequest: UInt16 = 3099
    public static let actSegmentTriggerTransfer: UInt16 = 3100
    public static let notiConfig: UInt16 = 3356
    public static let notiScanReportFixed: UInt16 = 3357
    public static let notiScanReportVar: UInt16 = 3358
    public static let notiScanReportMPFixed: UInt16 = 3359
    public static let notiScanReportMPVar: UInt16 = 3360
    public static let notiSegmentData: UInt16 = 3361
    public static let notiUnbufScanReportVar: UInt16 = 3362
    public static let notiUnbufScanReportFixed: UInt16 = 3363
    public static let notiUnbufScanReportGrouped: UInt16 = 3364
    public static let notiBufScanReportVar: UInt16 = 3368
    public static let notiBufScanReportFixed: UInt16 = 3369
    public static let notiBufScanReportGrouped: UInt16 = 3370

    // Measured quantities (partition 2).
    public static let ecgElectricPotential: UInt16 = 256
    public static let ecgLeadI: UInt16 = 257
    public static let ecgLeadII: UInt16 = 258
    public static let ecgHeartRate: UInt16 = 16770
    public static let pulseOximeterPulseRate: UInt16 = 18458
    public static let pulseRateNonInvasive: UInt16 = 18474
    public static let pressureBloodNonInvasive: UInt16 = 18948
    public static let pressureBloodNonInvasiveSystolic: UInt16 = 18949
    public static let pressureBloodNonInvasiveDiastolic: UInt16 = 18950
    public static let pressureBloodNonInvasiveMean: UInt16 = 18951
    public static let temperatureBody: UInt16 = 19292
    public static let pulseOximeterSaturationO2: UInt16 = 19384
    public static let glucoseCapillaryWholeBlood: UInt16 = 29112
    public static let massBodyActual: UInt16 = 57664

    // Units (partition 4).
    public static let dimPercent: UInt16 = 544
    public static let dimKilogram: UInt16 = 1731
    public static let dimPound: UInt16 = 1760
    public static let dimMilligramPerDecilitre: UInt16 = 2130
    public static let dimBeatsPerMinute: UInt16 = 2720
    public static let dimKilopascal: UInt16 = 3843
    public static let dimMillimetreOfMercury: UInt16 = 3872
    public static let dimMillivolt: UInt16 = 4274
    public static let dimDegreeFahrenheit: UInt16 = 4416
    public static let dimMillimolePerLitre: UInt16 = 4722
    public static let dimDegreeCelsius: UInt16 = 6048

    // Device specialisation profiles (partition 8).
    public static let profilePulseOximeter: UInt16 = 4100
    public static let profileBasicECG: UInt16 = 4102
    public static let profileBloodPressure: UInt16 = 4103
    public static let profileThermometer: UInt16 = 4104
    public static let profileScale: UInt16 = 4111
    public static let profileGlucose: UInt16 = 4113

    static let objectNames: [UInt16: String] = [
        5: "MDC_MOC_VMO_METRIC_ENUM", 6: "MDC_MOC_VMO_METRIC_NU", 9: "MDC_MOC_VMO_METRIC_SA_RT",
        18: "MDC_MOC_SCAN_CFG_EPI", 19: "MDC_MOC_SCAN_CFG_PERI", 37: "MDC_MOC_VMS_MDS_SIMP",
        61: "MDC_MOC_VMO_PMSTORE", 62: "MDC_MOC_PM_SEGMENT",
        2337: "MDC_ATTR_ID_HANDLE", 2344: "MDC_ATTR_ID_MODEL", 2349: "MDC_ATTR_ID_PROD_SPECN",
        2351: "MDC_ATTR_ID_TYPE", 2375: "MDC_ATTR_MSMT_STAT", 2379: "MDC_ATTR_NU_CMPD_VAL_OBS",
        2384: "MDC_ATTR_NU_VAL_OBS", 2413: "MDC_ATTR_SA_SPECN", 2415: "MDC_ATTR_SCALE_SPECN_I16",
        2436: "MDC_ATTR_SYS_ID", 2438: "MDC_ATTR_SYS_TYPE", 2439: "MDC_ATTR_TIME_ABS",
        2440: "MDC_ATTR_TIME_BATT_REMAIN", 2445: "MDC_ATTR_TIME_PD_SAMP", 2447: "MDC_ATTR_TIME_REL",
        2448: "MDC_ATTR_TIME_STAMP_ABS", 2449: "MDC_ATTR_TIME_STAMP_REL", 2454: "MDC_ATTR_UNIT_CODE",
        2460: "MDC_ATTR_VAL_BATT_CHARGE", 2462: "MDC_ATTR_VAL_ENUM_OBS", 2628: "MDC_ATTR_DEV_CONFIG_ID",
        2629: "MDC_ATTR_MDS_TIME_INFO", 2630: "MDC_ATTR_METRIC_SPEC_SMALL", 2632: "MDC_ATTR_SIMP_SA_OBS_VAL",
        2635: "MDC_ATTR_REG_CERT_DATA_LIST", 2636: "MDC_ATTR_NU_VAL_OBS_BASIC",
        2643: "MDC_ATTR_SCAN_HANDLE_ATTR_VAL_MAP", 2645: "MDC_ATTR_ATTRIBUTE_VAL_MAP", 2646: "MDC_ATTR_NU_VAL_OBS_SIMP",
        2650: "MDC_ATTR_SYS_TYPE_SPEC_LIST", 2657: "MDC_ATTR_SUPPLEMENTAL_TYPES",
        2661: "MDC_ATTR_ENUM_OBS_VAL_SIMP_BIT_STR", 2675: "MDC_ATTR_METRIC_STRUCT_SMALL",
        2676: "MDC_ATTR_NU_CMPD_VAL_OBS_SIMP", 2677: "MDC_ATTR_NU_CMPD_VAL_OBS_BASIC",
        2678: "MDC_ATTR_ID_PHYSIO_LIST",
        2385: "MDC_ATTR_NUM_SEG", 2427: "MDC_ATTR_SEG_USAGE_CNT", 2637: "MDC_ATTR_PM_STORE_CAPAB", 2638: "MDC_ATTR_PM_SEG_MAP",
        3084: "MDC_ACT_SEG_CLR", 3085: "MDC_ACT_SEG_GET_INFO", 3095: "MDC_ACT_SET_TIME",
        3099: "MDC_ACT_DATA_REQUEST", 3100: "MDC_ACT_SEG_TRIG_XFER",
        3356: "MDC_NOTI_CONFIG", 3357: "MDC_NOTI_SCAN_REPORT_FIXED", 3358: "MDC_NOTI_SCAN_REPORT_VAR",
        3359: "MDC_NOTI_SCAN_REPORT_MP_FIXED", 3360: "MDC_NOTI_SCAN_REPORT_MP_VAR",
        3361: "MDC_NOTI_SEGMENT_DATA", 3362: "MDC_NOTI_UNBUF_SCAN_REPORT_VAR",
        3363: "MDC_NOTI_UNBUF_SCAN_REPORT_FIXED", 3364: "MDC_NOTI_UNBUF_SCAN_REPORT_GROUPED",
        3368: "MDC_NOTI_BUF_SCAN_REPORT_VAR", 3369: "MDC_NOTI_BUF_SCAN_REPORT_FIXED",
        3370: "MDC_NOTI_BUF_SCAN_REPORT_GROUPED",
    ]

    static let scadaNames: [UInt16: String] = [
        256: "MDC_ECG_ELEC_POTL", 257: "MDC_ECG_ELEC_POTL_I", 258: "MDC_ECG_ELEC_POTL_II",
        16770: "MDC_ECG_HEART_RATE", 18458: "MDC_PULS_OXIM_PULS_RATE", 18474: "MDC_PULS_RATE_NON_INV",
        18948: "MDC_PRESS_BLD_NONINV", 18949: "MDC_PRESS_BLD_NONINV_SYS", 18950: "MDC_PRESS_BLD_NONINV_DIA",
        18951: "MDC_PRESS_BLD_NONINV_MEAN", 19292: "MDC_TEMP_BODY", 19384: "MDC_PULS_OXIM_SAT_O2",
        29112: "MDC_CONC_GLU_CAPILLARY_WHOLEBLOOD", 57664: "MDC_MASS_BODY_ACTUAL",
    ]

    static let dimensionNames: [UInt16: String] = [
        544: "MDC_DIM_PERCENT", 1731: "MDC_DIM_KILO_G", 1760: "MDC_DIM_LB", 2130: "MDC_DIM_MILLI_G_PER_DL",
        2720: "MDC_DIM_BEAT_PER_MIN", 3843: "MDC_DIM_KILO_PASCAL", 3872: "MDC_DIM_MMHG", 4274: "MDC_DIM_MILLI_VOLT",
        4416: "MDC_DIM_FAHR", 4722: "MDC_DIM_MILLI_MOLE_PER_L", 6048: "MDC_DIM_DEGC",
    ]

    static let profileNames: [UInt16: String] = [
        4100: "MDC_DEV_SPEC_PROFILE_PULS_OXIM", 4102: "MDC_DEV_SPEC_PROFILE_ECG", 4103: "MDC_DEV_SPEC_PROFILE_BP",
        4104: "MDC_DEV_SPEC_PROFILE_TEMP", 4111: "MDC_DEV_SPEC_PROFILE_SCALE", 4113: "MDC_DEV_SPEC_PROFILE_GLUCOSE",
    ]

    /// The reference id of an object-partition term (class, attribute, action, notification), if known.
    public static func objectName(_ term: UInt16) -> String? { objectNames[term] }

    /// The reference id of a term in `partition`, if known.
    public static func name(partition: UInt16, term: UInt16) -> String? {
        switch partition {
        case 1: objectNames[term]
        case 2: scadaNames[term]
        case 4: dimensionNames[term]
        case 8: profileNames[term]
        default: nil
        }
    }

    /// The full 32-bit code.
    public static func code(partition: UInt16, term: UInt16) -> UInt32 { UInt32(partition) << 16 | UInt32(term) }

    /// JSON for a term: `{"code": n, "name": "MDC_…"}` (name only when known).
    static func json(partition: UInt16, term: UInt16) -> JSONValue {
        var pairs: [(String, JSONValue)] = [("code", .int(Int64(term)))]
        if let n = name(partition: partition, term: term) { pairs.append(("name", .string(n))) }
        return .object(pairs)
    }
}
