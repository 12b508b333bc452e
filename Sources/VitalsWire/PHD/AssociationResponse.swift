/// IEEE 11073-20601 AareApdu (APDU choice 0xE300): the manager's answer.
///
///     result uint16, selected-data-proto DataProto
public struct AssociationResponse: MDERCodable, Hashable {
    public struct Result: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        public var rawValue: UInt16
        public init(rawValue: UInt16) { self.rawValue = rawValue }
        public static let accepted = Self(rawValue: 0)
        public static let rejectedPermanent = Self(rawValue: 1)
        public static let rejectedTransient = Self(rawValue: 2)
        public static let acceptedUnknownConfig = Self(rawValue: 3)
        public static let rejectedNoCommonProtocol = Self(rawValue: 4)
        public static let rejectedNoCommonParameter = Self(rawValue: 5)
        public static let rejectedUnknown = Self(rawValue: 6)
        public static let rejectedUnauthorized = Self(rawValue: 7)
        public static let rejectedUnsupportedAssocVersion = Self(rawValue: 8)
        static let names = [
            "accepted", "rejected-permanent", "rejected-transient", "accepted-unknown-config",
            "rejected-no-common-protocol", "rejected-no-common-parameter", "rejected-unknown",
            "rejected-unauthorized", "rejected-unsupported-assoc-version",
        ]
        public var description: String { Int(rawValue) < Self.names.count ? Self.names[Int(rawValue)] : "result-\(rawValue)" }
        public var isAccepted: Bool { self == .accepted || self == .acceptedUnknownConfig }
    }

    public var result: Result
    public var selectedDataProto: AssociationRequest.DataProto

    public init(result: Result, selectedDataProto: AssociationRequest.DataProto) {
        self.result = result
        self.selectedDataProto = selectedDataProto
    }

    public init(mder r: inout ByteReader) throws(WireError) {
        result = Result(rawValue: try r.u16be("result"))
        selectedDataProto = try AssociationRequest.DataProto(mder: &r)
    }

    public func encode(to w: inout ByteWriter) {
        w.u16be(result.rawValue)
        selectedDataProto.encode(to: &w)
    }

    public var json: JSONValue {
        .object([("result", .string(result.description)), ("resultCode", .int(Int64(result.rawValue))), ("selectedDataProto", selectedDataProto.json)])
    }
}
