/// IEEE 11073-20601 scan reports: the event-info of MDC_NOTI_SCAN_REPORT_* and the (un)buffered variants.
///
///     ScanReportInfoFixed   ::= data-req-id uint16, scan-report-no uint16, obs-scan-fixed (ObservationScanFixed…)
///     ObservationScanFixed  ::= obj-handle uint16, obs-val-data OCTET STRING (values in the object's AttrValMap order)
///     ScanReportInfoVar     ::= data-req-id, scan-report-no, obs-scan-var (ObservationScan…)
///     ObservationScan       ::= obj-handle uint16, attributes AttributeList
///     ScanReportInfoMPFixed ::= data-req-id, scan-report-no, scan-per-fixed (person-id uint16, obs-scan-fixed)…
///     ScanReportInfoMPVar   ::= data-req-id, scan-report-no, scan-per-var (person-id uint16, obs-scan-var)…
///     ScanReportInfoGrouped ::= data-req-id, scan-report-no, obs-scan-grouped (OCTET STRING…)
public struct ScanReport: Hashable, Sendable {
    public enum Form: Hashable, Sendable { case fixed, variable, grouped }

    public struct FixedObservation: Hashable, Sendable {
        public var handle: UInt16
        public var data: [UInt8]
        public init(handle: UInt16, data: [UInt8]) {
            self.handle = handle
            self.data = data
        }
    }

    public struct VariableObservation: Hashable, Sendable {
        public var handle: UInt16
        public var attributes: [AttributeValueAssertion]
        public init(handle: UInt16, attributes: [AttributeValueAssertion]) {
            self.handle = handle
            self.attributes = attributes
        }
    }

    /// One person's observations (person-id 0xFFFF: unknown; single-person reports use nil).
    public struct PersonScan: Hashable, Sendable {
        public var personID: UInt16?
        public var fixed: [FixedObservation]
        public var variable: [VariableObservation]
        public init(personID: UInt16?, fixed: [FixedObservation] = [], variable: [VariableObservation] = []) {
            self.personID = personID
            self.fixed = fixed
            self.variable = variable
        }
    }

    public var form: Form
    public var dataReqID: UInt16
    public var scanReportNo: UInt16
    public var persons: [PersonScan]
    /// Grouped reports: the raw groups (their layout comes from the scanner's handle-attribute map).
    public var groups: [[UInt8]]

    public init(form: Form, dataReqID: UInt16 = 0xF000, scanReportNo: UInt16, persons: [PersonScan], groups: [[UInt8]] = []) {
        self.form = form
        self.dataReqID = dataReqID
        self.scanReportNo = scanReportNo
        self.persons = persons
        self.groups = groups
    }

    public static func fixed(scanReportNo: UInt16, _ obs: [FixedObservation]) -> ScanReport {
        ScanReport(form: .fixed, scanReportNo: scanReportNo, persons: [PersonScan(personID: nil, fixed: obs)])
    }

    public static func variable(scanReportNo: UInt16, _ obs: [VariableObservation]) -> ScanReport {
        ScanReport(form: .variable, scanReportNo: scanReportNo, persons: [PersonScan(personID: nil, variable: obs)])
    }

    /// Which event types carry which form, and whether they are multi-person.
    public static func layout(eventType: UInt16) -> (form: Form, multiPerson: Bool)? {
        switch eventType {
        case MDC.notiScanReportFixed, MDC.notiUnbufScanReportFixed, MDC.notiBufScanReportFixed: (.fixed, false)
        case MDC.notiScanReportVar, MDC.notiUnbufScanReportVar, MDC.notiBufScanReportVar: (.variable, false)
        case MDC.notiScanReportMPFixed, 3366, 3372: (.fixed, true)
        case MDC.notiScanReportMPVar, 3365, 3371: (.variable, true)
        case MDC.notiUnbufScanReportGrouped, MDC.notiBufScanReportGrouped: (.grouped, false)
        default: nil
        }
    }

    public init(eventType: UInt16, reader r: inout ByteReader) throws(WireError) {
        guard let layout = Self.layout(eventType: eventType) else {
            throw r.error("event-type", .invalidValue("\(eventType) is not a scan report"))
        }
        form = layout.form
        dataReqID = try r.u16be("data-req-id")
        scanReportNo = try r.u16be("scan-report-no")
        groups = []
        func fixedList(_ r: inout ByteReader, _ f: String) throws(WireError) -> [FixedObservation] {
            try r.mderList(f) { (r: inout ByteReader, g: String) throws(WireError) in
                FixedObservation(handle: try r.u16be("\(g).obj-handle"), data: try r.octetString("\(g).obs-val-data"))
            }
        }
        func varList(_ r: inout ByteReader, _ f: String) throws(WireError) -> [VariableObservation] {
            try r.mderList(f) { (r: inout ByteReader, g: String) throws(WireError) in
                VariableObservation(handle: try r.u16be("\(g).obj-handle"), attributes: try r.mderList("\(g).attributes", of: AttributeValueAssertion.self))
            }
        }
        switch (layout.form, layout.multiPerson) {
        case (.fixed, false): persons = [PersonScan(personID: nil, fixed: try fixedList(&r, "obs-scan-fixed"))]
        case (.variable, false): persons = [PersonScan(personID: nil, variable: try varList(&r, "obs-scan-var"))]
        case (.fixed, true):
            persons = try r.mderList("scan-per-fixed") { (r: inout ByteReader, g: String) throws(WireError) in
                PersonScan(personID: try r.u16be("\(g).person-id"), fixed: try fixedList(&r, "\(g).obs-scan-fix"))
            }
        case (.variable, true):
            persons = try r.mderList("scan-per-var") { (r: inout ByteReader, g: String) throws(WireError) in
                PersonScan(personID: try r.u16be("\(g).person-id"), variable: try varList(&r, "\(g).obs-scan-var"))
            }
        case (.grouped, _):
            persons = []
            groups = try r.mderList("obs-scan-grouped") { (r: inout ByteReader, g: String) throws(WireError) in try r.octetString(g) }
        }
    }

