/// Polar Measurement Data (PMD), Polar's open BLE protocol for raw sensor streams (ECG on the H10 chest
/// strap), as documented in Polar's public BLE SDK. Not a Bluetooth SIG service.
///
/// Service FB005C80-02E7-F387-1CAD-8ACD2D8DF0C8 has a control point (…5C81: read, write, indicate) and a data
/// characteristic (…5C82: notify). The collector writes a request to the control point (`PolarPMDControlPointRequest`),
/// the sensor indicates a response (`PolarPMDControlPointResponse`), and data frames arrive on the data
/// characteristic (`PolarECGFrame`). All integers are little-endian.
///
/// Requests: Op Code uint8 (1 get measurement settings, 2 request measurement start, 3 stop measurement),
/// Measurement Type uint8 (type in the low 6 bits, 0 = ECG; the top 2 bits carry the recording type, 0 =
/// online streaming), then for a start the chosen settings as TLVs: Setting Type uint8, Count uint8, then Count
/// values whose size depends on the type (sample rate, resolution and range 2 bytes, range in milliunits and
/// factor 4 bytes, channels 1 byte). The H10 ECG start, 130 Hz and 14 bits, is `02 00 00 01 82 00 01 01 0E 00`.
///
/// Responses: 0xF0, Op Code, Measurement Type, Status uint8 (0 success), then on success More uint8 (non-zero:
/// the parameters continue in the next indication) and parameters: for get settings, the available settings
/// as TLVs (Count may exceed 1); for a start, the settings the sensor chose (e.g. the factor).
public enum PolarPMD {
    public static let serviceUUID = BluetoothUUID(string: "FB005C80-02E7-F387-1CAD-8ACD2D8DF0C8")!
    public static let controlPointUUID = BluetoothUUID(string: "FB005C81-02E7-F387-1CAD-8ACD2D8DF0C8")!
    public static let dataUUID = BluetoothUUID(string: "FB005C82-02E7-F387-1CAD-8ACD2D8DF0C8")!

    /// Nanoseconds from 1970-01-01T00:00:00Z to 2000-01-01T00:00:00Z, the PMD epoch.
    public static let epochOffsetNanoseconds: UInt64 = 946_684_800_000_000_000

    /// A PMD measurement type (the low 6 bits of the Measurement Type byte). Unknown values are kept.
    public struct MeasurementType: Hashable, Sendable, CustomStringConvertible {
        public var rawValue: UInt8
        public init(rawValue: UInt8) { self.rawValue = rawValue & 0x3F }
        public static let ecg = Self(rawValue: 0)
        public static let ppg = Self(rawValue: 1)
        public static let acc = Self(rawValue: 2)
        public static let ppi = Self(rawValue: 3)
        public static let gyro = Self(rawValue: 5)
        public static let magnetometer = Self(rawValue: 6)
        public var description: String {
            switch rawValue {
            case 0: "ECG"
            case 1: "PPG"
            case 2: "ACC"
            case 3: "PPI"
            case 5: "Gyro"
            case 6: "Magnetometer"
            case 7: "Skin temperature"
            case 9: "SDK mode"
            case 10: "Location"
            case 11: "Pressure"
            case 12: "Temperature"
            case 13: "Offline recording"
            case 14: "Offline HR"
            default: "Measurement type \(rawValue)"
            }
        }
    }

    /// A control point op code. Unknown values are kept.
    public struct OpCode: Hashable, Sendable, CustomStringConvertible {
        public var rawValue: UInt8
        public init(rawValue: UInt8) { self.rawValue = rawValue }
        public static let getMeasurementSettings = Self(rawValue: 1)
        public static let requestMeasurementStart = Self(rawValue: 2)
        public static let stopMeasurement = Self(rawValue: 3)
        public var description: String {
            switch rawValue {
            case 1: "Get measurement settings"
            case 2: "Request measurement start"
            case 3: "Stop measurement"
            case 4: "Get SDK mode measurement settings"
            case 5: "Get measurement status"
            case 6: "Get SDK mode status"
            case 7: "Get offline recording trigger status"
            case 8: "Set offline recording trigger mode"
            case 9: "Set offline recording trigger settings"
            default: "Op code \(rawValue)"
            }
        }
    }

    /// A setting type, the T of a setting TLV. Unknown values are kept, but cannot be parsed (their size is unknown).
    public struct SettingType: Hashable, Sendable, CustomStringConvertible {
        public var rawValue: UInt8
        public init(rawValue: UInt8) { self.rawValue = rawValue }
        public static let sampleRate = Self(rawValue: 0)
        public static let resolution = Self(rawValue: 1)
        public static let range = Self(rawValue: 2)
        public static let rangeMilliunit = Self(rawValue: 3)
        public static let channels = Self(rawValue: 4)
        public static let factor = Self(rawValue: 5)

