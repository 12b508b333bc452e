/// Measurement Status field (16 bits) of the PLX Spot-check (0x2A5E) and Continuous (0x2A5F) Measurements,
/// Pulse Oximeter Service 1.0 §3.1.1.3 / §3.2.1.5. The same bit layout is the Measurement Status Support
/// field of PLX Features (0x2A60), where a set bit means "this bit is supported".
///
/// Bits 0–4 are reserved for future use. Bit 5 Measurement Ongoing, 6 Early Estimated Data, 7 Validated Data,
/// 8 Fully Qualified Data, 9 Data from Measurement Storage, 10 Data for Demonstration, 11 Data for Testing,
/// 12 Calibration Ongoing, 13 Measurement Unavailable, 14 Questionable Measurement Detected, 15 Invalid
/// Measurement Detected. (They mirror IEEE 11073-10404's MeasurementStatus, bit order reversed.)
public struct PLXMeasurementStatus: OptionSet, Hashable, Sendable {
    public var rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    public static let measurementOngoing = Self(rawValue: 1 << 5)
    public static let earlyEstimatedData = Self(rawValue: 1 << 6)
    public static let validatedData = Self(rawValue: 1 << 7)
    public static let fullyQualifiedData = Self(rawValue: 1 << 8)
    public static let dataFromMeasurementStorage = Self(rawValue: 1 << 9)
    public static let dataForDemonstration = Self(rawValue: 1 << 10)
    public static let dataForTesting = Self(rawValue: 1 << 11)
    public static let calibrationOngoing = Self(rawValue: 1 << 12)
    public static let measurementUnavailable = Self(rawValue: 1 << 13)
    public static let questionableMeasurementDetected = Self(rawValue: 1 << 14)
    public static let invalidMeasurementDetected = Self(rawValue: 1 << 15)

    /// Every named bit: (bit, JSON key, specification name), in bit order.
    public static let namedBits: [(bit: Int, key: String, name: String)] = [
        (5, "measurementOngoing", "Measurement Ongoing"),
        (6, "earlyEstimatedData", "Early Estimated Data"),
        (7, "validatedData", "Validated Data"),
        (8, "fullyQualifiedData", "Fully Qualified Data"),
        (9, "dataFromMeasurementStorage", "Data from Measurement Storage"),
        (10, "dataForDemonstration", "Data for Demonstration"),
        (11, "dataForTesting", "Data for Testing"),
        (12, "calibrationOngoing", "Calibration Ongoing"),
        (13, "measurementUnavailable", "Measurement Unavailable"),
        (14, "questionableMeasurementDetected", "Questionable Measurement Detected"),
        (15, "invalidMeasurementDetected", "Invalid Measurement Detected"),
    ]

    /// Bits 0–4, reserved for future use.
    public var reservedBits: UInt16 { rawValue & 0x001F }

    /// Names of the set bits, as the specification words them.
    public var setNames: [String] {
        Self.namedBits.filter { rawValue & (1 << UInt16($0.bit)) != 0 }.map(\.name)
    }

    /// JSON: the raw value, one boolean per named bit, and the names of the set bits.
    /// `suffix` is appended to each key (PLX Features uses "Supported").
    public func json(suffix: String = "") -> JSONValue {
        var o: [(String, JSONValue)] = [("raw", .int(Int64(rawValue)))]
        for b in Self.namedBits { o.append((b.key + suffix, .bool(rawValue & (1 << UInt16(b.bit)) != 0))) }
        if reservedBits != 0 { o.append(("reservedBits", .int(Int64(reservedBits)))) }
        o.append(("set", .array(setNames.map { .string($0) })))
        return .object(o)
    }
}
