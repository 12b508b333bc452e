/// A JSON value with ordered object keys, so decoded fields print in specification order.
public indirect enum JSONValue: Hashable, Sendable {
    case null
    case bool(Bool)
    case int(Int64)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([(String, JSONValue)])

    public static func == (a: JSONValue, b: JSONValue) -> Bool { a.serialized() == b.serialized() }
    public func hash(into h: inout Hasher) { h.combine(serialized()) }

    /// Looks up a key in an object (first match).
    public subscript(key: String) -> JSONValue? {
        if case .object(let pairs) = self { return pairs.first { $0.0 == key }?.1 }
        return nil
    }

    public func serialized(pretty: Bool = false, indent: Int = 0) -> String {
        let pad = pretty ? String(repeating: "  ", count: indent + 1) : ""
        let end = pretty ? String(repeating: "  ", count: indent) : ""
        let nl = pretty ? "\n" : ""
        let colon = pretty ? ": " : ":"
        switch self {
        case .null: return "null"
        case .bool(let b): return b ? "true" : "false"
        case .int(let i): return String(i)
        case .number(let d):
            if d.isNaN || d.isInfinite { return "null" }
            if d == d.rounded(), abs(d) < 1e15 { return String(Int64(d)) }
            return "\(d)"
        case .string(let s): return JSONValue.quote(s)
        case .array(let items):
            if items.isEmpty { return "[]" }
            return "[" + nl + items.map { pad + $0.serialized(pretty: pretty, indent: indent + 1) }.joined(separator: "," + nl)
                + nl + end + "]"
        case .object(let pairs):
            if pairs.isEmpty { return "{}" }
            return "{" + nl
                + pairs.map { pad + JSONValue.quote($0.0) + colon + $0.1.serialized(pretty: pretty, indent: indent + 1) }
                .joined(separator: "," + nl) + nl + end + "}"
        }
    }

    static func quote(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where u.value < 0x20:
                let h = String(u.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - h.count) + h
            default: out.unicodeScalars.append(u)
            }
        }
        return out + "\""
    }
}

/// A decoded wire value that can describe itself with specification field names.
public protocol WireDescribable {
    var json: JSONValue { get }
}
