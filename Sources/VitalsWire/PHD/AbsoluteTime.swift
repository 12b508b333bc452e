import VitalsCore

/// IEEE 11073-20601 AbsoluteTime: eight BCD octets: century, year, month, day, hour, minute, second,
/// sec-fractions (hundredths).
public struct AbsoluteTime: MDERCodable, Hashable, CustomStringConvertible {
    public var year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int, hundredths: Int

    public init(year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int, hundredths: Int = 0) {
        (self.year, self.month, self.day, self.hour, self.minute, self.second, self.hundredths) =
            (year, month, day, hour, minute, second, hundredths)
    }

    public init(_ t: DeviceTime) {
        self.init(year: t.year, month: t.month, day: t.day, hour: t.hour, minute: t.minute, second: t.second)
    }

    public init(mder r: inout ByteReader) throws(WireError) {
        let names = ["century", "year", "month", "day", "hour", "minute", "second", "sec-fractions"]
        var v: [Int] = []
        for name in names {
            let b = try r.u8("AbsoluteTime.\(name)")
            let hi = Int(b >> 4), lo = Int(b & 0x0F)
            guard hi <= 9, lo <= 9 else {
                throw r.error("AbsoluteTime.\(name)", .invalidValue("0x\(String(b, radix: 16)) is not BCD"), at: r.offset - 1)
            }
            v.append(hi * 10 + lo)
        }
        self.init(year: v[0] * 100 + v[1], month: v[2], day: v[3], hour: v[4], minute: v[5], second: v[6], hundredths: v[7])
    }

    public func encode(to w: inout ByteWriter) {
        for v in [year / 100, year % 100, month, day, hour, minute, second, hundredths] {
            w.u8(UInt8((v / 10) % 10) << 4 | UInt8(v % 10))
        }
    }

    /// The device's wall-clock time, as the clock checks use it.
    public var deviceTime: DeviceTime {
        DeviceTime(year: year, month: month, day: day, hour: hour, minute: minute, second: second)
    }

    public var description: String {
        func p(_ v: Int, _ n: Int = 2) -> String { String(repeating: "0", count: max(0, n - String(v).count)) + String(v) }
        return "\(p(year, 4))-\(p(month))-\(p(day))T\(p(hour)):\(p(minute)):\(p(second)).\(p(hundredths))"
    }
}
