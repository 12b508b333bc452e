import VitalsCore

/// IEEE 11073-20601 SFLOAT-Type: 16 bits, a 4-bit signed exponent (base 10) above a 12-bit signed mantissa.
///
/// The exact wire bits are kept; `value` converts only for arithmetic. The reserved bit patterns
/// (exponent 0) are NaN 0x07FF, NRes 0x0800, +INF 0x07FE, -INF 0x0802 and reserved 0x0801.
public struct SFloat: Hashable, Sendable, CustomStringConvertible {
    public var bitPattern: UInt16

    public init(bitPattern: UInt16) { self.bitPattern = bitPattern }

    public static let nan = SFloat(bitPattern: 0x07FF)
    public static let notAtThisResolution = SFloat(bitPattern: 0x0800)
    public static let positiveInfinity = SFloat(bitPattern: 0x07FE)
    public static let negativeInfinity = SFloat(bitPattern: 0x0802)
    public static let reservedValue = SFloat(bitPattern: 0x0801)

    /// Exponent, -8...7.
    public var exponent: Int {
        let e = Int(bitPattern >> 12)
        return e >= 8 ? e - 16 : e
    }

    /// Mantissa, -2048...2047.
    public var mantissa: Int {
        let m = Int(bitPattern & 0x0FFF)
        return m >= 0x800 ? m - 0x1000 : m
    }

    public var state: ValueState {
        switch bitPattern {
        case 0x07FF: .notANumber
        case 0x0800: .notAtThisResolution
        case 0x07FE: .positiveInfinity
        case 0x0802: .negativeInfinity
        case 0x0801: .reserved
        default: .number
        }
    }

    /// The number, or nil for the special values.
    public var value: Double? {
        guard state == .number else { return nil }
        // Via decimal text so 95e-5 is the double nearest 0.00095, not 95 × 10⁻⁵ with rounding twice.
        return Double("\(mantissa)e\(exponent)")
    }

    /// Builds an SFLOAT from mantissa and exponent; nil if either is out of range or names a special value.
    public init?(mantissa: Int, exponent: Int) {
        guard (-2048...2047).contains(mantissa), (-8...7).contains(exponent) else { return nil }
        let bits = UInt16(UInt16(exponent & 0xF) << 12 | UInt16(mantissa & 0xFFF))
        self.init(bitPattern: bits)
        if state != .number { return nil }
    }

    /// The SFLOAT for `value`, exact when some exponent ≥ -`decimals` represents it, otherwise rounded
    /// at the finest exponent whose mantissa fits.
    public init?(_ value: Double, decimals: Int = 2) {
        guard value.isFinite else { return nil }
        var firstFit: SFloat?
        // Exponent 0 first, then ever further from it, so 120 is 0x0078 rather than 1200e-1.
        let lowest = -max(0, min(decimals, 8))
        var order: [Int] = [0]
        for d in 1...8 {
            if -d >= lowest { order.append(-d) }
            if d <= 7 { order.append(d) }
        }
        for exp in order {
            let scaled = value / pow10(exp)
            let m = scaled.rounded()
            guard m.magnitude <= 2047.0, let s = SFloat(mantissa: Int(m), exponent: exp) else { continue }
            if (m * pow10(exp) - value).magnitude <= 1e-9 * value.magnitude {
                self = s
                return
            }
            if firstFit == nil || exp < firstFit!.exponent { firstFit = s }
        }
        guard let firstFit else { return nil }
        self = firstFit
    }

    public var description: String {
        switch state {
        case .number: "\(mantissa)e\(exponent)"
        case .notANumber: "NaN"
        case .notAtThisResolution: "NRes"
        case .positiveInfinity: "+INF"
        case .negativeInfinity: "-INF"
        case .reserved: "reserved(0x0801)"
        }
    }

    /// JSON: the number, or the special value's name as a string.
    public var json: JSONValue {
        if let v = value { return .number(v) }
        return .string(description)
    }

    public func wireValue(unit: String) -> WireValue {
        WireValue(encoding: "sfloat", bits: UInt64(bitPattern), unit: unit)
    }
}

private func pow10(_ e: Int) -> Double {
    var r = 1.0
    if e >= 0 { for _ in 0..<e { r *= 10 } } else { for _ in 0..<(-e) { r /= 10 } }
    return r
}

extension ByteReader {
    public mutating func sfloat(_ field: String) throws(WireError) -> SFloat { SFloat(bitPattern: try u16le(field)) }
}

extension ByteWriter {
    public mutating func sfloat(_ v: SFloat) { u16le(v.bitPattern) }
}
