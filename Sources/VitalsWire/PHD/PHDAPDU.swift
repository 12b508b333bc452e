/// An IEEE 11073-20601 APDU: choice uint16, length uint16, content.
///
/// 0xE200 AARQ, 0xE300 AARE, 0xE400 RLRQ, 0xE500 RLRE, 0xE600 ABRT, 0xE700 PRST
/// (PRST content: an OCTET STRING holding a DataApdu).
public enum PHDAPDU: Hashable, Sendable {
    case associationRequest(AssociationRequest)
    case associationResponse(AssociationResponse)
    case releaseRequest(ReleaseReason)
    case releaseResponse(ReleaseResponseReason)
    case abort(AbortReason)
    case data(DataAPDU)

    public static let entity = "IEEE 11073-20601 APDU"

    public var choice: UInt16 {
        switch self {
        case .associationRequest: 0xE200
        case .associationResponse: 0xE300
        case .releaseRequest: 0xE400
        case .releaseResponse: 0xE500
        case .abort: 0xE600
        case .data: 0xE700
        }
    }

    public var name: String {
        switch self {
        case .associationRequest: "AARQ"
        case .associationResponse: "AARE"
        case .releaseRequest: "RLRQ"
        case .releaseResponse: "RLRE"
        case .abort: "ABRT"
        case .data: "PRST"
        }
    }

    /// Decodes exactly one APDU; bytes after it are an error.
    public init(bytes: [UInt8]) throws(WireError) {
        var r = ByteReader(bytes, entity: Self.entity)
        self = try PHDAPDU(reader: &r)
        try r.expectEnd(after: name)
    }

    /// Decodes one APDU from the reader (several may share one transfer).
    public init(reader r: inout ByteReader) throws(WireError) {
        let choiceOffset = r.offset
        let choice = try r.u16be("APDU choice")
        var c = try r.lengthPrefixed("APDU")
        switch choice {
        case 0xE200: self = .associationRequest(try AssociationRequest(mder: &c))
        case 0xE300: self = .associationResponse(try AssociationResponse(mder: &c))
        case 0xE400: self = .releaseRequest(ReleaseReason(rawValue: try c.u16be("RLRQ.reason")))
        case 0xE500: self = .releaseResponse(ReleaseResponseReason(rawValue: try c.u16be("RLRE.reason")))
        case 0xE600: self = .abort(AbortReason(rawValue: try c.u16be("ABRT.reason")))
        case 0xE700:
            var d = try c.lengthPrefixed("PRST octet string")
            self = .data(try DataAPDU(mder: &d))
            try d.expectEnd(after: "DataApdu")
        default:
            throw r.error("APDU choice", .invalidValue("0x\(String(choice, radix: 16, uppercase: true)) is not an APDU type"), at: choiceOffset)
        }
        try c.expectEnd(after: name)
    }

    /// How many bytes the APDU at the start of `bytes` takes, once its header is there (for reassembly).
    public static func frameLength(_ bytes: ArraySlice<UInt8>) -> Int? {
        guard bytes.count >= 4 else { return nil }
        let i = bytes.startIndex
        return 4 + Int(bytes[i + 2]) << 8 + Int(bytes[i + 3])
    }

    public var bytes: [UInt8] {
        var c = ByteWriter()
        switch self {
        case .associationRequest(let a): a.encode(to: &c)
        case .associationResponse(let a): a.encode(to: &c)
        case .releaseRequest(let r): c.u16be(r.rawValue)
        case .releaseResponse(let r): c.u16be(r.rawValue)
        case .abort(let r): c.u16be(r.rawValue)
        case .data(let d): c.octetString(d.mderBytes)
        }
        var w = ByteWriter()
        w.u16be(choice)
        w.octetString(c.bytes)
        return w.bytes
    }

    /// JSON for `vitals decode --apdu`; fixed scan reports are interpreted with `configuration` when given.
    public func json(configuration: [ConfigReport.ConfigObject]? = nil) -> JSONValue {
        var pairs: [(String, JSONValue)] = [("apdu", .string(name)), ("choice", .string(hex4(choice)))]
        switch self {
        case .associationRequest(let a): pairs.append(("aarq", a.json))
        case .associationResponse(let a): pairs.append(("aare", a.json))
        case .releaseRequest(let r): pairs.append(("reason", .string(r.description)))
        case .releaseResponse(let r): pairs.append(("reason", .string(r.description)))
        case .abort(let r): pairs.append(("reason", .string(r.description)))
        case .data(let d): pairs.append(("data", d.json(configuration: configuration)))
        }
        return .object(pairs)
    }
}
