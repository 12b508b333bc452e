import Foundation

/// The value exactly as the device sent it, so nothing is lost by conversion.
public struct WireValue: Hashable, Sendable, Codable, CustomStringConvertible {
    /// The wire encoding, e.g. `sfloat`, `float`, `uint8`.
    public var encoding: String
    /// The raw bits, as sent (for SFLOAT the 16-bit pattern).
    public var bits: UInt64
    /// The unit the device used on the wire, e.g. `kg/L` for a glucose meter.
    public var unit: String

    public init(encoding: String, bits: UInt64, unit: String) {
        self.encoding = encoding
        self.bits = bits
        self.unit = unit
    }

    /// `sfloat:0x0078 mmHg` style text, stable for storage.
    public var description: String {
        let width = encoding == "sfloat" ? 4 : (encoding == "float" ? 8 : 2)
        let hex = String(bits, radix: 16, uppercase: true)
        return "\(encoding):0x\(String(repeating: "0", count: max(0, width - hex.count)))\(hex) \(unit)"
    }
}

/// What a numeric value is: a number, or one of the special states medical floats can carry.
public enum ValueState: String, Hashable, Sendable, Codable {
    case number
    /// Not a number (e.g. SFLOAT 0x07FF): the device could not produce a value.
    case notANumber = "nan"
    /// Not at this resolution (SFLOAT 0x0800).
    case notAtThisResolution = "nres"
    case positiveInfinity = "+inf"
    case negativeInfinity = "-inf"
    /// A reserved bit pattern the specification does not define.
    case reserved
}

/// One coded quantity within a reading.
public struct Observation: Hashable, Sendable, Codable {
    public var metric: Metric
    /// The value in `unit`; nil when the state is not `.number`.
    public var value: Double?
    public var state: ValueState
    public var unit: UCUMUnit
    public var wire: WireValue

    public init(metric: Metric, value: Double?, state: ValueState = .number, unit: UCUMUnit, wire: WireValue) {
        self.metric = metric
        self.value = state == .number ? value : nil
        self.state = state
        self.unit = unit
        self.wire = wire
    }
}

/// The kind of a reading; compound readings keep their parts together.
public enum ReadingKind: String, Hashable, Sendable, Codable, CaseIterable {
    case bloodPressure = "blood-pressure"
    case glucose
    case heartRate = "heart-rate"
    case spo2
    case ecg
    case temperature
    case weight
}

/// The raw bytes a reading was decoded from, kept for audit and re-decoding.
public struct RawFrame: Hashable, Sendable, Codable {
    /// Where on the device the bytes came from: a characteristic UUID (`2A35`) or an APDU kind.
    public var source: String
    public var bytes: [UInt8]

    public init(source: String, bytes: [UInt8]) {
        self.source = source
        self.bytes = bytes
    }
}

/// A time as the device reported it, before any correction (devices keep local time without a zone).
public struct DeviceTime: Hashable, Sendable, Codable, CustomStringConvertible {
    public var year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int

    public init(year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int) {
        (self.year, self.month, self.day, self.hour, self.minute, self.second) = (year, month, day, hour, minute, second)
    }

    /// `YYYY-MM-DDTHH:MM:SS`, with no zone: the device does not say one.
    public var description: String {
        func p(_ v: Int, _ w: Int) -> String {
            let s = String(v)
            return String(repeating: "0", count: max(0, w - s.count)) + s
        }
        return "\(p(year, 4))-\(p(month, 2))-\(p(day, 2))T\(p(hour, 2)):\(p(minute, 2)):\(p(second, 2))"
    }

    /// Interprets the device's local time in `timeZone` (the hub's configured zone for the device).
    public func date(in timeZone: TimeZone) -> Date? {
        var c = DateComponents()
        (c.year, c.month, c.day, c.hour, c.minute, c.second) = (year, month, day, hour, minute, second)
        var cal = Calendar(identifier: .gregorian)
        cal.timeZone = timeZone
        guard c.isValidDate(in: cal) else { return nil }
        return cal.date(from: c)
    }
}

/// One reading from one device: a single measurement event, possibly compound.
public struct Reading: Hashable, Sendable, Codable {
    public var subject: SubjectID
    public var device: DeviceIdentity
    public var kind: ReadingKind
    /// The parts: systolic, diastolic, MAP and pulse stay together in one reading.
    public var observations: [Observation]
    /// When the measurement happened (UTC).
    public var effectiveTime: Date
    /// The time the device reported, uncorrected, if it reported one.
    public var deviceTime: DeviceTime?
    /// When the hub received the bytes.
    public var receivedTime: Date
    /// The device's record sequence number, when it has one.
    public var sequence: UInt32?
    public var flags: Set<QualityFlag>
    public var grade: DeviceGrade
    public var raw: RawFrame
    /// The hub's count of readings received in this run, for readings that carry neither sequence nor time:
    /// a burst of them within one millisecond must not collapse into one.
    public var receiptIndex: UInt64 = 0
    /// The user the device filed the reading under, as the device said it (a multi-user cuff's User ID;
    /// 0xFF is "unknown user"). The hub files the reading under a subject from it (`SubjectAssignment`).
    public var deviceUser: UInt8?
    /// What the device said about itself on this connection, for validation to judge.
    public var report = DeviceReport()
    /// The natural key the store holds, for a reading read back from the store (its parts, such as the hub's
    /// receipt count, are not all kept); nil for a reading from a device, whose key comes from its fields.
    public var storedKey: String?
    /// The store's row id for it, once stored: set by the store stage on the readings it passes on, and on readings
    /// read back from the store; nil before.
    public var storedID: Int64?

    public init(
        subject: SubjectID, device: DeviceIdentity, kind: ReadingKind, observations: [Observation],
        effectiveTime: Date, deviceTime: DeviceTime?, receivedTime: Date, sequence: UInt32?,
        flags: Set<QualityFlag> = [], grade: DeviceGrade = .unverified, raw: RawFrame, report: DeviceReport = DeviceReport()
    ) {
        self.subject = subject
        self.device = device
        self.kind = kind
        self.observations = observations
        self.effectiveTime = effectiveTime
        self.deviceTime = deviceTime
        self.receivedTime = receivedTime
        self.sequence = sequence
        self.flags = flags
        self.grade = grade
        self.raw = raw
        self.report = report
    }

    /// The natural key within a device: a replayed reading has the same key and is ignored.
    ///
    /// A sequence number identifies a stored record; otherwise the device's own time stamp does;
    /// a reading that has neither is identified by its receive time and the hub's receipt count.
    public var naturalKey: String {
        if let storedKey { return storedKey }
        if let sequence { return "seq:\(sequence)" }
        if let deviceTime { return "dt:\(deviceTime)" }
        let ms = Int64((receivedTime.timeIntervalSince1970 * 1000).rounded())
        return "rx:\(ms).\(receiptIndex)"
    }

    public func observation(_ metric: Metric) -> Observation? {
        observations.first { $0.metric.mdc == metric.mdc }
    }
}