        /// Bytes per value, or nil for a type this build cannot size (6, security, is 16 bytes and not handled).
        public var valueSize: Int? {
            switch rawValue {
            case 0, 1, 2: 2
            case 3, 5: 4
            case 4: 1
            default: nil
            }
        }

        public var description: String {
            switch rawValue {
            case 0: "Sample rate"
            case 1: "Resolution"
            case 2: "Range"
            case 3: "Range (milliunit)"
            case 4: "Channels"
            case 5: "Factor"
            case 6: "Security"
            default: "Setting type \(rawValue)"
            }
        }

        /// The unit of the values, where it is fixed.
        public var unit: String? {
            switch rawValue {
            case 0: "Hz"
            case 1: "bit"
            default: nil
            }
        }
    }

    /// One setting TLV: a type and its values (one when choosing, possibly several when listing what is available).
    public struct Setting: Hashable, Sendable {
        public var type: SettingType
        public var values: [UInt32]

        public init(type: SettingType, values: [UInt32]) {
            self.type = type
            self.values = values
        }

        public static func sampleRate(_ hz: UInt16) -> Setting { Setting(type: .sampleRate, values: [UInt32(hz)]) }
        public static func resolution(_ bits: UInt16) -> Setting { Setting(type: .resolution, values: [UInt32(bits)]) }

        /// Factor values are IEEE 754 single-precision bit patterns.
        public var factorValues: [Float]? { type == .factor ? values.map { Float(bitPattern: $0) } : nil }

        var json: JSONValue {
            var o: [(String, JSONValue)] = [
                ("type", .object([("raw", .int(Int64(type.rawValue))), ("name", .string(type.description))])),
                ("values", .array(values.map { .int(Int64($0)) })),
            ]
            if let unit = type.unit { o.append(("unit", .string(unit))) }
            if let f = factorValues { o.append(("factor", .array(f.map { .number(Double($0)) }))) }
            return .object(o)
        }
    }

    /// Parses setting TLVs up to the end of `r`'s bytes; errors name `field[i].…`.
    public static func parseSettings(_ r: inout ByteReader, field: String = "Settings") throws(WireError) -> [Setting] {
        var out: [Setting] = []
        while !r.isAtEnd {
            let f = "\(field)[\(out.count)]"
            let typeOffset = r.offset
            let type = SettingType(rawValue: try r.u8("\(f).Setting Type"))
            guard let size = type.valueSize else {
                throw r.error("\(f).Setting Type", .invalidValue("\(type) has no known value size"), at: typeOffset)
            }
            let count = Int(try r.u8("\(f).Count"))
            var values: [UInt32] = []
            for j in 0..<count {
                let b = try r.bytes(size, "\(f).Values[\(j)]")
                var v: UInt32 = 0
                for (k, byte) in b.enumerated() { v |= UInt32(byte) << (8 * UInt32(k)) }
                values.append(v)
            }
            out.append(Setting(type: type, values: values))
        }
        return out
    }

    /// Parses setting TLVs from parameters (e.g. several responses' parameters joined); offsets count from 0.
    public static func parseSettings(bytes: [UInt8]) throws(WireError) -> [Setting] {
        var r = ByteReader(bytes, entity: PolarPMDControlPointResponse.entity)
        return try parseSettings(&r, field: "Parameters")
    }

    /// Writes setting TLVs. A setting whose type has no known value size cannot be laid out and is skipped.
    public static func encodeSettings(_ settings: [Setting], into w: inout ByteWriter) {
        for s in settings {
            guard let size = s.type.valueSize else { continue }
            w.u8(s.type.rawValue)
            w.u8(UInt8(clamping: s.values.count))
            for v in s.values.prefix(255) {
                for k in 0..<size { w.u8(UInt8((v >> (8 * UInt32(k))) & 0xFF)) }
            }
        }
    }

    /// ISO 8601 UTC text for a PMD time stamp, to the nanosecond: `2019-01-01T00:00:00.000000000Z`.
    public static func isoString(nanosecondsSince2000 ns: UInt64) -> String {
        let seconds = ns / 1_000_000_000
        let nanos = ns % 1_000_000_000
        let daysSince1970 = Int64(seconds / 86_400) + 10_957  // 2000-01-01 is day 10957 of the Unix epoch
        let secondOfDay = Int(seconds % 86_400)
        // Days to a proleptic Gregorian date, counting 400-year eras from 0000-03-01.
        let z = daysSince1970 + 719_468
        let era = z / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1_460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        func pad(_ v: Int64, _ width: Int) -> String {
            let s = String(v)
            return String(repeating: "0", count: max(0, width - s.count)) + s
        }
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))T\(pad(Int64(secondOfDay / 3600), 2)):"
            + "\(pad(Int64(secondOfDay / 60 % 60), 2)):\(pad(Int64(secondOfDay % 60), 2)).\(pad(Int64(nanos), 9))Z"
    }
}

