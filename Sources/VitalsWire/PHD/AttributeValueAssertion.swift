/// IEEE 11073-20601 AVA-Type: attribute-id uint16, attribute-value (Any: length uint16, content).
/// AttributeList is a SEQUENCE OF it. The value of every attribute this build knows is parsed while
/// decoding, so a malformed value is reported with its field and offset.
public struct AttributeValueAssertion: MDERCodable, Hashable {
    public var id: UInt16
    /// The value's bytes, without their length.
    public var value: [UInt8]

    public init(id: UInt16, value: [UInt8]) {
        self.id = id
        self.value = value
    }

    public init(_ id: UInt16, _ typed: AttributeValue) {
        self.id = id
        self.value = typed.mderBytes
    }

    public init(mder r: inout ByteReader) throws(WireError) {
        id = try r.u16be("attribute-id")
        var sub = try r.lengthPrefixed("attribute-value")
        value = sub.bytes
        if AttributeValue.knows(id) {
            let name = MDC.objectName(id) ?? "attribute \(id)"
            _ = try AttributeValue(attribute: id, reader: &sub, field: name)
        }
    }

    public func encode(to w: inout ByteWriter) {
        w.u16be(id)
        w.octetString(value)
    }

    /// The parsed value (`.raw` for attributes this build does not know).
    public var typed: AttributeValue {
        var r = ByteReader(value, entity: "attribute")
        return (try? AttributeValue(attribute: id, reader: &r, field: "value")) ?? .raw(value)
    }

    public var json: JSONValue {
        var pairs: [(String, JSONValue)] = [("attributeId", .int(Int64(id)))]
        if let n = MDC.objectName(id) { pairs.append(("name", .string(n))) }
        pairs.append(("value", typed.json))
        return .object(pairs)
    }
}

/// A parsed attribute value, by the attribute's ASN.1 type in IEEE 11073-20601.
public enum AttributeValue: Hashable, Sendable {
    /// TYPE: partition and term (MDC_ATTR_ID_TYPE, MDC_ATTR_SYS_TYPE).
    case type(partition: UInt16, term: UInt16)
    /// A 16-bit field: handle, OID-Type unit code, config id, metric-spec-small, measurement status.
    case uint16(UInt16)
    /// RelativeTime and other 32-bit counters.
    case uint32(UInt32)
    /// BasicNuObsValue (SFLOAT).
    case basic(SFloat)
    /// SimpleNuObsValue (FLOAT).
    case simple(MDERFloat)
    /// BasicNuObsValueCmp.
    case basicCompound([SFloat])
    /// SimpleNuObsValueCmp.
    case simpleCompound([MDERFloat])
    /// NuObsValue: metric id, measurement status, unit, FLOAT.
    case nuObsValue(NuObsValue)
    case nuObsValueCompound([NuObsValue])
    case absoluteTime(AbsoluteTime)
    /// An OCTET STRING (system id, a sample array).
    case octets([UInt8])
    /// SystemModel: manufacturer and model number.
    case model(manufacturer: String, model: String)
    /// AttrValMap: attribute id and value length, in the order fixed scan reports send them.
    case attributeValueMap([AttrValMapEntry])
    /// HandleAttrValMap: a scanner's layout of grouped reports, object by object.
    case handleAttributeValueMap([HandleMap])
    /// MetricIdList / OID lists (physio list of a compound metric).
    case idList([UInt16])
    /// TypeVerList: specialisation profiles and their versions.
    case typeVersionList([TypeVersion])
    case regulatoryCertification(RegulatoryCertificationDataList)
    /// MetricStructureSmall: structure (0 simple, 1 compound …) and maximum components.
    case metricStructure(structure: UInt8, components: UInt8)
    /// SaSpec: array size, sample size in bits, significant bits, flags.
    case sampleArraySpec(arraySize: UInt16, sampleSize: UInt8, significantBits: UInt8, flags: UInt16)
    /// ScaleRangeSpec16: the absolute values of two scaled sample values, for a linear map.
    case scaleRange16(lowerAbsolute: MDERFloat, upperAbsolute: MDERFloat, lowerScaled: UInt16, upperScaled: UInt16)
    case raw([UInt8])

    public struct AttrValMapEntry: Hashable, Sendable {
        public var attributeID: UInt16
        public var length: UInt16
        public init(_ attributeID: UInt16, _ length: UInt16) {
            self.attributeID = attributeID
            self.length = length
        }

