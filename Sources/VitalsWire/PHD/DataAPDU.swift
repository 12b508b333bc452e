/// IEEE 11073-20601 DataApdu: the content of a PrstApdu.
///
///     DataApdu ::= invoke-id uint16, message CHOICE (choice uint16, length uint16, content)
///
/// Choices: ROIV 0x0100 event report, 0x0101 confirmed event report, 0x0103 get, 0x0104 set,
/// 0x0105 confirmed set, 0x0106 action, 0x0107 confirmed action; RORS 0x0201 confirmed event report,
/// 0x0203 get, 0x0205 confirmed set, 0x0207 confirmed action; ROER 0x0300; RORJ 0x0400.
public struct DataAPDU: MDERCodable, Hashable {
    public enum Message: Hashable, Sendable {
        case eventReport(EventReport, confirmed: Bool)
        case get(GetArgument)
        case set(SetArgument, confirmed: Bool)
        case action(Action, confirmed: Bool)
        case eventReportResult(EventReport)
        case getResult(AttributeResult)
        case setResult(AttributeResult)
        case actionResult(Action)
        /// ROER: error-value (e.g. 1 no-such-object, 9 no-such-action, 17 invalid-object-instance …), parameter.
        case error(errorValue: UInt16, parameter: [UInt8])
        /// RORJ: problem (0 unrecognized-apdu, 2 badly-structured-apdu, 101 unrecognized-operation …).
        case reject(problem: UInt16)

        public var choice: UInt16 {
            switch self {
            case .eventReport(_, let c): c ? 0x0101 : 0x0100
            case .get: 0x0103
            case .set(_, let c): c ? 0x0105 : 0x0104
            case .action(_, let c): c ? 0x0107 : 0x0106
            case .eventReportResult: 0x0201
            case .getResult: 0x0203
            case .setResult: 0x0205
            case .actionResult: 0x0207
            case .error: 0x0300
            case .reject: 0x0400
            }
        }

        public var name: String {
            switch self {
            case .eventReport(_, let c): c ? "roiv-cmip-confirmed-event-report" : "roiv-cmip-event-report"
            case .get: "roiv-cmip-get"
            case .set(_, let c): c ? "roiv-cmip-confirmed-set" : "roiv-cmip-set"
            case .action(_, let c): c ? "roiv-cmip-confirmed-action" : "roiv-cmip-action"
            case .eventReportResult: "rors-cmip-confirmed-event-report"
            case .getResult: "rors-cmip-get"
            case .setResult: "rors-cmip-confirmed-set"
            case .actionResult: "rors-cmip-confirmed-action"
            case .error: "roer"
            case .reject: "rorj"
            }
        }
    }

    public var invokeID: UInt16
    public var message: Message

    public init(invokeID: UInt16, message: Message) {
        self.invokeID = invokeID
        self.message = message
    }

    public init(mder r: inout ByteReader) throws(WireError) {
        invokeID = try r.u16be("invoke-id")
        let choiceOffset = r.offset
        let choice = try r.u16be("message.choice")
        var m = try r.lengthPrefixed("message")
        switch choice {
        case 0x0100, 0x0101: message = .eventReport(try EventReport(mder: &m, result: false), confirmed: choice == 0x0101)
        case 0x0201: message = .eventReportResult(try EventReport(mder: &m, result: true))
        case 0x0103:
            message = .get(GetArgument(
                handle: try m.u16be("obj-handle"),
                attributeIDs: try m.mderList("attribute-id-list") { (r: inout ByteReader, g: String) throws(WireError) in try r.u16be(g) }))
        case 0x0203, 0x0205:
            let res = AttributeResult(handle: try m.u16be("obj-handle"), attributes: try m.mderList("attribute-list", of: AttributeValueAssertion.self))
            message = choice == 0x0203 ? .getResult(res) : .setResult(res)
        case 0x0104, 0x0105:
            let handle = try m.u16be("obj-handle")
            let mods = try m.mderList("modification-list") { (r: inout ByteReader, g: String) throws(WireError) in
                SetArgument.Modification(modifyOperator: try r.u16be("\(g).modify-operator"), attribute: try AttributeValueAssertion(mder: &r))
            }
            message = .set(SetArgument(handle: handle, modifications: mods), confirmed: choice == 0x0105)
        case 0x0106, 0x0107, 0x0207:
            let a = Action(handle: try m.u16be("obj-handle"), actionType: try m.u16be("action-type"), info: try m.octetString("action-info-args"))
            message = choice == 0x0207 ? .actionResult(a) : .action(a, confirmed: choice == 0x0107)
        case 0x0300: message = .error(errorValue: try m.u16be("error-value"), parameter: try m.octetString("parameter"))
        case 0x0400: message = .reject(problem: try m.u16be("problem"))
        default:
            throw r.error("message.choice", .invalidValue("0x\(String(choice, radix: 16, uppercase: true)) is not a DataApdu message"), at: choiceOffset)
        }
        try m.expectEnd(after: message.name)
    }

    public func encode(to w: inout ByteWriter) {
        w.u16be(invokeID)
        w.u16be(message.choice)
        var m = ByteWriter()
        switch message {
        case .eventReport(let e, _), .eventReportResult(let e): e.encode(to: &m)
        case .get(let g):
            m.u16be(g.handle)
            m.mderList(g.attributeIDs) { w, id in w.u16be(id) }
        case .getResult(let a), .setResult(let a):
            m.u16be(a.handle)
            m.mderList(a.attributes)
        case .set(let s, _):
            m.u16be(s.handle)
            m.mderList(s.modifications) { w, mod in
                w.u16be(mod.modifyOperator)
                mod.attribute.encode(to: &w)
            }
        case .action(let a, _), .actionResult(let a):
            m.u16be(a.handle)
            m.u16be(a.actionType)
            m.octetString(a.info)
        case .error(let v, let p):
            m.u16be(v)
            m.octetString(p)
        case .reject(let p): m.u16be(p)
        }
        w.octetString(m.bytes)
    }

    public func json(configuration: [ConfigReport.ConfigObject]? = nil) -> JSONValue {
        var body: JSONValue
        switch message {
        case .eventReport(let e, _): body = e.json(result: false, configuration: configuration)
        case .eventReportResult(let e): body = e.json(result: true, configuration: configuration)
        case .get(let g):
            body = .object([("handle", .int(Int64(g.handle))), ("attributeIds", .array(g.attributeIDs.map { id in
                MDC.objectName(id).map { .object([("attributeId", .int(Int64(id))), ("name", .string($0))]) } ?? .int(Int64(id))
            }))])
        case .getResult(let a), .setResult(let a):
            body = .object([("handle", .int(Int64(a.handle))), ("attributes", .array(a.attributes.map(\.json)))])
        case .set(let s, _):
            body = .object([("handle", .int(Int64(s.handle))), ("modifications", .array(s.modifications.map {
                .object([("modifyOperator", .int(Int64($0.modifyOperator))), ("attribute", $0.attribute.json)])
            }))])
        case .action(let a, _), .actionResult(let a): body = a.json
        case .error(let v, let p): body = .object([("errorValue", .int(Int64(v))), ("parameter", hexJSON(p))])
        case .reject(let p): body = .object([("problem", .int(Int64(p)))])
        }
        return .object([("invokeId", .int(Int64(invokeID))), ("message", .string(message.name)), ("choice", .string(hex4(message.choice))), ("content", body)])
    }
}

func hex4(_ v: UInt16) -> String {
    let s = String(v, radix: 16, uppercase: true)
    return "0x" + String(repeating: "0", count: max(0, 4 - s.count)) + s
}
