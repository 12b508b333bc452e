/// PLX Features characteristic (0x2A60), Pulse Oximeter Service 1.0 §3.3: what the oximeter supports.
///
/// Layout (little-endian): Supported Features uint16; then Measurement Status Support (16 bits) when
/// Supported Features bit 0 is set, and Device and Sensor Status Support (24 bits) when bit 1 is set.
///
/// Supported Features: bit 0 Measurement Status support is present, 1 Device and Sensor Status support is
/// present, 2 Measurement Storage for Spot-check measurements is supported, 3 Timestamp for Spot-check
/// measurements is supported, 4 SpO2PR-Fast metric is supported, 5 SpO2PR-Slow metric is supported, 6 Pulse
/// Amplitude Index field is supported, 7 Multiple Bonds Supported; bits 8–15 reserved. A clear status bit in a
/// measurement means "checked, fine" only when the matching support bit is set here.
public struct PLXFeatures: Hashable, Sendable, WireDescribable {
    public static let uuid = BluetoothUUID(0x2A60)
    public static let entity = "PLX Features (0x2A60)"

    public static let namedFeatureBits: [(bit: Int, key: String, name: String)] = [
        (0, "measurementStatusSupportPresent", "Measurement Status support is present"),
        (1, "deviceAndSensorStatusSupportPresent", "Device and Sensor Status support is present"),
        (2, "measurementStorageSupported", "Measurement Storage for Spot-check measurements is supported"),
        (3, "timestampSupported", "Timestamp for Spot-check measurements is supported"),
        (4, "spO2PRFastSupported", "SpO2PR-Fast metric is supported"),
        (5, "spO2PRSlowSupported", "SpO2PR-Slow metric is supported"),
        (6, "pulseAmplitudeIndexSupported", "Pulse Amplitude Index field is supported"),
        (7, "multipleBondsSupported", "Multiple Bonds Supported"),
    ]

    /// Supported Features bits 2–15 (bits 0 and 1 follow from the two support fields being present).
    public var otherFeatureBits: UInt16
    /// Measurement Status Support: which Measurement Status bits the device can set. Present iff bit 0.
    public var measurementStatusSupport: PLXMeasurementStatus?
    /// Device and Sensor Status Support: which status bits the device can set. Present iff bit 1.
    public var deviceAndSensorStatusSupport: PLXDeviceAndSensorStatus?

    public init(
        supportedFeatures: UInt16, measurementStatusSupport: PLXMeasurementStatus? = nil,
        deviceAndSensorStatusSupport: PLXDeviceAndSensorStatus? = nil
    ) {
        otherFeatureBits = supportedFeatures & 0xFFFC
        self.measurementStatusSupport = measurementStatusSupport
        self.deviceAndSensorStatusSupport = deviceAndSensorStatusSupport
    }

    public init(bytes: [UInt8]) throws(WireError) {
        var r = ByteReader(bytes, entity: Self.entity)
        let features = try r.u16le("Supported Features")
        otherFeatureBits = features & 0xFFFC
        if features & 0x0001 != 0 {
            measurementStatusSupport = PLXMeasurementStatus(rawValue: try r.u16le("Measurement Status Support"))
        }
        if features & 0x0002 != 0 {
            deviceAndSensorStatusSupport = PLXDeviceAndSensorStatus(
                rawValue: try r.u24le("Device and Sensor Status Support"))
        }
        try r.expectEnd(after: "Device and Sensor Status Support")
    }

    /// The Supported Features field as sent.
    public var supportedFeatures: UInt16 {
        var f = otherFeatureBits & 0xFFFC
        if measurementStatusSupport != nil { f |= 0x0001 }
        if deviceAndSensorStatusSupport != nil { f |= 0x0002 }
        return f
    }

    public var measurementStorageSupported: Bool { supportedFeatures & 0x0004 != 0 }
    public var timestampSupported: Bool { supportedFeatures & 0x0008 != 0 }
    public var spO2PRFastSupported: Bool { supportedFeatures & 0x0010 != 0 }
    public var spO2PRSlowSupported: Bool { supportedFeatures & 0x0020 != 0 }
    public var pulseAmplitudeIndexSupported: Bool { supportedFeatures & 0x0040 != 0 }
    public var multipleBondsSupported: Bool { supportedFeatures & 0x0080 != 0 }

    public func encoded() -> [UInt8] {
        var w = ByteWriter()
        w.u16le(supportedFeatures)
        if let measurementStatusSupport { w.u16le(measurementStatusSupport.rawValue) }
        if let deviceAndSensorStatusSupport { w.u24le(deviceAndSensorStatusSupport.rawValue) }
        return w.bytes
    }

    /// Names of the set Supported Features bits, as the specification words them.
    public var supportedNames: [String] {
        Self.namedFeatureBits.filter { supportedFeatures & (1 << UInt16($0.bit)) != 0 }.map(\.name)
    }

    public var json: JSONValue {
        let f = supportedFeatures
        var features: [(String, JSONValue)] = [("raw", .int(Int64(f)))]
        for b in Self.namedFeatureBits { features.append((b.key, .bool(f & (1 << UInt16(b.bit)) != 0))) }
        if f & 0xFF00 != 0 { features.append(("reservedBits", .int(Int64(f & 0xFF00)))) }
        features.append(("set", .array(supportedNames.map { .string($0) })))
        var o: [(String, JSONValue)] = [
            ("characteristic", .string("0x2A60")),
            ("name", .string("PLX Features")),
            ("supportedFeatures", .object(features)),
        ]
        if let measurementStatusSupport {
            o.append(("measurementStatusSupport", measurementStatusSupport.json(suffix: "Supported")))
        }
        if let deviceAndSensorStatusSupport {
            o.append(("deviceAndSensorStatusSupport", deviceAndSensorStatusSupport.json(suffix: "Supported")))
        }
        return .object(o)
    }
}