/// A request the collector writes to the PMD control point (FB005C81-…); see `PolarPMD` for the layout.
public struct PolarPMDControlPointRequest: Hashable, Sendable, WireDescribable {
    public static let uuid = PolarPMD.controlPointUUID
    public static let entity = "Polar PMD Control Point request (FB005C81)"

    public var opCode: PolarPMD.OpCode
    /// The Measurement Type byte as sent (op codes 1–3): type in the low 6 bits, recording type in the top 2.
    public var measurementTypeByte: UInt8?
    /// The chosen settings (request measurement start only).
    public var settings: [PolarPMD.Setting]
    /// Everything after the op code, for op codes this build does not lay out.
    public var otherParameters: [UInt8]

    public init(opCode: PolarPMD.OpCode, measurementType: PolarPMD.MeasurementType, settings: [PolarPMD.Setting] = []) {
        self.opCode = opCode
        measurementTypeByte = measurementType.rawValue
        self.settings = settings
        otherParameters = []
    }

    public static func getSettings(_ type: PolarPMD.MeasurementType) -> Self {
        Self(opCode: .getMeasurementSettings, measurementType: type)
    }
    public static func start(_ type: PolarPMD.MeasurementType, settings: [PolarPMD.Setting]) -> Self {
        Self(opCode: .requestMeasurementStart, measurementType: type, settings: settings)
    }
    public static func stop(_ type: PolarPMD.MeasurementType) -> Self {
        Self(opCode: .stopMeasurement, measurementType: type)
    }

    /// Start ECG streaming; the H10's only choice is 130 Hz at 14-bit resolution.
    public static func startECG(sampleRate: UInt16 = 130, resolution: UInt16 = 14) -> Self {
        start(.ecg, settings: [.sampleRate(sampleRate), .resolution(resolution)])
    }

    public init(bytes: [UInt8]) throws(WireError) {
        var r = ByteReader(bytes, entity: Self.entity)
        opCode = PolarPMD.OpCode(rawValue: try r.u8("Op Code"))
        settings = []
        otherParameters = []
        switch opCode.rawValue {
        case 1, 2, 3:
            measurementTypeByte = try r.u8("Measurement Type")
            if opCode == .requestMeasurementStart { settings = try PolarPMD.parseSettings(&r) }
            try r.expectEnd(after: "Measurement Type")
        default:
            measurementTypeByte = nil
            otherParameters = r.rest()
        }
    }

    public var measurementType: PolarPMD.MeasurementType? {
        measurementTypeByte.map(PolarPMD.MeasurementType.init(rawValue:))
    }

    public func encoded() -> [UInt8] {
        var w = ByteWriter()
        w.u8(opCode.rawValue)
        if let measurementTypeByte { w.u8(measurementTypeByte) }
        PolarPMD.encodeSettings(settings, into: &w)
        w.append(otherParameters)
        return w.bytes
    }

    public var json: JSONValue {
        var o: [(String, JSONValue)] = [
            ("characteristic", .string(Self.uuid.description)),
            ("name", .string("Polar PMD Control Point request")),
            ("opCode", .object([("raw", .int(Int64(opCode.rawValue))), ("name", .string(opCode.description))])),
        ]
        if let b = measurementTypeByte {
            let t = PolarPMD.MeasurementType(rawValue: b)
            o.append((
                "measurementType",
                .object([("raw", .int(Int64(b))), ("name", .string(t.description)), ("recordingType", .int(Int64(b >> 6)))])
            ))
        }
        if !settings.isEmpty { o.append(("settings", .array(settings.map(\.json)))) }
        if !otherParameters.isEmpty { o.append(("parameters", .string(Hex.format(otherParameters)))) }
        return .object(o)
    }
}

/// A response the PMD control point indicates (0xF0 …); see `PolarPMD` for the layout.
public struct PolarPMDControlPointResponse: Hashable, Sendable, WireDescribable {
    public static let uuid = PolarPMD.controlPointUUID
    public static let entity = "Polar PMD Control Point response (FB005C81)"
    /// The first byte of every control point response.
    public static let responseCode: UInt8 = 0xF0

