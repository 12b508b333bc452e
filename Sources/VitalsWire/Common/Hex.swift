/// Hex text to bytes and back, for the CLI, fixtures and logs.
public enum Hex {
    public struct ParseError: Error, Hashable, Sendable, CustomStringConvertible {
        public var position: Int
        public var reason: String
        public var description: String { "hex input: \(reason) at character \(position)" }
    }

    /// Parses `"02 78 00"`, `"027800"`, `"0x02,0x78"`; spaces, commas, colons and `0x` prefixes are ignored.
    public static func parse(_ text: String) throws(ParseError) -> [UInt8] {
        var out: [UInt8] = []
        var pending: UInt8?
        let chars = Array(text.unicodeScalars)
        var i = 0
        while i < chars.count {
            let c = chars[i]
            if c == "0", i + 1 < chars.count, chars[i + 1] == "x" || chars[i + 1] == "X", pending == nil {
                i += 2
                continue
            }
            if c == " " || c == "," || c == ":" || c == "\n" || c == "\t" || c == "-" {
                if pending != nil { throw ParseError(position: i, reason: "odd number of hex digits in a group") }
                i += 1
                continue
            }
            guard let nibble = nibble(c) else {
                throw ParseError(position: i, reason: "'\(c)' is not a hex digit")
            }
            if let hi = pending {
                out.append(hi << 4 | nibble)
                pending = nil
            } else {
                pending = nibble
            }
            i += 1
        }
        if pending != nil { throw ParseError(position: chars.count, reason: "odd number of hex digits") }
        return out
    }

    private static func nibble(_ c: Unicode.Scalar) -> UInt8? {
        switch c {
        case "0"..."9": UInt8(c.value - 48)
        case "a"..."f": UInt8(c.value - 87)
        case "A"..."F": UInt8(c.value - 55)
        default: nil
        }
    }

    /// `"02 78 00"`.
    public static func format(_ bytes: [UInt8], separator: String = " ") -> String {
        bytes.map { b in
            let s = String(b, radix: 16, uppercase: true)
            return s.count == 1 ? "0" + s : s
        }.joined(separator: separator)
    }
}
