/// A USB string descriptor (USB 2.0 §9.6.7, descriptor type 0x03): UTF-16LE text, or for index 0 the list
/// of supported language IDs.
public struct USBStringDescriptor: Hashable, Sendable {
    public static let entity = "USB string descriptor"
    public static let descriptorType: UInt8 = 0x03
    /// English (United States), the language nearly every device offers.
    public static let englishUS: UInt16 = 0x0409

    /// The UTF-16 code units (for index 0: language IDs).
    public var codeUnits: [UInt16]

    public init(_ text: String) { codeUnits = Array(text.utf16) }
    public init(languages: [UInt16]) { codeUnits = languages }

    public var text: String { String(decoding: codeUnits, as: UTF16.self) }

    public init(bytes: [UInt8]) throws(WireError) {
        var r = ByteReader(bytes, entity: Self.entity)
        let length = try r.u8("bLength")
        guard length >= 2, length % 2 == 0 else { throw r.error("bLength", .invalidValue("\(length) is not an even number ≥ 2"), at: 0) }
        let type = try r.u8("bDescriptorType")
        guard type == Self.descriptorType else { throw r.error("bDescriptorType", .invalidValue("0x\(String(type, radix: 16)), expected 0x03"), at: 1) }
        guard Int(length) <= bytes.count else { throw r.error("bString", .truncated(needed: Int(length) - 2, available: r.remaining)) }
        var units: [UInt16] = []
        for _ in 0..<(Int(length) - 2) / 2 { units.append(try r.u16le("bString")) }
        try r.expectEnd(after: "bString")
        codeUnits = units
    }

    /// Text longer than 126 code units is cut to fit the one-byte bLength.
    public func encoded() -> [UInt8] {
        var w = ByteWriter()
        w.u8(UInt8(min(255, 2 + codeUnits.count * 2) & 0xFE))
        w.u8(Self.descriptorType)
        for u in codeUnits.prefix(126) { w.u16le(u) }
        return w.bytes
    }
}
