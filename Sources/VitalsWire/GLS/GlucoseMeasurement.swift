import VitalsCore

/// Glucose Measurement characteristic (0x2A18), Glucose Service 1.0 §3.106 of the GATT supplement, sent by notification.
///
/// Layout (little-endian): Flags uint8; Sequence Number uint16; Base Time (Date Time, 7 bytes); then, as
/// flagged, Time Offset (sint16 minutes), Glucose Concentration (SFLOAT, kg/L or mol/L) with
/// Type-Sample Location (uint8: type in the low nibble, location in the high nibble), and
/// Sensor Status Annunciation (uint16). Flag bit 4 says a Measurement Context (0x2A34) follows.
public struct GlucoseMeasurement: Hashable, Sendable, WireDescribable {
    public static let uuid = GATTAssigned.glucoseMeasurement
    public static let entity = "Glucose Measurement (0x2A18)"

    public enum ConcentrationUnit: String, Hashable, Sendable {
        /// Flag bit 2 clear.
        case kilogramPerLitre = "kg/L"
        /// Flag bit 2 set.
        case molePerLitre = "mol/L"
    }

    /// Sample type, low nibble of Type-Sample Location. Unknown values are kept.
    public struct SampleType: Hashable, Sendable, CustomStringConvertible {
        public var rawValue: UInt8
        public init(rawValue: UInt8) { self.rawValue = rawValue }
        public static let capillaryWholeBlood = SampleType(rawValue: 1)
        public static let capillaryPlasma = SampleType(rawValue: 2)
        public static let venousWholeBlood = SampleType(rawValue: 3)
        public static let venousPlasma = SampleType(rawValue: 4)
        public static let arterialWholeBlood = SampleType(rawValue: 5)
        public static let arterialPlasma = SampleType(rawValue: 6)
        public static let undeterminedWholeBlood = SampleType(rawValue: 7)
        public static let undeterminedPlasma = SampleType(rawValue: 8)
        public static let interstitialFluid = SampleType(rawValue: 9)
        public static let controlSolution = SampleType(rawValue: 10)

        public var description: String {
            switch rawValue {
            case 1: "Capillary Whole blood"
            case 2: "Capillary Plasma"
            case 3: "Venous Whole blood"
            case 4: "Venous Plasma"
            case 5: "Arterial Whole blood"
            case 6: "Arterial Plasma"
            case 7: "Undetermined Whole blood"
            case 8: "Undetermined Plasma"
            case 9: "Interstitial Fluid (ISF)"
            case 10: "Control Solution"
            default: "Reserved (\(rawValue))"
            }
        }
    }

    /// Sample location, high nibble of Type-Sample Location. Unknown values are kept.
    public struct SampleLocation: Hashable, Sendable, CustomStringConvertible {
        public var rawValue: UInt8
        public init(rawValue: UInt8) { self.rawValue = rawValue }
        public static let finger = SampleLocation(rawValue: 1)
        public static let alternateSiteTest = SampleLocation(rawValue: 2)
        public static let earlobe = SampleLocation(rawValue: 3)
        public static let controlSolution = SampleLocation(rawValue: 4)
        public static let subcutaneous = SampleLocation(rawValue: 5)
        public static let notAvailable = SampleLocation(rawValue: 15)

        public var description: String {
            switch rawValue {
            case 1: "Finger"
            case 2: "Alternate Site Test (AST)"
            case 3: "Earlobe"
            case 4: "Control solution"
            case 5: "Subcutaneous tissue"
            case 15: "Sample Location value not available"
            default: "Reserved (\(rawValue))"
            }
        }
    }

    /// Sensor Status Annunciation (uint16), bits 0–11 as named in the specification; 12–15 reserved.
    public struct SensorStatus: Hashable, Sendable {
        public var rawValue: UInt16
        public init(rawValue: UInt16) { self.rawValue = rawValue }

        /// Bit number → specification name.
        public static let bitNames: [(Int, String)] = [
            (0, "Device battery low at time of measurement"),
            (1, "Sensor malfunction or faulting at time of measurement"),
            (2, "Sample size for blood or control solution insufficient at time of measurement"),
            (3, "Strip insertion error"),
            (4, "Strip type incorrect for device"),
            (5, "Sensor result higher than the device can process"),
            (6, "Sensor result lower than the device can process"),
            (7, "Sensor temperature too high for valid test/result at time of measurement"),
            (8, "Sensor temperature too low for valid test/result at time of measurement"),
            (9, "Sensor read interrupted because strip was pulled too soon at time of measurement"),
            (10, "General device fault has occurred in the sensor"),
            (11, "Time fault has occurred in the sensor and time may be inaccurate"),
        ]

        public func isSet(_ bit: Int) -> Bool { rawValue & (1 << UInt16(bit)) != 0 }
        public var setNames: [String] { Self.bitNames.filter { isSet($0.0) }.map(\.1) }
        public var reservedBits: UInt16 { rawValue & 0xF000 }
    }

    public var sequenceNumber: UInt16
    public var baseTime: BLEDateTime
    public var timeOffsetMinutes: Int16?
    public var concentration: SFloat?
    public var unit: ConcentrationUnit
    public var sampleType: SampleType?
    public var sampleLocation: SampleLocation?
    public var sensorStatus: SensorStatus?
    public var contextFollows: Bool
    /// Flag bits 5–7, reserved; kept so a re-encode is byte-identical.
    public var reservedFlags: UInt8 = 0

