/// IEEE 11073-20601 ConfigReport: the event-info of MDC_NOTI_CONFIG, in which an agent with an extended
/// configuration (or a standard one the manager does not know) describes its objects.
///
///     config-report-id uint16, config-obj-list (count, length, ConfigObject…)
///     ConfigObject ::= obj-class uint16, obj-handle uint16, attributes AttributeList
public struct ConfigReport: MDERCodable, Hashable {
    public struct ConfigObject: MDERCodable, Hashable {
        public var objClass: UInt16
        public var handle: UInt16
        public var attributes: [AttributeValueAssertion]

        public init(objClass: UInt16, handle: UInt16, attributes: [AttributeValueAssertion]) {
            self.objClass = objClass
            self.handle = handle
            self.attributes = attributes
        }

        public init(mder r: inout ByteReader) throws(WireError) {
            objClass = try r.u16be("obj-class")
            handle = try r.u16be("obj-handle")
            attributes = try r.mderList("attributes", of: AttributeValueAssertion.self)
        }

        public func encode(to w: inout ByteWriter) {
            w.u16be(objClass)
            w.u16be(handle)
            w.mderList(attributes)
        }

        public func attribute(_ id: UInt16) -> AttributeValue? { attributes.first { $0.id == id }?.typed }

        public var json: JSONValue {
            var pairs: [(String, JSONValue)] = [("objClass", .int(Int64(objClass)))]
            if let n = MDC.objectName(objClass) { pairs.append(("objClassName", .string(n))) }
            pairs.append(("handle", .int(Int64(handle))))
            pairs.append(("attributes", .array(attributes.map(\.json))))
            return .object(pairs)
        }
    }

    public var configReportID: UInt16
    public var objects: [ConfigObject]

    public init(configReportID: UInt16, objects: [ConfigObject]) {
        self.configReportID = configReportID
        self.objects = objects
    }

    public init(mder r: inout ByteReader) throws(WireError) {
        configReportID = try r.u16be("config-report-id")
        objects = try r.mderList("config-obj-list", of: ConfigObject.self)
    }

    public func encode(to w: inout ByteWriter) {
        w.u16be(configReportID)
        w.mderList(objects)
    }

    public var json: JSONValue {
        .object([("configReportId", .int(Int64(configReportID))), ("objects", .array(objects.map(\.json)))])
    }
}

/// IEEE 11073-20601 ConfigReportRsp: the manager's reply to a ConfigReport.
public struct ConfigReportResponse: MDERCodable, Hashable {
    public struct Result: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        public var rawValue: UInt16
        public init(rawValue: UInt16) { self.rawValue = rawValue }
        public static let accepted = Self(rawValue: 0)
        public static let unsupported = Self(rawValue: 1)
        public static let standardConfigUnknown = Self(rawValue: 2)
        public var description: String {
            switch rawValue {
            case 0: "accepted-config"
            case 1: "unsupported-config"
            case 2: "standard-config-unknown"
            default: "result-\(rawValue)"
            }
        }
    }

    public var configReportID: UInt16
    public var result: Result

    public init(configReportID: UInt16, result: Result) {
        self.configReportID = configReportID
        self.result = result
    }

    public init(mder r: inout ByteReader) throws(WireError) {
        configReportID = try r.u16be("config-report-id")
        result = Result(rawValue: try r.u16be("config-result"))
    }

    public func encode(to w: inout ByteWriter) {
        w.u16be(configReportID)
        w.u16be(result.rawValue)
    }

    public var json: JSONValue {
        .object([("configReportId", .int(Int64(configReportID))), ("configResult", .string(result.description))])
    }
}
