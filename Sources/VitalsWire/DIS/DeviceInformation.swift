/// The UTF-8 string characteristics of the Device Information Service 1.1 §3 (service 0x180A): Manufacturer
/// Name String (0x2A29), Model Number String (0x2A24), Serial Number String (0x2A25), Hardware Revision String
/// (0x2A27), Firmware Revision String (0x2A26) and Software Revision String (0x2A28).
///
/// Each value is a utf8s: UTF-8 text with no length field and no terminator; the value length is the string
/// length. Some devices pad a fixed-size buffer with NULs, so the text ends at the first NUL and whatever
/// follows is kept (`afterTerminator`) so a re-encode is byte-identical. Bytes that are not UTF-8 are an
/// error that names the byte offset.
///
/// One type serves all six characteristics; `kind` says which. Decode with `init(uuid:bytes:)` or
/// `init(kind:bytes:)`, since the bytes alone do not say which string they are.
public struct DeviceInformationString: Hashable, Sendable, WireDescribable, CustomStringConvertible {
    /// The Device Information Service (0x180A) that holds these characteristics.
    public static let serviceUUID = BluetoothUUID(0x180A)
    /// The characteristics this type decodes.
    public static let uuids: [BluetoothUUID] = Kind.allCases.map(\.uuid)
    /// Generic entity name, for errors that are not about one characteristic.
    public static let entity = "Device Information String (0x2A24–0x2A29)"

    public enum Kind: UInt16, CaseIterable, Hashable, Sendable {
        case manufacturerName = 0x2A29
        case modelNumber = 0x2A24
        case serialNumber = 0x2A25
        case hardwareRevision = 0x2A27
        case firmwareRevision = 0x2A26
        case softwareRevision = 0x2A28

        public init?(uuid: BluetoothUUID) {
            guard let s = uuid.short, let k = Kind(rawValue: s) else { return nil }
            self = k
        }

        public var uuid: BluetoothUUID { BluetoothUUID(rawValue) }

        /// The characteristic's name, as the specification spells it.
        public var name: String {
            switch self {
            case .manufacturerName: "Manufacturer Name String"
            case .modelNumber: "Model Number String"
            case .serialNumber: "Serial Number String"
            case .hardwareRevision: "Hardware Revision String"
            case .firmwareRevision: "Firmware Revision String"
            case .softwareRevision: "Software Revision String"
            }
        }

        /// JSON key for the text.
        public var key: String {
            switch self {
            case .manufacturerName: "manufacturerName"
            case .modelNumber: "modelNumber"
            case .serialNumber: "serialNumber"
            case .hardwareRevision: "hardwareRevision"
            case .firmwareRevision: "firmwareRevision"
            case .softwareRevision: "softwareRevision"
            }
        }

        /// e.g. `Model Number String (0x2A24)`.
        public var entity: String { "\(name) (0x\(uuid.description))" }
    }

    public var kind: Kind
    /// The text before the first NUL.
    public var value: String
    /// The first NUL and everything after it (usually only NUL padding); empty when there is none.
    public var afterTerminator: [UInt8]

    public init(kind: Kind, value: String, nulPadding: Int = 0) {
        self.kind = kind
        self.value = value
        afterTerminator = Array(repeating: 0, count: max(0, nulPadding))
    }

    /// Decodes the value of the characteristic `uuid`; a UUID that is not one of the six strings is an error.
    public init(uuid: BluetoothUUID, bytes: [UInt8]) throws(WireError) {
        guard let kind = Kind(uuid: uuid) else {
            throw WireError(
                entity: Self.entity, field: "(characteristic UUID)", offset: 0,
                reason: .invalidValue("\(uuid) is not a Device Information string characteristic"))
        }
        try self.init(kind: kind, bytes: bytes)
    }

    public init(kind: Kind, bytes: [UInt8]) throws(WireError) {
        self.kind = kind
        let end = bytes.firstIndex(of: 0) ?? bytes.count
        let text = Array(bytes[..<end])
        if let bad = Self.firstInvalidUTF8Offset(text) {
            throw WireError(
                entity: kind.entity, field: kind.name, offset: bad,
                reason: .invalidValue("byte 0x\(Hex.format([text[bad]])) does not start valid UTF-8"))
        }
        value = String(decoding: text, as: UTF8.self)
        afterTerminator = Array(bytes[end...])
    }

    /// The offset of the first byte that does not begin a well-formed UTF-8 sequence, or nil.
    static func firstInvalidUTF8Offset(_ bytes: [UInt8]) -> Int? {
        var iterator = bytes.makeIterator()
        var decoder = UTF8()
        var offset = 0
        while true {
            switch decoder.decode(&iterator) {
            case .scalarValue(let s): offset += UTF8.width(s)
            case .emptyInput: return nil
            case .error: return offset
            }
        }
    }

    public func encoded() -> [UInt8] { Array(value.utf8) + afterTerminator }

    /// The UUID of the characteristic this value belongs to.
    public var uuid: BluetoothUUID { kind.uuid }

    /// Whether everything after the text is NUL padding.
    public var isNulPadded: Bool { !afterTerminator.isEmpty && afterTerminator.allSatisfy { $0 == 0 } }

    public var description: String { value }

    public var json: JSONValue {
        var o: [(String, JSONValue)] = [
            ("characteristic", .string("0x" + kind.uuid.description)),
            ("name", .string(kind.name)),
            (kind.key, .string(value)),
        ]
        if !afterTerminator.isEmpty {
            o.append(("nulPadding", .int(Int64(afterTerminator.count))))
            if !isNulPadded { o.append(("afterTerminator", .string(Hex.format(afterTerminator)))) }
        }
        return .object(o)
    }
}
