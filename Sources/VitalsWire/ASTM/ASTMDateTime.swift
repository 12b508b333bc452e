import VitalsCore

/// An E1394 date and time: `YYYYMMDD`, `YYYYMMDDHHMM` (what the Contour meters send) or `YYYYMMDDHHMMSS`,
/// in the instrument's local time. Encodes back with the precision it was sent with.
public struct ASTMDateTime: Hashable, Sendable, CustomStringConvertible {
    public var year: Int, month: Int, day: Int
    public var hour: Int?, minute: Int?, second: Int?

    public init(year: Int, month: Int, day: Int, hour: Int? = nil, minute: Int? = nil, second: Int? = nil) {
        (self.year, self.month, self.day, self.hour, self.minute, self.second) = (year, month, day, hour, minute, second)
    }

    /// Parses 8, 12 or 14 digits; nil for anything else (an empty field, a value that is not a date).
    public init?(_ text: String) {
        let d = Array(text.utf8)
        guard [8, 12, 14].contains(d.count), d.allSatisfy({ (0x30...0x39).contains($0) }) else { return nil }
        func n(_ a: Int, _ b: Int) -> Int { d[a..<b].reduce(0) { $0 * 10 + Int($1 - 0x30) } }
        year = n(0, 4)
        month = n(4, 6)
        day = n(6, 8)
        hour = d.count >= 12 ? n(8, 10) : nil
        minute = d.count >= 12 ? n(10, 12) : nil
        second = d.count == 14 ? n(12, 14) : nil
        guard (1...12).contains(month), (1...31).contains(day), (hour ?? 0) < 24, (minute ?? 0) < 60, (second ?? 0) < 60 else { return nil }
    }

    public var description: String {
        func p(_ v: Int, _ w: Int) -> String { let s = String(v); return String(repeating: "0", count: max(0, w - s.count)) + s }
        var s = p(year, 4) + p(month, 2) + p(day, 2)
        if let hour, let minute { s += p(hour, 2) + p(minute, 2) }
        if let second { s += p(second, 2) }
        return s
    }

    public var deviceTime: DeviceTime {
        DeviceTime(year: year, month: month, day: day, hour: hour ?? 0, minute: minute ?? 0, second: second ?? 0)
    }
}
