import VitalsCore

/// IEEE 11073-20601 Regulatory Certification Data List characteristic (0x2A2A), Device Information Service
/// 1.1 §3.7.
///
/// GATT treats the value as opaque: it is an IEEE 11073-20601 `RegCertDataList` in MDER, so every integer is
/// BIG-endian (unlike the rest of GATT). Layout:
///
///     RegCertDataList ::= count uint16, length uint16 (bytes of all entries), then `count` × RegCertData
///     RegCertData     ::= auth-body-and-struc-type { auth-body uint8, auth-body-struc-type uint8 },
///                         auth-body-data (an Any: length uint16, then that many bytes)
///
/// auth-body: 0 auth-body-empty, 1 auth-body-ieee-11073, 2 auth-body-continua, 254 auth-body-experimental,
/// 255 auth-body-reserved. For Continua (2) the struc type selects the content of auth-body-data:
///
/// - 1 continua-version-struct: major-IG-version uint8, minor-IG-version uint8, certified-device-class-list
///   (count uint16, length uint16, then one uint16 per class). A class entry is
///   (specialization profile − 4096) + transport code × 8192, so its low 13 bits name the IEEE 11073-104xx
///   specialization (7 → 10407 blood pressure) and its top 3 bits the transport.
/// - 2 continua-reg-struct: regulation-bit-field uint16, whose one named bit is unregulated-device. It is bit 0
///   in ASN.1 BITS numbering, where bit 0 is the most significant bit: mask 0x8000, set means "not regulated".
///
/// Other bodies and struc types are kept raw. The list is a self-asserted claim by the device: nothing signs
/// it, so it is evidence of interoperability certification, not of accuracy.
public struct RegulatoryCertificationDataList: Hashable, Sendable, WireDescribable {
    public static let uuid = BluetoothUUID(0x2A2A)
    public static let entity = "IEEE 11073-20601 Regulatory Certification Data List (0x2A2A)"

    /// The authorizing body of one entry (`AuthBody`, INT-U8). Unknown values are kept.
    public struct AuthBody: Hashable, Sendable, CustomStringConvertible {
        public var rawValue: UInt8
        public init(rawValue: UInt8) { self.rawValue = rawValue }
        public static let empty = Self(rawValue: 0)
        public static let ieee11073 = Self(rawValue: 1)
        public static let continua = Self(rawValue: 2)
        public static let experimental = Self(rawValue: 254)
        public static let reserved = Self(rawValue: 255)
        public var description: String {
            switch rawValue {
            case 0: "auth-body-empty"
            case 1: "auth-body-ieee-11073"
            case 2: "auth-body-continua"
            case 254: "auth-body-experimental"
            case 255: "auth-body-reserved"
            default: "auth-body (\(rawValue))"
            }
        }
    }

    /// Continua `auth-body-struc-type` values.
    public enum ContinuaStructType: UInt8, Hashable, Sendable {
        case continuaVersionStruct = 1
        case continuaRegStruct = 2
    }

    /// One `CertifiedDeviceClassEntry` (INT-U16): transport code × 8192 + (specialization profile − 4096).
    public struct CertifiedDeviceClass: Hashable, Sendable, CustomStringConvertible {
        public var rawValue: UInt16
        public init(rawValue: UInt16) { self.rawValue = rawValue }
        public init(transportCode: UInt16, specialization: UInt16) {
            rawValue = (transportCode & 0x7) << 13 | (specialization & 0x1FFF)
        }

        /// The top 3 bits.
        public var transportCode: UInt16 { rawValue >> 13 }
        /// The low 13 bits: the specialization's number in the 11073-104xx series (7 for 10407).
        public var specialization: UInt16 { rawValue & 0x1FFF }
        /// The specialization standard, e.g. `IEEE 11073-10407`.
        public var specializationStandard: String { "IEEE 11073-\(10400 + Int(specialization))" }

        /// The device class of the specializations this build knows by name.
        public var specializationName: String? {
            switch specialization {
            case 4: "Pulse oximeter"
            case 6: "Basic ECG"
            case 7: "Blood pressure monitor"
            case 8: "Thermometer"
            case 15: "Weighing scale"
            case 17: "Glucose meter"
            case 41: "Cardiovascular fitness and activity monitor"
            case 42: "Strength fitness equipment"
            case 71: "Independent living activity hub"
            default: nil
            }
        }

