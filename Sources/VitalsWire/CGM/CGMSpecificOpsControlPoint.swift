/// CGM Specific Ops Control Point (0x2AAC), Continuous Glucose Monitoring Service 1.0 §3.6: written by the
/// collector, indicated by the sensor.
///
/// Value: Op Code uint8; Operand (its layout set by the op code); E2E-CRC (uint16, over the op code and
/// operand) when CGM Feature says E2E-CRC is supported. Op codes and response codes this build does not
/// name are kept raw, never rejected; for them the whole rest is the operand (less the last two octets
/// when an E2E-CRC is expected).
public struct CGMSpecificOpsControlPoint: Hashable, Sendable, WireDescribable, E2ECRCProtectedValue {
    public static let uuid = BluetoothUUID(0x2AAC)
    public static let entity = "CGM Specific Ops Control Point (0x2AAC)"

    public struct OpCode: Hashable, Sendable, CustomStringConvertible {
        public var rawValue: UInt8
        public init(rawValue: UInt8) { self.rawValue = rawValue }
        public static let setCommunicationInterval = OpCode(rawValue: 1)
        public static let getCommunicationInterval = OpCode(rawValue: 2)
        public static let communicationIntervalResponse = OpCode(rawValue: 3)
        public static let setGlucoseCalibrationValue = OpCode(rawValue: 4)
        public static let getGlucoseCalibrationValue = OpCode(rawValue: 5)
        public static let glucoseCalibrationValueResponse = OpCode(rawValue: 6)
        public static let setPatientHighAlertLevel = OpCode(rawValue: 7)
        public static let getPatientHighAlertLevel = OpCode(rawValue: 8)
        public static let patientHighAlertLevelResponse = OpCode(rawValue: 9)
        public static let setPatientLowAlertLevel = OpCode(rawValue: 10)
        public static let getPatientLowAlertLevel = OpCode(rawValue: 11)
        public static let patientLowAlertLevelResponse = OpCode(rawValue: 12)
        public static let setHypoAlertLevel = OpCode(rawValue: 13)
        public static let getHypoAlertLevel = OpCode(rawValue: 14)
        public static let hypoAlertLevelResponse = OpCode(rawValue: 15)
        public static let setHyperAlertLevel = OpCode(rawValue: 16)
        public static let getHyperAlertLevel = OpCode(rawValue: 17)
        public static let hyperAlertLevelResponse = OpCode(rawValue: 18)
        public static let setRateOfDecreaseAlertLevel = OpCode(rawValue: 19)
        public static let getRateOfDecreaseAlertLevel = OpCode(rawValue: 20)
        public static let rateOfDecreaseAlertLevelResponse = OpCode(rawValue: 21)
        public static let setRateOfIncreaseAlertLevel = OpCode(rawValue: 22)
        public static let getRateOfIncreaseAlertLevel = OpCode(rawValue: 23)
        public static let rateOfIncreaseAlertLevelResponse = OpCode(rawValue: 24)
        public static let resetDeviceSpecificAlert = OpCode(rawValue: 25)
        public static let startSession = OpCode(rawValue: 26)
        public static let stopSession = OpCode(rawValue: 27)
        public static let responseCode = OpCode(rawValue: 28)

        public var description: String {
            switch rawValue {
            case 1: "Set CGM Communication Interval"
            case 2: "Get CGM Communication Interval"
            case 3: "CGM Communication Interval response"
            case 4: "Set Glucose Calibration Value"
            case 5: "Get Glucose Calibration Value"
            case 6: "Glucose Calibration Value response"
            case 7: "Set Patient High Alert Level"
            case 8: "Get Patient High Alert Level"
            case 9: "Patient High Alert Level Response"
            case 10: "Set Patient Low Alert Level"
            case 11: "Get Patient Low Alert Level"
            case 12: "Patient Low Alert Level Response"
            case 13: "Set Hypo Alert Level"
            case 14: "Get Hypo Alert Level"
            case 15: "Hypo Alert Level Response"
            case 16: "Set Hyper Alert Level"
            case 17: "Get Hyper Alert Level"
            case 18: "Hyper Alert Level Response"
            case 19: "Set Rate of Decrease Alert Level"
            case 20: "Get Rate of Decrease Alert Level"
            case 21: "Rate of Decrease Alert Level Response"
            case 22: "Set Rate of Increase Alert Level"
            case 23: "Get Rate of Increase Alert Level"
            case 24: "Rate of Increase Alert Level Response"
            case 25: "Reset Device Specific Alert"
            case 26: "Start the Session"
            case 27: "Stop the Session"
            case 28: "Response Code"
            default: "Reserved (\(rawValue))"
            }
        }

