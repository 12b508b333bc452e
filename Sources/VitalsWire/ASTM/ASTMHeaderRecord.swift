/// The E1394 message header (H): it declares the delimiters and says who sent the message and when.
///
/// Fields: 2 delimiter definition, 3 message control ID, 4 access password, 5 sender name or ID, 6 sender
/// street address, 7 reserved, 8 sender telephone, 9 characteristics of sender, 10 receiver ID, 11 comment,
/// 12 processing ID, 13 version, 14 date and time of message.
///
/// The Contour meters fill field 5 with `model^versions^serial^SKU` (the versions separated by the repeat
/// delimiter), field 6 with `key=value` settings (`U=0` mg/dL, `U=1` mmol/L; `V=` the low and high limits of
/// the reportable range), field 7 with the number of results, 12 with `P` (some leave it empty), 13 with
/// `1` and 14 with the meter's clock.
public struct ASTMHeaderRecord: Hashable, Sendable {
    public var record: ASTMRecord
    public var delimiters: ASTMDelimiters

    public init(_ record: ASTMRecord, delimiters: ASTMDelimiters) throws(WireError) {
        guard record.type.uppercased() == "H" else {
            throw WireError(entity: ASTMRecord.entity, field: "record type ID", offset: 0, reason: .invalidValue("'\(record.type)' is not a header"))
        }
        self.record = record
        self.delimiters = delimiters
    }

    /// A header with these fields (the others empty).
    public init(
        delimiters d: ASTMDelimiters = .standard, accessPassword: String = "", senderName: [String], senderAddress: ASTMField = ASTMField(raw: []),
        reserved: String = "", processingID: String = "P", version: String = "1", dateTime: ASTMDateTime?
    ) {
        var r = ASTMRecord(type: "H", [ASTMField(raw: d.definition)])
        r.setField(4, ASTMField(text: accessPassword, delimiters: d))
        r.setField(5, ASTMField(components: senderName, delimiters: d))
        r.setField(6, senderAddress)
        r.setField(7, ASTMField(text: reserved, delimiters: d))
        r.setField(12, ASTMField(text: processingID, delimiters: d))
        r.setField(13, ASTMField(text: version, delimiters: d))
        r.setField(14, ASTMField(text: dateTime?.description ?? "", delimiters: d))
        record = r
        delimiters = d
    }

    public var messageControlID: String { record.field(3).text(delimiters) }
    public var accessPassword: String { record.field(4).text(delimiters) }
    /// Field 5's components: for a Contour `["Bayer7390", "01.24\01.04\09.02.20", "7390-2336773", "7403-"]`.
    public var senderName: [String] { record.field(5).components(delimiters) }
    public var senderAddress: ASTMField { record.field(6) }
    public var reserved: String { record.field(7).text(delimiters) }
    public var receiverID: String { record.field(10).text(delimiters) }
    public var processingID: String { record.field(12).text(delimiters) }
    public var version: String { record.field(13).text(delimiters) }
    public var dateTimeText: String { record.field(14).text(delimiters) }
    public var dateTime: ASTMDateTime? { ASTMDateTime(dateTimeText) }

    /// `key=value` components of field 6, as the Contour meters send their settings.
    public var settings: [String: String] {
        var out: [String: String] = [:]
        for c in senderAddress.components(delimiters) {
            guard let eq = c.firstIndex(of: "=") else { continue }
            out[String(c[..<eq])] = String(c[c.index(after: eq)...])
        }
        return out
    }
}
