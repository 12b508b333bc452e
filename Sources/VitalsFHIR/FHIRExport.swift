import Crypto
import Foundation
import VitalsCore
import VitalsStore

/// The hub itself as a personal health gateway (PhgDevice).
public struct FHIRGateway: Hashable, Sendable {
    /// A stable id for this hub (`vitals export fhir --gateway-id`).
    public var id: String
    public var manufacturer: String
    public var model: String

    public init(id: String, manufacturer: String = "OpenVitals", model: String = "vitals hub") {
        self.id = id
        self.manufacturer = manufacturer
        self.model = model
    }
}

/// One entry of a transaction Bundle: the resource, its deterministic `urn:uuid` full URL, and the conditional
/// create (`ifNoneExist`) that makes a replayed upload change nothing.
public struct FHIREntry: Hashable, Sendable {
    public var fullUrl: String
    public var resource: JSONValue
    public var resourceType: String
    public var ifNoneExist: String

    public var json: JSONValue {
        [
            "fullUrl": .string(fullUrl),
            "resource": resource,
            "request": ["method": "POST", "url": .string(resourceType), "ifNoneExist": .string(ifNoneExist)],
        ]
    }
}

/// Maps stored readings, waveform blocks and devices to FHIR R4 resources following the HL7 Personal Health
/// Device IG (STU 1), and gathers them in a transaction Bundle. Pure: the caller reads the store and writes the output.
/// The mapping table is in docs/fhir.md.
public struct FHIRExport: Sendable {
    public var gateway: FHIRGateway

    public init(gateway: FHIRGateway) { self.gateway = gateway }

    // MARK: Bundle

    /// A transaction Bundle: the gateway, each subject as a Patient, each device that took an exported reading
    /// or block, then one Observation per reading (two for a cuff reading with a pulse) and per waveform block.
    public func bundle(devices: [VitalsStore.DeviceRecord], readings: [StoredReading], blocks: [VitalsStore.StoredWaveformBlock]) -> JSONValue {
        var entries: [FHIREntry] = [gatewayEntry()]
        let subjects = Set(readings.map(\.subjectID)).union(blocks.map(\.subjectID)).sorted()
        entries += subjects.map(patientEntry)
        let used = Set(readings.map(\.deviceID)).union(blocks.map(\.deviceID))
        let known = Set(devices.map(\.id))
        for d in devices where used.contains(d.id) {
            entries.append(deviceEntry(d, specializations: Self.specializations(
                readings: readings.filter { $0.deviceID == d.id }, blocks: blocks.filter { $0.deviceID == d.id })))
        }
        // A reading always has its device row (a foreign key); this only guards a hand-made input.
        for id in used.subtracting(known).sorted() {
            entries.append(deviceEntry(Self.unknownDevice(id), specializations: [.generic]))
        }
        for r in readings { entries += observationEntries(r) }
        for b in blocks { entries.append(waveformEntry(b)) }
        return ["resourceType": "Bundle", "type": "transaction", "entry": .array(entries.map(\.json))]
    }

    static func unknownDevice(_ id: String) -> VitalsStore.DeviceRecord {
        let parts = id.split(separator: ":", maxSplits: 1).map(String.init)
        return VitalsStore.DeviceRecord(
            id: id, transport: parts.first ?? "", address: parts.count > 1 ? parts[1] : id, profileID: nil, manufacturer: nil, model: nil,
            serial: nil, grade: DeviceGrade.unverified.rawValue, certifiedClasses: nil, udi: nil, udiDeviceIdentifier: nil,
            clockOffsetSeconds: nil, clockChecks: 0, firstSeen: Date(timeIntervalSince1970: 0), lastSeen: Date(timeIntervalSince1970: 0))
    }

    /// The specializations a device showed by what it measured.
    public static func specializations(readings: [StoredReading], blocks: [VitalsStore.StoredWaveformBlock]) -> [FHIRCodes.Specialization] {
        var out = Set<FHIRCodes.Specialization>()
        let hasECG = !blocks.isEmpty || readings.contains { $0.kind == ReadingKind.ecg.rawValue }
        if hasECG { out.insert(.ecg) }
        for r in readings {
            switch ReadingKind(rawValue: r.kind) {
            case .bloodPressure: out.insert(.bloodPressure)
            case .glucose: out.insert(r.observations.contains { $0.mdc == Int64(Metric.glucoseInterstitial.mdc) } ? .cgm : .glucose)
            case .spo2: out.insert(.pulseOximeter)
            case .temperature: out.insert(.thermometer)
            case .weight: out.insert(.scale)
            case .heartRate: if !hasECG { out.insert(.generic) }
            case .ecg, nil: break
            }
        }
        return out.isEmpty ? [.generic] : out.sorted { $0.rawValue < $1.rawValue }
    }

