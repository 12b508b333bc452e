/// IEEE 11073-20601 persistent metric store (PM-store): how an agent hands over the measurements it kept.
///
///     SegmSelection        ::= CHOICE (choice uint16, length uint16): 1 all-segments (uint16 0), 2 segm-id-list (uint16 list)
///     SegmentInfoList      ::= SEQUENCE OF { seg-inst-no uint16, seg-info AttributeList }
///     PmSegmentEntryMap    ::= segm-entry-header uint16 (0x8000 absolute time, 0x4000 relative time,
///                              0x2000 hi-res relative time per entry), segm-entry-elem-list SEQUENCE OF
///                              { class-id uint16, metric-type TYPE, handle uint16, attr-val-map AttrValMap }
///     TrigSegmDataXferReq  ::= seg-inst-no uint16;  TrigSegmDataXferRsp ::= seg-inst-no uint16, trig-segm-xfer-rsp uint16
///     SegmentDataEvent     ::= segm-data-event-descr, segm-data-event-entries OCTET STRING
///     SegmDataEventDescr   ::= segm-instance uint16, segm-evt-entry-index uint32, segm-evt-entry-count uint32, segm-evt-status uint16
///     SegmentDataResult    ::= segm-data-event-descr (status with manager-confirm 0x0080)
public enum PMStore {
    public static let entryHeaderAbsoluteTime: UInt16 = 0x8000
    public static let entryHeaderRelativeTime: UInt16 = 0x4000
    public static let entryHeaderHiResRelativeTime: UInt16 = 0x2000
    public static let statusFirstEntry: UInt16 = 0x8000
    public static let statusLastEntry: UInt16 = 0x4000
    /// SegmEvtStatus is an ASN.1 BITS-16: bit 0 is the most significant. first-entry(0), last-entry(1),
    /// agent-abort(4), manager-confirm(8), manager-abort(12).
    public static let statusAgentAbort: UInt16 = 0x0800
    public static let statusManagerConfirm: UInt16 = 0x0080
    public static let statusManagerAbort: UInt16 = 0x0008

    /// All segments.
    public static let allSegments: [UInt8] = [0x00, 0x01, 0x00, 0x02, 0x00, 0x00]

    public struct EntryElement: Hashable, Sendable {
        public var classID: UInt16
        public var metricPartition: UInt16
        public var metricTerm: UInt16
        public var handle: UInt16
        public var map: [AttributeValue.AttrValMapEntry]
        public init(classID: UInt16, metricPartition: UInt16 = 2, metricTerm: UInt16, handle: UInt16, map: [AttributeValue.AttrValMapEntry]) {
            self.classID = classID
            self.metricPartition = metricPartition
            self.metricTerm = metricTerm
            self.handle = handle
            self.map = map
        }
    }

    public struct EntryMap: Hashable, Sendable {
        public var header: UInt16
        public var elements: [EntryElement]
        public init(header: UInt16, elements: [EntryElement]) {
            self.header = header
            self.elements = elements
        }

        public init(mder r: inout ByteReader) throws(WireError) {
            header = try r.u16be("segm-entry-header")
            elements = try r.mderList("segm-entry-elem-list") { (r: inout ByteReader, g: String) throws(WireError) in
                let c = try r.u16be("\(g).class-id")
                let p = try r.u16be("\(g).metric-type.partition")
                let t = try r.u16be("\(g).metric-type.code")
                let h = try r.u16be("\(g).handle")
                let m = try AttributeValue.AttrValMapEntry.list(&r, "\(g).attr-val-map")
                return EntryElement(classID: c, metricPartition: p, metricTerm: t, handle: h, map: m)
            }
        }

        public var mderBytes: [UInt8] {
            var w = ByteWriter()
            w.u16be(header)
            w.mderList(elements) { w, e in
                w.u16be(e.classID)
                w.u16be(e.metricPartition)
                w.u16be(e.metricTerm)
                w.u16be(e.handle)
                w.mderList(e.map) { w, m in
                    w.u16be(m.attributeID)
                    w.u16be(m.length)
                }
            }
            return w.bytes
        }

        /// Bytes per entry: the header's time fields, then every element's values.
        public var entryLength: Int {
            var n = 0
            if header & PMStore.entryHeaderAbsoluteTime != 0 { n += 8 }
            if header & PMStore.entryHeaderRelativeTime != 0 { n += 4 }
            if header & PMStore.entryHeaderHiResRelativeTime != 0 { n += 8 }
            return n + elements.reduce(0) { $0 + $1.map.reduce(0) { $0 + Int($1.length) } }
        }
    }

