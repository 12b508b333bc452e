import VitalsCore

/// Intermediate Cuff Pressure characteristic (0x2A36), Blood Pressure Service 1.0/1.1 §3.2, sent by
/// notification while a measurement is under way.
///
/// It has the layout of Blood Pressure Measurement (0x2A35): Flags uint8; the compound value (three
/// SFLOATs, in the unit the Flags select); then, as flagged, Time Stamp, Pulse Rate, User ID and
/// Measurement Status. Here the first SFLOAT is the Current Cuff Pressure and the other two (the
/// Diastolic and Mean Arterial Pressure places) are unused; the specification sets them to NaN.
public struct IntermediateCuffPressure: Hashable, Sendable, WireDescribable {
    public static let uuid = BluetoothUUID(0x2A36)
    public static let entity = "Intermediate Cuff Pressure (0x2A36)"

    /// The value in Blood Pressure Measurement form: `systolic` holds the Current Cuff Pressure.
    public var fields: BloodPressureMeasurement

    public init(fields: BloodPressureMeasurement) { self.fields = fields }

    /// The unused places are set to NaN, as the specification asks.
    public init(
        unit: BloodPressureMeasurement.PressureUnit, currentCuffPressure: SFloat, timeStamp: BLEDateTime? = nil,
        pulseRate: SFloat? = nil, userID: UInt8? = nil, status: BloodPressureMeasurement.MeasurementStatus? = nil
    ) {
        fields = BloodPressureMeasurement(
            unit: unit, systolic: currentCuffPressure, diastolic: .nan, meanArterialPressure: .nan,
            timeStamp: timeStamp, pulseRate: pulseRate, userID: userID, status: status)
    }

    public init(bytes: [UInt8]) throws(WireError) {
        do throws(WireError) {
            fields = try BloodPressureMeasurement(bytes: bytes, entity: Self.entity)
        } catch {
            // The shared decoder names the compound value's parts as in 0x2A35; name them as in 0x2A36.
            var e = error
            switch e.field {
            case "Systolic": e.field = "Current Cuff Pressure"
            case "Diastolic": e.field = "Diastolic (unused)"
            case "Mean Arterial Pressure": e.field = "Mean Arterial Pressure (unused)"
            default: break
            }
            throw e
        }
    }

    public var unit: BloodPressureMeasurement.PressureUnit { fields.unit }
    public var currentCuffPressure: SFloat { fields.systolic }
    public var timeStamp: BLEDateTime? { fields.timeStamp }
    public var pulseRate: SFloat? { fields.pulseRate }
    public var userID: UInt8? { fields.userID }
    public var status: BloodPressureMeasurement.MeasurementStatus? { fields.status }
    public var flags: UInt8 { fields.flags }

    /// Whether the unused places hold NaN, as the specification asks.
    public var unusedFieldsAreNaN: Bool {
        fields.diastolic.state == .notANumber && fields.meanArterialPressure.state == .notANumber
    }

    public func encoded() -> [UInt8] { fields.encoded() }

    public var json: JSONValue {
        let measurement = fields.json
        var o: [(String, JSONValue)] = [
            ("characteristic", .string("0x2A36")),
            ("name", .string("Intermediate Cuff Pressure")),
        ]
        if let flags = measurement["flags"] { o.append(("flags", flags)) }
        o.append(("unit", .string(unit == .kPa ? "kPa" : "mm[Hg]")))
        o.append(("currentCuffPressure", currentCuffPressure.json))
        // Shown so a device that fills the unused places can be seen doing so.
        o.append(("diastolicUnused", fields.diastolic.json))
        o.append(("meanArterialPressureUnused", fields.meanArterialPressure.json))
        for key in ["timeStamp", "pulseRate", "pulseRateUnit", "userID", "measurementStatus"] {
            if let v = measurement[key] { o.append((key, v)) }
        }
        return .object(o)
    }
}
