/// Heart Rate Measurement characteristic (0x2A37), Heart Rate Service 1.0 §3.1 and the GATT Specification
/// Supplement, sent by notification.
///
/// Layout (little-endian): Flags uint8; Heart Rate Measurement Value (uint8 or uint16, beats per minute, as
/// Flags bit 0 selects); then, as flagged, Energy Expended (uint16, kilojoules) and one or more RR-Interval
/// values (uint16 each, resolution 1/1024 s) filling the rest of the notification.
///
/// Flags: bit 0 value format (0 = uint8, 1 = uint16); bits 1–2 Sensor Contact Status (a 2-bit field: 0 and 1
/// "not supported in the current connection", 2 "supported, but contact is not detected", 3 "supported and
/// contact is detected"); bit 3 Energy Expended present; bit 4 RR-Interval present; bits 5–7 reserved.
/// The service has no time stamp: a collector stamps notifications on arrival.
public struct HeartRateMeasurement: Hashable, Sendable, WireDescribable {
    public static let uuid = BluetoothUUID(0x2A37)
    public static let entity = "Heart Rate Measurement (0x2A37)"

    /// One RR-Interval unit: 1/1024 of a second.
    public static let rrIntervalResolution = 1.0 / 1024.0

    public enum ValueFormat: String, Hashable, Sendable {
        case uint8
        case uint16
    }

    /// What Flags bits 1–2 say about skin contact.
    public enum SensorContact: Hashable, Sendable, CustomStringConvertible {
        case notSupported
        case supportedNotDetected
        case supportedDetected

        public var description: String {
            switch self {
            case .notSupported: "Sensor Contact feature is not supported in the current connection"
            case .supportedNotDetected: "Sensor Contact feature is supported, but contact is not detected"
            case .supportedDetected: "Sensor Contact feature is supported and contact is detected"
            }
        }
    }

    /// How the value was (or will be) sent. A value above 255 is always sent as uint16.
    public var valueFormat: ValueFormat
    /// Heart Rate Measurement Value, beats per minute.
    public var heartRate: UInt16
    /// Flags bits 1–2 as sent, 0...3 (0 and 1 both mean "not supported"; kept so a re-encode is byte-identical).
    public var sensorContactBits: UInt8
    /// Energy Expended, kilojoules accumulated since the last reset. 0xFFFF means the counter is at its maximum.
    public var energyExpended: UInt16?
    /// RR-Intervals in units of 1/1024 s, oldest first. Empty when Flags bit 4 is clear.
    public var rrIntervals: [UInt16]
    /// Flag bits 5–7, reserved for future use; kept so a re-encode is byte-identical.
    public var reservedFlags: UInt8 = 0

    public init(
        heartRate: UInt16, valueFormat: ValueFormat? = nil, sensorContact: SensorContact = .notSupported,
        energyExpended: UInt16? = nil, rrIntervals: [UInt16] = []
    ) {
        self.heartRate = heartRate
        self.valueFormat = valueFormat ?? (heartRate > 0xFF ? .uint16 : .uint8)
        switch sensorContact {
        case .notSupported: sensorContactBits = 0
        case .supportedNotDetected: sensorContactBits = 2
        case .supportedDetected: sensorContactBits = 3
        }
        self.energyExpended = energyExpended
        self.rrIntervals = rrIntervals
    }

    public init(bytes: [UInt8]) throws(WireError) {
        var r = ByteReader(bytes, entity: Self.entity)
        let flags = try r.u8("Flags")
        reservedFlags = flags & 0xE0
        sensorContactBits = (flags >> 1) & 0x03
        if flags & 0x01 != 0 {
            valueFormat = .uint16
            heartRate = try r.u16le("Heart Rate Measurement Value")
        } else {
            valueFormat = .uint8
            heartRate = UInt16(try r.u8("Heart Rate Measurement Value"))
        }
        if flags & 0x08 != 0 { energyExpended = try r.u16le("Energy Expended") }
        rrIntervals = []
        if flags & 0x10 != 0 {
            // "One or more RR-Interval values are present": at least one, then as many as the value holds.
            repeat {
                rrIntervals.append(try r.u16le("RR-Interval[\(rrIntervals.count)]"))
            } while !r.isAtEnd
        }
        // Only reachable without RR-Intervals, which would otherwise have taken every byte left.
        try r.expectEnd(after: energyExpended != nil ? "Energy Expended" : "Heart Rate Measurement Value")
    }

    public var sensorContact: SensorContact {
        switch sensorContactBits {
        case 2: .supportedNotDetected
        case 3: .supportedDetected
        default: .notSupported
        }
    }

    /// RR-Intervals in seconds (raw / 1024), oldest first.
    public var rrIntervalsSeconds: [Double] { rrIntervals.map { Double($0) / 1024.0 } }

    public var flags: UInt8 {
        var f = reservedFlags & 0xE0
        if valueFormat == .uint16 || heartRate > 0xFF { f |= 0x01 }
        f |= (sensorContactBits & 0x03) << 1
        if energyExpended != nil { f |= 0x08 }
        if !rrIntervals.isEmpty { f |= 0x10 }
        return f
    }

    public func encoded() -> [UInt8] {
        var w = ByteWriter()
        let f = flags
        w.u8(f)
        if f & 0x01 != 0 { w.u16le(heartRate) } else { w.u8(UInt8(heartRate)) }
        if let energyExpended { w.u16le(energyExpended) }
        for rr in rrIntervals { w.u16le(rr) }
        return w.bytes
    }

    /// Names of the set flag conditions, as the specification words them.
    public var setFlagNames: [String] {
        var n: [String] = []
        if flags & 0x01 != 0 { n.append("Heart Rate Value Format is set to UINT16") }
        if sensorContact != .notSupported { n.append(sensorContact.description) }
        if energyExpended != nil { n.append("Energy Expended field is present") }
        if !rrIntervals.isEmpty { n.append("One or more RR-Interval values are present") }
        return n
    }

    public var json: JSONValue {
        var o: [(String, JSONValue)] = [
            ("characteristic", .string("0x2A37")),
            ("name", .string("Heart Rate Measurement")),
            (
                "flags",
                .object([
                    ("raw", .int(Int64(flags))),
                    ("heartRateValueFormat", .string(flags & 0x01 != 0 ? "uint16" : "uint8")),
                    ("sensorContactStatus", .int(Int64(sensorContactBits))),
                    ("sensorContact", .string(sensorContact.description)),
                    ("energyExpendedPresent", .bool(energyExpended != nil)),
                    ("rrIntervalPresent", .bool(!rrIntervals.isEmpty)),
                    ("set", .array(setFlagNames.map { .string($0) })),
                ])
            ),
            ("heartRateMeasurementValue", .int(Int64(heartRate))),
            ("heartRateMeasurementValueUnit", .string("/min")),
        ]
        if let energyExpended {
            o.append(("energyExpended", .int(Int64(energyExpended))))
            o.append(("energyExpendedUnit", .string("kJ")))
            if energyExpended == 0xFFFF { o.append(("energyExpendedAtMaximum", .bool(true))) }
        }
        if !rrIntervals.isEmpty {
            o.append(("rrIntervals", .array(rrIntervals.map { .int(Int64($0)) })))
            o.append(("rrIntervalsUnit", .string("1/1024 s")))
            o.append(("rrIntervalsSeconds", .array(rrIntervalsSeconds.map { .number($0) })))
            o.append(("rrIntervalsSecondsUnit", .string("s")))
        }
        return .object(o)
    }
}
