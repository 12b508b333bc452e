/// Device and Sensor Status field (24 bits) of the PLX Spot-check (0x2A5E) and Continuous (0x2A5F)
/// Measurements, Pulse Oximeter Service 1.0 §3.1.1.4 / §3.2.1.6. The same bit layout is the Device and Sensor
/// Status Support field of PLX Features (0x2A60), where a set bit means "this bit is supported".
///
/// Bit 0 Extended Display Update Ongoing, 1 Equipment Malfunction Detected, 2 Signal Processing Irregularity
/// Detected, 3 Inadequate Signal Detected, 4 Poor Signal Detected, 5 Low Perfusion Detected, 6 Erratic Signal
/// Detected, 7 Nonpulsatile Signal Detected, 8 Questionable Pulse Detected, 9 Signal Analysis Ongoing,
/// 10 Sensor Interference Detected, 11 Sensor Unconnected to User, 12 Unknown Sensor Connected, 13 Sensor
/// Displaced, 14 Sensor Malfunctioning, 15 Sensor Disconnected; bits 16–23 reserved for future use.
public struct PLXDeviceAndSensorStatus: OptionSet, Hashable, Sendable {
    /// The 24-bit value in the low three bytes; the top byte is never sent.
    public var rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue & 0x00FF_FFFF }

    public static let extendedDisplayUpdateOngoing = Self(rawValue: 1 << 0)
    public static let equipmentMalfunctionDetected = Self(rawValue: 1 << 1)
    public static let signalProcessingIrregularityDetected = Self(rawValue: 1 << 2)
    public static let inadequateSignalDetected = Self(rawValue: 1 << 3)
    public static let poorSignalDetected = Self(rawValue: 1 << 4)
    public static let lowPerfusionDetected = Self(rawValue: 1 << 5)
    public static let erraticSignalDetected = Self(rawValue: 1 << 6)
    public static let nonpulsatileSignalDetected = Self(rawValue: 1 << 7)
    public static let questionablePulseDetected = Self(rawValue: 1 << 8)
    public static let signalAnalysisOngoing = Self(rawValue: 1 << 9)
    public static let sensorInterferenceDetected = Self(rawValue: 1 << 10)
    public static let sensorUnconnectedToUser = Self(rawValue: 1 << 11)
    public static let unknownSensorConnected = Self(rawValue: 1 << 12)
    public static let sensorDisplaced = Self(rawValue: 1 << 13)
    public static let sensorMalfunctioning = Self(rawValue: 1 << 14)
    public static let sensorDisconnected = Self(rawValue: 1 << 15)

    /// Every named bit: (bit, JSON key, specification name), in bit order.
    public static let namedBits: [(bit: Int, key: String, name: String)] = [
        (0, "extendedDisplayUpdateOngoing", "Extended Display Update Ongoing"),
        (1, "equipmentMalfunctionDetected", "Equipment Malfunction Detected"),
        (2, "signalProcessingIrregularityDetected", "Signal Processing Irregularity Detected"),
        (3, "inadequateSignalDetected", "Inadequate Signal Detected"),
        (4, "poorSignalDetected", "Poor Signal Detected"),
        (5, "lowPerfusionDetected", "Low Perfusion Detected"),
        (6, "erraticSignalDetected", "Erratic Signal Detected"),
        (7, "nonpulsatileSignalDetected", "Nonpulsatile Signal Detected"),
        (8, "questionablePulseDetected", "Questionable Pulse Detected"),
        (9, "signalAnalysisOngoing", "Signal Analysis Ongoing"),
        (10, "sensorInterferenceDetected", "Sensor Interference Detected"),
        (11, "sensorUnconnectedToUser", "Sensor Unconnected to User"),
        (12, "unknownSensorConnected", "Unknown Sensor Connected"),
        (13, "sensorDisplaced", "Sensor Displaced"),
        (14, "sensorMalfunctioning", "Sensor Malfunctioning"),
        (15, "sensorDisconnected", "Sensor Disconnected"),
    ]

    /// Bits 16–23, reserved for future use.
    public var reservedBits: UInt32 { rawValue & 0x00FF_0000 }

    /// Names of the set bits, as the specification words them.
    public var setNames: [String] {
        Self.namedBits.filter { rawValue & (1 << UInt32($0.bit)) != 0 }.map(\.name)
    }

    /// JSON: the raw value, one boolean per named bit, and the names of the set bits.
    /// `suffix` is appended to each key (PLX Features uses "Supported").
    public func json(suffix: String = "") -> JSONValue {
        var o: [(String, JSONValue)] = [("raw", .int(Int64(rawValue)))]
        for b in Self.namedBits { o.append((b.key + suffix, .bool(rawValue & (1 << UInt32(b.bit)) != 0))) }
        if reservedBits != 0 { o.append(("reservedBits", .int(Int64(reservedBits)))) }
        o.append(("set", .array(setNames.map { .string($0) })))
        return .object(o)
    }
}
