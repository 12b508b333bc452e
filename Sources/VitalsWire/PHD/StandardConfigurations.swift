/// The standard configurations of the IEEE 11073-104xx device specialisations: the objects an agent
/// with that dev-config-id has, without sending a configuration report.
///
/// Values in fixed scan reports follow each object's attribute-value map. Sources: the specialisation
/// standards' annexes as reproduced in public test vectors (BP 0x02BC, glucose 0x06A4 and scale 0x05DC
/// fixed reports; docs/phd.md lists them); the thermometer, pulse-oximeter and basic-ECG maps follow
/// the same pattern (marked "verify" in docs/phd.md).
public enum StandardConfiguration {
    public struct Specialization: Hashable, Sendable {
        /// IEEE 11073-104xx number, e.g. 10407.
        public var standard: Int
        public var name: String
        /// The device specialisation profile term (partition 8), e.g. MDC_DEV_SPEC_PROFILE_BP.
        public var profile: UInt16
        public var configIDs: [UInt16]
    }

    public static let pulseOximeter = Specialization(standard: 10404, name: "pulse oximeter", profile: MDC.profilePulseOximeter, configIDs: [0x0190, 0x0191])
    public static let basicECG = Specialization(standard: 10406, name: "basic ECG", profile: MDC.profileBasicECG, configIDs: [0x0258])
    public static let bloodPressure = Specialization(standard: 10407, name: "blood pressure monitor", profile: MDC.profileBloodPressure, configIDs: [0x02BC])
    public static let thermometer = Specialization(standard: 10408, name: "thermometer", profile: MDC.profileThermometer, configIDs: [0x0320])
    public static let weighingScale = Specialization(standard: 10415, name: "weighing scale", profile: MDC.profileScale, configIDs: [0x05DC])
    public static let glucoseMeter = Specialization(standard: 10417, name: "glucose meter", profile: MDC.profileGlucose, configIDs: [0x06A4])

    public static let specializations = [pulseOximeter, basicECG, bloodPressure, thermometer, weighingScale, glucoseMeter]

    public static func specialization(configID: UInt16) -> Specialization? {
        specializations.first { $0.configIDs.contains(configID) }
    }

    /// Intermittent, stored data, update and measurement aperiodic, agent-initiated, measured.
    static let specEpisodic: UInt16 = 0xF040

    static func numeric(
        handle: UInt16, type: UInt16, unit: UInt16, valueAttribute: UInt16, valueLength: UInt16, timeStamp: Bool,
        extra: [AttributeValueAssertion] = []
    ) -> ConfigReport.ConfigObject {
        var map = [AttributeValue.AttrValMapEntry(valueAttribute, valueLength)]
        if timeStamp { map.append(.init(MDC.attrTimeStampAbsolute, 8)) }
        return ConfigReport.ConfigObject(
            objClass: MDC.mocVMOMetricNumeric, handle: handle,
            attributes: [
                AttributeValueAssertion(MDC.attrIDType, .type(partition: 2, term: type)),
                AttributeValueAssertion(MDC.attrMetricSpecSmall, .uint16(specEpisodic)),
            ] + extra + [
                AttributeValueAssertion(MDC.attrUnitCode, .uint16(unit)),
                AttributeValueAssertion(MDC.attrAttributeValueMap, .attributeValueMap(map)),
            ])
    }

    /// Samples per basic-ECG fixed report, and the sample period (RelativeTime, 1/8 ms: 32 = 4 ms = 250 Hz).
    public static let ecgSamplesPerReport: UInt16 = 50
    public static let ecgSamplePeriod: UInt32 = 32
    /// Basic ECG scaling: scaled 0 = -2.048 mV, scaled 4095 = +2.047 mV (1 µV per count).
    public static let ecgScale = AttributeValue.scaleRange16(
        lowerAbsolute: MDERFloat(mantissa: -2048, exponent: -3)!, upperAbsolute: MDERFloat(mantissa: 2047, exponent: -3)!,
        lowerScaled: 0, upperScaled: 4095)

