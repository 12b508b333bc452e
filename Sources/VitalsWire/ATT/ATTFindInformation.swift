/// ATT_FIND_INFORMATION_REQ (0x04): Starting Handle, Ending Handle (uint16 each).
public struct ATTFindInformationRequest: Hashable, Sendable {
    public var startHandle: UInt16
    public var endHandle: UInt16

    public init(startHandle: UInt16, endHandle: UInt16) {
        self.startHandle = startHandle
        self.endHandle = endHandle
    }

    init(parameters r: inout ByteReader) throws(WireError) {
        startHandle = try r.u16le("Starting Handle")
        endHandle = try r.u16le("Ending Handle")
        try r.expectEnd(after: "Ending Handle")
    }

    func encodeParameters(into w: inout ByteWriter) {
        w.u16le(startHandle)
        w.u16le(endHandle)
    }
}

/// ATT_FIND_INFORMATION_RSP (0x05): Format uint8 (1 = 16-bit UUIDs, 2 = 128-bit), then handle–UUID pairs.
public struct ATTFindInformationResponse: Hashable, Sendable {
    public var entries: [(handle: UInt16, type: BluetoothUUID)]

    public init(entries: [(handle: UInt16, type: BluetoothUUID)]) { self.entries = entries }

    public static func == (a: Self, b: Self) -> Bool {
        a.entries.map(\.handle) == b.entries.map(\.handle) && a.entries.map(\.type) == b.entries.map(\.type)
    }
    public func hash(into h: inout Hasher) {
        for e in entries {
            h.combine(e.handle)
            h.combine(e.type)
        }
    }

    init(parameters r: inout ByteReader) throws(WireError) {
        let formatOffset = r.offset
        let format = try r.u8("Format")
        let uuidLength: Int
        switch format {
        case 1: uuidLength = 2
        case 2: uuidLength = 16
        default: throw r.error("Format", .invalidValue("\(format) is neither 1 (16-bit) nor 2 (128-bit)"), at: formatOffset)
        }
        entries = []
        guard r.remaining > 0 else { throw r.error("Information Data", .truncated(needed: 2 + uuidLength, available: 0)) }
        while !r.isAtEnd {
            let h = try r.u16le("Information Data.Handle")
            let u = try r.bytes(uuidLength, "Information Data.UUID")
            entries.append((h, BluetoothUUID(littleEndian: u)!))
        }
    }

    func encodeParameters(into w: inout ByteWriter) {
        let long = entries.contains { $0.type.short == nil }
        w.u8(long ? 2 : 1)
        for e in entries {
            w.u16le(e.handle)
            w.append(long ? Array(e.type.bytes.reversed()) : e.type.littleEndianBytes)
        }
    }
}
