import Foundation
import Testing
import VitalsCore
import VitalsFHIR
import VitalsStore
import VitalsTestSupport

/// The golden files in golden/ were written by hand from the FHIR R4 Observation, Device and Bundle definitions and
/// the HL7 PHD IG (STU 1) profiles; the urn:uuid values were computed independently with Python's uuid.uuid5 in the
/// OpenVitals namespace. A difference means the mapping changed: check it against the IG before updating a file.
@Suite struct FHIRExportTests {
    let export = FHIRExport(gateway: FHIRGateway(id: "test-hub"))

    static func golden(_ name: String) throws -> String {
        try canonical(Data(contentsOf: repoRoot.appendingPathComponent("Tests/VitalsFHIRTests/golden/\(name)")))
    }

    /// Sorted keys, so the comparison is about content, not the order or layout a golden was typed in.
    static func canonical(_ data: Data) throws -> String {
        let object = try JSONSerialization.jsonObject(with: data)
        let out = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes])
        return String(decoding: out, as: UTF8.self)
    }

    static func canonical(_ v: JSONValue) throws -> String { try canonical(Data(v.serialized().utf8)) }

    static func obs(_ m: Metric, _ value: Double?, _ unit: UCUMUnit, state: ValueState = .number) -> StoredObservation {
        StoredObservation(mdc: Int64(m.mdc), metric: m.key, loinc: m.loinc, value: value, state: state.rawValue, unit: unit.code, wire: "test")
    }

    static func reading(device: String, kind: ReadingKind, key: String, at: TimeInterval, grade: DeviceGrade = .medical, flags: [String] = [],
                        _ observations: [StoredObservation]) -> StoredReading {
        StoredReading(id: 1, deviceID: device, subjectID: "alice", kind: kind.rawValue, naturalKey: key, sequence: nil,
                      effectiveAt: Date(timeIntervalSince1970: at), deviceTime: nil, receivedAt: Date(timeIntervalSince1970: at),
                      grade: grade.rawValue, flags: flags, observations: observations, rawHex: "")
    }

    static let cuff = "sim-ble:C0:FF:EE:00:01:01"
    static let bpReading = reading(device: cuff, kind: .bloodPressure, key: "seq:7", at: 1_795_429_260, flags: ["bp.irregular-pulse"], [
        obs(.systolic, 128, .millimetreOfMercury), obs(.diastolic, 82, .millimetreOfMercury),
        obs(.meanArterialPressure, 97.3, .millimetreOfMercury), obs(.pulseRateNonInvasive, 71, .perMinute),
    ])
    static let glucoseReading = reading(device: "sim-ble:C0:FF:EE:00:02:01", kind: .glucose, key: "seq:1", at: 1_795_345_560, [
        obs(.glucoseCapillaryWholeBlood, 112, .milligramPerDecilitre),
    ])
    static let cgmLow = reading(device: "sim-ble:C0:FF:EE:00:03:01", kind: .glucose, key: "seq:42", at: 1_795_403_700, grade: .consumer,
                                flags: ["glucose.result-below-device-range"], [
                                    obs(.glucoseInterstitial, nil, .milligramPerDecilitre, state: .negativeInfinity),
                                ])
    static let spo2Reading = reading(device: "sim-ble:C0:FF:EE:00:06:01", kind: .spo2, key: "dt:2026-11-23T10:40:00", at: 1_795_430_400,
                                     flags: ["plx.dataForDemonstration"], [obs(.spo2, 97, .percent), obs(.pulseOximeterRate, 68, .perMinute)])
    static let ecgBlock = VitalsStore.StoredWaveformBlock(
        id: 1, deviceID: "sim-ble:C0:FF:EE:00:04:01", subjectID: "alice", leadMDC: Int64(Metric.ecgLeadII.mdc),
        startMicroseconds: 1_795_429_800_250_000, sampleRate: 250, gain: 1000, baseline: 2048, unit: "mV", samples: [2048, 2100, 2600, 1900, 2048])

    static func device(_ id: String, transport: TransportKind, address: String, manufacturer: String?, model: String?, serial: String? = nil) -> VitalsStore.DeviceRecord {
        VitalsStore.DeviceRecord(id: id, transport: transport.rawValue, address: address, profileID: nil, manufacturer: manufacturer, model: model,
                                 serial: serial, grade: "medical", certifiedClasses: nil, udi: nil, udiDeviceIdentifier: nil, clockOffsetSeconds: nil,
                                 clockChecks: 0, firstSeen: Date(timeIntervalSince1970: 0), lastSeen: Date(timeIntervalSince1970: 0))
    }

    @Test func bloodPressureIsACompoundObservationWithThePulseApart() throws {
        let entries = export.observationEntries(Self.bpReading)
        #expect(entries.count == 2)
        #expect(try Self.canonical(entries[0].json) == Self.golden("bp-observation.json"))
        #expect(try Self.canonical(entries[1].json) == Self.golden("bp-pulse-observation.json"))
    }

    @Test func glucoseMeterReading() throws {
        let entries = export.observationEntries(Self.glucoseReading)
        #expect(entries.count == 1)
        #expect(try Self.canonical(entries[0].json) == Self.golden("glucose-observation.json"))
    }

    @Test func censoredCGMLowIsADataAbsentReasonWithItsFlag() throws {
        let entries = export.observationEntries(Self.cgmLow)
        #expect(entries.count == 1)
        #expect(try Self.canonical(entries[0].json) == Self.golden("cgm-low-observation.json"))
    }

    @Test func spo2CarriesBothLOINCCodesAndDemonstrationDataIsMarkedHTEST() throws {
        let entries = export.observationEntries(Self.spo2Reading)
        #expect(entries.count == 2, "SpO2 and the oximeter's pulse rate")
        #expect(try Self.canonical(entries[0].json) == Self.golden("spo2-observation.json"))
    }

    @Test func ecgBlockIsSampledData() throws {
        #expect(try Self.canonical(export.waveformEntry(Self.ecgBlock).json) == Self.golden("ecg-block-observation.json"))
    }

    @Test func devices() throws {
        let cuff = Self.device(Self.cuff, transport: .simBLE, address: "C0:FF:EE:00:01:01", manufacturer: "OpenVitals firmware-sim",
                               model: "Simulated upper-arm cuff (BLS 1.0)", serial: "SN-0001")
        #expect(try Self.canonical(export.deviceEntry(cuff, specializations: [.bloodPressure]).json) == Self.golden("ble-cuff-device.json"))
        let agent = Self.device("usb:4F56C0FFEE000701", transport: .usb, address: "4F56C0FFEE000701", manufacturer: "OpenVitals", model: "PHD-BP")
        #expect(try Self.canonical(export.deviceEntry(agent, specializations: [.bloodPressure]).json) == Self.golden("usb-agent-device.json"))
        #expect(try Self.canonical(export.gatewayEntry().json) == Self.golden("gateway-device.json"))
    }

    @Test func specialValuesBecomeDataAbsentReasons() {
        for (state, code) in [(ValueState.notANumber, "not-a-number"), (.positiveInfinity, "positive-infinity"), (.notAtThisResolution, "error"), (.reserved, "error")] {
            let r = Self.reading(device: "x:1", kind: .glucose, key: "seq:1", at: 0, [Self.obs(.glucoseGeneric, nil, .milligramPerDecilitre, state: state)])
            let resource = export.observationEntries(r)[0].resource
            #expect(resource["valueQuantity"] == nil)
            #expect(resource["dataAbsentReason"]?.serialized(pretty: false).contains("\"code\":\"\(code)\"") == true, "\(state)")
        }
    }

    @Test func specializationsFollowWhatTheDeviceMeasured() {
        #expect(FHIRExport.specializations(readings: [Self.cgmLow], blocks: []) == [.cgm])
        #expect(FHIRExport.specializations(readings: [Self.glucoseReading], blocks: []) == [.glucose])
        #expect(FHIRExport.specializations(readings: [Self.spo2Reading], blocks: []) == [.pulseOximeter])
        #expect(FHIRExport.specializations(readings: [], blocks: [Self.ecgBlock]) == [.ecg])
        #expect(FHIRExport.specializations(readings: [Self.reading(device: "x", kind: .heartRate, key: "k", at: 0, [])], blocks: []) == [.generic])
    }

    @Test func bundleIsATransactionWhoseReferencesResolveAndWhoseIdsAreStable() throws {
        let devices = [Self.cuff, "sim-ble:C0:FF:EE:00:02:01", "sim-ble:C0:FF:EE:00:03:01", "sim-ble:C0:FF:EE:00:06:01", "sim-ble:C0:FF:EE:00:04:01", "sim-ble:C0:FF:EE:00:09:09"].map {
            Self.device($0, transport: .simBLE, address: String($0.dropFirst(8)), manufacturer: "m", model: "x")
        }
        let readings = [Self.bpReading, Self.glucoseReading, Self.cgmLow, Self.spo2Reading]
        let bundle = export.bundle(devices: devices, readings: readings, blocks: [Self.ecgBlock])
        #expect(bundle["resourceType"] == "Bundle")
        #expect(bundle["type"] == "transaction")
        guard case .array(let entries)? = bundle["entry"] else { Issue.record("no entries"); return }
        // gateway + 1 patient + 5 devices used (not the one without data) + 6 observations (BP 2, glucose 1, CGM 1, SpO2 2) + 1 block
        #expect(entries.count == 1 + 1 + 5 + 6 + 1)
        let urls = entries.compactMap { e -> String? in if case .string(let s)? = e["fullUrl"] { s } else { nil } }
        #expect(Set(urls).count == entries.count)
        let text = bundle.serialized(pretty: false)
        let refs = text.components(separatedBy: "\"reference\":\"").dropFirst().map { String($0.prefix { $0 != "\"" }) }
        #expect(!refs.isEmpty)
        for r in refs { #expect(urls.contains(r), "dangling \(r)") }
        for e in entries {
            #expect(e["request"]?["method"] == "POST")
            if case .string(let q)? = e["request"]?["ifNoneExist"] { #expect(q.hasPrefix("identifier=")) } else { Issue.record("no ifNoneExist") }
        }
        #expect(export.bundle(devices: devices, readings: readings, blocks: [Self.ecgBlock]).serialized() == bundle.serialized(), "same input, same bytes")
    }

    @Test func uuidsAreVersion5() {
        let u = FHIRExport.uuid("Patient|alice")
        #expect(u == "53c506e5-5b3d-551b-8c32-7dedbdd9adad")
        #expect(Array(u)[14] == "5")
    }

    @Test func dateTimes() {
        #expect(FHIRExport.dateTime(microseconds: 1_795_429_260_000_000) == "2026-11-23T10:21:00Z")
        #expect(FHIRExport.dateTime(microseconds: 1_795_429_800_250_000) == "2026-11-23T10:30:00.250Z")
        #expect(FHIRExport.dateTime(microseconds: 1_795_429_800_250_001) == "2026-11-23T10:30:00.250001Z")
    }

    @Test func numbersAndStrings() {
        #expect(JSONValue.number(97.3).serialized() == "97.3")
        #expect(JSONValue.number(120).serialized() == "120")
        #expect(JSONValue.number(0.00005).serialized() == "0.00005")
        #expect(JSONValue.string("a\"b\\c\n/").serialized() == #""a\"b\\c\n/""#)
    }

    /// From the store: what `vitals export fhir` reads (readings, decoded waveform blocks, devices with serials) maps.
    @Test func exportsWhatTheStoreHolds() async throws {
        let store = try memoryStore()
        var r = bp(128, 82, profile: "sim-bp-cuff", flags: [.irregularPulse])
        r.device.serial = "SN-42"
        _ = try await store.record([r])
        let block = SampleBlock(subject: r.subject, device: r.device, lead: .ecgLeadII, startTime: Date(timeIntervalSince1970: 1_795_429_800.25),
                                sampleRate: 250, gain: 1000, baseline: 0, unit: .millivolt, samples: [0, 5, -3, 1200, 7])
        #expect(try await store.record(block: block))
        let readings = try await store.readings(since: Date(timeIntervalSince1970: 0), limit: .max)
        let blocks = try await store.waveformBlockRecords()
        #expect(blocks.map(\.samples) == [[0, 5, -3, 1200, 7]], "codec 1 decoded")
        #expect(try await store.waveformBlockRecords(since: Date(timeIntervalSince1970: 1_795_429_801)).isEmpty)
        let devices = try await store.devices()
        #expect(devices.first?.serial == "SN-42")
        let text = export.bundle(devices: devices, readings: readings, blocks: blocks).serialized()
        #expect(text.contains("\"serialNumber\": \"SN-42\""))
        #expect(text.contains("\"data\": \"0 5 -3 1200 7\""))
        #expect(text.contains("\"code\": \"bp.irregular-pulse\""))
    }
}
