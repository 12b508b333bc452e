/// One ASTM E1394 record: a type letter and its fields, split on the message's field delimiter.
///
/// Fields are numbered from 1 as in the standard: field 1 is the record type ID (`R`), field 2 usually the
/// sequence number. In the header, field 2 is the delimiter definition (`\^&`), which is never split.
/// Record types: H header, P patient, O order, R result, C comment, Q request, M manufacturer, S scientific,
/// L terminator.
public struct ASTMRecord: Hashable, Sendable, CustomStringConvertible {
    public static let entity = "ASTM E1394 record"
    public static let knownTypes: Set<UInt8> = Set("HPORCQMSL".utf8)

    /// Every field, field 1 (the type ID) first.
    public var fields: [ASTMField]

    public init(fields: [ASTMField]) {
        precondition(!fields.isEmpty)
        self.fields = fields
    }

    /// `type` and then fields 2, 3, …
    public init(type: Character, _ rest: [ASTMField]) {
        self.init(fields: [ASTMField(raw: Array(String(type).utf8))] + rest)
    }

    /// The record type ID: `H`, `P`, `O`, `R`, `C`, `L` …
    public var type: String { fields[0].description }

    /// Field `n` (from 1), empty when the record is shorter.
    public func field(_ n: Int) -> ASTMField { n >= 1 && n <= fields.count ? fields[n - 1] : ASTMField(raw: []) }

    /// Sets field `n`, padding with empty fields.
    public mutating func setField(_ n: Int, _ value: ASTMField) {
        precondition(n >= 2)
        while fields.count < n { fields.append(ASTMField(raw: [])) }
        fields[n - 1] = value
    }

    /// Decodes one record's bytes (without its closing CR). `offset` is where the record starts in the
    /// message, for errors.
    public init(bytes: [UInt8], delimiters d: ASTMDelimiters, offset: Int = 0) throws(WireError) {
        guard let first = bytes.first else {
            throw WireError(entity: Self.entity, field: "record type ID", offset: offset, reason: .truncated(needed: 1, available: 0))
        }
        guard (0x41...0x5A).contains(first) || (0x61...0x7A).contains(first) else {
            throw WireError(entity: Self.entity, field: "record type ID", offset: offset, reason: .invalidValue("'\(ASTMControl.describe([first]))' is not a record type letter"))
        }
        if bytes.count > 1 && bytes[1] != d.field {
            throw WireError(entity: Self.entity, field: "field delimiter", offset: offset + 1, reason: .invalidValue("'\(ASTMControl.describe([bytes[1]]))' after the type ID, expected '\(ASTMControl.describe([d.field]))'"))
        }
        if first == 0x48 || first == 0x68 {
            // H|\^&|…: the definition is three characters, then a field delimiter or the end.
            guard bytes.count >= 5 else {
                throw WireError(entity: Self.entity, field: "delimiter definition", offset: offset + min(bytes.count, 2), reason: .truncated(needed: 5 - min(bytes.count, 5), available: 0))
            }
            guard bytes.count == 5 || bytes[5] == d.field else {
                throw WireError(entity: Self.entity, field: "delimiter definition", offset: offset + 5, reason: .invalidValue("the definition is not followed by the field delimiter"))
            }
            var f = [ASTMField(raw: [first]), ASTMField(raw: Array(bytes[2..<5]))]
            if bytes.count > 5 { f += bytes[6...].split(separator: d.field, omittingEmptySubsequences: false).map { ASTMField(raw: Array($0)) } }
            fields = f
        } else {
            fields = bytes.split(separator: d.field, omittingEmptySubsequences: false).map { ASTMField(raw: Array($0)) }
        }
    }

    /// The record's bytes, without its closing CR.
    public func encoded(_ d: ASTMDelimiters) -> [UInt8] {
        Array(fields.map(\.raw).joined(separator: [d.field]))
    }

    /// Fields joined with `|`, for logs.
    public var description: String { fields.map(\.description).joined(separator: "|") }

    /// Field `n` as a sequence number (digits), or an error naming it.
    public func sequenceNumber(field n: Int = 2, offset: Int = 0) throws(WireError) -> Int {
        let f = field(n)
        guard !f.isEmpty, f.raw.allSatisfy({ (0x30...0x39).contains($0) }), f.raw.count <= 9, let v = Int(f.description) else {
            throw WireError(entity: Self.entity, field: "\(type) sequence number", offset: offset + fieldOffset(n), reason: .invalidValue("'\(f)' is not a sequence number"))
        }
        return v
    }

    /// Where field `n` starts inside the record's bytes.
    public func fieldOffset(_ n: Int) -> Int {
        var o = 0
        for i in 0..<min(n - 1, fields.count) { o += fields[i].raw.count + 1 }
        return o
    }
}