        /// For the alert-level op codes (7…24): the operand's specification name and unit.
        var alertLevelOperand: (field: String, key: String, unit: String)? {
            switch rawValue {
            case 7, 9: ("Patient High bG value", "patientHighBGValue", "mg/dL")
            case 10, 12: ("Patient Low bG value", "patientLowBGValue", "mg/dL")
            case 13, 15: ("Hypo Alert Level value", "hypoAlertLevelValue", "mg/dL")
            case 16, 18: ("Hyper Alert Level value", "hyperAlertLevelValue", "mg/dL")
            case 19, 21: ("Rate of Decrease Alert Level value", "rateOfDecreaseAlertLevelValue", "mg/dL/min")
            case 22, 24: ("Rate of Increase Alert Level value", "rateOfIncreaseAlertLevelValue", "mg/dL/min")
            default: nil
            }
        }
    }

    public struct ResponseCode: Hashable, Sendable, CustomStringConvertible {
        public var rawValue: UInt8
        public init(rawValue: UInt8) { self.rawValue = rawValue }
        public static let success = ResponseCode(rawValue: 1)
        public static let opCodeNotSupported = ResponseCode(rawValue: 2)
        public static let invalidOperand = ResponseCode(rawValue: 3)
        public static let procedureNotCompleted = ResponseCode(rawValue: 4)
        public static let parameterOutOfRange = ResponseCode(rawValue: 5)
        public var description: String {
            switch rawValue {
            case 1: "Success"
            case 2: "Op Code not supported"
            case 3: "Invalid Operand"
            case 4: "Procedure not completed"
            case 5: "Parameter out of range"
            default: "Reserved (\(rawValue))"
            }
        }
    }

    /// The Calibration Value operand of op codes 4 and 6 (10 octets).
    public struct CalibrationValue: Hashable, Sendable {
        /// Glucose Concentration of Calibration, mg/dL.
        public var glucoseConcentration: SFloat
        /// Calibration Time, minutes since the Session Start Time.
        public var calibrationTimeMinutes: UInt16
        /// Calibration Type (low nibble), same values as CGM Type.
        public var type: GlucoseMeasurement.SampleType
        /// Calibration Sample Location (high nibble).
        public var sampleLocation: GlucoseMeasurement.SampleLocation
        /// Next Calibration Time, minutes since the Session Start Time.
        public var nextCalibrationTimeMinutes: UInt16
        public var recordNumber: UInt16
        /// Calibration Status bits.
        public var status: UInt8

        public static let byteCount = 10
        public static let statusBitNames: [(Int, String)] = [
            (0, "Calibration Data rejected (Calibration failed)"),
            (1, "Calibration Data out of range"),
            (2, "Calibration Process Pending"),
        ]

        public init(
            glucoseConcentration: SFloat, calibrationTimeMinutes: UInt16, type: GlucoseMeasurement.SampleType,
            sampleLocation: GlucoseMeasurement.SampleLocation, nextCalibrationTimeMinutes: UInt16, recordNumber: UInt16,
            status: UInt8 = 0
        ) {
            self.glucoseConcentration = glucoseConcentration
            self.calibrationTimeMinutes = calibrationTimeMinutes
            self.type = type
            self.sampleLocation = sampleLocation
            self.nextCalibrationTimeMinutes = nextCalibrationTimeMinutes
            self.recordNumber = recordNumber
            self.status = status
        }

        init(from r: inout ByteReader) throws(WireError) {
            glucoseConcentration = try r.sfloat("Operand.Glucose Concentration of Calibration")
            calibrationTimeMinutes = try r.u16le("Operand.Calibration Time")
            let tsl = try r.u8("Operand.Calibration Type-Sample Location")
            type = GlucoseMeasurement.SampleType(rawValue: tsl & 0x0F)
            sampleLocation = GlucoseMeasurement.SampleLocation(rawValue: tsl >> 4)
            nextCalibrationTimeMinutes = try r.u16le("Operand.Next Calibration Time")
            recordNumber = try r.u16le("Operand.Calibration Data Record Number")
            status = try r.u8("Operand.Calibration Status")
        }

        public func encoded() -> [UInt8] {
            var w = ByteWriter()
            w.sfloat(glucoseConcentration)
            w.u16le(calibrationTimeMinutes)
            w.u8((sampleLocation.rawValue & 0x0F) << 4 | (type.rawValue & 0x0F))
            w.u16le(nextCalibrationTimeMinutes)
            w.u16le(recordNumber)
            w.u8(status)
            return w.bytes
        }

