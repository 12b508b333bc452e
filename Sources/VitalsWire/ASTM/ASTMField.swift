/// The four delimiters an ASTM E1394 message declares in its header: `H|\^&` gives field `|`, repeat `\`,
/// component `^` and escape `&`.
public struct ASTMDelimiters: Hashable, Sendable {
    public var field: UInt8
    public var `repeat`: UInt8
    public var component: UInt8
    public var escape: UInt8

    public init(field: UInt8, repeat: UInt8, component: UInt8, escape: UInt8) {
        self.field = field
        self.repeat = `repeat`
        self.component = component
        self.escape = escape
    }

    /// `|\^&`, what E1394 recommends and what the meters covered here send.
    public static let standard = ASTMDelimiters(field: 0x7C, repeat: 0x5C, component: 0x5E, escape: 0x26)

    /// The header's delimiter definition, the three characters after the field delimiter: `\^&`.
    public var definition: [UInt8] { [self.repeat, component, escape] }
}

/// One field of an E1394 record, kept exactly as sent (escape sequences and all), so a decoded record
/// encodes back to the same bytes. Accessors split it into repeats and components and undo the escapes.
public struct ASTMField: Hashable, Sendable, ExpressibleByStringLiteral, CustomStringConvertible {
    /// The field's bytes between field delimiters, as sent.
    public var raw: [UInt8]

    public init(raw: [UInt8]) { self.raw = raw }
    public init(stringLiteral s: String) { raw = Array(s.utf8) }

    /// A field holding `text`, with any delimiter inside it escaped.
    public init(text: String, delimiters d: ASTMDelimiters) {
        raw = Self.escape(Array(text.utf8), d)
    }

    /// A field of components (`^^^Glucose`), each escaped.
    public init(components: [String], delimiters d: ASTMDelimiters) {
        raw = Array(components.map { Self.escape(Array($0.utf8), d) }.joined(separator: [d.component]))
    }

    public var isEmpty: Bool { raw.isEmpty }
    public var description: String { Self.latin1(raw) }

    /// The whole field with escapes undone.
    public func text(_ d: ASTMDelimiters) -> String { Self.latin1(Self.unescape(raw, d)) }

    /// The field's repeats, each as a field of its own.
    public func repeats(_ d: ASTMDelimiters) -> [ASTMField] {
        raw.split(separator: d.repeat, omittingEmptySubsequences: false).map { ASTMField(raw: Array($0)) }
    }

    /// The components of the field (of its first repeat when the components are not inside the repeats),
    /// escapes undone. A field without a component delimiter is one component.
    public func components(_ d: ASTMDelimiters) -> [String] {
        raw.split(separator: d.component, omittingEmptySubsequences: false).map { Self.latin1(Self.unescape(Array($0), d)) }
    }

    /// Component `n`, counted from 1 as E1394 does; empty when absent.
    public func component(_ n: Int, _ d: ASTMDelimiters) -> String {
        let c = components(d)
        return n >= 1 && n <= c.count ? c[n - 1] : ""
    }

    /// Bytes as text, one character per byte (E1394 text is 7- or 8-bit characters, never multi-byte).
    public static func latin1<C: Collection>(_ bytes: C) -> String where C.Element == UInt8 {
        String(String.UnicodeScalarView(bytes.map { UnicodeScalar($0) }))
    }

    /// Escapes the delimiters inside `bytes`: `&F&` field, `&S&` component, `&R&` repeat, `&E&` escape.
    public static func escape(_ bytes: [UInt8], _ d: ASTMDelimiters) -> [UInt8] {
        var out: [UInt8] = []
        for b in bytes {
            switch b {
            case d.field: out += [d.escape, 0x46, d.escape]
            case d.component: out += [d.escape, 0x53, d.escape]
            case d.repeat: out += [d.escape, 0x52, d.escape]
            case d.escape: out += [d.escape, 0x45, d.escape]
            default: out.append(b)
            }
        }
        return out
    }

    /// Undoes `&F&`, `&S&`, `&R&` and `&E&`; other escape sequences (`&H&`, `&Xhh&`) and a lone escape
    /// character are kept as sent.
    public static func unescape(_ bytes: [UInt8], _ d: ASTMDelimiters) -> [UInt8] {
        var out: [UInt8] = []
        var i = 0
        while i < bytes.count {
            if bytes[i] == d.escape, i + 2 < bytes.count, bytes[i + 2] == d.escape {
                let replacement: UInt8? = switch bytes[i + 1] {
                case 0x46: d.field
                case 0x53: d.component
                case 0x52: d.repeat
                case 0x45: d.escape
                default: nil
                }
                if let replacement {
                    out.append(replacement)
                    i += 3
                    continue
                }
            }
            out.append(bytes[i])
            i += 1
        }
        return out
    }
}