        /// An AttrValMap: SEQUENCE OF { attribute-id uint16, attribute-len uint16 }.
        static func list(_ r: inout ByteReader, _ field: String) throws(WireError) -> [AttrValMapEntry] {
            try r.mderList(field) { (r: inout ByteReader, g: String) throws(WireError) in
                AttrValMapEntry(try r.u16be("\(g).attribute-id"), try r.u16be("\(g).attribute-len"))
            }
        }
    }

    public struct HandleMap: Hashable, Sendable {
        public var handle: UInt16
        public var map: [AttrValMapEntry]
        public init(handle: UInt16, map: [AttrValMapEntry]) {
            self.handle = handle
            self.map = map
        }
    }

    public struct TypeVersion: Hashable, Sendable {
        public var type: UInt16
        public var version: UInt16
        public init(type: UInt16, version: UInt16) {
            self.type = type
            self.version = version
        }
    }

    public struct NuObsValue: Hashable, Sendable {
        public var metricID: UInt16
        public var state: UInt16
        public var unitCode: UInt16
        public var value: MDERFloat
        public init(metricID: UInt16, state: UInt16, unitCode: UInt16, value: MDERFloat) {
            self.metricID = metricID
            self.state = state
            self.unitCode = unitCode
            self.value = value
        }
        static func decode(_ r: inout ByteReader, _ f: String) throws(WireError) -> NuObsValue {
            NuObsValue(
                metricID: try r.u16be("\(f).metric-id"), state: try r.u16be("\(f).state"),
                unitCode: try r.u16be("\(f).unit-code"), value: MDERFloat(bitPattern: try r.u32be("\(f).value")))
        }
        func encode(_ w: inout ByteWriter) {
            w.u16be(metricID)
            w.u16be(state)
            w.u16be(unitCode)
            w.u32be(value.bitPattern)
        }
        var json: JSONValue {
            .object([
                ("metricId", MDC.json(partition: 2, term: metricID)), ("state", .int(Int64(state))),
                ("unit", MDC.json(partition: 4, term: unitCode)), ("value", value.json),
            ])
        }
    }

    static let uint16Attributes: Set<UInt16> = [
        MDC.attrIDHandle, MDC.attrUnitCode, MDC.attrDevConfigID, MDC.attrMetricSpecSmall, MDC.attrMeasurementStatus,
    ]
    static let uint32Attributes: Set<UInt16> = [MDC.attrTimeRelative, MDC.attrTimeStampRelative, MDC.attrTimePeriodSample]

    static func knows(_ id: UInt16) -> Bool {
        uint16Attributes.contains(id) || uint32Attributes.contains(id)
            || [
                MDC.attrIDType, MDC.attrSystemType, MDC.attrNuValueObservedBasic, MDC.attrNuValueObservedSimple,
                MDC.attrNuCompoundValueObservedBasic, MDC.attrNuCompoundValueObservedSimple, MDC.attrNuValueObserved,
                MDC.attrNuCompoundValueObserved, MDC.attrTimeAbsolute, MDC.attrTimeStampAbsolute, MDC.attrSystemID,
                MDC.attrSimpleSAObservedValue, MDC.attrIDModel, MDC.attrAttributeValueMap, MDC.attrIDPhysioList,
                MDC.attrSystemTypeSpecList, MDC.attrRegCertDataList, MDC.attrMetricStructSmall,
                MDC.attrSampleArraySpecification, MDC.attrScaleSpecificationI16, MDC.attrScanHandleAttrValMap,
            ].contains(id)
    }

