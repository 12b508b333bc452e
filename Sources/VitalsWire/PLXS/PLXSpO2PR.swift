/// An SpO2PR pair (SpO2PR-Spot-Check, SpO2PR-Normal, SpO2PR-Fast, SpO2PR-Slow), Pulse Oximeter Service 1.0:
/// SpO2 (SFLOAT, percent) followed by PR, the pulse rate (SFLOAT, beats per minute).
public struct PLXSpO2PR: Hashable, Sendable {
    /// Percent oxygen saturation of haemoglobin.
    public var spO2: SFloat
    /// Pulse rate, beats per minute.
    public var pulseRate: SFloat

    public init(spO2: SFloat, pulseRate: SFloat) {
        self.spO2 = spO2
        self.pulseRate = pulseRate
    }

    /// Reads the pair; errors name `field.SpO2` and `field.PR`.
    public init(from r: inout ByteReader, field: String) throws(WireError) {
        spO2 = try r.sfloat("\(field).SpO2")
        pulseRate = try r.sfloat("\(field).PR")
    }

    public func encode(into w: inout ByteWriter) {
        w.sfloat(spO2)
        w.sfloat(pulseRate)
    }

    /// `{"spO2": 97, "spO2Unit": "%", "pulseRate": 72, "pulseRateUnit": "/min"}`.
    public var json: JSONValue {
        .object([
            ("spO2", spO2.json),
            ("spO2Unit", .string("%")),
            ("pulseRate", pulseRate.json),
            ("pulseRateUnit", .string("/min")),
        ])
    }
}