        /// The transport, by the Continua transport codes (HL7 PHD IG, ContinuaPersonalAreaNetworkCodes):
        /// 0 none (a Continua v1.0 class, certified without a transport), 1 USB (0x2007, a USB PHDC blood pressure
        /// monitor), 2 Bluetooth HDP (0x4008, a "wireless PAN" thermometer), 3 ZigBee, 4 Bluetooth Low Energy
        /// (0x8008, a BLE thermometer's Device Information), 5 NFC. Others are reported by number only.
        public var transportName: String? {
            switch transportCode {
            case 0: "no transport (Continua v1.0)"
            case 1: "USB"
            case 2: "Bluetooth HDP"
            case 3: "ZigBee"
            case 4: "Bluetooth Low Energy"
            case 5: "NFC"
            default: nil
            }
        }

        public var description: String {
            "\(specializationName ?? specializationStandard) over \(transportName ?? "transport code \(transportCode)")"
        }

        var json: JSONValue {
            var o: [(String, JSONValue)] = [
                ("raw", .int(Int64(rawValue))),
                ("transportCode", .int(Int64(transportCode))),
            ]
            if let transportName { o.append(("transport", .string(transportName))) }
            o.append(("specialization", .int(Int64(specialization))))
            o.append(("specializationStandard", .string(specializationStandard)))
            if let specializationName { o.append(("specializationName", .string(specializationName))) }
            return .object(o)
        }
    }

    /// `continua-version-struct`: the Continua Design Guidelines version and the certified device classes.
    public struct ContinuaVersion: Hashable, Sendable {
        public var majorIGVersion: UInt8
        public var minorIGVersion: UInt8
        public var certifiedDeviceClasses: [CertifiedDeviceClass]

        public init(majorIGVersion: UInt8, minorIGVersion: UInt8, certifiedDeviceClasses: [CertifiedDeviceClass]) {
            self.majorIGVersion = majorIGVersion
            self.minorIGVersion = minorIGVersion
            self.certifiedDeviceClasses = certifiedDeviceClasses
        }

        public func encoded() -> [UInt8] {
            var w = ByteWriter()
            w.u8(majorIGVersion)
            w.u8(minorIGVersion)
            w.u16be(UInt16(certifiedDeviceClasses.count))
            w.u16be(UInt16(certifiedDeviceClasses.count * 2))
            for c in certifiedDeviceClasses { w.u16be(c.rawValue) }
            return w.bytes
        }
    }

    /// `continua-reg-struct`: the regulation bit field.
    public struct ContinuaRegulation: Hashable, Sendable {
        /// `unregulated-device`, ASN.1 bit 0 = the most significant bit.
        public static let unregulatedDeviceMask: UInt16 = 0x8000

        public var regulationBitField: UInt16
        public init(regulationBitField: UInt16) { self.regulationBitField = regulationBitField }
        public init(unregulated: Bool) { regulationBitField = unregulated ? Self.unregulatedDeviceMask : 0 }

        /// True when the device says it is not a regulated medical device.
        public var isUnregulatedDevice: Bool { regulationBitField & Self.unregulatedDeviceMask != 0 }

        public func encoded() -> [UInt8] { [UInt8(regulationBitField >> 8), UInt8(regulationBitField & 0xFF)] }
    }

    /// What an entry's auth-body-data holds, as far as this build understands it.
    public enum Content: Hashable, Sendable {
        case continuaVersion(ContinuaVersion)
        case continuaRegulation(ContinuaRegulation)
        /// A body or struc type this build does not parse: see `authBodyData`.
        case unparsed
    }

    /// One `RegCertData`.
    public struct Entry: Hashable, Sendable {
        public var authBody: AuthBody
        public var authBodyStrucType: UInt8
        /// The auth-body-data octets, without their length prefix.
        public var authBodyData: [UInt8]

