/// PLX Spot-check Measurement characteristic (0x2A5E), Pulse Oximeter Service 1.0 §3.1, sent by indication.
///
/// Layout (little-endian): Flags uint8; SpO2PR-Spot-Check (SpO2 SFLOAT %, PR SFLOAT beats per minute); then,
/// as flagged, Timestamp (Date Time, 7 bytes), Measurement Status (16 bits), Device and Sensor Status (24 bits),
/// Pulse Amplitude Index (SFLOAT %).
///
/// Flags: bit 0 Timestamp present, bit 1 Measurement Status present, bit 2 Device and Sensor Status present,
/// bit 3 Pulse Amplitude Index present, bit 4 Device Clock is Not Set; bits 5–7 reserved. With bit 4 set the
/// Timestamp (if any) comes from a clock nobody set, so it must not be trusted as wall-clock time.
public struct PLXSpotCheckMeasurement: Hashable, Sendable, WireDescribable {
    public static let uuid = BluetoothUUID(0x2A5E)
    public static let entity = "PLX Spot-check Measurement (0x2A5E)"

    public var spO2PR: PLXSpO2PR
    public var timestamp: BLEDateTime?
    public var measurementStatus: PLXMeasurementStatus?
    public var deviceAndSensorStatus: PLXDeviceAndSensorStatus?
    /// Pulse Amplitude Index, percent.
    public var pulseAmplitudeIndex: SFloat?
    /// Flags bit 4: the device clock has not been set.
    public var deviceClockIsNotSet: Bool
    /// Flag bits 5–7, reserved for future use; kept so a re-encode is byte-identical.
    public var reservedFlags: UInt8 = 0

    public init(
        spO2PR: PLXSpO2PR, timestamp: BLEDateTime? = nil, measurementStatus: PLXMeasurementStatus? = nil,
        deviceAndSensorStatus: PLXDeviceAndSensorStatus? = nil, pulseAmplitudeIndex: SFloat? = nil,
        deviceClockIsNotSet: Bool = false
    ) {
        self.spO2PR = spO2PR
        self.timestamp = timestamp
        self.measurementStatus = measurementStatus
        self.deviceAndSensorStatus = deviceAndSensorStatus
        self.pulseAmplitudeIndex = pulseAmplitudeIndex
        self.deviceClockIsNotSet = deviceClockIsNotSet
    }

    public init(bytes: [UInt8]) throws(WireError) {
        var r = ByteReader(bytes, entity: Self.entity)
        let flags = try r.u8("Flags")
        reservedFlags = flags & 0xE0
        deviceClockIsNotSet = flags & 0x10 != 0
        spO2PR = try PLXSpO2PR(from: &r, field: "SpO2PR-Spot-Check")
        if flags & 0x01 != 0 { timestamp = try BLEDateTime(from: &r, field: "Timestamp") }
        if flags & 0x02 != 0 { measurementStatus = PLXMeasurementStatus(rawValue: try r.u16le("Measurement Status")) }
        if flags & 0x04 != 0 {
            deviceAndSensorStatus = PLXDeviceAndSensorStatus(rawValue: try r.u24le("Device and Sensor Status"))
        }
        if flags & 0x08 != 0 { pulseAmplitudeIndex = try r.sfloat("Pulse Amplitude Index") }
        try r.expectEnd(after: "Pulse Amplitude Index")
    }

    public var flags: UInt8 {
        var f = reservedFlags & 0xE0
        if timestamp != nil { f |= 0x01 }
        if measurementStatus != nil { f |= 0x02 }
        if deviceAndSensorStatus != nil { f |= 0x04 }
        if pulseAmplitudeIndex != nil { f |= 0x08 }
        if deviceClockIsNotSet { f |= 0x10 }
        return f
    }

    public func encoded() -> [UInt8] {
        var w = ByteWriter()
        w.u8(flags)
        spO2PR.encode(into: &w)
        timestamp?.encode(into: &w)
        if let measurementStatus { w.u16le(measurementStatus.rawValue) }
        if let deviceAndSensorStatus { w.u24le(deviceAndSensorStatus.rawValue) }
        if let pulseAmplitudeIndex { w.sfloat(pulseAmplitudeIndex) }
        return w.bytes
    }

    /// Names of the set Flags bits, as the specification words them.
    public var setFlagNames: [String] {
        var n: [String] = []
        if timestamp != nil { n.append("Timestamp field is present") }
        if measurementStatus != nil { n.append("Measurement Status field is present") }
        if deviceAndSensorStatus != nil { n.append("Device and Sensor Status field is present") }
        if pulseAmplitudeIndex != nil { n.append("Pulse Amplitude Index field is present") }
        if deviceClockIsNotSet { n.append("Device Clock is Not Set") }
        return n
    }

    public var json: JSONValue {
        var o: [(String, JSONValue)] = [
            ("characteristic", .string("0x2A5E")),
            ("name", .string("PLX Spot-check Measurement")),
            (
                "flags",
                .object([
                    ("raw", .int(Int64(flags))),
                    ("timestampPresent", .bool(timestamp != nil)),
                    ("measurementStatusPresent", .bool(measurementStatus != nil)),
                    ("deviceAndSensorStatusPresent", .bool(deviceAndSensorStatus != nil)),
                    ("pulseAmplitudeIndexPresent", .bool(pulseAmplitudeIndex != nil)),
                    ("deviceClockIsNotSet", .bool(deviceClockIsNotSet)),
                    ("set", .array(setFlagNames.map { .string($0) })),
                ])
            ),
            ("spO2PRSpotCheck", spO2PR.json),
        ]
        if let timestamp { o.append(("timestamp", timestamp.json)) }
        if let measurementStatus { o.append(("measurementStatus", measurementStatus.json())) }
        if let deviceAndSensorStatus { o.append(("deviceAndSensorStatus", deviceAndSensorStatus.json())) }
        if let pulseAmplitudeIndex {
            o.append(("pulseAmplitudeIndex", pulseAmplitudeIndex.json))
            o.append(("pulseAmplitudeIndexUnit", .string("%")))
        }
        return .object(o)
    }
}
