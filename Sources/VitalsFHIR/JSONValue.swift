import Foundation

/// A JSON value whose objects keep their keys in the order they were built, so FHIR resources come out
/// in the order the specification lists their elements and the same input always gives the same bytes.
public indirect enum JSONValue: Hashable, Sendable {
    case object([(String, JSONValue)])
    case array([JSONValue])
    case string(String)
    case integer(Int64)
    case number(Double)
    case bool(Bool)

    public static func == (a: JSONValue, b: JSONValue) -> Bool {
        switch (a, b) {
        case let (.object(x), .object(y)): x.count == y.count && zip(x, y).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
        case let (.array(x), .array(y)): x == y
        case let (.string(x), .string(y)): x == y
        case let (.integer(x), .integer(y)): x == y
        case let (.number(x), .number(y)): x == y
        case let (.bool(x), .bool(y)): x == y
        default: false
        }
    }

    public func hash(into h: inout Hasher) { h.combine(serialized(pretty: false)) }

    /// The value of `key` in an object.
    public subscript(key: String) -> JSONValue? {
        guard case .object(let members) = self else { return nil }
        return members.first { $0.0 == key }?.1
    }

    /// JSON text: two-space indentation when `pretty`, no trailing newline; `/` is not escaped.
    public func serialized(pretty: Bool = true) -> String {
        var out = ""
        write(to: &out, pretty: pretty, indent: 0)
        return out
    }

    private func write(to out: inout String, pretty: Bool, indent: Int) {
        let newline = pretty ? "\n" : ""
        func pad(_ n: Int) -> String { pretty ? String(repeating: "  ", count: n) : "" }
        switch self {
        case .object(let members):
            if members.isEmpty { out += "{}"; return }
            out += "{" + newline
            for (i, (k, v)) in members.enumerated() {
                out += pad(indent + 1) + Self.quoted(k) + (pretty ? ": " : ":")
                v.write(to: &out, pretty: pretty, indent: indent + 1)
                out += (i < members.count - 1 ? "," : "") + newline
            }
            out += pad(indent) + "}"
        case .array(let items):
            if items.isEmpty { out += "[]"; return }
            out += "[" + newline
            for (i, v) in items.enumerated() {
                out += pad(indent + 1)
                v.write(to: &out, pretty: pretty, indent: indent + 1)
                out += (i < items.count - 1 ? "," : "") + newline
            }
            out += pad(indent) + "]"
        case .string(let s): out += Self.quoted(s)
        case .integer(let n): out += String(n)
        case .number(let d): out += Self.decimal(d)
        case .bool(let b): out += b ? "true" : "false"
        }
    }

    /// A finite double as a JSON number: integral values without a fraction, others in Swift's shortest
    /// round-tripping form (97.3, 0.005). Non-finite values never reach here (the mapper uses dataAbsentReason).
    static func decimal(_ d: Double) -> String {
        precondition(d.isFinite, "JSON has no non-finite numbers")
        if d == d.rounded(), abs(d) < 1e15 { return String(Int64(d)) }
        let s = String(d)
        guard let e = s.firstIndex(where: { $0 == "e" || $0 == "E" }) else { return s }
        // Swift writes 5e-05; FHIR decimals allow exponents, but plain digits read better and are exact here.
        let exponent = Int(s[s.index(after: e)...]) ?? 0
        if exponent < 0, exponent > -16 {
            return String(format: "%.\(-exponent + 15)f", d).replacingOccurrences(of: "0+$", with: "", options: .regularExpression)
        }
        return s
    }

    static func quoted(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where u.value < 0x20: out += String(format: "\\u%04X", u.value)
            default: out.unicodeScalars.append(u)
            }
        }
        return out + "\""
    }
}

extension JSONValue: ExpressibleByStringLiteral, ExpressibleByArrayLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral,
    ExpressibleByDictionaryLiteral
{
    public init(stringLiteral value: String) { self = .string(value) }
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    public init(integerLiteral value: Int64) { self = .integer(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(dictionaryLiteral elements: (String, JSONValue)...) { self = .object(elements) }
}

/// Builds an object from members, leaving out the absent (nil) ones.
func object(_ members: [(String, JSONValue?)]) -> JSONValue {
    .object(members.compactMap { k, v in v.map { (k, $0) } })
}