        public init(authBody: AuthBody, authBodyStrucType: UInt8, authBodyData: [UInt8]) {
            self.authBody = authBody
            self.authBodyStrucType = authBodyStrucType
            self.authBodyData = authBodyData
        }

        public static func continua(_ v: ContinuaVersion) -> Entry {
            Entry(
                authBody: .continua, authBodyStrucType: ContinuaStructType.continuaVersionStruct.rawValue,
                authBodyData: v.encoded())
        }

        public static func continua(_ r: ContinuaRegulation) -> Entry {
            Entry(
                authBody: .continua, authBodyStrucType: ContinuaStructType.continuaRegStruct.rawValue,
                authBodyData: r.encoded())
        }

        /// The parsed content; `.unparsed` for other bodies, and for Continua data that does not parse.
        public var content: Content {
            var r = ByteReader(authBodyData, entity: RegulatoryCertificationDataList.entity)
            return (try? Self.parseContent(authBody, authBodyStrucType, &r, field: "auth-body-data"))
                ?? .unparsed
        }

        public var continuaVersion: ContinuaVersion? {
            if case .continuaVersion(let v) = content { return v }
            return nil
        }

        public var continuaRegulation: ContinuaRegulation? {
            if case .continuaRegulation(let v) = content { return v }
            return nil
        }

        /// Parses auth-body-data, which runs to the end of `r`'s bytes; errors name `field.…`.
        static func parseContent(
            _ body: AuthBody, _ strucType: UInt8, _ r: inout ByteReader, field: String
        ) throws(WireError) -> Content {
            guard body == .continua, let type = ContinuaStructType(rawValue: strucType) else { return .unparsed }
            let content: Content
            switch type {
            case .continuaVersionStruct:
                let f = "\(field).continua-version-struct"
                let major = try r.u8("\(f).major-IG-version")
                let minor = try r.u8("\(f).minor-IG-version")
                let count = try r.u16be("\(f).certified-device-class-list.count")
                let lengthOffset = r.offset
                let length = try r.u16be("\(f).certified-device-class-list.length")
                guard Int(length) == Int(count) * 2 else {
                    throw r.error(
                        "\(f).certified-device-class-list.length",
                        .invalidValue("length \(length) does not match count \(count) × 2 bytes"), at: lengthOffset)
                }
                var classes: [CertifiedDeviceClass] = []
                for i in 0..<Int(count) {
                    classes.append(CertifiedDeviceClass(rawValue: try r.u16be("\(f).certified-device-class-list[\(i)]")))
                }
                content = .continuaVersion(
                    ContinuaVersion(majorIGVersion: major, minorIGVersion: minor, certifiedDeviceClasses: classes))
            case .continuaRegStruct:
                let bits = try r.u16be("\(field).continua-reg-struct.regulation-bit-field")
                content = .continuaRegulation(ContinuaRegulation(regulationBitField: bits))
            }
            try r.expectEnd(after: field)
            return content
        }
    }

    public var entries: [Entry]

    public init(entries: [Entry]) { self.entries = entries }

    public init(bytes: [UInt8]) throws(WireError) {
        var r = ByteReader(bytes, entity: Self.entity)
        let count = try r.u16be("count")
        let length = try r.u16be("length")
        var entries: [Entry] = []
        for i in 0..<Int(count) {
            let f = "RegCertData[\(i)]"
            let body = AuthBody(rawValue: try r.u8("\(f).auth-body"))
            let strucType = try r.u8("\(f).auth-body-struc-type")
            let dataLength = Int(try r.u16be("\(f).auth-body-data.length"))
            let dataStart = r.offset
            let data = try r.bytes(dataLength, "\(f).auth-body-data")
            // Parse the known structures against the whole value, so their errors carry absolute offsets and a
            // structure that runs past its octet string is reported as truncated there.
            var inner = ByteReader(Array(bytes[..<(dataStart + dataLength)]), entity: Self.entity)
            _ = try inner.bytes(dataStart, f)
            _ = try Entry.parseContent(body, strucType, &inner, field: "\(f).auth-body-data")
            entries.append(Entry(authBody: body, authBodyStrucType: strucType, authBodyData: data))
        }
        let used = r.offset - 4
        guard used == Int(length) else {
            throw r.error(
                "length", .invalidValue("length says \(length) bytes but the \(count) entries take \(used)"), at: 2)
        }
        try r.expectEnd(after: "RegCertDataList")
        self.entries = entries
    }

