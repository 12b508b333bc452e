/// A cursor over bytes that names the field on every read, so errors say what and where.
public struct ByteReader: Sendable {
    public let bytes: [UInt8]
    public private(set) var offset: Int
    /// The entity being decoded, for error messages.
    public let entity: String
    /// Where `bytes` starts inside the outermost value, so errors from a nested reader name the offset
    /// in the bytes the user gave.
    public let base: Int

    public init(_ bytes: [UInt8], entity: String) {
        self.bytes = bytes
        self.offset = 0
        self.entity = entity
        self.base = 0
    }

    private init(_ bytes: [UInt8], entity: String, base: Int) {
        self.bytes = bytes
        self.offset = 0
        self.entity = entity
        self.base = base
    }

    /// The next `count` bytes as a reader of their own (for a length-prefixed structure), so the
    /// structure cannot read past its declared end; errors in it still name the absolute offset.
    public mutating func sub(_ count: Int, _ field: String) throws(WireError) -> ByteReader {
        try need(count, field)
        defer { offset += count }
        return ByteReader(Array(bytes[offset..<offset + count]), entity: entity, base: base + offset)
    }

    /// The absolute offset of the next byte, as errors report it.
    public var absoluteOffset: Int { base + offset }

    public var remaining: Int { bytes.count - offset }
    public var isAtEnd: Bool { offset >= bytes.count }

    public func error(_ field: String, _ reason: WireError.Reason, at offset: Int? = nil) -> WireError {
        WireError(entity: entity, field: field, offset: base + (offset ?? self.offset), reason: reason)
    }

    private func need(_ n: Int, _ field: String) throws(WireError) {
        guard remaining >= n else { throw error(field, .truncated(needed: n, available: remaining)) }
    }

    public mutating func u8(_ field: String) throws(WireError) -> UInt8 {
        try need(1, field)
        defer { offset += 1 }
        return bytes[offset]
    }

    public mutating func i8(_ field: String) throws(WireError) -> Int8 { Int8(bitPattern: try u8(field)) }

    public mutating func u16le(_ field: String) throws(WireError) -> UInt16 {
        try need(2, field)
        defer { offset += 2 }
        return UInt16(bytes[offset]) | UInt16(bytes[offset + 1]) << 8
    }

    public mutating func i16le(_ field: String) throws(WireError) -> Int16 { Int16(bitPattern: try u16le(field)) }

    public mutating func u16be(_ field: String) throws(WireError) -> UInt16 {
        try need(2, field)
        defer { offset += 2 }
        return UInt16(bytes[offset]) << 8 | UInt16(bytes[offset + 1])
    }

    public mutating func u24le(_ field: String) throws(WireError) -> UInt32 {
        try need(3, field)
        defer { offset += 3 }
        return UInt32(bytes[offset]) | UInt32(bytes[offset + 1]) << 8 | UInt32(bytes[offset + 2]) << 16
    }

    public mutating func u32le(_ field: String) throws(WireError) -> UInt32 {
        try need(4, field)
        defer { offset += 4 }
        var v: UInt32 = 0
        for i in 0..<4 { v |= UInt32(bytes[offset + i]) << (8 * UInt32(i)) }
        return v
    }

    public mutating func u32be(_ field: String) throws(WireError) -> UInt32 {
        try need(4, field)
        defer { offset += 4 }
        var v: UInt32 = 0
        for i in 0..<4 { v = v << 8 | UInt32(bytes[offset + i]) }
        return v
    }

    public mutating func bytes(_ count: Int, _ field: String) throws(WireError) -> [UInt8] {
        try need(count, field)
        defer { offset += count }
        return Array(bytes[offset..<offset + count])
    }

    /// Everything left.
    public mutating func rest() -> [UInt8] {
        defer { offset = bytes.count }
        return Array(bytes[offset...])
    }

    /// Throws if any byte is left over.
    public func expectEnd(after field: String) throws(WireError) {
        if remaining > 0 { throw error("(after \(field))", .trailingBytes(remaining)) }
    }
}

/// Appends little- or big-endian fields.
public struct ByteWriter: Sendable {
    public private(set) var bytes: [UInt8] = []
    public init() {}

    public mutating func u8(_ v: UInt8) { bytes.append(v) }
    public mutating func i8(_ v: Int8) { bytes.append(UInt8(bitPattern: v)) }
    public mutating func u16le(_ v: UInt16) { bytes += [UInt8(v & 0xFF), UInt8(v >> 8)] }
    public mutating func i16le(_ v: Int16) { u16le(UInt16(bitPattern: v)) }
    public mutating func u16be(_ v: UInt16) { bytes += [UInt8(v >> 8), UInt8(v & 0xFF)] }
    public mutating func u24le(_ v: UInt32) { bytes += [UInt8(v & 0xFF), UInt8((v >> 8) & 0xFF), UInt8((v >> 16) & 0xFF)] }
    public mutating func u32le(_ v: UInt32) { for i in 0..<4 { bytes.append(UInt8((v >> (8 * UInt32(i))) & 0xFF)) } }
    public mutating func u32be(_ v: UInt32) { for i in (0..<4).reversed() { bytes.append(UInt8((v >> (8 * UInt32(i))) & 0xFF)) } }
    public mutating func append(_ b: [UInt8]) { bytes += b }
}
