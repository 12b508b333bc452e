/// UDI for Medical Devices characteristic (0x2BFF), Device Information Service 1.2 / GATT Specification
/// Supplement: the device's Unique Device Identifier as a regulator assigned it.
///
/// Layout: Flags (uint8; bit 0 UDI Label present, bit 1 UDI Device Identifier present, bit 2 UDI Issuer
/// present, bit 3 UDI Authority present, bits 4–7 reserved), then each present field in that order as a
/// UTF-8 string ended by a NUL octet. The issuer and the authority are OIDs (e.g. GS1's issuing agency,
/// the FDA as authority). A last field that runs to the end of the value without its NUL is accepted, and
/// reserved flag bits are ignored (as the core specification asks of a receiver).
public struct UDIForMedicalDevices: Hashable, Sendable, WireDescribable {
    public static let uuid = BluetoothUUID(0x2BFF)
    public static let entity = "UDI for Medical Devices (0x2BFF)"

    /// The whole UDI as printed on the label (device identifier plus production identifiers).
    public var label: String?
    /// The device identifier (DI) part: the model, as registered (e.g. a GTIN in GUDID or EUDAMED).
    public var deviceIdentifier: String?
    /// OID of the issuing agency (GS1, HIBCC, ICCBBA …).
    public var issuer: String?
    /// OID of the authority the UDI is registered with (e.g. the FDA).
    public var authority: String?

    public init(label: String? = nil, deviceIdentifier: String? = nil, issuer: String? = nil, authority: String? = nil) {
        self.label = label
        self.deviceIdentifier = deviceIdentifier
        self.issuer = issuer
        self.authority = authority
    }

    static let fieldNames = ["UDI Label", "UDI Device Identifier", "UDI Issuer", "UDI Authority"]

    public init(bytes: [UInt8]) throws(WireError) {
        var r = ByteReader(bytes, entity: Self.entity)
        let flags = try r.u8("Flags") & 0x0F
        var fields: [String?] = [nil, nil, nil, nil]
        let present = (0..<4).filter { flags & (1 << $0) != 0 }
        for (n, i) in present.enumerated() {
            let name = Self.fieldNames[i]
            let start = r.offset
            let rest = Array(bytes[start...])
            let isLast = n == present.count - 1
            guard let end = rest.firstIndex(of: 0) ?? (isLast && !rest.isEmpty ? rest.count : nil) else {
                throw r.error(name, rest.isEmpty ? .truncated(needed: 1, available: 0) : .invalidValue("no NUL ends it before the next field"))
            }
            let raw = try r.bytes(end, name)
            if end < rest.count { _ = try r.u8("\(name) terminator") }
            guard let text = String(validating: raw, as: UTF8.self) else { throw r.error(name, .invalidValue("not UTF-8"), at: start) }
            fields[i] = text
        }
        try r.expectEnd(after: present.last.map { Self.fieldNames[$0] } ?? "Flags")
        (label, deviceIdentifier, issuer, authority) = (fields[0], fields[1], fields[2], fields[3])
    }

    public func encoded() -> [UInt8] {
        var w = ByteWriter()
        let fields = [label, deviceIdentifier, issuer, authority]
        w.u8(fields.enumerated().reduce(0) { $0 | ($1.element == nil ? 0 : UInt8(1) << UInt8($1.offset)) })
        for case let f? in fields {
            w.append(Array(f.utf8))
            w.u8(0)
        }
        return w.bytes
    }

    public var json: JSONValue {
        var o: [(String, JSONValue)] = [("characteristic", .string("0x2BFF")), ("name", .string("UDI for Medical Devices"))]
        if let label { o.append(("label", .string(label))) }
        if let deviceIdentifier { o.append(("deviceIdentifier", .string(deviceIdentifier))) }
        if let issuer { o.append(("issuer", .string(issuer))) }
        if let authority { o.append(("authority", .string(authority))) }
        return .object(o)
    }
}