        /// Names of the set Calibration Status bits; a set reserved bit appears as `Reserved (bit N)`.
        public var statusNames: [String] {
            (0..<8).filter { status & (1 << UInt8($0)) != 0 }.map { bit in
                Self.statusBitNames.first { $0.0 == bit }?.1 ?? "Reserved (bit \(bit))"
            }
        }

        public var json: JSONValue {
            .object([
                ("glucoseConcentrationOfCalibration", glucoseConcentration.json),
                ("glucoseConcentrationOfCalibrationUnit", .string("mg/dL")),
                ("calibrationTime", .int(Int64(calibrationTimeMinutes))),
                ("calibrationTimeUnit", .string("min")),
                ("calibrationType", .object([("raw", .int(Int64(type.rawValue))), ("name", .string(type.description))])),
                (
                    "calibrationSampleLocation",
                    .object([("raw", .int(Int64(sampleLocation.rawValue))), ("name", .string(sampleLocation.description))])
                ),
                ("nextCalibrationTime", .int(Int64(nextCalibrationTimeMinutes))),
                ("nextCalibrationTimeUnit", .string("min")),
                ("calibrationDataRecordNumber", .int(Int64(recordNumber))),
                ("calibrationStatus", .object([("raw", .int(Int64(status))), ("set", .array(statusNames.map { .string($0) }))])),
            ])
        }
    }

    public var opCode: OpCode
    /// The operand octets exactly as sent (without the E2E-CRC).
    public var operand: [UInt8]
    /// Whether an E2E-CRC follows. A decoded value's CRC has been checked; `encoded()` computes it afresh.
    public var hasE2ECRC: Bool

    public init(opCode: OpCode, operand: [UInt8] = [], hasE2ECRC: Bool = false) {
        self.opCode = opCode
        self.operand = operand
        self.hasE2ECRC = hasE2ECRC
    }

    // Requests a collector writes.
    public static func startSession(hasE2ECRC: Bool = false) -> Self { .init(opCode: .startSession, hasE2ECRC: hasE2ECRC) }
    public static func stopSession(hasE2ECRC: Bool = false) -> Self { .init(opCode: .stopSession, hasE2ECRC: hasE2ECRC) }
    public static func getCommunicationInterval(hasE2ECRC: Bool = false) -> Self {
        .init(opCode: .getCommunicationInterval, hasE2ECRC: hasE2ECRC)
    }
    /// 0 disables periodic communication; 0xFF asks for the fastest interval the sensor supports.
    public static func setCommunicationInterval(minutes: UInt8, hasE2ECRC: Bool = false) -> Self {
        .init(opCode: .setCommunicationInterval, operand: [minutes], hasE2ECRC: hasE2ECRC)
    }
    public static func setGlucoseCalibrationValue(_ value: CalibrationValue, hasE2ECRC: Bool = false) -> Self {
        .init(opCode: .setGlucoseCalibrationValue, operand: value.encoded(), hasE2ECRC: hasE2ECRC)
    }
    public static func getGlucoseCalibrationValue(recordNumber: UInt16, hasE2ECRC: Bool = false) -> Self {
        .init(
            opCode: .getGlucoseCalibrationValue, operand: [UInt8(recordNumber & 0xFF), UInt8(recordNumber >> 8)],
            hasE2ECRC: hasE2ECRC)
    }

    // Responses a sensor indicates.
    public static func response(to request: OpCode, _ code: ResponseCode, hasE2ECRC: Bool = false) -> Self {
        .init(opCode: .responseCode, operand: [request.rawValue, code.rawValue], hasE2ECRC: hasE2ECRC)
    }


    public init(bytes: [UInt8], presence: E2ECRCPresence) throws(WireError) {
        var r = ByteReader(bytes, entity: Self.entity)
        opCode = OpCode(rawValue: try r.u8("Op Code"))
        let operandStart = r.offset
        if try Self.readOperand(of: opCode, from: &r) {
            operand = Array(bytes[operandStart..<r.offset])
            hasE2ECRC = presence == .expected || (presence == .inferred && !r.isAtEnd)
        } else if presence == .expected {
            // Unknown layout: the CRC is the last two octets.
            guard r.remaining >= 2 else {
                throw r.error("E2E-CRC", .truncated(needed: 2, available: r.remaining))
            }
            operand = try r.bytes(r.remaining - 2, "Operand")
            hasE2ECRC = true
        } else {
            operand = r.rest()
            hasE2ECRC = false
        }
        if hasE2ECRC { _ = try r.e2eCRC(coveringFrom: 0) }
        try r.expectEnd(after: hasE2ECRC ? "E2E-CRC" : "Operand")
    }

