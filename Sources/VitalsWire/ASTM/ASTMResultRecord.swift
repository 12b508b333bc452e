/// The E1394 result record (R).
///
/// Fields: 2 sequence number, 3 universal test ID (components; `^^^Glucose` puts the local code in the
/// fourth), 4 data or measurement value, 5 units, 6 reference ranges, 7 result abnormal flags, 8 nature of
/// abnormality testing, 9 result status, 10 date of change in instrument normative values, 11 operator
/// identification, 12 date/time test started, 13 date/time test completed, 14 instrument identification.
///
/// The Contour meters send `R|8|^^^Glucose|133|mg/dL^P||B/X||201202052034`: units with the reference
/// method as a second component (`P` plasma, `B` whole blood), their markers in field 7 separated by `/`,
/// and the test time in field 9, where the standard has the result status. `testTime` reads the standard
/// fields first and then that one.
public struct ASTMResultRecord: Hashable, Sendable {
    public var record: ASTMRecord
    public var delimiters: ASTMDelimiters
    public var sequence: Int

    /// `offset` is where the record starts in its message, for errors.
    public init(_ record: ASTMRecord, delimiters: ASTMDelimiters, offset: Int = 0) throws(WireError) {
        guard record.type.uppercased() == "R" else {
            throw WireError(entity: ASTMRecord.entity, field: "record type ID", offset: offset, reason: .invalidValue("'\(record.type)' is not a result"))
        }
        self.record = record
        self.delimiters = delimiters
        sequence = try record.sequenceNumber(offset: offset)
    }

    /// A result with these fields. `contourLayout` puts the test time in field 9 as the Contour meters do,
    /// instead of field 13.
    public init(
        delimiters d: ASTMDelimiters = .standard, sequence: Int, testID: [String], value: String, units: [String], referenceRange: String = "",
        abnormalFlags: String = "", status: String = "", operatorID: String = "", completed: ASTMDateTime?, contourLayout: Bool = false
    ) {
        var r = ASTMRecord(type: "R", [ASTMField(text: String(sequence), delimiters: d)])
        r.setField(3, ASTMField(components: testID, delimiters: d))
        r.setField(4, ASTMField(text: value, delimiters: d))
        r.setField(5, ASTMField(components: units, delimiters: d))
        r.setField(6, ASTMField(text: referenceRange, delimiters: d))
        r.setField(7, ASTMField(text: abnormalFlags, delimiters: d))
        if contourLayout {
            r.setField(9, ASTMField(text: completed?.description ?? "", delimiters: d))
        } else {
            if !status.isEmpty { r.setField(9, ASTMField(text: status, delimiters: d)) }
            if !operatorID.isEmpty { r.setField(11, ASTMField(text: operatorID, delimiters: d)) }
            if let completed { r.setField(13, ASTMField(text: completed.description, delimiters: d)) }
        }
        record = r
        delimiters = d
        self.sequence = sequence
    }

    /// Field 3's components, e.g. `["", "", "", "Glucose"]`.
    public var testID: [String] { record.field(3).components(delimiters) }
    /// The last non-empty component of the test ID (`Glucose`).
    public var testName: String { testID.last(where: { !$0.isEmpty }) ?? "" }
    public var value: String { record.field(4).text(delimiters) }
    /// Field 5's components: `["mg/dL", "P"]`.
    public var units: [String] { record.field(5).components(delimiters) }
    public var referenceRange: String { record.field(6).text(delimiters) }
    public var abnormalFlags: String { record.field(7).text(delimiters) }
    public var natureOfAbnormality: String { record.field(8).text(delimiters) }
    public var status: String { record.field(9).text(delimiters) }
    public var operatorID: String { record.field(11).text(delimiters) }
    public var started: ASTMDateTime? { ASTMDateTime(record.field(12).text(delimiters)) }
    public var completed: ASTMDateTime? { ASTMDateTime(record.field(13).text(delimiters)) }
    public var instrumentID: String { record.field(14).text(delimiters) }

    /// When the test was done: completed (13), else started (12), else field 9 when it holds a date and
    /// time (the Contour layout).
    public var testTime: ASTMDateTime? { completed ?? started ?? ASTMDateTime(status) }
}
