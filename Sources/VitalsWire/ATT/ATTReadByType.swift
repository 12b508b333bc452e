/// ATT_READ_BY_TYPE_REQ (0x08) and ATT_READ_BY_GROUP_TYPE_REQ (0x10): Starting Handle, Ending Handle,
/// Attribute (Group) Type as a 2- or 16-byte UUID.
public struct ATTReadByTypeRequest: Hashable, Sendable {
    public var startHandle: UInt16
    public var endHandle: UInt16
    public var type: BluetoothUUID

    public init(startHandle: UInt16, endHandle: UInt16, type: BluetoothUUID) {
        self.startHandle = startHandle
        self.endHandle = endHandle
        self.type = type
    }

    init(parameters r: inout ByteReader, typeField: String) throws(WireError) {
        startHandle = try r.u16le("Starting Handle")
        endHandle = try r.u16le("Ending Handle")
        let at = r.offset
        let rest = r.rest()
        guard let u = BluetoothUUID(littleEndian: rest) else {
            throw r.error(typeField, rest.count < 2 ? .truncated(needed: 2, available: rest.count) : .invalidValue("UUID must be 2 or 16 bytes, got \(rest.count)"), at: at)
        }
        type = u
    }

    func encodeParameters(into w: inout ByteWriter) {
        w.u16le(startHandle)
        w.u16le(endHandle)
        w.append(type.littleEndianBytes)
    }
}

/// ATT_READ_BY_TYPE_RSP (0x09): Length uint8 (of each handle–value pair), then the pairs.
public struct ATTReadByTypeResponse: Hashable, Sendable {
    public struct Entry: Hashable, Sendable {
        public var handle: UInt16
        public var value: [UInt8]
        public init(handle: UInt16, value: [UInt8]) {
            self.handle = handle
            self.value = value
        }
    }
    public var entries: [Entry]

    public init(entries: [Entry]) { self.entries = entries }

    init(parameters r: inout ByteReader) throws(WireError) {
        let lengthOffset = r.offset
        let length = Int(try r.u8("Length"))
        guard length >= 2 else { throw r.error("Length", .invalidValue("each pair needs at least 2 bytes, got \(length)"), at: lengthOffset) }
        entries = []
        guard r.remaining > 0 else { throw r.error("Attribute Data List", .truncated(needed: length, available: 0)) }
        while !r.isAtEnd {
            let h = try r.u16le("Attribute Data List.Attribute Handle")
            let v = try r.bytes(length - 2, "Attribute Data List.Attribute Value")
            entries.append(Entry(handle: h, value: v))
        }
    }

    func encodeParameters(into w: inout ByteWriter) {
        w.u8(UInt8(2 + (entries.first?.value.count ?? 0)))
        for e in entries {
            w.u16le(e.handle)
            w.append(e.value)
        }
    }
}

/// ATT_READ_BY_GROUP_TYPE_RSP (0x11): Length uint8, then Attribute Handle, End Group Handle, Attribute Value.
public struct ATTReadByGroupTypeResponse: Hashable, Sendable {
    public struct Entry: Hashable, Sendable {
        public var handle: UInt16
        public var endGroupHandle: UInt16
        public var value: [UInt8]
        public init(handle: UInt16, endGroupHandle: UInt16, value: [UInt8]) {
            self.handle = handle
            self.endGroupHandle = endGroupHandle
            self.value = value
        }
    }
    public var entries: [Entry]

    public init(entries: [Entry]) { self.entries = entries }

    init(parameters r: inout ByteReader) throws(WireError) {
        let lengthOffset = r.offset
        let length = Int(try r.u8("Length"))
        guard length >= 4 else { throw r.error("Length", .invalidValue("each entry needs at least 4 bytes, got \(length)"), at: lengthOffset) }
        entries = []
        guard r.remaining > 0 else { throw r.error("Attribute Data List", .truncated(needed: length, available: 0)) }
        while !r.isAtEnd {
            let h = try r.u16le("Attribute Data List.Attribute Handle")
            let e = try r.u16le("Attribute Data List.End Group Handle")
            let v = try r.bytes(length - 4, "Attribute Data List.Attribute Value")
            entries.append(Entry(handle: h, endGroupHandle: e, value: v))
        }
    }

    func encodeParameters(into w: inout ByteWriter) {
        w.u8(UInt8(4 + (entries.first?.value.count ?? 0)))
        for e in entries {
            w.u16le(e.handle)
            w.u16le(e.endGroupHandle)
            w.append(e.value)
        }
    }
}
