/// CGM Session Run Time characteristic (0x2AAB), Continuous Glucose Monitoring Service 1.0 §3.5, read.
///
/// Layout (little-endian): CGM Session Run Time (uint16, hours: the expected run time of the session
/// from its start); E2E-CRC (uint16) when CGM Feature says E2E-CRC is supported.
public struct CGMSessionRunTime: Hashable, Sendable, WireDescribable, E2ECRCProtectedValue {
    public static let uuid = BluetoothUUID(0x2AAB)
    public static let entity = "CGM Session Run Time (0x2AAB)"

    /// CGM Session Run Time, hours.
    public var runTimeHours: UInt16
    /// Whether an E2E-CRC follows. A decoded value's CRC has been checked; `encoded()` computes it afresh.
    public var hasE2ECRC: Bool

    public init(runTimeHours: UInt16, hasE2ECRC: Bool = false) {
        self.runTimeHours = runTimeHours
        self.hasE2ECRC = hasE2ECRC
    }


    public init(bytes: [UInt8], presence: E2ECRCPresence) throws(WireError) {
        var r = ByteReader(bytes, entity: Self.entity)
        runTimeHours = try r.u16le("CGM Session Run Time")
        hasE2ECRC = try r.trailingE2ECRC(presence, after: "CGM Session Run Time")
    }

    public func encoded() -> [UInt8] {
        var w = ByteWriter()
        w.u16le(runTimeHours)
        if hasE2ECRC { w.e2eCRC() }
        return w.bytes
    }

    public var json: JSONValue {
        var o: [(String, JSONValue)] = [
            ("characteristic", .string("0x2AAB")),
            ("name", .string("CGM Session Run Time")),
            ("cgmSessionRunTime", .int(Int64(runTimeHours))),
            ("cgmSessionRunTimeUnit", .string("h")),
            // ISO 8601 duration.
            ("cgmSessionRunTimeDuration", .string("PT\(runTimeHours)H")),
        ]
        if hasE2ECRC {
            let b = encoded()
            o.append(("e2eCRC", .string(CRC16MCRF4XX.hex(UInt16(b[2]) | UInt16(b[3]) << 8))))
        }
        return .object(o)
    }
}