    /// Parses the content of attribute `attribute`; the reader must hold exactly the value.
    public init(attribute: UInt16, reader r: inout ByteReader, field f: String) throws(WireError) {
        switch attribute {
        case MDC.attrIDType, MDC.attrSystemType:
            self = .type(partition: try r.u16be("\(f).partition"), term: try r.u16be("\(f).code"))
        case _ where Self.uint16Attributes.contains(attribute): self = .uint16(try r.u16be(f))
        case _ where Self.uint32Attributes.contains(attribute): self = .uint32(try r.u32be(f))
        case MDC.attrNuValueObservedBasic: self = .basic(SFloat(bitPattern: try r.u16be(f)))
        case MDC.attrNuValueObservedSimple: self = .simple(MDERFloat(bitPattern: try r.u32be(f)))
        case MDC.attrNuCompoundValueObservedBasic:
            self = .basicCompound(try r.mderList(f) { (r: inout ByteReader, g: String) throws(WireError) in SFloat(bitPattern: try r.u16be(g)) })
        case MDC.attrNuCompoundValueObservedSimple:
            self = .simpleCompound(try r.mderList(f) { (r: inout ByteReader, g: String) throws(WireError) in MDERFloat(bitPattern: try r.u32be(g)) })
        case MDC.attrNuValueObserved: self = .nuObsValue(try NuObsValue.decode(&r, f))
        case MDC.attrNuCompoundValueObserved:
            self = .nuObsValueCompound(try r.mderList(f) { (r: inout ByteReader, g: String) throws(WireError) in try NuObsValue.decode(&r, g) })
        case MDC.attrTimeAbsolute, MDC.attrTimeStampAbsolute: self = .absoluteTime(try AbsoluteTime(mder: &r))
        case MDC.attrSystemID, MDC.attrSimpleSAObservedValue: self = .octets(try r.octetString(f))
        case MDC.attrIDModel:
            let m = try r.octetString("\(f).manufacturer"), n = try r.octetString("\(f).model-number")
            self = .model(manufacturer: Self.text(m), model: Self.text(n))
        case MDC.attrAttributeValueMap:
            self = .attributeValueMap(try AttrValMapEntry.list(&r, f))
        case MDC.attrScanHandleAttrValMap:
            self = .handleAttributeValueMap(try r.mderList(f) { (r: inout ByteReader, g: String) throws(WireError) in
                HandleMap(handle: try r.u16be("\(g).obj-handle"), map: try AttrValMapEntry.list(&r, "\(g).attr-val-map"))
            })
        case MDC.attrIDPhysioList:
            self = .idList(try r.mderList(f) { (r: inout ByteReader, g: String) throws(WireError) in try r.u16be(g) })
        case MDC.attrSystemTypeSpecList:
            self = .typeVersionList(try r.mderList(f) { (r: inout ByteReader, g: String) throws(WireError) in
                TypeVersion(type: try r.u16be("\(g).type"), version: try r.u16be("\(g).version"))
            })
        case MDC.attrRegCertDataList:
            // The same MDER structure as the BLE 0x2A2A characteristic.
            let bytes = r.rest()
            do {
                self = .regulatoryCertification(try RegulatoryCertificationDataList(bytes: bytes))
            } catch {
                throw r.error(f, .invalidValue("\(error)"), at: 0)
            }
        case MDC.attrMetricStructSmall:
            self = .metricStructure(structure: try r.u8("\(f).ms-struct"), components: try r.u8("\(f).ms-comp-no"))
        case MDC.attrSampleArraySpecification:
            self = .sampleArraySpec(
                arraySize: try r.u16be("\(f).array-size"), sampleSize: try r.u8("\(f).sample-type.sample-size"),
                significantBits: try r.u8("\(f).sample-type.significant-bits"), flags: try r.u16be("\(f).flags"))
        case MDC.attrScaleSpecificationI16:
            self = .scaleRange16(
                lowerAbsolute: MDERFloat(bitPattern: try r.u32be("\(f).lower-absolute-value")),
                upperAbsolute: MDERFloat(bitPattern: try r.u32be("\(f).upper-absolute-value")),
                lowerScaled: try r.u16be("\(f).lower-scaled-value"), upperScaled: try r.u16be("\(f).upper-scaled-value"))
        default:
            self = .raw(r.rest())
        }
        try r.expectEnd(after: f)
    }

    static func text(_ b: [UInt8]) -> String {
        var t = String(decoding: b.prefix { $0 != 0 }, as: UTF8.self)
        while t.last == " " { t.removeLast() }
        return t
    }

