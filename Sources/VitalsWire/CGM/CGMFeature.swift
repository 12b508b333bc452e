/// CGM Feature characteristic (0x2AA8), Continuous Glucose Monitoring Service 1.0 §3.2, read.
///
/// Layout (little-endian): CGM Feature (24 bits); CGM Type-Sample Location (uint8: CGM Type in the low
/// nibble, CGM Sample Location in the high nibble, the same values as in Glucose Measurement); E2E-CRC
/// (uint16, always present). When the E2E-CRC Supported bit (12) is set, the CRC covers the four
/// preceding octets and is checked; when it is clear, the field shall be 0xFFFF.
public struct CGMFeature: Hashable, Sendable, WireDescribable {
    public static let uuid = BluetoothUUID(0x2AA8)
    public static let entity = "CGM Feature (0x2AA8)"
    /// The E2E-CRC value of a device that does not support E2E-CRC.
    public static let crcNotSupported: UInt16 = 0xFFFF

    /// Bit number → specification name. Bits 17–23 are reserved.
    public static let bitNames: [(Int, String)] = [
        (0, "Calibration Supported"),
        (1, "Patient High/Low Alerts supported"),
        (2, "Hypo Alerts supported"),
        (3, "Hyper Alerts supported"),
        (4, "Rate of Increase/Decrease Alerts supported"),
        (5, "Device Specific Alert supported"),
        (6, "Sensor Malfunction Detection supported"),
        (7, "Sensor Temperature High-Low Detection supported"),
        (8, "Sensor Result High-Low Detection supported"),
        (9, "Low Battery Detection supported"),
        (10, "Sensor Type Error Detection supported"),
        (11, "General Device Fault supported"),
        (12, "E2E-CRC supported"),
        (13, "Multiple Bond supported"),
        (14, "Multiple Sessions supported"),
        (15, "CGM Trend Information supported"),
        (16, "CGM Quality supported"),
    ]

    /// The 24 feature bits.
    public var features: UInt32
    public var type: GlucoseMeasurement.SampleType
    public var sampleLocation: GlucoseMeasurement.SampleLocation
    /// The E2E-CRC field as sent: checked when `e2eCRCSupported`, otherwise expected to be 0xFFFF.
    public var e2eCRC: UInt16

    /// A feature value whose E2E-CRC field is computed (or 0xFFFF when bit 12 is clear).
    public init(features: UInt32, type: GlucoseMeasurement.SampleType, sampleLocation: GlucoseMeasurement.SampleLocation) {
        self.features = features & 0xFF_FFFF
        self.type = type
        self.sampleLocation = sampleLocation
        self.e2eCRC = Self.crcNotSupported
        if e2eCRCSupported { e2eCRC = CRC16MCRF4XX.checksum(encoded().prefix(4)) }
    }

    public init(bytes: [UInt8]) throws(WireError) {
        var r = ByteReader(bytes, entity: Self.entity)
        features = try r.u24le("CGM Feature")
        let tsl = try r.u8("CGM Type-Sample Location")
        type = GlucoseMeasurement.SampleType(rawValue: tsl & 0x0F)
        sampleLocation = GlucoseMeasurement.SampleLocation(rawValue: tsl >> 4)
        if features & 0x1000 != 0 {
            e2eCRC = try r.e2eCRC(coveringFrom: 0)
        } else {
            e2eCRC = try r.u16le("E2E-CRC")
        }
        try r.expectEnd(after: "E2E-CRC")
    }

    public func isSet(_ bit: Int) -> Bool { features & (1 << UInt32(bit)) != 0 }
    public var e2eCRCSupported: Bool { isSet(12) }
    public var cgmTrendInformationSupported: Bool { isSet(15) }
    public var cgmQualitySupported: Bool { isSet(16) }

    /// Names of the supported features; a set reserved bit appears as `Reserved (bit N)`.
    public var supportedNames: [String] {
        (0..<24).filter { isSet($0) }.map { bit in
            Self.bitNames.first { $0.0 == bit }?.1 ?? "Reserved (bit \(bit))"
        }
    }

    public func encoded() -> [UInt8] {
        var w = ByteWriter()
        w.u24le(features)
        w.u8((sampleLocation.rawValue & 0x0F) << 4 | (type.rawValue & 0x0F))
        w.u16le(e2eCRC)
        return w.bytes
    }

    public var json: JSONValue {
        let crc: JSONValue =
            e2eCRCSupported
            ? .string(CRC16MCRF4XX.hex(e2eCRC))
            : .string(
                e2eCRC == Self.crcNotSupported
                    ? "not supported (0xFFFF)" : "not supported, but sent \(CRC16MCRF4XX.hex(e2eCRC)) instead of 0xFFFF")
        return .object([
            ("characteristic", .string("0x2AA8")),
            ("name", .string("CGM Feature")),
            ("cgmFeature", .object([("raw", .int(Int64(features))), ("supported", .array(supportedNames.map { .string($0) }))])),
            ("cgmType", .object([("raw", .int(Int64(type.rawValue))), ("name", .string(type.description))])),
            (
                "cgmSampleLocation",
                .object([("raw", .int(Int64(sampleLocation.rawValue))), ("name", .string(sampleLocation.description))])
            ),
            ("e2eCRC", crc),
        ])
    }
}
