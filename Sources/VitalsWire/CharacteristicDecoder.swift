/// Decodes any characteristic value this build knows, by UUID, for the `vitals decode` command and tests.
public enum CharacteristicDecoder {
    public struct UnknownCharacteristic: Error, CustomStringConvertible {
        public var uuid: BluetoothUUID
        public var description: String { "no decoder for characteristic \(uuid)" }
    }

    /// Every characteristic the decoder covers, with its name.
    public static let supported: [(BluetoothUUID, String)] = [
        (BloodPressureMeasurement.uuid, "Blood Pressure Measurement"),
        (BloodPressureFeature.uuid, "Blood Pressure Feature"),
        (GlucoseMeasurement.uuid, "Glucose Measurement"),
        (GlucoseFeature.uuid, "Glucose Feature"),
        (RecordAccessControlPoint.uuid, "Record Access Control Point"),
    ]

    public static func decode(uuid: BluetoothUUID, bytes: [UInt8]) throws -> JSONValue {
        switch uuid.short {
        case 0x2A35: return try BloodPressureMeasurement(bytes: bytes).json
        case 0x2A49: return try BloodPressureFeature(bytes: bytes).json
        case 0x2A18: return try GlucoseMeasurement(bytes: bytes).json
        case 0x2A51: return try GlucoseFeature(bytes: bytes).json
        case 0x2A52: return try RecordAccessControlPoint(bytes: bytes).json
        default: throw UnknownCharacteristic(uuid: uuid)
        }
    }
}
