/// IEEE 11073-20601 PhdAssociationInformation: the data-proto-info of data-proto-id 20601, in both the
/// association request (agent) and response (manager).
public struct PhdAssociationInformation: MDERCodable, Hashable {
    public static let protocolVersion1: UInt32 = 0x8000_0000
    public static let encodingMDER: UInt16 = 0x8000
    public static let nomenclatureVersion1: UInt32 = 0x8000_0000
    public static let systemTypeManager: UInt32 = 0x8000_0000
    public static let systemTypeAgent: UInt32 = 0x0080_0000

    public var protocolVersion: UInt32
    public var encodingRules: UInt16
    public var nomenclatureVersion: UInt32
    public var functionalUnits: UInt32
    public var systemType: UInt32
    /// The agent's EUI-64 (8 octets); the manager's own in a response.
    public var systemID: [UInt8]
    /// 1–0x3FFF a standard configuration, 0x4000–0x7FFF an extended one; 0 from a manager.
    public var devConfigID: UInt16
    public var dataReqModeFlags: UInt16
    public var dataReqInitAgentCount: UInt8
    public var dataReqInitManagerCount: UInt8
    public var optionList: [AttributeValueAssertion]

    public init(
        protocolVersion: UInt32 = protocolVersion1, encodingRules: UInt16 = encodingMDER,
        nomenclatureVersion: UInt32 = nomenclatureVersion1, functionalUnits: UInt32 = 0, systemType: UInt32,
        systemID: [UInt8], devConfigID: UInt16, dataReqModeFlags: UInt16 = 0, dataReqInitAgentCount: UInt8 = 0,
        dataReqInitManagerCount: UInt8 = 0, optionList: [AttributeValueAssertion] = []
    ) {
        self.protocolVersion = protocolVersion
        self.encodingRules = encodingRules
        self.nomenclatureVersion = nomenclatureVersion
        self.functionalUnits = functionalUnits
        self.systemType = systemType
        self.systemID = systemID
        self.devConfigID = devConfigID
        self.dataReqModeFlags = dataReqModeFlags
        self.dataReqInitAgentCount = dataReqInitAgentCount
        self.dataReqInitManagerCount = dataReqInitManagerCount
        self.optionList = optionList
    }

    public init(mder r: inout ByteReader) throws(WireError) {
        protocolVersion = try r.u32be("protocolVersion")
        encodingRules = try r.u16be("encodingRules")
        nomenclatureVersion = try r.u32be("nomenclatureVersion")
        functionalUnits = try r.u32be("functionalUnits")
        systemType = try r.u32be("systemType")
        systemID = try r.octetString("system-id")
        devConfigID = try r.u16be("dev-config-id")
        dataReqModeFlags = try r.u16be("data-req-mode-capab.data-req-mode-flags")
        dataReqInitAgentCount = try r.u8("data-req-mode-capab.data-req-init-agent-count")
        dataReqInitManagerCount = try r.u8("data-req-mode-capab.data-req-init-manager-count")
        optionList = try r.mderList("optionList", of: AttributeValueAssertion.self)
    }

    public func encode(to w: inout ByteWriter) {
        w.u32be(protocolVersion)
        w.u16be(encodingRules)
        w.u32be(nomenclatureVersion)
        w.u32be(functionalUnits)
        w.u32be(systemType)
        w.octetString(systemID)
        w.u16be(devConfigID)
        w.u16be(dataReqModeFlags)
        w.u8(dataReqInitAgentCount)
        w.u8(dataReqInitManagerCount)
        w.mderList(optionList)
    }

    /// The system id as 16 hex digits, the key the manager caches configurations under.
    public var systemIDHex: String { Hex.format(systemID, separator: "") }

    public var isAgent: Bool { systemType & Self.systemTypeAgent != 0 }

    public var json: JSONValue {
        .object([
            ("protocolVersion", .string(String(format8(protocolVersion)))),
            ("encodingRules", .string(encodingRules == Self.encodingMDER ? "MDER" : "0x" + String(encodingRules, radix: 16))),
            ("nomenclatureVersion", .string(format8(nomenclatureVersion))),
            ("functionalUnits", .int(Int64(functionalUnits))),
            ("systemType", .string(systemType == Self.systemTypeManager ? "manager" : systemType == Self.systemTypeAgent ? "agent" : format8(systemType))),
            ("systemId", .string(systemIDHex)),
            ("devConfigId", .int(Int64(devConfigID))),
            ("devConfigKind", .string(devConfigID == 0 ? "none" : devConfigID < 0x4000 ? "standard" : devConfigID < 0x8000 ? "extended" : "reserved")),
            ("dataReqModeFlags", .int(Int64(dataReqModeFlags))),
            ("dataReqInitAgentCount", .int(Int64(dataReqInitAgentCount))),
            ("dataReqInitManagerCount", .int(Int64(dataReqInitManagerCount))),
            ("optionList", .array(optionList.map(\.json))),
        ])
    }
}

func format8(_ v: UInt32) -> String {
    let s = String(v, radix: 16, uppercase: true)
    return "0x" + String(repeating: "0", count: max(0, 8 - s.count)) + s
}