    /// The objects of standard configuration `configID`, or nil if it is not one this build knows.
    public static func objects(configID: UInt16) -> [ConfigReport.ConfigObject]? {
        switch configID {
        case 0x02BC:
            return [
                numeric(
                    handle: 1, type: MDC.pressureBloodNonInvasive, unit: MDC.dimMillimetreOfMercury,
                    valueAttribute: MDC.attrNuCompoundValueObservedBasic, valueLength: 10, timeStamp: true,
                    extra: [
                        AttributeValueAssertion(MDC.attrMetricStructSmall, .metricStructure(structure: 3, components: 3)),
                        AttributeValueAssertion(MDC.attrIDPhysioList, .idList([
                            MDC.pressureBloodNonInvasiveSystolic, MDC.pressureBloodNonInvasiveDiastolic, MDC.pressureBloodNonInvasiveMean,
                        ])),
                    ]),
                numeric(handle: 2, type: MDC.pulseRateNonInvasive, unit: MDC.dimBeatsPerMinute, valueAttribute: MDC.attrNuValueObservedBasic, valueLength: 2, timeStamp: true),
            ]
        case 0x06A4:
            return [numeric(handle: 1, type: MDC.glucoseCapillaryWholeBlood, unit: MDC.dimMilligramPerDecilitre, valueAttribute: MDC.attrNuValueObservedBasic, valueLength: 2, timeStamp: true)]
        case 0x05DC:
            return [numeric(handle: 1, type: MDC.massBodyActual, unit: MDC.dimKilogram, valueAttribute: MDC.attrNuValueObservedSimple, valueLength: 4, timeStamp: true)]
        case 0x0320:
            return [numeric(handle: 1, type: MDC.temperatureBody, unit: MDC.dimDegreeCelsius, valueAttribute: MDC.attrNuValueObservedBasic, valueLength: 2, timeStamp: true)]
        case 0x0190, 0x0191:
            let stamped = configID == 0x0190
            return [
                numeric(handle: 1, type: MDC.pulseOximeterSaturationO2, unit: MDC.dimPercent, valueAttribute: MDC.attrNuValueObservedBasic, valueLength: 2, timeStamp: stamped),
                numeric(handle: 10, type: MDC.pulseOximeterPulseRate, unit: MDC.dimBeatsPerMinute, valueAttribute: MDC.attrNuValueObservedBasic, valueLength: 2, timeStamp: stamped),
            ]
        case 0x0258:
            let samples = ConfigReport.ConfigObject(
                objClass: MDC.mocVMOMetricRTSA, handle: 1,
                attributes: [
                    AttributeValueAssertion(MDC.attrIDType, .type(partition: 2, term: MDC.ecgLeadII)),
                    AttributeValueAssertion(MDC.attrMetricSpecSmall, .uint16(0x4840)),
                    AttributeValueAssertion(MDC.attrTimePeriodSample, .uint32(ecgSamplePeriod)),
                    AttributeValueAssertion(MDC.attrSampleArraySpecification, .sampleArraySpec(arraySize: ecgSamplesPerReport, sampleSize: 16, significantBits: 12, flags: 0)),
                    AttributeValueAssertion(MDC.attrScaleSpecificationI16, ecgScale),
                    AttributeValueAssertion(MDC.attrUnitCode, .uint16(MDC.dimMillivolt)),
                    AttributeValueAssertion(MDC.attrAttributeValueMap, .attributeValueMap([
                        .init(MDC.attrSimpleSAObservedValue, 2 + 2 * ecgSamplesPerReport), .init(MDC.attrTimeStampAbsolute, 8),
                    ])),
                ])
            return [samples, numeric(handle: 2, type: MDC.ecgHeartRate, unit: MDC.dimBeatsPerMinute, valueAttribute: MDC.attrNuValueObservedBasic, valueLength: 2, timeStamp: true)]
        default:
            return nil
        }
    }
}
