/// The E1394 patient record (P): 2 sequence number, 3 practice-assigned patient ID, 4 laboratory-assigned
/// patient ID, 5 patient ID No. 3, 6 patient name, … The Contour meters send a bare `P|1`.
public struct ASTMPatientRecord: Hashable, Sendable {
    public var record: ASTMRecord
    public var sequence: Int
    public init(_ record: ASTMRecord, offset: Int = 0) throws(WireError) {
        guard record.type.uppercased() == "P" else {
            throw WireError(entity: ASTMRecord.entity, field: "record type ID", offset: offset, reason: .invalidValue("'\(record.type)' is not a patient record"))
        }
        self.record = record
        sequence = try record.sequenceNumber(offset: offset)
    }
    public init(sequence: Int, practicePatientID: String = "", delimiters d: ASTMDelimiters = .standard) {
        var r = ASTMRecord(type: "P", [ASTMField(text: String(sequence), delimiters: d)])
        if !practicePatientID.isEmpty { r.setField(3, ASTMField(text: practicePatientID, delimiters: d)) }
        record = r
        self.sequence = sequence
    }
    public func practicePatientID(_ d: ASTMDelimiters) -> String { record.field(3).text(d) }
}

/// The E1394 order record (O): 2 sequence number, 3 specimen ID, 4 instrument specimen ID, 5 universal
/// test ID, 6 priority, 7 requested date/time, 8 collection date/time, … 26 report types.
public struct ASTMOrderRecord: Hashable, Sendable {
    public var record: ASTMRecord
    public var sequence: Int
    public init(_ record: ASTMRecord, offset: Int = 0) throws(WireError) {
        guard record.type.uppercased() == "O" else {
            throw WireError(entity: ASTMRecord.entity, field: "record type ID", offset: offset, reason: .invalidValue("'\(record.type)' is not an order record"))
        }
        self.record = record
        sequence = try record.sequenceNumber(offset: offset)
    }
    public func specimenID(_ d: ASTMDelimiters) -> String { record.field(3).text(d) }
    public func testID(_ d: ASTMDelimiters) -> [String] { record.field(5).components(d) }
}

/// The E1394 comment record (C): 2 sequence number, 3 comment source (`I` instrument), 4 comment text
/// (components), 5 comment type (`G` generic, `I` instrument flag).
public struct ASTMCommentRecord: Hashable, Sendable {
    public var record: ASTMRecord
    public var sequence: Int
    public init(_ record: ASTMRecord, offset: Int = 0) throws(WireError) {
        guard record.type.uppercased() == "C" else {
            throw WireError(entity: ASTMRecord.entity, field: "record type ID", offset: offset, reason: .invalidValue("'\(record.type)' is not a comment record"))
        }
        self.record = record
        sequence = try record.sequenceNumber(offset: offset)
    }
    public init(sequence: Int, source: String = "I", text: [String], type: String = "G", delimiters d: ASTMDelimiters = .standard) {
        var r = ASTMRecord(type: "C", [ASTMField(text: String(sequence), delimiters: d)])
        r.setField(3, ASTMField(text: source, delimiters: d))
        r.setField(4, ASTMField(components: text, delimiters: d))
        r.setField(5, ASTMField(text: type, delimiters: d))
        record = r
        self.sequence = sequence
    }
    public func source(_ d: ASTMDelimiters) -> String { record.field(3).text(d) }
    public func text(_ d: ASTMDelimiters) -> [String] { record.field(4).components(d) }
    public func commentType(_ d: ASTMDelimiters) -> String { record.field(5).text(d) }
}

/// The E1394 message terminator (L): 2 sequence number, 3 termination code (`N` normal; Contour meters
/// send `L|1` or `L|1||N`).
public struct ASTMTerminatorRecord: Hashable, Sendable {
    public var record: ASTMRecord
    public var sequence: Int
    public init(_ record: ASTMRecord, offset: Int = 0) throws(WireError) {
        guard record.type.uppercased() == "L" else {
            throw WireError(entity: ASTMRecord.entity, field: "record type ID", offset: offset, reason: .invalidValue("'\(record.type)' is not a terminator"))
        }
        self.record = record
        sequence = try record.sequenceNumber(offset: offset)
    }
    public init(sequence: Int = 1, code: String = "N", delimiters d: ASTMDelimiters = .standard) {
        var r = ASTMRecord(type: "L", [ASTMField(text: String(sequence), delimiters: d)])
        if !code.isEmpty { r.setField(3, ASTMField(text: code, delimiters: d)) }
        record = r
        self.sequence = sequence
    }
    public func terminationCode(_ d: ASTMDelimiters) -> String { record.field(3).text(d) }
}