    /// Reads the operand of a known op code, naming each part; false when the op code's layout is unknown.
    private static func readOperand(of op: OpCode, from r: inout ByteReader) throws(WireError) -> Bool {
        if let level = op.alertLevelOperand {
            _ = try r.sfloat("Operand.\(level.field)")
            return true
        }
        switch op.rawValue {
        case 1, 3: _ = try r.u8("Operand.Communication Interval")
        case 2, 8, 11, 14, 17, 20, 23, 25, 26, 27: break
        case 4, 6: _ = try CalibrationValue(from: &r)
        case 5: _ = try r.u16le("Operand.Calibration Data Record Number")
        case 28:
            _ = try r.u8("Operand.Request Op Code")
            _ = try r.u8("Operand.Response Code Value")
        default: return false
        }
        return true
    }

    public func encoded() -> [UInt8] {
        var w = ByteWriter()
        w.u8(opCode.rawValue)
        w.append(operand)
        if hasE2ECRC { w.e2eCRC() }
        return w.bytes
    }

    private var operandReader: ByteReader { ByteReader(operand, entity: Self.entity) }

    /// For op codes 1 and 3: minutes (0 = periodic communication off, 0xFF = fastest the sensor supports).
    public var communicationIntervalMinutes: UInt8? {
        guard opCode == .setCommunicationInterval || opCode == .communicationIntervalResponse, operand.count == 1 else {
            return nil
        }
        return operand[0]
    }

    /// For op codes 4 and 6.
    public var calibrationValue: CalibrationValue? {
        guard opCode == .setGlucoseCalibrationValue || opCode == .glucoseCalibrationValueResponse else { return nil }
        var r = operandReader
        return try? CalibrationValue(from: &r)
    }

    /// For op code 5: the record asked for (0xFFFF asks for the last one stored).
    public var calibrationDataRecordNumber: UInt16? {
        guard opCode == .getGlucoseCalibrationValue, operand.count == 2 else { return nil }
        return UInt16(operand[0]) | UInt16(operand[1]) << 8
    }

    /// For the set and response alert-level op codes (7…24): the level, in mg/dL or (mg/dL)/min.
    public var alertLevel: SFloat? {
        guard opCode.alertLevelOperand != nil, operand.count == 2 else { return nil }
        return SFloat(bitPattern: UInt16(operand[0]) | UInt16(operand[1]) << 8)
    }

    /// For a Response Code: the request it answers and the code.
    public var responseCodeValue: (request: OpCode, code: ResponseCode)? {
        guard opCode == .responseCode, operand.count == 2 else { return nil }
        return (OpCode(rawValue: operand[0]), ResponseCode(rawValue: operand[1]))
    }

    public var json: JSONValue {
        var o: [(String, JSONValue)] = [
            ("characteristic", .string("0x2AAC")),
            ("name", .string("CGM Specific Ops Control Point")),
            ("opCode", .object([("raw", .int(Int64(opCode.rawValue))), ("name", .string(opCode.description))])),
        ]
        if let minutes = communicationIntervalMinutes {
            switch minutes {
            case 0: o.append(("communicationInterval", .string("Periodic communication disabled")))
            case 0xFF: o.append(("communicationInterval", .string("Fastest interval supported")))
            default:
                o.append(("communicationInterval", .int(Int64(minutes))))
                o.append(("communicationIntervalUnit", .string("min")))
            }
        } else if let cal = calibrationValue {
            o.append(("calibrationValue", cal.json))
        } else if let n = calibrationDataRecordNumber {
            o.append(("calibrationDataRecordNumber", n == 0xFFFF ? .string("Last stored record (0xFFFF)") : .int(Int64(n))))
        } else if let level = alertLevel, let names = opCode.alertLevelOperand {
            o.append((names.key, level.json))
            o.append((names.key + "Unit", .string(names.unit)))
        } else if let rc = responseCodeValue {
            o.append(("requestOpCode", .object([("raw", .int(Int64(rc.request.rawValue))), ("name", .string(rc.request.description))])))
            o.append(("responseCodeValue", .object([("raw", .int(Int64(rc.code.rawValue))), ("name", .string(rc.code.description))])))
        } else if !operand.isEmpty {
            o.append(("operand", .object([("hex", .string(Hex.format(operand)))])))
        }
        if hasE2ECRC {
            let b = encoded()
            o.append(("e2eCRC", .string(CRC16MCRF4XX.hex(UInt16(b[b.count - 2]) | UInt16(b[b.count - 1]) << 8))))
        }
        return .object(o)
    }
}
