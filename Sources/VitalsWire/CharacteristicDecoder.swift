/// Decodes any characteristic value this build knows, by UUID, for the `vitals decode` command and tests.
public enum CharacteristicDecoder {
    public struct UnknownCharacteristic: Error, CustomStringConvertible {
        public var uuid: BluetoothUUID
        public var description: String { "no decoder for characteristic \(uuid)" }
    }

    public struct Options: Sendable {
        /// CGM values: whether the CGM Feature says an E2E-CRC follows. Nil: decide from each record's Size.
        public var cgmCRC: Bool?
        public init(cgmCRC: Bool? = nil) { self.cgmCRC = cgmCRC }
    }

    /// Every characteristic the decoder covers, with its name.
    public static let supported: [(BluetoothUUID, String)] = [
        (BloodPressureMeasurement.uuid, "Blood Pressure Measurement"),
        (IntermediateCuffPressure.uuid, "Intermediate Cuff Pressure"),
        (BloodPressureFeature.uuid, "Blood Pressure Feature"),
        (GlucoseMeasurement.uuid, "Glucose Measurement"),
        (GlucoseMeasurementContext.uuid, "Glucose Measurement Context"),
        (GlucoseFeature.uuid, "Glucose Feature"),
        (RecordAccessControlPoint.uuid, "Record Access Control Point"),
        (CGMMeasurement.uuid, "CGM Measurement"),
        (CGMFeature.uuid, "CGM Feature"),
        (CGMStatus.uuid, "CGM Status"),
        (CGMSessionStartTime.uuid, "CGM Session Start Time"),
        (CGMSessionRunTime.uuid, "CGM Session Run Time"),
        (CGMSpecificOpsControlPoint.uuid, "CGM Specific Ops Control Point"),
        (HeartRateMeasurement.uuid, "Heart Rate Measurement"),
        (BodySensorLocation.uuid, "Body Sensor Location"),
        (PLXSpotCheckMeasurement.uuid, "PLX Spot-check Measurement"),
        (PLXContinuousMeasurement.uuid, "PLX Continuous Measurement"),
        (PLXFeatures.uuid, "PLX Features"),
        (SystemID.uuid, "System ID"),
        (RegulatoryCertificationDataList.uuid, "IEEE 11073-20601 Regulatory Certification Data List"),
        (UDIForMedicalDevices.uuid, "UDI for Medical Devices"),
        (CurrentTime.uuid, "Current Time"),
        (BatteryLevel.uuid, "Battery Level"),
        (PolarPMD.controlPointUUID, "Polar PMD Control Point"),
        (PolarPMD.dataUUID, "Polar PMD Data (ECG frame)"),
    ] + DeviceInformationString.Kind.allCases.map { ($0.uuid, $0.name) }

    public static func decode(uuid: BluetoothUUID, bytes: [UInt8], options: Options = Options()) throws -> JSONValue {
        if uuid == PolarPMD.controlPointUUID {
            // Responses start with 0xF0; anything else is a request written by the collector.
            return bytes.first == 0xF0 ? try PolarPMDControlPointResponse(bytes: bytes).json : try PolarPMDControlPointRequest(bytes: bytes).json
        }
        if uuid == PolarPMD.dataUUID { return try PolarECGFrame(bytes: bytes).json }
        if DeviceInformationString.uuids.contains(uuid) { return try DeviceInformationString(uuid: uuid, bytes: bytes).json }
        switch uuid.short {
        case 0x2A35: return try BloodPressureMeasurement(bytes: bytes).json
        case 0x2A36: return try IntermediateCuffPressure(bytes: bytes).json
        case 0x2A49: return try BloodPressureFeature(bytes: bytes).json
        case 0x2A18: return try GlucoseMeasurement(bytes: bytes).json
        case 0x2A34: return try GlucoseMeasurementContext(bytes: bytes).json
        case 0x2A51: return try GlucoseFeature(bytes: bytes).json
        case 0x2A52: return try RecordAccessControlPoint(bytes: bytes).json
        case 0x2AA7:
            // A notification may carry several records; decode them all.
            if let crc = options.cgmCRC {
                return .array(try CGMMeasurement.decodeRecords(bytes: bytes, crcExpected: crc).map(\.json))
            }
            return .array(try decodeRecordsBySize(bytes).map(\.json))
        case 0x2AA8: return try CGMFeature(bytes: bytes).json
        case 0x2AA9: return try crc(options) { c throws(WireError) in try CGMStatus(bytes: bytes, crcExpected: c).json } ?? CGMStatus(bytes: bytes).json
        case 0x2AAA: return try crc(options) { c throws(WireError) in try CGMSessionStartTime(bytes: bytes, crcExpected: c).json } ?? CGMSessionStartTime(bytes: bytes).json
        case 0x2AAB: return try crc(options) { c throws(WireError) in try CGMSessionRunTime(bytes: bytes, crcExpected: c).json } ?? CGMSessionRunTime(bytes: bytes).json
        case 0x2AAC: return try crc(options) { c throws(WireError) in try CGMSpecificOpsControlPoint(bytes: bytes, crcExpected: c).json } ?? CGMSpecificOpsControlPoint(bytes: bytes).json
        case 0x2A37: return try HeartRateMeasurement(bytes: bytes).json
        case 0x2A38: return try BodySensorLocation(bytes: bytes).json
        case 0x2A5E: return try PLXSpotCheckMeasurement(bytes: bytes).json
        case 0x2A5F: return try PLXContinuousMeasurement(bytes: bytes).json
        case 0x2A60: return try PLXFeatures(bytes: bytes).json
        case 0x2A23: return try SystemID(bytes: bytes).json
        case 0x2A2A: return try RegulatoryCertificationDataList(bytes: bytes).json
        case 0x2BFF: return try UDIForMedicalDevices(bytes: bytes).json
        case 0x2A2B: return try CurrentTime(bytes: bytes).json
        case 0x2A19: return try BatteryLevel(bytes: bytes).json
        default: throw UnknownCharacteristic(uuid: uuid)
        }
    }

    private static func crc(_ o: Options, _ body: (Bool) throws(WireError) -> JSONValue) throws(WireError) -> JSONValue? {
        guard let c = o.cgmCRC else { return nil }
        return try body(c)
    }

    /// Splits a CGM notification by each record's Size byte, letting each record say whether it carries a CRC.
    static func decodeRecordsBySize(_ bytes: [UInt8]) throws(WireError) -> [CGMMeasurement] {
        var out: [CGMMeasurement] = []
        var offset = 0
        while offset < bytes.count {
            let size = Int(bytes[offset])
            guard size > 0, offset + size <= bytes.count else {
                // Let the record decoder name the field and offset.
                _ = try CGMMeasurement.decodeRecords(bytes: bytes, crcExpected: false)
                break
            }
            do {
                out.append(try CGMMeasurement(bytes: Array(bytes[offset..<offset + size])))
            } catch {
                throw WireError(entity: error.entity, field: error.field, offset: error.offset + offset, reason: error.reason)
            }
            offset += size
        }
        return out
    }
}
