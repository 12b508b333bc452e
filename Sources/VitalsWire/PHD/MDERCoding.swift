/// MDER (IEEE 11073-20601 Annex F) building blocks: big-endian integers, length-prefixed octet strings,
/// and lists sent as `count uint16, length uint16, elements`.
public protocol MDERCodable: Sendable {
    init(mder r: inout ByteReader) throws(WireError)
    func encode(to w: inout ByteWriter)
}

extension MDERCodable {
    /// Decodes a whole value; bytes left over are an error.
    public init(mderBytes bytes: [UInt8], entity: String) throws(WireError) {
        var r = ByteReader(bytes, entity: entity)
        self = try Self(mder: &r)
        try r.expectEnd(after: "\(Self.self)")
    }

    public var mderBytes: [UInt8] {
        var w = ByteWriter()
        encode(to: &w)
        return w.bytes
    }
}

extension ByteReader {
    /// An OCTET STRING: length uint16, then the bytes.
    public mutating func octetString(_ field: String) throws(WireError) -> [UInt8] {
        let n = try u16be("\(field).length")
        return try bytes(Int(n), field)
    }

    /// An `Any`-typed field (length uint16, content) as a reader of its own.
    public mutating func lengthPrefixed(_ field: String) throws(WireError) -> ByteReader {
        let n = try u16be("\(field).length")
        return try sub(Int(n), field)
    }

    /// A SEQUENCE OF: count uint16, length uint16 (bytes of all elements), then the elements. The elements
    /// must fill the declared length exactly.
    public mutating func mderList<T>(
        _ field: String, _ element: (inout ByteReader, String) throws(WireError) -> T
    ) throws(WireError) -> [T] {
        let count = try u16be("\(field).count")
        let length = try u16be("\(field).length")
        var body = try sub(Int(length), field)
        var out: [T] = []
        out.reserveCapacity(Int(min(count, 512)))
        for i in 0..<Int(count) { out.append(try element(&body, "\(field)[\(i)]")) }
        if !body.isAtEnd {
            throw body.error(field, .invalidValue("\(count) entries used \(body.offset) of the \(length) bytes the list declares"))
        }
        return out
    }

    public mutating func mderList<T: MDERCodable>(_ field: String, of: T.Type) throws(WireError) -> [T] {
        try mderList(field) { (r: inout ByteReader, _: String) throws(WireError) -> T in try T(mder: &r) }
    }
}

extension ByteWriter {
    public mutating func octetString(_ b: [UInt8]) {
        u16be(UInt16(b.count))
        append(b)
    }

    public mutating func mderList<T>(_ items: [T], _ encode: (inout ByteWriter, T) -> Void) {
        var inner = ByteWriter()
        for item in items { encode(&inner, item) }
        u16be(UInt16(items.count))
        u16be(UInt16(inner.bytes.count))
        append(inner.bytes)
    }

    public mutating func mderList<T: MDERCodable>(_ items: [T]) {
        mderList(items) { w, item in item.encode(to: &w) }
    }

    /// An `Any`-typed field: length, then the content.
    public mutating func lengthPrefixed(_ content: [UInt8]) { octetString(content) }
}

func hexJSON(_ b: [UInt8]) -> JSONValue { .string(Hex.format(b, separator: "")) }
