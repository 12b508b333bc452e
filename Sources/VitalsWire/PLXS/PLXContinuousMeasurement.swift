/// PLX Continuous Measurement characteristic (0x2A5F), Pulse Oximeter Service 1.0 §3.2, sent by notification.
///
/// Layout (little-endian): Flags uint8; SpO2PR-Normal (SpO2 SFLOAT %, PR SFLOAT beats per minute); then, as
/// flagged, SpO2PR-Fast, SpO2PR-Slow (same pair layout), Measurement Status (16 bits), Device and Sensor
/// Status (24 bits), Pulse Amplitude Index (SFLOAT %).
///
/// Flags: bit 0 SpO2PR-Fast present, bit 1 SpO2PR-Slow present, bit 2 Measurement Status present, bit 3 Device
/// and Sensor Status present, bit 4 Pulse Amplitude Index present; bits 5–7 reserved. Continuous measurements
/// carry no time stamp: a collector stamps them on arrival.
public struct PLXContinuousMeasurement: Hashable, Sendable, WireDescribable {
    public static let uuid = BluetoothUUID(0x2A5F)
    public static let entity = "PLX Continuous Measurement (0x2A5F)"

    public var normal: PLXSpO2PR
    public var fast: PLXSpO2PR?
    public var slow: PLXSpO2PR?
    public var measurementStatus: PLXMeasurementStatus?
    public var deviceAndSensorStatus: PLXDeviceAndSensorStatus?
    /// Pulse Amplitude Index, percent.
    public var pulseAmplitudeIndex: SFloat?
    /// Flag bits 5–7, reserved for future use; kept so a re-encode is byte-identical.
    public var reservedFlags: UInt8 = 0

    public init(
        normal: PLXSpO2PR, fast: PLXSpO2PR? = nil, slow: PLXSpO2PR? = nil,
        measurementStatus: PLXMeasurementStatus? = nil, deviceAndSensorStatus: PLXDeviceAndSensorStatus? = nil,
        pulseAmplitudeIndex: SFloat? = nil
    ) {
        self.normal = normal
        self.fast = fast
        self.slow = slow
        self.measurementStatus = measurementStatus
        self.deviceAndSensorStatus = deviceAndSensorStatus
        self.pulseAmplitudeIndex = pulseAmplitudeIndex
    }

    public init(bytes: [UInt8]) throws(WireError) {
        var r = ByteReader(bytes, entity: Self.entity)
        let flags = try r.u8("Flags")
        reservedFlags = flags & 0xE0
        normal = try PLXSpO2PR(from: &r, field: "SpO2PR-Normal")
        if flags & 0x01 != 0 { fast = try PLXSpO2PR(from: &r, field: "SpO2PR-Fast") }
        if flags & 0x02 != 0 { slow = try PLXSpO2PR(from: &r, field: "SpO2PR-Slow") }
        if flags & 0x04 != 0 { measurementStatus = PLXMeasurementStatus(rawValue: try r.u16le("Measurement Status")) }
        if flags & 0x08 != 0 {
            deviceAndSensorStatus = PLXDeviceAndSensorStatus(rawValue: try r.u24le("Device and Sensor Status"))
        }
        if flags & 0x10 != 0 { pulseAmplitudeIndex = try r.sfloat("Pulse Amplitude Index") }
        try r.expectEnd(after: "Pulse Amplitude Index")
    }

    public var flags: UInt8 {
        var f = reservedFlags & 0xE0
        if fast != nil { f |= 0x01 }
        if slow != nil { f |= 0x02 }
        if measurementStatus != nil { f |= 0x04 }
        if deviceAndSensorStatus != nil { f |= 0x08 }
        if pulseAmplitudeIndex != nil { f |= 0x10 }
        return f
    }

    public func encoded() -> [UInt8] {
        var w = ByteWriter()
        w.u8(flags)
        normal.encode(into: &w)
        fast?.encode(into: &w)
        slow?.encode(into: &w)
        if let measurementStatus { w.u16le(measurementStatus.rawValue) }
        if let deviceAndSensorStatus { w.u24le(deviceAndSensorStatus.rawValue) }
        if let pulseAmplitudeIndex { w.sfloat(pulseAmplitudeIndex) }
        return w.bytes
    }

    /// Names of the set Flags bits, as the specification words them.
    public var setFlagNames: [String] {
        var n: [String] = []
        if fast != nil { n.append("SpO2PR-Fast field is present") }
        if slow != nil { n.append("SpO2PR-Slow field is present") }
        if measurementStatus != nil { n.append("Measurement Status field is present") }
        if deviceAndSensorStatus != nil { n.append("Device and Sensor Status field is present") }
        if pulseAmplitudeIndex != nil { n.append("Pulse Amplitude Index field is present") }
        return n
    }

    public var json: JSONValue {
        var o: [(String, JSONValue)] = [
            ("characteristic", .string("0x2A5F")),
            ("name", .string("PLX Continuous Measurement")),
            (
                "flags",
                .object([
                    ("raw", .int(Int64(flags))),
                    ("spO2PRFastPresent", .bool(fast != nil)),
                    ("spO2PRSlowPresent", .bool(slow != nil)),
                    ("measurementStatusPresent", .bool(measurementStatus != nil)),
                    ("deviceAndSensorStatusPresent", .bool(deviceAndSensorStatus != nil)),
                    ("pulseAmplitudeIndexPresent", .bool(pulseAmplitudeIndex != nil)),
                    ("set", .array(setFlagNames.map { .string($0) })),
                ])
            ),
            ("spO2PRNormal", normal.json),
        ]
        if let fast { o.append(("spO2PRFast", fast.json)) }
        if let slow { o.append(("spO2PRSlow", slow.json)) }
        if let measurementStatus { o.append(("measurementStatus", measurementStatus.json())) }
        if let deviceAndSensorStatus { o.append(("deviceAndSensorStatus", deviceAndSensorStatus.json())) }
        if let pulseAmplitudeIndex {
            o.append(("pulseAmplitudeIndex", pulseAmplitudeIndex.json))
            o.append(("pulseAmplitudeIndexUnit", .string("%")))
        }
        return .object(o)
    }
}
