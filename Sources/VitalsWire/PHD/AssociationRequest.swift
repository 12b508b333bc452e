/// IEEE 11073-20601 AarqApdu (APDU choice 0xE200): the agent asks to associate.
///
///     assoc-version uint32, data-proto-list (count, length, DataProto…)
///     DataProto ::= data-proto-id uint16, data-proto-info (Any: length uint16, content)
///
/// For data-proto-id 20601 the info is a `PhdAssociationInformation`.
public struct AssociationRequest: MDERCodable, Hashable {
    public static let assocVersion1: UInt32 = 0x8000_0000
    public static let dataProtoID20601: UInt16 = 20601

    public struct DataProto: MDERCodable, Hashable {
        public var id: UInt16
        /// The info's bytes, without their length.
        public var info: [UInt8]
        /// The parsed info when `id` is 20601.
        public var phd: PhdAssociationInformation?

        public init(phd: PhdAssociationInformation) {
            id = AssociationRequest.dataProtoID20601
            info = phd.mderBytes
            self.phd = phd
        }

        public init(id: UInt16, info: [UInt8]) {
            self.id = id
            self.info = info
            phd = nil
        }

        public init(mder r: inout ByteReader) throws(WireError) {
            id = try r.u16be("data-proto-id")
            var sub = try r.lengthPrefixed("data-proto-info")
            info = sub.bytes
            if id == AssociationRequest.dataProtoID20601 {
                let p = try PhdAssociationInformation(mder: &sub)
                try sub.expectEnd(after: "data-proto-info")
                phd = p
            } else {
                phd = nil
            }
        }

        public func encode(to w: inout ByteWriter) {
            w.u16be(id)
            w.octetString(info)
        }

        public var json: JSONValue {
            var pairs: [(String, JSONValue)] = [("dataProtoId", .int(Int64(id)))]
            pairs.append(("dataProtoInfo", phd?.json ?? hexJSON(info)))
            return .object(pairs)
        }
    }

    public var assocVersion: UInt32
    public var dataProtoList: [DataProto]

    public init(assocVersion: UInt32 = assocVersion1, dataProtoList: [DataProto]) {
        self.assocVersion = assocVersion
        self.dataProtoList = dataProtoList
    }

    public init(mder r: inout ByteReader) throws(WireError) {
        assocVersion = try r.u32be("assoc-version")
        dataProtoList = try r.mderList("data-proto-list", of: DataProto.self)
    }

    public func encode(to w: inout ByteWriter) {
        w.u32be(assocVersion)
        w.mderList(dataProtoList)
    }

    /// The 20601 association information, if the agent offered that protocol.
    public var phd: PhdAssociationInformation? { dataProtoList.first { $0.phd != nil }?.phd }

    public var json: JSONValue {
        .object([("assocVersion", .string(format8(assocVersion))), ("dataProtoList", .array(dataProtoList.map(\.json)))])
    }
}