    // MARK: References

    /// A name-based (version 5, SHA-1) UUID in the OpenVitals namespace: the same name always gives the same id.
    public static func uuid(_ name: String) -> String {
        var bytes = namespace + Array(name.utf8)
        let digest = Array(Insecure.SHA1.hash(data: bytes))
        bytes = Array(digest.prefix(16))
        bytes[6] = (bytes[6] & 0x0F) | 0x50
        bytes[8] = (bytes[8] & 0x3F) | 0x80
        let hex = bytes.map { String(format: "%02x", $0) }.joined()
        let c = Array(hex)
        return "\(String(c[0..<8]))-\(String(c[8..<12]))-\(String(c[12..<16]))-\(String(c[16..<20]))-\(String(c[20..<32]))"
    }

    /// The OpenVitals UUID namespace (fixed; a random version-4 UUID chosen once for this purpose).
    static let namespace: [UInt8] = [0x6f, 0x0d, 0x3c, 0x52, 0x9a, 0x4e, 0x4b, 0x1f, 0x8e, 0x27, 0x51, 0xc4, 0x0a, 0x93, 0xd8, 0x16]

    func patientURL(_ subject: String) -> String { "urn:uuid:" + Self.uuid("Patient|\(subject)") }
    func deviceURL(_ deviceID: String) -> String { "urn:uuid:" + Self.uuid("Device|\(deviceID)") }
    var gatewayURL: String { "urn:uuid:" + Self.uuid("Device|gateway|\(gateway.id)") }

    /// `identifier=SYSTEM|VALUE` (or `identifier=VALUE`) for ifNoneExist, each part percent-encoded where a query needs it.
    static func identifierQuery(system: String?, value: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~:/@")
        func enc(_ s: String) -> String { s.addingPercentEncoding(withAllowedCharacters: allowed) ?? s }
        return "identifier=" + (system.map { enc($0) + "|" } ?? "") + enc(value)
    }

    // MARK: Gateway, patients, devices

    /// The gateway's EUI-64: the hub has no IEEE-assigned one, so it is a locally administered EUI-64 (U/L bit set,
    /// I/G bit clear) taken from a SHA-1 of the gateway id. Stable for one id; not globally registered.
    var gatewayEUI64: String {
        var b = Array(Insecure.SHA1.hash(data: Array("openvitals-gateway|\(gateway.id)".utf8)).prefix(8))
        b[0] = (b[0] & 0xFC) | 0x02
        return b.map { String(format: "%02X", $0) }.joined(separator: "-")
    }

    public func gatewayEntry() -> FHIREntry {
        let resource: JSONValue = [
            "resourceType": "Device",
            "meta": ["profile": [.string(FHIRCodes.phgDevice)]],
            "identifier": [
                Self.systemIDIdentifier(gatewayEUI64),
                ["system": .string(FHIRCodes.gatewayID), "value": .string(gateway.id)],
            ],
            "manufacturer": .string(gateway.manufacturer),
            "modelNumber": .string(gateway.model),
            "type": Self.mdcConcept(FHIRCodes.mdsAHD.code, FHIRCodes.mdsAHD.name, text: "Personal health gateway (application hosting device)"),
        ]
        return FHIREntry(fullUrl: gatewayURL, resource: resource, resourceType: "Device",
                         ifNoneExist: Self.identifierQuery(system: FHIRCodes.gatewayID, value: gateway.id))
    }

    public func patientEntry(_ subject: String) -> FHIREntry {
        let resource: JSONValue = [
            "resourceType": "Patient",
            "identifier": [["system": .string(FHIRCodes.subjectID), "value": .string(subject)]],
        ]
        return FHIREntry(fullUrl: patientURL(subject), resource: resource, resourceType: "Patient",
                         ifNoneExist: Self.identifierQuery(system: FHIRCodes.subjectID, value: subject))
    }

    static func systemIDIdentifier(_ dashed: String) -> JSONValue {
        [
            "type": ["coding": [["system": .string(FHIRCodes.continuaDeviceIdentifiers), "code": "SYSID"]]],
            "system": .string(FHIRCodes.eui64),
            "value": .string(dashed),
        ]
    }