    public struct SegmentInfo: Hashable, Sendable {
        public var instance: UInt16
        public var attributes: [AttributeValueAssertion]
        public init(instance: UInt16, attributes: [AttributeValueAssertion]) {
            self.instance = instance
            self.attributes = attributes
        }
        /// MDC_ATTR_PM_SEG_MAP.
        public var entryMap: EntryMap? {
            guard let a = attributes.first(where: { $0.id == MDC.attrPMSegmentMap }) else { return nil }
            var r = ByteReader(a.value, entity: "PmSegmentEntryMap")
            return try? EntryMap(mder: &r)
        }
        /// MDC_ATTR_SEG_USAGE_CNT: entries in the segment.
        public var usageCount: UInt32? {
            guard let a = attributes.first(where: { $0.id == MDC.attrSegmentUsageCount }), a.value.count == 4 else { return nil }
            return a.value.reduce(0) { $0 << 8 | UInt32($1) }
        }
    }

    public static func segmentInfoList(_ bytes: [UInt8]) throws(WireError) -> [SegmentInfo] {
        var r = ByteReader(bytes, entity: "SegmentInfoList")
        let l = try r.mderList("SegmentInfoList") { (r: inout ByteReader, g: String) throws(WireError) in
            SegmentInfo(instance: try r.u16be("\(g).seg-inst-no"), attributes: try r.mderList("\(g).seg-info", of: AttributeValueAssertion.self))
        }
        try r.expectEnd(after: "SegmentInfoList")
        return l
    }

    public static func encode(segmentInfoList l: [SegmentInfo]) -> [UInt8] {
        var w = ByteWriter()
        w.mderList(l) { w, s in
            w.u16be(s.instance)
            w.mderList(s.attributes)
        }
        return w.bytes
    }

    public struct EventDescription: Hashable, Sendable {
        public var instance: UInt16
        public var entryIndex: UInt32
        public var entryCount: UInt32
        public var status: UInt16
        public init(instance: UInt16, entryIndex: UInt32, entryCount: UInt32, status: UInt16) {
            self.instance = instance
            self.entryIndex = entryIndex
            self.entryCount = entryCount
            self.status = status
        }
        public init(mder r: inout ByteReader) throws(WireError) {
            instance = try r.u16be("segm-instance")
            entryIndex = try r.u32be("segm-evt-entry-index")
            entryCount = try r.u32be("segm-evt-entry-count")
            status = try r.u16be("segm-evt-status")
        }
        public func encode(to w: inout ByteWriter) {
            w.u16be(instance)
            w.u32be(entryIndex)
            w.u32be(entryCount)
            w.u16be(status)
        }
    }

    /// MDC_NOTI_SEGMENT_DATA's event-info.
    public struct SegmentDataEvent: Hashable, Sendable {
        public var description: EventDescription
        public var entries: [UInt8]
        public init(description: EventDescription, entries: [UInt8]) {
            self.description = description
            self.entries = entries
        }
        public init(bytes: [UInt8]) throws(WireError) {
            var r = ByteReader(bytes, entity: "SegmentDataEvent")
            description = try EventDescription(mder: &r)
            entries = try r.octetString("segm-data-event-entries")
            try r.expectEnd(after: "SegmentDataEvent")
        }
        public var mderBytes: [UInt8] {
            var w = ByteWriter()
            description.encode(to: &w)
            w.octetString(entries)
            return w.bytes
        }

        /// The entries split by the segment's map: each entry's time stamp (if the header has one) and
        /// each element's attributes. Throws when the entries do not fill whole entries.
        public func split(with map: EntryMap) throws(WireError) -> [(time: AbsoluteTime?, elements: [(EntryElement, [AttributeValueAssertion])])] {
            var r = ByteReader(entries, entity: "segm-data-event-entries")
            var out: [(AbsoluteTime?, [(EntryElement, [AttributeValueAssertion])])] = []
            for i in 0..<Int(description.entryCount) {
                var time: AbsoluteTime?
                if map.header & PMStore.entryHeaderAbsoluteTime != 0 { time = try AbsoluteTime(mder: &r) }
                if map.header & PMStore.entryHeaderRelativeTime != 0 { _ = try r.u32be("entry[\(i)].relative-time") }
                if map.header & PMStore.entryHeaderHiResRelativeTime != 0 { _ = try r.bytes(8, "entry[\(i)].hires-relative-time") }
                var elements: [(EntryElement, [AttributeValueAssertion])] = []
                for e in map.elements {
                    let data = try r.bytes(e.map.reduce(0) { $0 + Int($1.length) }, "entry[\(i)].element \(e.handle)")
                    elements.append((e, try FixedValueLayout(entries: e.map).split(data)))
                }
                out.append((time, elements))
            }
            try r.expectEnd(after: "segment entries")
            return out
        }
    }
}

extension MDC {
    public static let attrNumberOfSegments: UInt16 = 2385
    public static let attrSegmentUsageCount: UInt16 = 2427
    public static let attrPMStoreCapability: UInt16 = 2637
    public static let attrPMSegmentMap: UInt16 = 2638
}
