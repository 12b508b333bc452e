import VitalsCore

/// IEEE 11073-20601 FLOAT-Type: 32 bits, an 8-bit signed exponent (base 10) above a 24-bit signed mantissa.
/// MDER sends it big-endian.
///
/// Reserved bit patterns (exponent 0): NaN 0x007FFFFF, NRes 0x00800000, +INF 0x007FFFFE,
/// -INF 0x00800002, reserved 0x00800001.
public struct MDERFloat: Hashable, Sendable, CustomStringConvertible {
    public var bitPattern: UInt32

    public init(bitPattern: UInt32) { self.bitPattern = bitPattern }

    public static let nan = MDERFloat(bitPattern: 0x007F_FFFF)

    /// Exponent, -128...127.
    public var exponent: Int { Int(Int8(bitPattern: UInt8(bitPattern >> 24))) }

    /// Mantissa, -2^23 ... 2^23-1.
    public var mantissa: Int {
        let m = Int(bitPattern & 0x00FF_FFFF)
        return m >= 0x80_0000 ? m - 0x100_0000 : m
    }

    public var state: ValueState {
        switch bitPattern {
        case 0x007F_FFFF: .notANumber
        case 0x0080_0000: .notAtThisResolution
        case 0x007F_FFFE: .positiveInfinity
        case 0x0080_0002: .negativeInfinity
        case 0x0080_0001: .reserved
        default: .number
        }
    }

    public var value: Double? {
        guard state == .number else { return nil }
        return Double("\(mantissa)e\(exponent)")
    }

    public init?(mantissa: Int, exponent: Int) {
        guard (-0x80_0000...0x7F_FFFF).contains(mantissa), (-128...127).contains(exponent) else { return nil }
        self.init(bitPattern: UInt32(UInt8(bitPattern: Int8(exponent))) << 24 | UInt32(mantissa & 0xFF_FFFF))
        if state != .number { return nil }
    }

    /// The FLOAT for `value` with `decimals` digits after the point (exact for values given in decimal).
    public init?(_ value: Double, decimals: Int = 2) {
        guard value.isFinite else { return nil }
        for e in stride(from: -decimals, through: 0, by: 1) {
            let scaled = (value / pow10(e)).rounded()
            if abs(scaled - value / pow10(e)) < 1e-6, let f = MDERFloat(mantissa: Int(scaled), exponent: e) {
                self = f
                return
            }
        }
        guard let f = MDERFloat(mantissa: Int((value * pow10(decimals)).rounded()), exponent: -decimals) else { return nil }
        self = f
    }

    public var description: String {
        switch state {
        case .number: value.map { "\($0)" } ?? "?"
        default: state.rawValue
        }
    }

    /// JSON: the number, or the special value's name.
    public var json: JSONValue {
        if let v = value { return .number(v) }
        return .string(state.rawValue)
    }
}

private func pow10(_ e: Int) -> Double {
    var r = 1.0
    for _ in 0..<abs(e) { r *= 10 }
    return e < 0 ? 1 / r : r
}

extension SFloat {
    /// JSON: the number, or the special value's name.
    public var mderJSON: JSONValue {
        if let v = value { return .number(v) }
        return .string(state.rawValue)
    }
}