    /// The device's IEEE 11073 System-Id when its address is one (USB agents: 16 hex digits), else nil.
    static func systemID(_ d: VitalsStore.DeviceRecord) -> String? {
        guard d.transport == TransportKind.usb.rawValue || d.transport == TransportKind.simUSB.rawValue else { return nil }
        let hex = d.address.filter(\.isHexDigit)
        guard hex.count == 16, hex.count == d.address.count else { return nil }
        return stride(from: 0, to: 16, by: 2).map { i in
            String(Array(hex.uppercased())[i..<i + 2])
        }.joined(separator: "-")
    }

    /// A BLE device's address as an EUI-48 (`AA-BB-CC-DD-EE-FF`), else nil.
    static func bluetoothAddress(_ d: VitalsStore.DeviceRecord) -> String? {
        guard d.transport == TransportKind.ble.rawValue || d.transport == TransportKind.simBLE.rawValue else { return nil }
        let parts = d.address.split(separator: ":")
        guard parts.count == 6, parts.allSatisfy({ $0.count == 2 && $0.allSatisfy(\.isHexDigit) }) else { return nil }
        return parts.map { $0.uppercased() }.joined(separator: "-")
    }

    public func deviceEntry(_ d: VitalsStore.DeviceRecord, specializations: [FHIRCodes.Specialization]) -> FHIREntry {
        var identifiers: [JSONValue] = [Self.systemIDIdentifier(Self.systemID(d) ?? "00-00-00-00-00-00-00-00")]
        if let mac = Self.bluetoothAddress(d) {
            identifiers.append([
                "type": ["coding": [["system": .string(FHIRCodes.continuaDeviceIdentifiers), "code": "BTMAC"]]],
                "system": .string(FHIRCodes.bluetoothEUI48),
                "value": .string(mac),
            ])
        }
        identifiers.append(["system": .string(FHIRCodes.deviceID), "value": .string(d.id)])
        var udi: JSONValue?
        if d.udi != nil || d.udiDeviceIdentifier != nil {
            udi = .array([object([("deviceIdentifier", d.udiDeviceIdentifier.map { .string($0) }), ("carrierHRF", d.udi.map { .string($0) })])])
        }
        let resource = object([
            ("resourceType", "Device"),
            ("meta", ["profile": [.string(FHIRCodes.phdDevice)]]),
            ("identifier", .array(identifiers)),
            ("udiCarrier", udi),
            ("manufacturer", d.manufacturer.map { .string($0) }),
            ("serialNumber", d.serial.map { .string($0) }),
            ("modelNumber", d.model.map { .string($0) }),
            ("type", Self.mdcConcept(FHIRCodes.mdsSimple.code, FHIRCodes.mdsSimple.name, text: "Personal health device")),
            ("specialization", .array(specializations.map { s in
                ["systemType": Self.mdcConcept(s.rawValue, s.name, text: s.text)]
            })),
        ])
        return FHIREntry(fullUrl: deviceURL(d.id), resource: resource, resourceType: "Device",
                         ifNoneExist: Self.identifierQuery(system: FHIRCodes.deviceID, value: d.id))
    }

    // MARK: Observations

    static func mdcCoding(_ code: Int, _ name: String?) -> JSONValue {
        object([("system", .string(FHIRCodes.mdc)), ("code", .string(String(code))), ("display", name.map { .string($0) })])
    }

    static func mdcConcept(_ code: Int, _ name: String, text: String) -> JSONValue {
        ["coding": [mdcCoding(code, name)], "text": .string(text)]
    }

    static func loincCoding(_ code: String) -> JSONValue { ["system": .string(FHIRCodes.loinc), "code": .string(code)] }

    /// The code of one quantity: MDC first (the PHD IG's required slice), then LOINC; SpO2 carries both
    /// 59408-5 and 2708-6.
    static func code(_ o: StoredObservation) -> JSONValue {
        let metric = Metric.catalogue[o.metric]
        var codings = [mdcCoding(Int(o.mdc), metric?.mdcName)]
        if let loinc = o.loinc { codings.append(loincCoding(loinc)) }
        if o.mdc == Int64(Metric.spo2.mdc) { codings.append(loincCoding(FHIRCodes.oxygenSaturationLOINC)) }
        return ["coding": .array(codings), "text": .string(metric?.name ?? o.metric)]
    }

