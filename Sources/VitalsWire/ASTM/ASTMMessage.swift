/// An E1394 message: a header, the records after it, and (normally) a terminator; records end in CR.
///
/// Decoding reads the delimiters from the header, splits the records, and types the ones it knows.
/// It is lenient where meters differ: a CR LF pair ends a record like a bare CR, an empty line is skipped,
/// and a missing terminator is noted (`isTerminated`) rather than refused, so the caller decides (E1394 says
/// data before a missing L should not be trusted).
public struct ASTMMessage: Hashable, Sendable {
    public static let entity = "ASTM E1394 message"

    public enum TypedRecord: Hashable, Sendable {
        case header(ASTMHeaderRecord)
        case patient(ASTMPatientRecord)
        case order(ASTMOrderRecord)
        case result(ASTMResultRecord)
        case comment(ASTMCommentRecord)
        case terminator(ASTMTerminatorRecord)
        /// Q, M, S and anything else, kept as fields.
        case other(ASTMRecord)

        public var record: ASTMRecord {
            switch self {
            case .header(let h): h.record
            case .patient(let p): p.record
            case .order(let o): o.record
            case .result(let r): r.record
            case .comment(let c): c.record
            case .terminator(let l): l.record
            case .other(let r): r
            }
        }
    }

    public var delimiters: ASTMDelimiters
    /// Every record in order, the header first.
    public var records: [TypedRecord]
    /// Each record's bytes as sent (without CR), in the same order, for raw storage.
    public var recordBytes: [[UInt8]]

    public init(records: [TypedRecord], delimiters: ASTMDelimiters = .standard) {
        self.delimiters = delimiters
        self.records = records
        recordBytes = records.map { $0.record.encoded(delimiters) }
    }

    public var header: ASTMHeaderRecord? {
        if case .header(let h)? = records.first { return h }
        return nil
    }

    public var results: [ASTMResultRecord] {
        records.compactMap { if case .result(let r) = $0 { return r } else { return nil } }
    }

    public var isTerminated: Bool {
        if case .terminator? = records.last { return true }
        return false
    }

    /// The message's text: every record followed by CR.
    public var encoded: [UInt8] {
        Array(records.map { $0.record.encoded(delimiters) + [ASTMControl.cr] }.joined())
    }

    /// Decodes a message's text (the frames' text put together).
    public init(text: [UInt8]) throws(WireError) {
        let lines = Self.lines(text)
        guard let first = lines.first else {
            throw WireError(entity: Self.entity, field: "header", offset: 0, reason: .truncated(needed: 1, available: 0))
        }
        let h = first.bytes
        guard h.first == 0x48 || h.first == 0x68 else {
            throw WireError(entity: Self.entity, field: "header", offset: first.offset, reason: .invalidValue("the message starts with '\(ASTMControl.describe(h.prefix(1)))', not an H record"))
        }
        guard h.count >= 5 else {
            throw WireError(entity: Self.entity, field: "delimiter definition", offset: first.offset + h.count, reason: .truncated(needed: 5 - h.count, available: 0))
        }
        let d = ASTMDelimiters(field: h[1], repeat: h[2], component: h[3], escape: h[4])
        if Set([d.field, d.repeat, d.component, d.escape]).count != 4 {
            throw WireError(entity: Self.entity, field: "delimiter definition", offset: first.offset + 1, reason: .invalidValue("the four delimiters must differ"))
        }
        var recs: [TypedRecord] = []
        var raw: [[UInt8]] = []
        for (i, line) in lines.enumerated() {
            let r = try ASTMRecord(bytes: line.bytes, delimiters: d, offset: line.offset)
            if i > 0 && r.type.uppercased() == "H" {
                throw WireError(entity: Self.entity, field: "H record", offset: line.offset, reason: .invalidValue("a second header inside one message"))
            }
            recs.append(try Self.typed(r, delimiters: d, offset: line.offset))
            raw.append(line.bytes)
        }
        delimiters = d
        records = recs
        recordBytes = raw
    }

    /// Splits text holding one or more messages (each from its H record) and decodes each.
    public static func messages(text: [UInt8]) throws(WireError) -> [ASTMMessage] {
        var out: [ASTMMessage] = []
        var current: [UInt8] = []
        var base = 0
        for line in lines(text) {
            if (line.bytes.first == 0x48 || line.bytes.first == 0x68) && !current.isEmpty {
                out.append(try decode(current, base: base))
                current = []
            }
            if current.isEmpty { base = line.offset }
            current += line.bytes + [ASTMControl.cr]
        }
        if !current.isEmpty { out.append(try decode(current, base: base)) }
        return out
    }

    private static func decode(_ text: [UInt8], base: Int) throws(WireError) -> ASTMMessage {
        do { return try ASTMMessage(text: text) } catch {
            var e = error
            e.offset += base
            throw e
        }
    }

    static func typed(_ r: ASTMRecord, delimiters d: ASTMDelimiters, offset: Int) throws(WireError) -> TypedRecord {
        switch r.type.uppercased() {
        case "H": .header(try ASTMHeaderRecord(r, delimiters: d))
        case "P": .patient(try ASTMPatientRecord(r, offset: offset))
        case "O": .order(try ASTMOrderRecord(r, offset: offset))
        case "R": .result(try ASTMResultRecord(r, delimiters: d, offset: offset))
        case "C": .comment(try ASTMCommentRecord(r, offset: offset))
        case "L": .terminator(try ASTMTerminatorRecord(r, offset: offset))
        default: .other(r)
        }
    }

    /// Records split on CR (a following LF is dropped), empty lines skipped, each with its offset.
    static func lines(_ text: [UInt8]) -> [(bytes: [UInt8], offset: Int)] {
        var out: [(bytes: [UInt8], offset: Int)] = []
        var start = 0
        var i = 0
        while i <= text.count {
            if i == text.count || text[i] == ASTMControl.cr || text[i] == ASTMControl.lf {
                if i > start { out.append((Array(text[start..<i]), start)) }
                start = i + 1
            }
            i += 1
        }
        return out
    }
}