    public var mderBytes: [UInt8] {
        var w = ByteWriter()
        switch self {
        case .type(let p, let t):
            w.u16be(p)
            w.u16be(t)
        case .uint16(let v): w.u16be(v)
        case .uint32(let v): w.u32be(v)
        case .basic(let s): w.u16be(s.bitPattern)
        case .simple(let f): w.u32be(f.bitPattern)
        case .basicCompound(let l): w.mderList(l) { w, s in w.u16be(s.bitPattern) }
        case .simpleCompound(let l): w.mderList(l) { w, f in w.u32be(f.bitPattern) }
        case .nuObsValue(let v): v.encode(&w)
        case .nuObsValueCompound(let l): w.mderList(l) { w, v in v.encode(&w) }
        case .absoluteTime(let t): t.encode(to: &w)
        case .octets(let b): w.octetString(b)
        case .model(let m, let n):
            w.octetString(Self.padded(m))
            w.octetString(Self.padded(n))
        case .attributeValueMap(let l):
            w.mderList(l) { w, e in
                w.u16be(e.attributeID)
                w.u16be(e.length)
            }
        case .handleAttributeValueMap(let l):
            w.mderList(l) { w, h in
                w.u16be(h.handle)
                w.mderList(h.map) { w, e in
                    w.u16be(e.attributeID)
                    w.u16be(e.length)
                }
            }
        case .idList(let l): w.mderList(l) { w, v in w.u16be(v) }
        case .typeVersionList(let l):
            w.mderList(l) { w, e in
                w.u16be(e.type)
                w.u16be(e.version)
            }
        case .regulatoryCertification(let l): w.append(l.encoded())
        case .metricStructure(let s, let c):
            w.u8(s)
            w.u8(c)
        case .sampleArraySpec(let n, let size, let bits, let flags):
            w.u16be(n)
            w.u8(size)
            w.u8(bits)
            w.u16be(flags)
        case .scaleRange16(let la, let ua, let ls, let us):
            w.u32be(la.bitPattern)
            w.u32be(ua.bitPattern)
            w.u16be(ls)
            w.u16be(us)
        case .raw(let b): w.append(b)
        }
        return w.bytes
    }

    /// MDER octet strings for text are padded to an even length.
    static func padded(_ s: String) -> [UInt8] {
        var b = Array(s.utf8)
        if b.count % 2 == 1 { b.append(0) }
        return b
    }

    public var json: JSONValue {
        switch self {
        case .type(let p, let t):
            var pairs: [(String, JSONValue)] = [("partition", .int(Int64(p))), ("code", .int(Int64(t)))]
            if let n = MDC.name(partition: p, term: t) { pairs.append(("name", .string(n))) }
            pairs.append(("mdc", .int(Int64(MDC.code(partition: p, term: t)))))
            return .object(pairs)
        case .uint16(let v): return .int(Int64(v))
        case .uint32(let v): return .int(Int64(v))
        case .basic(let s): return s.mderJSON
        case .simple(let f): return f.json
        case .basicCompound(let l): return .array(l.map(\.mderJSON))
        case .simpleCompound(let l): return .array(l.map(\.json))
        case .nuObsValue(let v): return v.json
        case .nuObsValueCompound(let l): return .array(l.map(\.json))
        case .absoluteTime(let t): return .string(t.description)
        case .octets(let b): return hexJSON(b)
        case .model(let m, let n): return .object([("manufacturer", .string(m)), ("model", .string(n))])
        case .attributeValueMap(let l):
            return .array(l.map { e in
                var pairs: [(String, JSONValue)] = [("attributeId", .int(Int64(e.attributeID)))]
                if let n = MDC.objectName(e.attributeID) { pairs.append(("name", .string(n))) }
                pairs.append(("length", .int(Int64(e.length))))
                return .object(pairs)
            })
        case .handleAttributeValueMap(let l):
            return .array(l.map { h in
                .object([("handle", .int(Int64(h.handle))), ("map", .array(h.map.map { .object([("attributeId", .int(Int64($0.attributeID))), ("length", .int(Int64($0.length)))]) }))])
            })
        case .idList(let l): return .array(l.map { MDC.json(partition: 2, term: $0) })
        case .typeVersionList(let l):
            return .array(l.map { .object([("type", MDC.json(partition: 8, term: $0.type)), ("version", .int(Int64($0.version)))]) })
        case .regulatoryCertification(let l): return l.json
        case .metricStructure(let s, let c): return .object([("structure", .int(Int64(s))), ("components", .int(Int64(c)))])
        case .sampleArraySpec(let n, let size, let bits, let flags):
            return .object([("arraySize", .int(Int64(n))), ("sampleSize", .int(Int64(size))), ("significantBits", .int(Int64(bits))), ("flags", .int(Int64(flags)))])
        case .scaleRange16(let la, let ua, let ls, let us):
            return .object([("lowerAbsolute", la.json), ("upperAbsolute", ua.json), ("lowerScaled", .int(Int64(ls))), ("upperScaled", .int(Int64(us)))])
        case .raw(let b): return hexJSON(b)
        }
    }
}