    /// `valueQuantity`, or `dataAbsentReason` for the special values (PhdNumericObservation: NaN → not-a-number,
    /// ±infinity → positive-/negative-infinity, NRes and reserved → error). A glucose LOW or HIGH (a censored
    /// value, stored as −∞/+∞) is therefore a dataAbsentReason, with its quality flag beside it.
    static func value(_ o: StoredObservation) -> (String, JSONValue) {
        if o.state == ValueState.number.rawValue, let v = o.value, v.isFinite {
            return ("valueQuantity", ["value": .number(v), "unit": .string(o.unit), "system": .string(FHIRCodes.ucum), "code": .string(o.unit)])
        }
        let reason: (String, String) = switch ValueState(rawValue: o.state) {
        case .notANumber: ("not-a-number", "Not a Number (NaN)")
        case .positiveInfinity: ("positive-infinity", "Positive Infinity (PINF)")
        case .negativeInfinity: ("negative-infinity", "Negative Infinity (NINF)")
        default: ("error", "Error")
        }
        return ("dataAbsentReason", ["coding": [["system": .string(FHIRCodes.dataAbsentReason), "code": .string(reason.0), "display": .string(reason.1)]]])
    }

    /// The FHIR dateTime of an instant: UTC, with milliseconds or microseconds only when they are not zero.
    public static func dateTime(microseconds us: Int64) -> String {
        let seconds = us >= 0 ? us / 1_000_000 : (us - 999_999) / 1_000_000
        let fraction = us - seconds * 1_000_000
        var cal = Calendar(identifier: .gregorian)
        cal.timeZone = TimeZone(identifier: "UTC")!
        let c = cal.dateComponents([.year, .month, .day, .hour, .minute, .second], from: Date(timeIntervalSince1970: Double(seconds)))
        var s = String(format: "%04d-%02d-%02dT%02d:%02d:%02d", c.year ?? 0, c.month ?? 0, c.day ?? 0, c.hour ?? 0, c.minute ?? 0, c.second ?? 0)
        if fraction != 0 {
            s += fraction % 1000 == 0 ? String(format: ".%03lld", fraction / 1000) : String(format: ".%06lld", fraction)
        }
        return s + "Z"
    }

    public static func dateTime(_ d: Date) -> String { dateTime(microseconds: Int64((d.timeIntervalSince1970 * 1000).rounded()) * 1000) }

    /// What every PHD observation carries: meta (profiles, HTEST for demonstration or test data), the gateway
    /// and quality extensions, the conditional-create identifier, status and categories.
    func header(profiles: [String], identifier: String, flags: [String], grade: String?, vitalSign: Bool) -> [(String, JSONValue)] {
        var meta: [(String, JSONValue)] = [("profile", .array(profiles.map { .string($0) }))]
        if flags.contains(QualityFlag.plxDemonstrationData.rawValue) || flags.contains(QualityFlag.plxTestingData.rawValue) {
            meta.append(("security", [["system": .string(FHIRCodes.actReason), "code": "HTEST"]]))
        }
        var extensions: [JSONValue] = [["url": .string(FHIRCodes.gatewayDeviceExtension), "valueReference": ["reference": .string(gatewayURL)]]]
        for f in flags.sorted() {
            extensions.append(["url": .string(FHIRCodes.qualityFlagExtension), "valueCoding": ["system": .string(FHIRCodes.qualityFlagSystem), "code": .string(f)]])
        }
        if let grade { extensions.append(["url": .string(FHIRCodes.deviceGradeExtension), "valueCode": .string(grade)]) }
        var categories: [JSONValue] = []
        if vitalSign {
            categories.append(["coding": [["system": .string(FHIRCodes.observationCategory), "code": "vital-signs", "display": "Vital Signs"]], "text": "Vital Signs"])
        }
        categories.append(["coding": [["system": .string(FHIRCodes.phdObservationCategory), "code": "phd-observation"]]])
        return [
            ("resourceType", "Observation"), ("meta", .object(meta)), ("extension", .array(extensions)),
            ("identifier", [["value": .string(identifier)]]), ("status", "final"), ("category", .array(categories)),
        ]
    }

    /// The conditional-create identifier of an observation: device, kind, the reading's natural key and the MDC code.
    /// (The PHD IG's conditionalCreate identifier slice has a value and no system.)
    public static func observationIdentifier(deviceID: String, kind: String, naturalKey: String, mdc: Int64) -> String {
        "\(deviceID)/\(kind)/\(naturalKey)/\(mdc)"
    }

    func observationEntry(identifier: String, members: [(String, JSONValue)]) -> FHIREntry {
        FHIREntry(fullUrl: "urn:uuid:" + Self.uuid("Observation|\(identifier)"), resource: .object(members), resourceType: "Observation",
                  ifNoneExist: Self.identifierQuery(system: nil, value: identifier))
    }