    /// Response status. Unknown values are kept.
    public struct Status: Hashable, Sendable, CustomStringConvertible {
        public var rawValue: UInt8
        public init(rawValue: UInt8) { self.rawValue = rawValue }
        public static let success = Self(rawValue: 0)
        public static let invalidOpCode = Self(rawValue: 1)
        public static let invalidMeasurementType = Self(rawValue: 2)
        public static let notSupported = Self(rawValue: 3)
        public static let invalidLength = Self(rawValue: 4)
        public static let invalidParameter = Self(rawValue: 5)
        public static let alreadyInState = Self(rawValue: 6)
        public static let invalidResolution = Self(rawValue: 7)
        public static let invalidSampleRate = Self(rawValue: 8)
        public static let invalidRange = Self(rawValue: 9)
        public static let invalidMTU = Self(rawValue: 10)
        public static let invalidNumberOfChannels = Self(rawValue: 11)
        public static let invalidState = Self(rawValue: 12)
        public static let deviceInCharger = Self(rawValue: 13)
        public static let diskFull = Self(rawValue: 14)
        public var description: String {
            switch rawValue {
            case 0: "Success"
            case 1: "Invalid op code"
            case 2: "Invalid measurement type"
            case 3: "Not supported"
            case 4: "Invalid length"
            case 5: "Invalid parameter"
            case 6: "Already in state"
            case 7: "Invalid resolution"
            case 8: "Invalid sample rate"
            case 9: "Invalid range"
            case 10: "Invalid MTU"
            case 11: "Invalid number of channels"
            case 12: "Invalid state"
            case 13: "Device in charger"
            case 14: "Disk full"
            default: "Status \(rawValue)"
            }
        }
    }

    public var opCode: PolarPMD.OpCode
    /// The Measurement Type byte as sent: type in the low 6 bits.
    public var measurementTypeByte: UInt8
    public var status: Status
    /// The More byte, when sent (only after a success): non-zero means the parameters continue in the next
    /// indication.
    public var moreByte: UInt8?
    /// The parameters as sent.
    public let parameters: [UInt8]
    /// The parameters as setting TLVs, for a complete (More = 0) successful get-settings or start response.
    /// When More is set, join the parameters of every part and use `PolarPMD.parseSettings(bytes:)`.
    public let settings: [PolarPMD.Setting]

    public init(
        opCode: PolarPMD.OpCode, measurementType: PolarPMD.MeasurementType, status: Status,
        more: Bool = false, settings: [PolarPMD.Setting] = []
    ) {
        self.opCode = opCode
        measurementTypeByte = measurementType.rawValue
        self.status = status
        var w = ByteWriter()
        PolarPMD.encodeSettings(settings, into: &w)
        moreByte = status == .success ? (more ? 1 : 0) : nil
        parameters = w.bytes
        self.settings = settings
    }

    public init(bytes: [UInt8]) throws(WireError) {
        var r = ByteReader(bytes, entity: Self.entity)
        let code = try r.u8("Response Code")
        guard code == Self.responseCode else {
            throw r.error(
                "Response Code", .invalidValue("0x\(Hex.format([code])) is not a control point response (0xF0)"), at: 0)
        }
        opCode = PolarPMD.OpCode(rawValue: try r.u8("Op Code"))
        measurementTypeByte = try r.u8("Measurement Type")
        status = Status(rawValue: try r.u8("Status"))
        moreByte = nil
        if !r.isAtEnd { moreByte = try r.u8("More") }
        var settingsReader = r
        parameters = r.rest()
        if status == .success, moreByte == 0, opCode == .getMeasurementSettings || opCode == .requestMeasurementStart {
            settings = try PolarPMD.parseSettings(&settingsReader, field: "Parameters")
        } else {
            settings = []
        }
    }

    public var measurementType: PolarPMD.MeasurementType { PolarPMD.MeasurementType(rawValue: measurementTypeByte) }
    public var more: Bool { (moreByte ?? 0) != 0 }

    public func encoded() -> [UInt8] {
        var w = ByteWriter()
        w.u8(Self.responseCode)
        w.u8(opCode.rawValue)
        w.u8(measurementTypeByte)
        w.u8(status.rawValue)
        if let moreByte { w.u8(moreByte) }
        w.append(parameters)
        return w.bytes
    }

    public var json: JSONValue {
        var o: [(String, JSONValue)] = [
            ("characteristic", .string(Self.uuid.description)),
            ("name", .string("Polar PMD Control Point response")),
            ("opCode", .object([("raw", .int(Int64(opCode.rawValue))), ("name", .string(opCode.description))])),
            (
                "measurementType",
                .object([("raw", .int(Int64(measurementTypeByte))), ("name", .string(measurementType.description))])
            ),
            ("status", .object([("raw", .int(Int64(status.rawValue))), ("name", .string(status.description))])),
        ]
        if let moreByte { o.append(("more", .bool(moreByte != 0))) }
        if !parameters.isEmpty { o.append(("parameters", .string(Hex.format(parameters)))) }
        if !settings.isEmpty { o.append(("settings", .array(settings.map(\.json)))) }
        return .object(o)
    }
}
