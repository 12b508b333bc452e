import VitalsCore

/// Blood Pressure Measurement characteristic (0x2A35), Blood Pressure Service 1.0/1.1 §3.1, sent by indication.
///
/// Layout (little-endian): Flags uint8; Systolic, Diastolic, Mean Arterial Pressure (SFLOAT each, in the
/// unit the Flags select); then, as flagged, Time Stamp (Date Time, 7 bytes), Pulse Rate (SFLOAT,
/// beats per minute), User ID (uint8, 0xFF = unknown user), Measurement Status (uint16).
public struct BloodPressureMeasurement: Hashable, Sendable, WireDescribable {
    public static let uuid = GATTAssigned.bloodPressureMeasurement
    public static let entity = "Blood Pressure Measurement (0x2A35)"

    public enum PressureUnit: String, Hashable, Sendable {
        case mmHg
        case kPa
    }

    /// Pulse Rate Range Detection, bits 3–4 of Measurement Status.
    public enum PulseRateRange: UInt16, Hashable, Sendable {
        case withinRange = 0
        case exceedsUpperLimit = 1
        case belowLowerLimit = 2
        case reserved = 3
    }

    /// Measurement Status (uint16). Bit 0 body movement, bit 1 cuff fit too loose, bit 2 irregular pulse,
    /// bits 3–4 pulse rate range (a 2-bit field), bit 5 improper measurement position; bits 6–15 reserved.
    public struct MeasurementStatus: Hashable, Sendable {
        public var rawValue: UInt16
        public init(rawValue: UInt16) { self.rawValue = rawValue }

        public var bodyMovementDetected: Bool { rawValue & 0x0001 != 0 }
        public var cuffTooLoose: Bool { rawValue & 0x0002 != 0 }
        public var irregularPulseDetected: Bool { rawValue & 0x0004 != 0 }
        public var pulseRateRange: PulseRateRange { PulseRateRange(rawValue: (rawValue >> 3) & 0x3)! }
        public var improperMeasurementPosition: Bool { rawValue & 0x0020 != 0 }
        public var reservedBits: UInt16 { rawValue & 0xFFC0 }

        public init(
            bodyMovement: Bool = false, cuffTooLoose: Bool = false, irregularPulse: Bool = false,
            pulseRateRange: PulseRateRange = .withinRange, improperPosition: Bool = false
        ) {
            var v: UInt16 = 0
            if bodyMovement { v |= 0x0001 }
            if cuffTooLoose { v |= 0x0002 }
            if irregularPulse { v |= 0x0004 }
            v |= pulseRateRange.rawValue << 3
            if improperPosition { v |= 0x0020 }
            rawValue = v
        }

        /// Names of the set conditions, as the specification words them.
        public var setNames: [String] {
            var n: [String] = []
            if bodyMovementDetected { n.append("Body movement during measurement") }
            if cuffTooLoose { n.append("Cuff too loose") }
            if irregularPulseDetected { n.append("Irregular pulse detected") }
            switch pulseRateRange {
            case .withinRange: break
            case .exceedsUpperLimit: n.append("Pulse rate exceeds upper limit")
            case .belowLowerLimit: n.append("Pulse rate is less than lower limit")
            case .reserved: n.append("Pulse rate range reserved value (3)")
            }
            if improperMeasurementPosition { n.append("Improper measurement position") }
            return n
        }
    }

    public var unit: PressureUnit
    public var systolic: SFloat
    public var diastolic: SFloat
    public var meanArterialPressure: SFloat
    public var timeStamp: BLEDateTime?
    public var pulseRate: SFloat?
    public var userID: UInt8?
    public var status: MeasurementStatus?
    /// Flag bits 5–7, reserved for future use; kept so a re-encode is byte-identical.
    public var reservedFlags: UInt8 = 0