    public init(
        sequenceNumber: UInt16, baseTime: BLEDateTime, timeOffsetMinutes: Int16? = nil, concentration: SFloat? = nil,
        unit: ConcentrationUnit = .kilogramPerLitre, sampleType: SampleType? = nil,
        sampleLocation: SampleLocation? = nil, sensorStatus: SensorStatus? = nil, contextFollows: Bool = false
    ) {
        self.sequenceNumber = sequenceNumber
        self.baseTime = baseTime
        self.timeOffsetMinutes = timeOffsetMinutes
        self.concentration = concentration
        self.unit = unit
        self.sampleType = concentration == nil ? nil : (sampleType ?? .capillaryWholeBlood)
        self.sampleLocation = concentration == nil ? nil : (sampleLocation ?? .finger)
        self.sensorStatus = sensorStatus
        self.contextFollows = contextFollows
    }

    public init(bytes: [UInt8]) throws(WireError) {
        var r = ByteReader(bytes, entity: Self.entity)
        let flags = try r.u8("Flags")
        reservedFlags = flags & 0xE0
        unit = flags & 0x04 != 0 ? .molePerLitre : .kilogramPerLitre
        contextFollows = flags & 0x10 != 0
        sequenceNumber = try r.u16le("Sequence Number")
        baseTime = try BLEDateTime(from: &r, field: "Base Time")
        if flags & 0x01 != 0 { timeOffsetMinutes = try r.i16le("Time Offset") }
        if flags & 0x02 != 0 {
            concentration = try r.sfloat("Glucose Concentration")
            let tsl = try r.u8("Type-Sample Location")
            sampleType = SampleType(rawValue: tsl & 0x0F)
            sampleLocation = SampleLocation(rawValue: tsl >> 4)
        }
        if flags & 0x08 != 0 { sensorStatus = SensorStatus(rawValue: try r.u16le("Sensor Status Annunciation")) }
        try r.expectEnd(after: "Sensor Status Annunciation")
    }

    public var flags: UInt8 {
        var f = reservedFlags
        if timeOffsetMinutes != nil { f |= 0x01 }
        if concentration != nil { f |= 0x02 }
        if unit == .molePerLitre { f |= 0x04 }
        if sensorStatus != nil { f |= 0x08 }
        if contextFollows { f |= 0x10 }
        return f
    }

    public func encoded() -> [UInt8] {
        var w = ByteWriter()
        w.u8(flags)
        w.u16le(sequenceNumber)
        baseTime.encode(into: &w)
        if let timeOffsetMinutes { w.i16le(timeOffsetMinutes) }
        if let concentration {
            w.sfloat(concentration)
            let t = (sampleType ?? .capillaryWholeBlood).rawValue & 0x0F
            let l = (sampleLocation ?? .finger).rawValue & 0x0F
            w.u8(l << 4 | t)
        }
        if let sensorStatus { w.u16le(sensorStatus.rawValue) }
        return w.bytes
    }

    /// Concentration in mg/dL (from kg/L × 10⁵) or mmol/L (from mol/L × 10³), nil for special values.
    public var conventionalValue: (value: Double, unit: UCUMUnit)? {
        guard let v = concentration?.value else { return nil }
        switch unit {
        case .kilogramPerLitre: return ((v * 100_000 * 1e6).rounded() / 1e6, .milligramPerDecilitre)
        case .molePerLitre: return ((v * 1000 * 1e6).rounded() / 1e6, .millimolePerLitre)
        }
    }

    public var json: JSONValue {
        var o: [(String, JSONValue)] = [
            ("characteristic", .string("0x2A18")),
            ("name", .string("Glucose Measurement")),
            (
                "flags",
                .object([
                    ("raw", .int(Int64(flags))),
                    ("timeOffsetPresent", .bool(timeOffsetMinutes != nil)),
                    ("concentrationTypeAndSampleLocationPresent", .bool(concentration != nil)),
                    ("concentrationUnits", .string(unit.rawValue)),
                    ("sensorStatusAnnunciationPresent", .bool(sensorStatus != nil)),
                    ("contextInformationFollows", .bool(contextFollows)),
                ])
            ),
            ("sequenceNumber", .int(Int64(sequenceNumber))),
            ("baseTime", baseTime.json),
        ]
        if let timeOffsetMinutes {
            o.append(("timeOffset", .int(Int64(timeOffsetMinutes))))
            o.append(("timeOffsetUnit", .string("min")))
        }
        if let concentration {
            o.append(("glucoseConcentration", concentration.json))
            o.append(("glucoseConcentrationUnit", .string(unit.rawValue)))
            if let c = conventionalValue {
                o.append(("glucoseConventional", .object([("value", .number(c.value)), ("unit", .string(c.unit.code))])))
            }
            o.append(("type", .string((sampleType ?? .capillaryWholeBlood).description)))
            o.append(("sampleLocation", .string((sampleLocation ?? .finger).description)))
        }
        if let sensorStatus {
            o.append((
                "sensorStatusAnnunciation",
                .object([("raw", .int(Int64(sensorStatus.rawValue))), ("set", .array(sensorStatus.setNames.map { .string($0) }))])
            ))
        }
        return .object(o)
    }
}
