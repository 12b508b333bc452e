/// Blood Pressure Feature characteristic (0x2A49), Blood Pressure Service §3.3: which status conditions
/// the device can detect. A clear status bit means "checked, fine" only when the matching feature is set.
public struct BloodPressureFeature: Hashable, Sendable, WireDescribable {
    public static let uuid = GATTAssigned.bloodPressureFeature
    public static let entity = "Blood Pressure Feature (0x2A49)"

    public var rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    public var bodyMovementDetection: Bool { rawValue & 0x0001 != 0 }
    public var cuffFitDetection: Bool { rawValue & 0x0002 != 0 }
    public var irregularPulseDetection: Bool { rawValue & 0x0004 != 0 }
    public var pulseRateRangeDetection: Bool { rawValue & 0x0008 != 0 }
    public var measurementPositionDetection: Bool { rawValue & 0x0010 != 0 }
    public var multipleBond: Bool { rawValue & 0x0020 != 0 }

    public init(bytes: [UInt8]) throws(WireError) {
        var r = ByteReader(bytes, entity: Self.entity)
        rawValue = try r.u16le("Blood Pressure Feature")
        try r.expectEnd(after: "Blood Pressure Feature")
    }

    public func encoded() -> [UInt8] {
        var w = ByteWriter()
        w.u16le(rawValue)
        return w.bytes
    }

    public var json: JSONValue {
        .object([
            ("characteristic", .string("0x2A49")),
            ("name", .string("Blood Pressure Feature")),
            ("raw", .int(Int64(rawValue))),
            ("bodyMovementDetectionSupported", .bool(bodyMovementDetection)),
            ("cuffFitDetectionSupported", .bool(cuffFitDetection)),
            ("irregularPulseDetectionSupported", .bool(irregularPulseDetection)),
            ("pulseRateRangeDetectionSupported", .bool(pulseRateRangeDetection)),
            ("measurementPositionDetectionSupported", .bool(measurementPositionDetection)),
            ("multipleBondSupported", .bool(multipleBond)),
        ])
    }
}