    public init(
        unit: PressureUnit, systolic: SFloat, diastolic: SFloat, meanArterialPressure: SFloat,
        timeStamp: BLEDateTime? = nil, pulseRate: SFloat? = nil, userID: UInt8? = nil, status: MeasurementStatus? = nil
    ) {
        self.unit = unit
        self.systolic = systolic
        self.diastolic = diastolic
        self.meanArterialPressure = meanArterialPressure
        self.timeStamp = timeStamp
        self.pulseRate = pulseRate
        self.userID = userID
        self.status = status
    }

    public init(bytes: [UInt8]) throws(WireError) {
        try self.init(bytes: bytes, entity: Self.entity)
    }

    /// Shared with Intermediate Cuff Pressure (0x2A36), which has the same layout.
    init(bytes: [UInt8], entity: String) throws(WireError) {
        var r = ByteReader(bytes, entity: entity)
        let flags = try r.u8("Flags")
        unit = flags & 0x01 != 0 ? .kPa : .mmHg
        reservedFlags = flags & 0xE0
        systolic = try r.sfloat("Systolic")
        diastolic = try r.sfloat("Diastolic")
        meanArterialPressure = try r.sfloat("Mean Arterial Pressure")
        if flags & 0x02 != 0 { timeStamp = try BLEDateTime(from: &r, field: "Time Stamp") }
        if flags & 0x04 != 0 { pulseRate = try r.sfloat("Pulse Rate") }
        if flags & 0x08 != 0 { userID = try r.u8("User ID") }
        if flags & 0x10 != 0 { status = MeasurementStatus(rawValue: try r.u16le("Measurement Status")) }
        try r.expectEnd(after: "Measurement Status")
    }

    public var flags: UInt8 {
        var f = reservedFlags
        if unit == .kPa { f |= 0x01 }
        if timeStamp != nil { f |= 0x02 }
        if pulseRate != nil { f |= 0x04 }
        if userID != nil { f |= 0x08 }
        if status != nil { f |= 0x10 }
        return f
    }

    public func encoded() -> [UInt8] {
        var w = ByteWriter()
        w.u8(flags)
        w.sfloat(systolic)
        w.sfloat(diastolic)
        w.sfloat(meanArterialPressure)
        timeStamp?.encode(into: &w)
        if let pulseRate { w.sfloat(pulseRate) }
        if let userID { w.u8(userID) }
        if let status { w.u16le(status.rawValue) }
        return w.bytes
    }

    public var json: JSONValue {
        var o: [(String, JSONValue)] = [
            ("characteristic", .string("0x2A35")),
            ("name", .string("Blood Pressure Measurement")),
            (
                "flags",
                .object([
                    ("raw", .int(Int64(flags))),
                    ("units", .string(unit == .kPa ? "kPa" : "mmHg")),
                    ("timeStampPresent", .bool(timeStamp != nil)),
                    ("pulseRatePresent", .bool(pulseRate != nil)),
                    ("userIDPresent", .bool(userID != nil)),
                    ("measurementStatusPresent", .bool(status != nil)),
                ])
            ),
            ("unit", .string(unit == .kPa ? "kPa" : "mm[Hg]")),
            ("systolic", systolic.json),
            ("diastolic", diastolic.json),
            ("meanArterialPressure", meanArterialPressure.json),
        ]
        if let timeStamp { o.append(("timeStamp", timeStamp.json)) }
        if let pulseRate {
            o.append(("pulseRate", pulseRate.json))
            o.append(("pulseRateUnit", .string("/min")))
        }
        if let userID { o.append(("userID", userID == 0xFF ? .string("unknown user") : .int(Int64(userID)))) }
        if let status {
            o.append((
                "measurementStatus",
                .object([
                    ("raw", .int(Int64(status.rawValue))),
                    ("bodyMovementDetected", .bool(status.bodyMovementDetected)),
                    ("cuffTooLoose", .bool(status.cuffTooLoose)),
                    ("irregularPulseDetected", .bool(status.irregularPulseDetected)),
                    ("pulseRateRange", .string(String(describing: status.pulseRateRange))),
                    ("improperMeasurementPosition", .bool(status.improperMeasurementPosition)),
                    ("set", .array(status.setNames.map { .string($0) })),
                ])
            ))
        }
        return .object(o)
    }
}
