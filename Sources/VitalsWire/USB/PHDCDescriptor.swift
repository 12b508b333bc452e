/// One class-specific descriptor of the USB Personal Healthcare Device Class (PHDC 1.0 §5).
///
/// - 0x20 Class Function: bPHDCDataCode (0x01 vendor-specific, 0x02 IEEE 11073-20601), bmCapability
///   (bit 0: the metadata message preamble is supported). Follows the PHDC interface descriptor.
/// - 0x21 QoS: bQoSEncodingVersion (0x01), bmLatencyReliability (one bit per latency/reliability bin).
///   Follows each endpoint descriptor.
/// - 0x22 Metadata: opaque bytes defined by the device. Optional, after a QoS descriptor.
/// - 0x30 11073 Function Extension: bReserved, bNumDevSpecs, then wDevSpecializations (uint16 LE each,
///   the IEEE 11073-104xx device specialisations, e.g. 0x1007 blood pressure).
public enum PHDCDescriptor: Hashable, Sendable {
    case classFunction(dataCode: UInt8, capability: UInt8)
    case qos(encodingVersion: UInt8, latencyReliability: UInt8)
    case metadata([UInt8])
    case function11073(specializations: [UInt16])

    public static let entity = "PHDC class descriptor"
    public static let classFunctionType: UInt8 = 0x20
    public static let qosType: UInt8 = 0x21
    public static let metadataType: UInt8 = 0x22
    public static let function11073Type: UInt8 = 0x30
    /// bPHDCDataCode for IEEE 11073-20601.
    public static let dataCode11073_20601: UInt8 = 0x02
    public static let dataCodeVendor: UInt8 = 0x01

    /// Whether a descriptor type byte is one of PHDC's.
    public static func isPHDCType(_ type: UInt8) -> Bool {
        [classFunctionType, qosType, metadataType, function11073Type].contains(type)
    }

    /// Decodes exactly one descriptor. `baseOffset` is added to offsets in errors (its place in a longer blob).
    public init(bytes: [UInt8], baseOffset: Int = 0) throws(WireError) {
        var r = ByteReader(bytes, entity: Self.entity)
        func fail(_ field: String, _ reason: WireError.Reason, _ at: Int) -> WireError {
            WireError(entity: Self.entity, field: field, offset: baseOffset + at, reason: reason)
        }
        let length: UInt8
        let type: UInt8
        do {
            length = try r.u8("bLength")
            type = try r.u8("bDescriptorType")
        } catch { throw fail(error.field, error.reason, error.offset) }
        guard Int(length) == bytes.count else {
            if Int(length) > bytes.count { throw fail("bLength", .truncated(needed: Int(length), available: bytes.count), 0) }
            throw fail("bLength", .invalidValue("\(length), but the descriptor is \(bytes.count) bytes"), 0)
        }
        switch type {
        case Self.classFunctionType:
            guard length == 4 else { throw fail("bLength", .invalidValue("\(length), a Class Function descriptor is 4 bytes"), 0) }
            self = .classFunction(dataCode: bytes[2], capability: bytes[3])
        case Self.qosType:
            guard length == 4 else { throw fail("bLength", .invalidValue("\(length), a QoS descriptor is 4 bytes"), 0) }
            guard bytes[2] == 0x01 else { throw fail("bQoSEncodingVersion", .invalidValue("0x\(String(bytes[2], radix: 16)), only 0x01 is defined"), 2) }
            self = .qos(encodingVersion: bytes[2], latencyReliability: bytes[3])
        case Self.metadataType:
            self = .metadata(Array(bytes[2...]))
        case Self.function11073Type:
            guard length >= 4 else { throw fail("bLength", .truncated(needed: 4, available: Int(length)), 0) }
            let n = Int(bytes[3])
            guard Int(length) == 4 + 2 * n else {
                throw fail("bNumDevSpecs", .invalidValue("\(n) specialisations need bLength \(4 + 2 * n), bLength is \(length)"), 3)
            }
            var specs: [UInt16] = []
            for i in 0..<n { specs.append(UInt16(bytes[4 + 2 * i]) | UInt16(bytes[5 + 2 * i]) << 8) }
            self = .function11073(specializations: specs)
        default:
            throw fail("bDescriptorType", .invalidValue("0x\(String(type, radix: 16)) is not a PHDC descriptor type"), 1)
        }
    }

    public var descriptorType: UInt8 {
        switch self {
        case .classFunction: Self.classFunctionType
        case .qos: Self.qosType
        case .metadata: Self.metadataType
        case .function11073: Self.function11073Type
        }
    }

    public func encoded() -> [UInt8] {
        var body: [UInt8]
        switch self {
        case .classFunction(let code, let cap): body = [code, cap]
        case .qos(let version, let bins): body = [version, bins]
        case .metadata(let bytes): body = bytes
        case .function11073(let specs):
            body = [0x00, UInt8(specs.count)]
            for s in specs { body += [UInt8(s & 0xFF), UInt8(s >> 8)] }
        }
        return [UInt8(2 + body.count), descriptorType] + body
    }

    /// Splits a run of descriptors (an interface's or endpoint's `extra`) and decodes the PHDC ones;
    /// others are skipped.
    public static func decodeAll(_ bytes: [UInt8], baseOffset: Int = 0) throws(WireError) -> [PHDCDescriptor] {
        var out: [PHDCDescriptor] = []
        var i = 0
        while i < bytes.count {
            guard i + 2 <= bytes.count else {
                throw WireError(entity: entity, field: "bDescriptorType", offset: baseOffset + i, reason: .truncated(needed: 2, available: bytes.count - i))
            }
            let len = Int(bytes[i])
            guard len >= 2 else { throw WireError(entity: entity, field: "bLength", offset: baseOffset + i, reason: .invalidValue("\(len) is shorter than a descriptor header")) }
            guard i + len <= bytes.count else {
                throw WireError(entity: entity, field: "bLength", offset: baseOffset + i, reason: .truncated(needed: len, available: bytes.count - i))
            }
            if isPHDCType(bytes[i + 1]) {
                out.append(try PHDCDescriptor(bytes: Array(bytes[i..<i + len]), baseOffset: baseOffset + i))
            }
            i += len
        }
        return out
    }
}