    public func encoded() -> [UInt8] {
        var w = ByteWriter()
        w.u16be(UInt16(entries.count))
        w.u16be(UInt16(entries.reduce(0) { $0 + 4 + $1.authBodyData.count }))
        for e in entries {
            w.u8(e.authBody.rawValue)
            w.u8(e.authBodyStrucType)
            w.u16be(UInt16(e.authBodyData.count))
            w.append(e.authBodyData)
        }
        return w.bytes
    }

    /// Every certified device class named by a Continua version entry.
    public var certifiedDeviceClasses: [CertifiedDeviceClass] {
        entries.flatMap { $0.continuaVersion?.certifiedDeviceClasses ?? [] }
    }

    /// The Continua regulation status: true unregulated, false regulated, nil when no entry says.
    public var isUnregulatedDevice: Bool? {
        entries.lazy.compactMap { $0.continuaRegulation?.isUnregulatedDevice }.first
    }

    public var json: JSONValue {
        .object([
            ("characteristic", .string("0x2A2A")),
            ("name", .string("IEEE 11073-20601 Regulatory Certification Data List")),
            ("count", .int(Int64(entries.count))),
            ("length", .int(Int64(entries.reduce(0) { $0 + 4 + $1.authBodyData.count }))),
            ("entries", .array(entries.map(Self.entryJSON))),
        ])
    }

    private static func entryJSON(_ e: Entry) -> JSONValue {
        var o: [(String, JSONValue)] = [
            ("authBody", .object([("raw", .int(Int64(e.authBody.rawValue))), ("name", .string(e.authBody.description))])),
        ]
        var strucType: [(String, JSONValue)] = [("raw", .int(Int64(e.authBodyStrucType)))]
        if e.authBody == .continua, let t = ContinuaStructType(rawValue: e.authBodyStrucType) {
            let name = t == .continuaVersionStruct ? "continua-version-struct" : "continua-reg-struct"
            strucType.append(("name", .string(name)))
        }
        o.append(("authBodyStrucType", .object(strucType)))
        o.append(("authBodyData", .string(Hex.format(e.authBodyData))))
        switch e.content {
        case .continuaVersion(let v):
            o.append((
                "continuaVersionStruct",
                .object([
                    ("majorIGVersion", .int(Int64(v.majorIGVersion))),
                    ("minorIGVersion", .int(Int64(v.minorIGVersion))),
                    ("certifiedDeviceClassList", .array(v.certifiedDeviceClasses.map(\.json))),
                ])
            ))
        case .continuaRegulation(let reg):
            o.append((
                "continuaRegStruct",
                .object([
                    ("regulationBitField", .int(Int64(reg.regulationBitField))),
                    ("unregulatedDevice", .bool(reg.isUnregulatedDevice)),
                    ("set", .array(reg.isUnregulatedDevice ? [.string("unregulated-device")] : [])),
                ])
            ))
        case .unparsed: break
        }
        return .object(o)
    }
}

extension RegulatoryCertificationDataList {
    /// The certified-device-class transport code of a transport: 1 USB, 4 Bluetooth Low Energy.
    public static func transportCode(for transport: TransportKind) -> UInt16 {
        switch transport {
        case .usb, .simUSB: 1
        case .ble, .simBLE: 4
        }
    }

    /// Whether `classes` certify the IEEE 11073-104xx `specialization` (e.g. 7 for 10407) over `transport`.
    /// An empty list claims nothing and is not a mismatch; a list that names only other specializations, or
    /// this one over another transport, is. Transport code 0 is a Continua v1.0 class, certified for no particular
    /// transport: it certifies the specialization over any.
    public static func certifies(_ classes: [CertifiedDeviceClass], specialization: UInt16, over transport: TransportKind) -> Bool {
        classes.isEmpty || classes.contains {
            $0.specialization == specialization && ($0.transportCode == 0 || $0.transportCode == transportCode(for: transport))
        }
    }
}
