/// A unit of measure as a UCUM case-sensitive code, with its IEEE 11073-10101 code where defined.
public struct UCUMUnit: Hashable, Sendable, Codable, CustomStringConvertible {
    /// The UCUM code, e.g. `mm[Hg]`.
    public var code: String
    /// MDC dimension code (partition 4), when one is defined.
    public var mdc: UInt32?

    public init(code: String, mdc: UInt32? = nil) {
        self.code = code
        self.mdc = mdc
    }

    public var description: String { code }

    public static let millimetreOfMercury = UCUMUnit(code: "mm[Hg]", mdc: 266_016)
    public static let kilopascal = UCUMUnit(code: "kPa", mdc: 265_987)
    public static let perMinute = UCUMUnit(code: "/min", mdc: 264_864)
    public static let milligramPerDecilitre = UCUMUnit(code: "mg/dL", mdc: 264_274)
    public static let millimolePerLitre = UCUMUnit(code: "mmol/L", mdc: 266_866)
    public static let percent = UCUMUnit(code: "%", mdc: 262_688)
    public static let millivolt = UCUMUnit(code: "mV")
    public static let microvolt = UCUMUnit(code: "uV")
    public static let degreeCelsius = UCUMUnit(code: "Cel", mdc: 268_192)
    public static let degreeFahrenheit = UCUMUnit(code: "[degF]", mdc: 266_560)
    public static let kilogram = UCUMUnit(code: "kg", mdc: 263_875)
    public static let pound = UCUMUnit(code: "[lb_av]", mdc: 263_904)

    /// Units the store accepts; anything else is refused by a CHECK constraint as well.
    public static let known: [UCUMUnit] = [
        millimetreOfMercury, kilopascal, perMinute, milligramPerDecilitre, millimolePerLitre, percent, millivolt,
        microvolt, degreeCelsius, degreeFahrenheit, kilogram, pound,
    ]

    /// The unit for a UCUM code, if this build knows it.
    public static func named(_ code: String) -> UCUMUnit? { known.first { $0.code == code } }
}

/// Unit conversions used when readings arrive in SI or alternative units.
public enum UnitConversion {
    /// mg/dL per mmol/L of glucose (molar mass 180.16 g/mol).
    public static let glucoseMgPerDlPerMmolPerL = 18.016
    /// mmHg per kPa.
    public static let mmHgPerKilopascal = 7.500_615_75

    public static func glucoseMgPerDl(fromMmolPerL v: Double) -> Double { v * glucoseMgPerDlPerMmolPerL }
    public static func glucoseMmolPerL(fromMgPerDl v: Double) -> Double { v / glucoseMgPerDlPerMmolPerL }
    public static func mmHg(fromKilopascal v: Double) -> Double { v * mmHgPerKilopascal }
}
