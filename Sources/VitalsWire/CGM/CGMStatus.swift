/// CGM Status characteristic (0x2AA9), Continuous Glucose Monitoring Service 1.0 §3.3, read.
///
/// Layout (little-endian): Time Offset (uint16, minutes since the Session Start Time); CGM Status (24 bits,
/// the same bits as the Sensor Status Annunciation of CGM Measurement, always all three octets:
/// Status-Octet, Cal/Temp-Octet, Warning-Octet); E2E-CRC (uint16) when CGM Feature says E2E-CRC is supported.
public struct CGMStatus: Hashable, Sendable, WireDescribable, E2ECRCProtectedValue {
    public static let uuid = BluetoothUUID(0x2AA9)
    public static let entity = "CGM Status (0x2AA9)"

    /// Time Offset, minutes since the Session Start Time.
    public var timeOffsetMinutes: UInt16
    /// All three octets are present.
    public var status: CGMSensorStatusAnnunciation
    /// Whether an E2E-CRC follows. A decoded value's CRC has been checked; `encoded()` computes it afresh.
    public var hasE2ECRC: Bool

    public init(timeOffsetMinutes: UInt16, status: UInt32, hasE2ECRC: Bool = false) {
        self.timeOffsetMinutes = timeOffsetMinutes
        self.status = CGMSensorStatusAnnunciation(rawValue: status & 0xFF_FFFF)
        self.hasE2ECRC = hasE2ECRC
    }


    public init(bytes: [UInt8], presence: E2ECRCPresence) throws(WireError) {
        var r = ByteReader(bytes, entity: Self.entity)
        timeOffsetMinutes = try r.u16le("Time Offset")
        status = CGMSensorStatusAnnunciation(rawValue: try r.u24le("CGM Status"))
        hasE2ECRC = try r.trailingE2ECRC(presence, after: "CGM Status")
    }

    public func encoded() -> [UInt8] {
        var w = ByteWriter()
        w.u16le(timeOffsetMinutes)
        w.u24le(status.rawValue)
        if hasE2ECRC { w.e2eCRC() }
        return w.bytes
    }

    public var json: JSONValue {
        var o: [(String, JSONValue)] = [
            ("characteristic", .string("0x2AA9")),
            ("name", .string("CGM Status")),
            ("timeOffset", .int(Int64(timeOffsetMinutes))),
            ("timeOffsetUnit", .string("min")),
            ("cgmStatus", .object([("raw", .int(Int64(status.rawValue))), ("set", .array(status.setNames.map { .string($0) }))])),
        ]
        if hasE2ECRC {
            let b = encoded()
            o.append(("e2eCRC", .string(CRC16MCRF4XX.hex(UInt16(b[5]) | UInt16(b[6]) << 8))))
        }
        return .object(o)
    }
}
