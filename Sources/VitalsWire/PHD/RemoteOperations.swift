/// IEEE 11073-20601 remote-operation arguments and results carried in a DataApdu.
///
///     EventReportArgumentSimple ::= obj-handle uint16, event-time RelativeTime uint32, event-type uint16, event-info Any
///     EventReportResultSimple   ::= obj-handle uint16, currentTime RelativeTime uint32, event-type uint16, event-reply-info Any
///     GetArgumentSimple         ::= obj-handle uint16, attribute-id-list (count, length, uint16…)
///     GetResultSimple           ::= obj-handle uint16, attribute-list AttributeList
///     SetArgumentSimple         ::= obj-handle uint16, modification-list (count, length, {modify-operator uint16, AVA-Type}…)
///     SetResultSimple           ::= obj-handle uint16, attribute-list AttributeList
///     ActionArgumentSimple      ::= obj-handle uint16, action-type uint16, action-info-args Any
///     ActionResultSimple        ::= obj-handle uint16, action-type uint16, action-info-args Any
///     ErrorResult               ::= error-value uint16, parameter Any
///     RejectResult              ::= problem uint16
public struct EventReport: Hashable, Sendable {
    public var handle: UInt16
    /// event-time (argument) or currentTime (result), RelativeTime in 1/8 ms; 0xFFFFFFFF when not kept.
    public var time: UInt32
    public var eventType: UInt16
    /// event-info (argument) or event-reply-info (result), without the length.
    public var info: [UInt8]
    /// Absolute offset of `info` in the decoded APDU, for error messages when it is parsed later.
    public var infoOffset: Int = 0

    public init(handle: UInt16 = 0, time: UInt32 = 0xFFFF_FFFF, eventType: UInt16, info: [UInt8]) {
        self.handle = handle
        self.time = time
        self.eventType = eventType
        self.info = info
    }

    init(mder r: inout ByteReader, result: Bool) throws(WireError) {
        handle = try r.u16be("obj-handle")
        time = try r.u32be(result ? "currentTime" : "event-time")
        eventType = try r.u16be("event-type")
        var sub = try r.lengthPrefixed(result ? "event-reply-info" : "event-info")
        infoOffset = sub.absoluteOffset
        info = sub.bytes
        // Parse what this build understands now, so malformed content fails with its offset.
        if !result {
            if eventType == MDC.notiConfig {
                _ = try ConfigReport(mder: &sub)
                try sub.expectEnd(after: "ConfigReport")
            } else if ScanReport.layout(eventType: eventType) != nil {
                _ = try ScanReport(eventType: eventType, reader: &sub)
                try sub.expectEnd(after: "scan report")
            }
        } else if eventType == MDC.notiConfig {
            _ = try ConfigReportResponse(mder: &sub)
            try sub.expectEnd(after: "ConfigReportRsp")
        }
    }

    func encode(to w: inout ByteWriter) {
        w.u16be(handle)
        w.u32be(time)
        w.u16be(eventType)
        w.octetString(info)
    }

    /// The config report this event carries (MDC_NOTI_CONFIG).
    public var configReport: ConfigReport? {
        guard eventType == MDC.notiConfig else { return nil }
        return try? ConfigReport(mderBytes: info, entity: "ConfigReport")
    }

    public var configReportResponse: ConfigReportResponse? {
        guard eventType == MDC.notiConfig else { return nil }
        return try? ConfigReportResponse(mderBytes: info, entity: "ConfigReportRsp")
    }

    public var scanReport: ScanReport? {
        var r = ByteReader(info, entity: "scan report")
        guard ScanReport.layout(eventType: eventType) != nil, let s = try? ScanReport(eventType: eventType, reader: &r), r.isAtEnd else { return nil }
        return s
    }

    func json(result: Bool, configuration: [ConfigReport.ConfigObject]?) -> JSONValue {
        var pairs: [(String, JSONValue)] = [
            ("handle", .int(Int64(handle))),
            (result ? "currentTime" : "eventTime", time == 0xFFFF_FFFF ? .string("not-supported") : .int(Int64(time))),
            ("eventType", .int(Int64(eventType))),
        ]
        if let n = MDC.objectName(eventType) { pairs.append(("eventTypeName", .string(n))) }
        if !result, let c = configReport {
            pairs.append(("configReport", c.json))
        } else if result, let c = configReportResponse {
            pairs.append(("configReportRsp", c.json))
        } else if !result, let s = scanReport {
            pairs.append(("scanReport", s.json(configuration: configuration)))
        } else {
            pairs.append((result ? "eventReplyInfo" : "eventInfo", hexJSON(info)))
        }
        return .object(pairs)
    }
}

public struct GetArgument: Hashable, Sendable {
    public var handle: UInt16
    /// Empty: all attributes.
    public var attributeIDs: [UInt16]
    public init(handle: UInt16 = 0, attributeIDs: [UInt16] = []) {
        self.handle = handle
        self.attributeIDs = attributeIDs
    }
}

/// The result of GET, SET and confirmed SET: an object and attributes.
public struct AttributeResult: Hashable, Sendable {
    public var handle: UInt16
    public var attributes: [AttributeValueAssertion]
    public init(handle: UInt16 = 0, attributes: [AttributeValueAssertion]) {
        self.handle = handle
        self.attributes = attributes
    }
    public func attribute(_ id: UInt16) -> AttributeValue? { attributes.first { $0.id == id }?.typed }
}

public struct SetArgument: Hashable, Sendable {
    public struct Modification: Hashable, Sendable {
        /// 0 replace, 1 add-values, 2 remove-values, 3 set-to-default.
        public var modifyOperator: UInt16
        public var attribute: AttributeValueAssertion
        public init(modifyOperator: UInt16 = 0, attribute: AttributeValueAssertion) {
            self.modifyOperator = modifyOperator
            self.attribute = attribute
        }
    }
    public var handle: UInt16
    public var modifications: [Modification]
    public init(handle: UInt16, modifications: [Modification]) {
        self.handle = handle
        self.modifications = modifications
    }
}

/// An action's argument or result: object, action type and its Any-typed content.
public struct Action: Hashable, Sendable {
    public var handle: UInt16
    public var actionType: UInt16
    public var info: [UInt8]
    public init(handle: UInt16 = 0, actionType: UInt16, info: [UInt8]) {
        self.handle = handle
        self.actionType = actionType
        self.info = info
    }

    /// MDC_ACT_SET_TIME's argument: SetTimeInvoke ::= date-time AbsoluteTime, accuracy FLOAT (seconds).
    public static func setTime(_ t: AbsoluteTime, accuracySeconds: MDERFloat = MDERFloat(mantissa: 0, exponent: 0)!) -> Action {
        var w = ByteWriter()
        t.encode(to: &w)
        w.u32be(accuracySeconds.bitPattern)
        return Action(actionType: MDC.actSetTime, info: w.bytes)
    }

    var json: JSONValue {
        var pairs: [(String, JSONValue)] = [("handle", .int(Int64(handle))), ("actionType", .int(Int64(actionType)))]
        if let n = MDC.objectName(actionType) { pairs.append(("actionTypeName", .string(n))) }
        if actionType == MDC.actSetTime, info.count == 12 {
            var r = ByteReader(info, entity: "SetTimeInvoke")
            if let t = try? AbsoluteTime(mder: &r), let acc = try? r.u32be("accuracy") {
                pairs.append(("dateTime", .string(t.description)))
                pairs.append(("accuracy", MDERFloat(bitPattern: acc).json))
                return .object(pairs)
            }
        }
        pairs.append(("actionInfoArgs", hexJSON(info)))
        return .object(pairs)
    }
}