    /// The Observations of one reading: a blood-pressure reading is one compound Observation (systolic, diastolic,
    /// mean as components) plus the cuff's pulse rate as an Observation of its own; any other reading gives one
    /// numeric Observation per quantity (an oximeter's SpO2 and pulse rate apart).
    public func observationEntries(_ r: StoredReading) -> [FHIREntry] {
        let effective = Self.dateTime(r.effectiveAt)
        let bpParts: Set<Int64> = [Int64(Metric.systolic.mdc), Int64(Metric.diastolic.mdc), Int64(Metric.meanArterialPressure.mdc)]
        var out: [FHIREntry] = []
        var numeric = r.observations
        if r.kind == ReadingKind.bloodPressure.rawValue {
            let parts = r.observations.filter { bpParts.contains($0.mdc) }
            numeric = r.observations.filter { !bpParts.contains($0.mdc) }
            if !parts.isEmpty {
                let bp = FHIRCodes.bloodPressure
                let id = Self.observationIdentifier(deviceID: r.deviceID, kind: r.kind, naturalKey: r.naturalKey, mdc: Int64(bp.code))
                var m = header(profiles: [FHIRCodes.phdCompoundNumeric, FHIRCodes.bpProfile], identifier: id, flags: r.flags, grade: r.grade, vitalSign: true)
                m += [
                    ("code", ["coding": [Self.mdcCoding(bp.code, bp.name), Self.loincCoding(bp.loinc)], "text": "Blood pressure"]),
                    ("subject", ["reference": .string(patientURL(r.subjectID))]),
                    ("effectiveDateTime", .string(effective)),
                    ("device", ["reference": .string(deviceURL(r.deviceID))]),
                    ("component", .array(parts.map { o in
                        let v = Self.value(o)
                        return .object([("code", Self.code(o)), v])
                    })),
                ]
                out.append(observationEntry(identifier: id, members: m))
            }
        }
        for o in numeric {
            let id = Self.observationIdentifier(deviceID: r.deviceID, kind: r.kind, naturalKey: r.naturalKey, mdc: o.mdc)
            let vital = o.loinc.map { FHIRCodes.vitalSignsLOINC.contains($0) } ?? false
            var m = header(profiles: [FHIRCodes.phdNumeric], identifier: id, flags: r.flags, grade: r.grade, vitalSign: vital)
            m += [
                ("code", Self.code(o)),
                ("subject", ["reference": .string(patientURL(r.subjectID))]),
                ("effectiveDateTime", .string(effective)),
                Self.value(o),
                ("device", ["reference": .string(deviceURL(r.deviceID))]),
            ]
            out.append(observationEntry(identifier: id, members: m))
        }
        return out
    }

    /// A derived value to 12 significant digits: a gain stored as 999.9999999999999 gives a factor of 0.001,
    /// not 0.0010000000000000002 (the samples themselves are exact integers).
    static func significant(_ d: Double) -> Double {
        guard d.isFinite, d != 0 else { return d == 0 ? 0 : d }
        return Double(String(format: "%.12g", d)) ?? d
    }

    /// One waveform block as a PhdRtsaObservation: `valueSampledData` with the samples as integers,
    /// `factor` = 1/gain and `origin` = −baseline/gain, so origin + factor × sample is the value in the block's unit;
    /// `period` is the sample interval in milliseconds.
    public func waveformEntry(_ b: VitalsStore.StoredWaveformBlock) -> FHIREntry {
        let id = Self.observationIdentifier(deviceID: b.deviceID, kind: "waveform", naturalKey: "us:\(b.startMicroseconds)", mdc: b.leadMDC)
        let lead = Metric.catalogue.values.first { Int64($0.mdc) == b.leadMDC }
        var m = header(profiles: [FHIRCodes.phdRtsa], identifier: id, flags: [], grade: nil, vitalSign: false)
        m += [
            ("code", ["coding": [Self.mdcCoding(Int(b.leadMDC), lead?.mdcName)], "text": .string(lead?.name ?? "Waveform")]),
            ("subject", ["reference": .string(patientURL(b.subjectID))]),
            ("effectiveDateTime", .string(Self.dateTime(microseconds: b.startMicroseconds))),
            ("valueSampledData", [
                "origin": ["value": .number(Self.significant(-Double(b.baseline) / b.gain)), "unit": .string(b.unit), "system": .string(FHIRCodes.ucum), "code": .string(b.unit)],
                "period": .number(Self.significant(1000 / b.sampleRate)),
                "factor": .number(Self.significant(1 / b.gain)),
                "dimensions": 1,
                "data": .string(b.samples.map(String.init).joined(separator: " ")),
            ]),
            ("device", ["reference": .string(deviceURL(b.deviceID))]),
        ]
        return observationEntry(identifier: id, members: m)
    }
}
