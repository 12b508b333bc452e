/// One ATT protocol data unit: Opcode uint8 then parameters. Decode and encode are symmetric.
public enum ATTPDU: Hashable, Sendable {
    case errorResponse(ATTErrorResponse)
    case exchangeMTURequest(ATTExchangeMTU)
    case exchangeMTUResponse(ATTExchangeMTU)
    case findInformationRequest(ATTFindInformationRequest)
    case findInformationResponse(ATTFindInformationResponse)
    case readByTypeRequest(ATTReadByTypeRequest)
    case readByTypeResponse(ATTReadByTypeResponse)
    case readRequest(handle: UInt16)
    case readResponse(value: [UInt8])
    /// ATT_READ_BLOB_REQ (0x0C): Attribute Handle uint16, Value Offset uint16.
    case readBlobRequest(handle: UInt16, offset: UInt16)
    /// ATT_READ_BLOB_RSP (0x0D): Part Attribute Value.
    case readBlobResponse(part: [UInt8])
    case readByGroupTypeRequest(ATTReadByTypeRequest)
    case readByGroupTypeResponse(ATTReadByGroupTypeResponse)
    case writeRequest(ATTHandleValue)
    case writeResponse
    case writeCommand(ATTHandleValue)
    case handleValueNotification(ATTHandleValue)
    case handleValueIndication(ATTHandleValue)
    case handleValueConfirmation
    /// An opcode this build does not implement, kept whole so the server can answer "Request Not Supported".
    case unsupported(opcode: ATTOpcode, parameters: [UInt8])

    public var opcode: ATTOpcode {
        switch self {
        case .errorResponse: .errorResponse
        case .exchangeMTURequest: .exchangeMTURequest
        case .exchangeMTUResponse: .exchangeMTUResponse
        case .findInformationRequest: .findInformationRequest
        case .findInformationResponse: .findInformationResponse
        case .readByTypeRequest: .readByTypeRequest
        case .readByTypeResponse: .readByTypeResponse
        case .readRequest: .readRequest
        case .readResponse: .readResponse
        case .readBlobRequest: .readBlobRequest
        case .readBlobResponse: .readBlobResponse
        case .readByGroupTypeRequest: .readByGroupTypeRequest
        case .readByGroupTypeResponse: .readByGroupTypeResponse
        case .writeRequest: .writeRequest
        case .writeResponse: .writeResponse
        case .writeCommand: .writeCommand
        case .handleValueNotification: .handleValueNotification
        case .handleValueIndication: .handleValueIndication
        case .handleValueConfirmation: .handleValueConfirmation
        case .unsupported(let op, _): op
        }
    }

    public init(bytes: [UInt8]) throws(WireError) {
        var r = ByteReader(bytes, entity: "ATT PDU")
        let op = ATTOpcode(rawValue: try r.u8("Opcode"))
        var p = ByteReader(bytes, entity: "ATT \(op)")
        _ = try p.u8("Opcode")
        switch op {
        case .errorResponse: self = .errorResponse(try ATTErrorResponse(parameters: &p))
        case .exchangeMTURequest: self = .exchangeMTURequest(try ATTExchangeMTU(parameters: &p, field: "Client Rx MTU"))
        case .exchangeMTUResponse: self = .exchangeMTUResponse(try ATTExchangeMTU(parameters: &p, field: "Server Rx MTU"))
        case .findInformationRequest: self = .findInformationRequest(try ATTFindInformationRequest(parameters: &p))
        case .findInformationResponse: self = .findInformationResponse(try ATTFindInformationResponse(parameters: &p))
        case .readByTypeRequest: self = .readByTypeRequest(try ATTReadByTypeRequest(parameters: &p, typeField: "Attribute Type"))
        case .readByTypeResponse: self = .readByTypeResponse(try ATTReadByTypeResponse(parameters: &p))
        case .readRequest: self = .readRequest(handle: try ATTHandleValue(parameters: &p, withValue: false).handle)
        case .readResponse: self = .readResponse(value: p.rest())
        case .readBlobRequest:
            let h = try p.u16le("Attribute Handle")
            let o = try p.u16le("Value Offset")
            try p.expectEnd(after: "Value Offset")
            self = .readBlobRequest(handle: h, offset: o)
        case .readBlobResponse: self = .readBlobResponse(part: p.rest())
        case .readByGroupTypeRequest:
            self = .readByGroupTypeRequest(try ATTReadByTypeRequest(parameters: &p, typeField: "Attribute Group Type"))
        case .readByGroupTypeResponse: self = .readByGroupTypeResponse(try ATTReadByGroupTypeResponse(parameters: &p))
        case .writeRequest: self = .writeRequest(try ATTHandleValue(parameters: &p, withValue: true))
        case .writeResponse:
            try p.expectEnd(after: "Opcode")
            self = .writeResponse
        case .writeCommand: self = .writeCommand(try ATTHandleValue(parameters: &p, withValue: true))
        case .handleValueNotification:
            self = .handleValueNotification(try ATTHandleValue(parameters: &p, withValue: true))
        case .handleValueIndication:
            self = .handleValueIndication(try ATTHandleValue(parameters: &p, withValue: true))
        case .handleValueConfirmation:
            try p.expectEnd(after: "Opcode")
            self = .handleValueConfirmation
        default: self = .unsupported(opcode: op, parameters: p.rest())
        }
    }

    public func encoded() -> [UInt8] {
        var w = ByteWriter()
        w.u8(opcode.rawValue)
        switch self {
        case .errorResponse(let e): e.encodeParameters(into: &w)
        case .exchangeMTURequest(let m), .exchangeMTUResponse(let m): m.encodeParameters(into: &w)
        case .findInformationRequest(let f): f.encodeParameters(into: &w)
        case .findInformationResponse(let f): f.encodeParameters(into: &w)
        case .readByTypeRequest(let q), .readByGroupTypeRequest(let q): q.encodeParameters(into: &w)
        case .readByTypeResponse(let q): q.encodeParameters(into: &w)
        case .readRequest(let h): w.u16le(h)
        case .readResponse(let v): w.append(v)
        case .readBlobRequest(let h, let o):
            w.u16le(h)
            w.u16le(o)
        case .readBlobResponse(let v): w.append(v)
        case .readByGroupTypeResponse(let g): g.encodeParameters(into: &w)
        case .writeRequest(let hv), .writeCommand(let hv), .handleValueNotification(let hv), .handleValueIndication(let hv):
            hv.encodeParameters(into: &w)
        case .writeResponse, .handleValueConfirmation: break
        case .unsupported(_, let params): w.append(params)
        }
        return w.bytes
    }
}
