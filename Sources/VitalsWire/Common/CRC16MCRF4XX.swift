/// CRC-16/MCRF4XX, the E2E-CRC of the Continuous Glucose Monitoring Service (and of BLS 1.1).
///
/// The specification names it as the CRC-CCITT generator polynomial D¹⁶ + D¹² + D⁵ + 1 (0x1021) with a
/// seed of 0xFFFF, computed least significant bit first. Processing LSB first is the same as running the
/// reflected polynomial 0x8408 through a right-shifting register. No final XOR. The result goes on the
/// wire little-endian, after every byte it covers. Check value: "123456789" → 0x6F91.
public enum CRC16MCRF4XX {
    public static let seed: UInt16 = 0xFFFF
    /// 0x1021 with its bits reversed.
    public static let reflectedPolynomial: UInt16 = 0x8408

    /// The CRC of `bytes`.
    public static func checksum<C: Collection>(_ bytes: C) -> UInt16 where C.Element == UInt8 {
        var crc = seed
        for byte in bytes {
            crc ^= UInt16(byte)
            for _ in 0..<8 {
                crc = crc & 1 != 0 ? (crc >> 1) ^ reflectedPolynomial : crc >> 1
            }
        }
        return crc
    }

    /// `0x6F91`: four upper-case hex digits, for messages and JSON.
    public static func hex(_ v: UInt16) -> String {
        let h = String(v, radix: 16, uppercase: true)
        return "0x" + String(repeating: "0", count: 4 - h.count) + h
    }
}

extension ByteReader {
    /// Reads the E2E-CRC (uint16) that follows the bytes from `start` up to here and checks it against
    /// CRC-16/MCRF4XX of those bytes. A mismatch throws a `WireError` for the field `E2E-CRC` at its offset.
    public mutating func e2eCRC(coveringFrom start: Int, field: String = "E2E-CRC") throws(WireError) -> UInt16 {
        let at = offset
        let covered = bytes[start..<at]
        let sent = try u16le(field)
        let computed = CRC16MCRF4XX.checksum(covered)
        guard sent == computed else {
            throw error(field, .invalidValue("sent \(CRC16MCRF4XX.hex(sent)), computed \(CRC16MCRF4XX.hex(computed)) over bytes \(start)..<\(at)"), at: at)
        }
        return sent
    }
}

extension ByteWriter {
    /// Appends CRC-16/MCRF4XX of every byte written since `start`, little-endian.
    public mutating func e2eCRC(coveringFrom start: Int = 0) {
        u16le(CRC16MCRF4XX.checksum(bytes[start...]))
    }
}

/// Whether an optional E2E-CRC follows the fields of a CGM characteristic. Its presence is set by the
/// E2E-CRC Supported bit of CGM Feature (0x2AA8), which a decoder of one value alone does not see.
public enum E2ECRCPresence: Sendable {
    /// Present exactly when bytes are left after the fields (`init(bytes:)`).
    case inferred
    /// CGM Feature says supported: the field must be there.
    case expected
    /// CGM Feature says unsupported: the field must not be there.
    case absent

    public init(expected: Bool) { self = expected ? .expected : .absent }
}

/// A CGM characteristic value whose trailing E2E-CRC is present or not as CGM Feature says. Conforming types
/// decode with `init(bytes:presence:)`; the two public entry points come from the extension.
public protocol E2ECRCProtectedValue {
    init(bytes: [UInt8], presence: E2ECRCPresence) throws(WireError)
}

extension E2ECRCProtectedValue {
    /// The E2E-CRC is read (and checked) when bytes are left after the fields.
    public init(bytes: [UInt8]) throws(WireError) { try self.init(bytes: bytes, presence: .inferred) }

    /// The E2E-CRC required (`true`) or forbidden (`false`), as CGM Feature says.
    public init(bytes: [UInt8], crcExpected: Bool) throws(WireError) {
        try self.init(bytes: bytes, presence: E2ECRCPresence(expected: crcExpected))
    }
}

extension ByteReader {
    /// Reads the optional trailing E2E-CRC over every earlier byte, then requires the end of the value.
    /// Returns whether a CRC was there.
    public mutating func trailingE2ECRC(_ presence: E2ECRCPresence, after lastField: String) throws(WireError) -> Bool {
        let present = presence == .expected || (presence == .inferred && !isAtEnd)
        if present { _ = try e2eCRC(coveringFrom: 0) }
        try expectEnd(after: present ? "E2E-CRC" : lastField)
        return present
    }
}
