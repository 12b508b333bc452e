import Testing
import VitalsCore
@testable import VitalsWire

/// SFLOAT vectors from IEEE 11073-20601 §F.8 (SFLOAT-Type) and the reserved values it lists.
struct SFloatTests {
    @Test(arguments: [
        (UInt16(0x0078), 120.0),  // mantissa 120, exponent 0
        (0xF0A0, 16.0),  // mantissa 160, exponent -1
        (0xB05F, 0.00095),  // 95 mg/dL as kg/L: mantissa 95, exponent -5
        (0xF3A5, 93.3),  // mantissa 933, exponent -1
        (0x0FFF, -1.0),  // mantissa -1 (0xFFF), exponent 0
        (0x1001, 10.0),  // mantissa 1, exponent 1
        (0x0000, 0.0),
    ])
    func decodesNumbers(bits: UInt16, expected: Double) {
        let s = SFloat(bitPattern: bits)
        #expect(s.state == .number)
        #expect(s.value == expected)
    }

    @Test(arguments: [
        (UInt16(0x07FF), ValueState.notANumber, "NaN"),
        (0x0800, .notAtThisResolution, "NRes"),
        (0x07FE, .positiveInfinity, "+INF"),
        (0x0802, .negativeInfinity, "-INF"),
        (0x0801, .reserved, "reserved(0x0801)"),
    ])
    func specialValuesAreKeptDistinct(bits: UInt16, state: ValueState, text: String) {
        let s = SFloat(bitPattern: bits)
        #expect(s.state == state)
        #expect(s.value == nil)
        #expect(s.description == text)
        #expect(s.json == .string(text))
    }

    @Test func encodesFromValues() {
        #expect(SFloat(120)?.bitPattern == 0x0078)
        #expect(SFloat(16.0, decimals: 1)?.bitPattern == 0x0010, "exponent 0 first: 16 × 10⁰")
        #expect(SFloat(93.33, decimals: 1)?.bitPattern == 0xF3A5, "rounded at the finest exponent that fits")
        #expect(SFloat(0.00095, decimals: 5)?.bitPattern == 0xB05F)
        #expect(SFloat(93.3, decimals: 1)?.bitPattern == 0xF3A5)
        #expect(SFloat(mantissa: 2047, exponent: 0) == nil, "0x07FF is NaN, not a number")
        #expect(SFloat(mantissa: 5, exponent: 8) == nil)
        #expect(SFloat(Double.nan) == nil)
    }

    @Test func everyNumberRoundTrips() {
        for bits in stride(from: 0, through: 0xFFFF, by: 7) {
            let s = SFloat(bitPattern: UInt16(bits))
            guard let v = s.value else { continue }
            let exp = s.exponent
            let re = SFloat(mantissa: s.mantissa, exponent: exp)
            #expect(re == s)
            #expect(re?.value == v)
        }
    }
}