    public func encode(to w: inout ByteWriter) {
        w.u16be(dataReqID)
        w.u16be(scanReportNo)
        func fixed(_ w: inout ByteWriter, _ l: [FixedObservation]) {
            w.mderList(l) { w, o in
                w.u16be(o.handle)
                w.octetString(o.data)
            }
        }
        func variable(_ w: inout ByteWriter, _ l: [VariableObservation]) {
            w.mderList(l) { w, o in
                w.u16be(o.handle)
                w.mderList(o.attributes)
            }
        }
        let multi = persons.contains { $0.personID != nil }
        switch form {
        case .fixed where multi:
            w.mderList(persons) { w, p in
                w.u16be(p.personID ?? 0xFFFF)
                fixed(&w, p.fixed)
            }
        case .variable where multi:
            w.mderList(persons) { w, p in
                w.u16be(p.personID ?? 0xFFFF)
                variable(&w, p.variable)
            }
        case .fixed: fixed(&w, persons.first?.fixed ?? [])
        case .variable: variable(&w, persons.first?.variable ?? [])
        case .grouped: w.mderList(groups) { w, g in w.octetString(g) }
        }
    }

    /// JSON; fixed observations are interpreted with `configuration` when given (their layout is the
    /// object's AttrValMap), otherwise shown as raw octets.
    public func json(configuration: [ConfigReport.ConfigObject]?) -> JSONValue {
        func fixedJSON(_ o: FixedObservation) -> JSONValue {
            var pairs: [(String, JSONValue)] = [("handle", .int(Int64(o.handle)))]
            if let obj = configuration?.first(where: { $0.handle == o.handle }) {
                if case .type(let p, let t) = obj.attribute(MDC.attrIDType) { pairs.append(("type", AttributeValue.type(partition: p, term: t).json)) }
                if let values = try? FixedValueLayout(object: obj).split(o.data) {
                    pairs.append(("attributes", .array(values.map(\.json))))
                } else {
                    pairs.append(("obsValData", hexJSON(o.data)))
                    pairs.append(("note", .string("does not match the object's attribute-value map")))
                }
            } else {
                pairs.append(("obsValData", hexJSON(o.data)))
            }
            return .object(pairs)
        }
        func varJSON(_ o: VariableObservation) -> JSONValue {
            .object([("handle", .int(Int64(o.handle))), ("attributes", .array(o.attributes.map(\.json)))])
        }
        var pairs: [(String, JSONValue)] = [
            ("dataReqId", .int(Int64(dataReqID))), ("scanReportNo", .int(Int64(scanReportNo))),
        ]
        switch form {
        case .grouped: pairs.append(("groups", .array(groups.map(hexJSON))))
        default:
            pairs.append(("persons", .array(persons.map { p in
                var q: [(String, JSONValue)] = []
                if let id = p.personID { q.append(("personId", .int(Int64(id)))) }
                q.append(("observations", .array(form == .fixed ? p.fixed.map(fixedJSON) : p.variable.map(varJSON))))
                return .object(q)
            })))
        }
        return .object(pairs)
    }
}

/// How a fixed-format observation's octets split into attribute values: the object's
/// MDC_ATTR_ATTRIBUTE_VAL_MAP, in order.
public struct FixedValueLayout: Hashable, Sendable {
    public var entries: [AttributeValue.AttrValMapEntry]

    public init(entries: [AttributeValue.AttrValMapEntry]) { self.entries = entries }

    public struct MissingMap: Error, CustomStringConvertible {
        public var handle: UInt16
        public var description: String { "object \(handle) has no attribute-value map" }
    }

    public init(object: ConfigReport.ConfigObject) throws(MissingMap) {
        guard case .attributeValueMap(let entries) = object.attribute(MDC.attrAttributeValueMap) else { throw MissingMap(handle: object.handle) }
        self.entries = entries
    }

    /// The attributes in `data`, parsed; throws when the data is shorter or longer than the map says.
    public func split(_ data: [UInt8], base: Int = 0) throws(WireError) -> [AttributeValueAssertion] {
        var r = ByteReader(data, entity: "obs-val-data")
        var out: [AttributeValueAssertion] = []
        for e in entries {
            var sub = try r.sub(Int(e.length), MDC.objectName(e.attributeID) ?? "attribute \(e.attributeID)")
            let bytes = sub.bytes
            if AttributeValue.knows(e.attributeID) {
                _ = try AttributeValue(attribute: e.attributeID, reader: &sub, field: MDC.objectName(e.attributeID) ?? "attribute")
            }
            out.append(AttributeValueAssertion(id: e.attributeID, value: bytes))
        }
        try r.expectEnd(after: "obs-val-data")
        return out
    }
}
