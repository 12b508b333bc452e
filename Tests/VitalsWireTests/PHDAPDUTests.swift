import Testing
import VitalsCore
@testable import VitalsWire

/// IEEE 11073-20601 APDUs against byte vectors from the standards' annex examples as published in public
/// test suites and agent samples (association request of the USB PHDC sample agent; the 10407, 10415 and
/// 10417 measurement examples; the 10408 extended configuration example; the association response a
/// public Accu-Chek uploader sends), decoded field by field, re-encoded byte for byte, and cut short.
struct PHDAPDUTests {
    static func bytes(_ hex: String) -> [UInt8] { try! Hex.parse(hex) }

    /// USB PHDC sample agent: association request, extended config 0x4000, system id "LNIAGENT".
    static let aarqSampleAgent = bytes("E2000032 80000000 0001002A 5079 0026 80000000 8000 80000000 00000000 00800000 0008 4C4E494147454E54 4000 0001 0100 00000000")
    /// 10407 annex: association request from a BP monitor, standard config 700, encoding MDER|PER bits.
    static let aarqBP = bytes("E2 00 00 32 80 00 00 00 00 01 00 2A 50 79 00 26 80 00 00 00 A0 00 80 00 00 00 00 00 00 00 00 80 00 00 00 08 11 22 33 44 55 66 77 88 02 BC 00 01 01 00 00 00 00 00")
    /// An uploader's association response: accepted-unknown-config.
    static let aareUnknownConfig = bytes("E3 00 00 2C 00 03 50 79 00 26 80 00 00 02 80 00 80 00 00 00 00 00 00 00 80 00 00 00 00 08 01 02 03 04 05 06 07 08 00 00 00 00 00 00 00 00 00 00")
    /// 10407 annex: confirmed fixed scan report, BP {120, 80, 100} mmHg and pulse 60.0, 2007-12-06 12:10.
    static let bpScan = bytes("E7 00 00 3E 00 3C 00 54 01 01 00 36 00 00 00 00 00 00 0D 1D 00 2C F0 00 00 00 00 02 00 24 00 01 00 12 00 03 00 06 00 78 00 50 00 64 20 07 12 06 12 10 00 00 00 02 00 0A F2 58 20 07 12 06 12 10 00 00")
    /// 10417 annex: glucose 85.0 mg/dL.
    static let glucoseScan = bytes("E7 00 00 28 00 26 12 36 01 01 00 20 00 00 00 00 00 00 0D 1D 00 16 F0 00 00 00 00 01 00 0E 00 01 00 0A F3 52 20 07 12 06 12 10 00 00")
    /// 10415 annex: body weight 76.2 kg as a 32-bit FLOAT.
    static let scaleScan = bytes("E7 00 00 2A 00 28 12 36 01 01 00 22 00 00 00 00 00 00 0D 1D 00 18 F0 00 00 00 00 01 00 10 00 01 00 0C FF 00 02 FA 20 07 12 06 12 10 00 00")
    /// 10408 annex: extended configuration 0x4000, one numeric object (body temperature, °C, FLOAT + absolute time).
    static let thermometerConfig = bytes("E7 00 00 44 00 42 99 99 01 01 00 3C 00 00 FF FF FF FF 0D 1C 00 32 40 00 00 01 00 2C 00 06 00 01 00 04 00 24 09 2F 00 04 00 02 4B 5C 0A 46 00 02 F0 40 09 96 00 02 17 A0 0A 55 00 0C 00 02 00 08 0A 56 00 04 09 90 00 08")
    /// The manager's answer to the glucose report: rors-cmip-confirmed-event-report, empty reply info.
    static let glucoseAck = bytes("E7 00 00 12 00 10 12 36 02 01 00 0A 00 00 00 00 00 00 0D 1D 00 00")
    /// 20601 annex: get all MDS attributes.
    static let getMDS = bytes("E7 00 00 0E 00 0C 34 56 01 03 00 06 00 00 00 00 00 00")

    /// 20601 annex (as in Antidote's test resource H233): the scale's answer to "get all MDS attributes", six
    /// attributes: System-Type-Spec-List (10415 v1), System-Model ("TheCompany", "TheScaleABC"), System-Id,
    /// Dev-Configuration-Id 0x4000, Production-Specification (serial "DE124567") and Date-and-Time (2007-02-01 12:05).
    static let getMDSResult = bytes("""
        E7 00 00 6E 00 6C 34 56 02 03 00 66 00 00 00 06 00 60 0A 5A 00 08 00 01 00 04 10 0F 00 01 09 28 00 1A 00 0A
        54 68 65 43 6F 6D 70 61 6E 79 00 0C 54 68 65 53 63 61 6C 65 41 42 43 00 09 84 00 0A 00 08 88 77 66 55 44 33
        22 11 0A 44 00 02 40 00 09 2D 00 12 00 01 00 0E 00 01 00 00 00 08 44 45 31 32 34 35 36 37 09 87 00 08 20 07
        02 01 12 05 00 00
        """)

    static let all = [aarqSampleAgent, aarqBP, aareUnknownConfig, bpScan, glucoseScan, scaleScan, thermometerConfig, glucoseAck, getMDS, getMDSResult,
                      bytes("E4 00 00 02 00 00"), bytes("E5 00 00 02 00 00"), bytes("E6 00 00 02 00 02")]

    @Test func associationRequestOfTheSampleAgent() throws {
        guard case .associationRequest(let a) = try PHDAPDU(bytes: Self.aarqSampleAgent) else { Issue.record("not an AARQ"); return }
        #expect(a.assocVersion == 0x8000_0000)
        let info = try #require(a.phd)
        #expect(info.protocolVersion == 0x8000_0000 && info.encodingRules == 0x8000 && info.nomenclatureVersion == 0x8000_0000)
        #expect(info.systemType == PhdAssociationInformation.systemTypeAgent && info.isAgent)
        #expect(info.systemID == Array("LNIAGENT".utf8) && info.systemIDHex == "4C4E494147454E54")
        #expect(info.devConfigID == 0x4000 && info.dataReqModeFlags == 1 && info.dataReqInitAgentCount == 1 && info.dataReqInitManagerCount == 0)
        #expect(info.optionList.isEmpty)
    }

    @Test func associationRequestOfABloodPressureMonitor() throws {
        guard case .associationRequest(let a) = try PHDAPDU(bytes: Self.aarqBP) else { Issue.record("not an AARQ"); return }
        let info = try #require(a.phd)
        #expect(info.devConfigID == 700 && StandardConfiguration.specialization(configID: info.devConfigID)?.standard == 10407)
        #expect(info.encodingRules == 0xA000, "MDER plus another rule offered; MDER is among them")
        #expect(info.systemIDHex == "1122334455667788")
    }

    @Test func associationResponse() throws {
        guard case .associationResponse(let a) = try PHDAPDU(bytes: Self.aareUnknownConfig) else { Issue.record("not an AARE"); return }
        #expect(a.result == .acceptedUnknownConfig && a.result.isAccepted && a.result.description == "accepted-unknown-config")
        #expect(a.selectedDataProto.id == 20601)
        let info = try #require(a.selectedDataProto.phd)
        #expect(info.systemType == PhdAssociationInformation.systemTypeManager && info.systemID == [1, 2, 3, 4, 5, 6, 7, 8] && info.devConfigID == 0)
    }

    @Test func bloodPressureFixedScanReportWithTheStandardConfiguration() throws {
        guard case .data(let d) = try PHDAPDU(bytes: Self.bpScan), case .eventReport(let e, let confirmed) = d.message else {
            Issue.record("not an event report"); return
        }
        #expect(d.invokeID == 0x0054 && confirmed && e.handle == 0 && e.eventType == MDC.notiScanReportFixed)
        let scan = try #require(e.scanReport)
        #expect(scan.form == .fixed && scan.dataReqID == 0xF000 && scan.scanReportNo == 0)
        let obs = try #require(scan.persons.first?.fixed)
        #expect(obs.map(\.handle) == [1, 2])
        let objects = try #require(StandardConfiguration.objects(configID: 0x02BC))
        let bp = try FixedValueLayout(object: objects[0]).split(obs[0].data)
        #expect(bp[0].typed == .basicCompound([SFloat(bitPattern: 0x0078), SFloat(bitPattern: 0x0050), SFloat(bitPattern: 0x0064)]))
        #expect(bp[1].typed == .absoluteTime(AbsoluteTime(year: 2007, month: 12, day: 6, hour: 12, minute: 10, second: 0)))
        let pulse = try FixedValueLayout(object: objects[1]).split(obs[1].data)
        guard case .basic(let p) = pulse[0].typed else { Issue.record("pulse is not a basic value"); return }
        #expect(p.value == 60.0)
    }

    @Test func glucoseAndScaleValues() throws {
        guard case .data(let g) = try PHDAPDU(bytes: Self.glucoseScan), case .eventReport(let ge, _) = g.message else { Issue.record("glucose"); return }
        let gObj = StandardConfiguration.objects(configID: 0x06A4)![0]
        let gv = try FixedValueLayout(object: gObj).split(try #require(ge.scanReport?.persons.first?.fixed.first?.data))
        guard case .basic(let mgdl) = gv[0].typed else { Issue.record("glucose value"); return }
        #expect(mgdl.value == 85.0)

        guard case .data(let s) = try PHDAPDU(bytes: Self.scaleScan), case .eventReport(let se, _) = s.message else { Issue.record("scale"); return }
        let sObj = StandardConfiguration.objects(configID: 0x05DC)![0]
        let sv = try FixedValueLayout(object: sObj).split(try #require(se.scanReport?.persons.first?.fixed.first?.data))
        guard case .simple(let kg) = sv[0].typed else { Issue.record("scale value"); return }
        #expect(kg.bitPattern == 0xFF00_02FA && kg.exponent == -1 && kg.mantissa == 762 && kg.value == 76.2)
    }

    @Test func thermometerExtendedConfiguration() throws {
        guard case .data(let d) = try PHDAPDU(bytes: Self.thermometerConfig), case .eventReport(let e, true) = d.message else { Issue.record("config"); return }
        #expect(e.time == 0xFFFF_FFFF && e.eventType == MDC.notiConfig)
        let report = try #require(e.configReport)
        #expect(report.configReportID == 0x4000 && report.objects.count == 1)
        let o = report.objects[0]
        #expect(o.objClass == MDC.mocVMOMetricNumeric && o.handle == 1)
        #expect(o.attribute(MDC.attrIDType) == .type(partition: 2, term: MDC.temperatureBody))
        #expect(o.attribute(MDC.attrMetricSpecSmall) == .uint16(0xF040))
        #expect(o.attribute(MDC.attrUnitCode) == .uint16(MDC.dimDegreeCelsius))
        #expect(o.attribute(MDC.attrAttributeValueMap) == .attributeValueMap([.init(MDC.attrNuValueObservedSimple, 4), .init(MDC.attrTimeStampAbsolute, 8)]))
    }

    /// RLRE has its own reason table (ReleaseResponseReason: only 0 normal, the rest reserved), not the request's:
    /// a response with 1 is not "no-more-configurations".
    @Test func releaseResponseHasItsOwnReasonTable() throws {
        #expect(try PHDAPDU(bytes: Self.bytes("E5 00 00 02 00 00")) == .releaseResponse(.normal))
        let rlre = try PHDAPDU(bytes: Self.bytes("E5 00 00 02 00 01")).json().serialized(pretty: false)
        #expect(rlre.contains("\"reason\":\"reserved-1\"") && !rlre.contains("no-more-configurations"), "\(rlre)")
        let rlrq = try PHDAPDU(bytes: Self.bytes("E4 00 00 02 00 02")).json().serialized(pretty: false)
        #expect(rlrq.contains("\"reason\":\"configuration-changed\""), "\(rlrq)")
    }

    /// The GET response's attribute list, decoded attribute by attribute into its ASN.1 type.
    @Test func mdsGetResponseAttributes() throws {
        guard case .data(let d) = try PHDAPDU(bytes: Self.getMDSResult), case .getResult(let r) = d.message else { Issue.record("not a rors-cmip-get"); return }
        #expect(d.invokeID == 0x3456 && r.handle == 0)
        #expect(r.attributes.map(\.id) == [MDC.attrSystemTypeSpecList, MDC.attrIDModel, MDC.attrSystemID, MDC.attrDevConfigID, 2349, MDC.attrTimeAbsolute])
        #expect(r.attribute(MDC.attrSystemTypeSpecList) == .typeVersionList([.init(type: MDC.profileScale, version: 1)]))
        #expect(r.attribute(MDC.attrIDModel) == .model(manufacturer: "TheCompany", model: "TheScaleABC"))
        #expect(r.attribute(MDC.attrSystemID) == .octets(Self.bytes("88 77 66 55 44 33 22 11")))
        #expect(r.attribute(MDC.attrDevConfigID) == .uint16(0x4000))
        #expect(r.attribute(MDC.attrTimeAbsolute) == .absoluteTime(AbsoluteTime(year: 2007, month: 2, day: 1, hour: 12, minute: 5, second: 0)))
    }

    @Test func releaseAbortAndGet() throws {
        #expect(try PHDAPDU(bytes: Self.bytes("E4 00 00 02 00 00")) == .releaseRequest(.normal))
        #expect(try PHDAPDU(bytes: Self.bytes("E5 00 00 02 00 00")) == .releaseResponse(.normal))
        #expect(try PHDAPDU(bytes: Self.bytes("E6 00 00 02 00 02")) == .abort(.responseTimeout))
        guard case .data(let d) = try PHDAPDU(bytes: Self.getMDS), case .get(let g) = d.message else { Issue.record("get"); return }
        #expect(d.invokeID == 0x3456 && g.handle == 0 && g.attributeIDs.isEmpty)
        guard case .data(let a) = try PHDAPDU(bytes: Self.glucoseAck), case .eventReportResult(let r) = a.message else { Issue.record("ack"); return }
        #expect(a.invokeID == 0x1236 && r.eventType == MDC.notiScanReportFixed && r.info.isEmpty)
    }

    /// Every vector re-encodes to exactly its bytes.
    @Test(arguments: all) func reencodesByteForByte(_ v: [UInt8]) throws {
        #expect(try PHDAPDU(bytes: v).bytes == v)
    }

    /// Every proper prefix of every vector is refused with an error naming a field and an offset inside it.
    @Test(arguments: all) func truncationIsAnErrorNamingFieldAndOffset(_ v: [UInt8]) {
        for n in 0..<v.count {
            do {
                _ = try PHDAPDU(bytes: Array(v.prefix(n)))
                Issue.record("\(n) of \(v.count) bytes decoded")
            } catch {
                #expect(!error.field.isEmpty && error.offset <= n, "\(error)")
            }
        }
    }

    @Test func wrongLengthsAndChoicesAreNamed() throws {
        // The data-proto-list says 43 bytes where its one entry has 42.
        var bad = Self.aarqSampleAgent
        bad[11] = 0x2B
        #expect(throws: WireError.self) { try PHDAPDU(bytes: bad) }
        do { _ = try PHDAPDU(bytes: bad) } catch { #expect(error.field.contains("data-proto") || error.field.contains("APDU"), "\(error)") }

        do {
            _ = try PHDAPDU(bytes: Self.bytes("E8 00 00 00"))
            Issue.record("unknown APDU choice decoded")
        } catch {
            #expect(error.field == "APDU choice" && error.offset == 0)
        }
        // A DataApdu message choice that does not exist, at byte 8.
        var m = Self.getMDS
        m[8] = 0x09
        do {
            _ = try PHDAPDU(bytes: m)
            Issue.record("unknown message choice decoded")
        } catch {
            #expect(error.field == "message.choice" && error.offset == 8)
        }
        // A time stamp that is not BCD: the APDU itself is well formed (fixed values are opaque octets until
        // the configuration lays them out), and laying them out names the field and its offset in the data.
        var t = Self.bpScan
        t[44] = 0x2A
        guard case .data(let d) = try PHDAPDU(bytes: t), case .eventReport(let e, _) = d.message,
            let data = e.scanReport?.persons.first?.fixed.first?.data
        else { Issue.record("report"); return }
        let layout = try FixedValueLayout(object: StandardConfiguration.objects(configID: 0x02BC)![0])
        do {
            _ = try layout.split(data)
            Issue.record("non-BCD time decoded")
        } catch {
            #expect(error.field.contains("AbsoluteTime.century") && error.offset == 10, "\(error)")
        }
    }

    @Test func floatSpecialValuesAndEncoding() throws {
        #expect(MDERFloat(bitPattern: 0x007F_FFFF).state == .notANumber)
        #expect(MDERFloat(bitPattern: 0x0080_0000).state == .notAtThisResolution)
        #expect(MDERFloat(bitPattern: 0x007F_FFFE).state == .positiveInfinity)
        #expect(MDERFloat(bitPattern: 0x0080_0002).state == .negativeInfinity)
        #expect(MDERFloat(76.2, decimals: 2)?.value == 76.2)
        #expect(MDERFloat(mantissa: -2048, exponent: -3)?.bitPattern == 0xFDFF_F800)
        #expect(AbsoluteTime(year: 2007, month: 12, day: 6, hour: 12, minute: 10, second: 0).mderBytes == Self.bytes("20 07 12 06 12 10 00 00"))
    }

    /// JSON for `vitals decode --apdu`: nested event-report content with MDC codes and values.
    @Test func jsonNamesCodesAndValues() throws {
        let json = try PHDAPDU(bytes: Self.bpScan).json(configuration: StandardConfiguration.objects(configID: 0x02BC)).serialized()
        #expect(json.contains("\"MDC_NOTI_SCAN_REPORT_FIXED\"") && json.contains("\"MDC_PRESS_BLD_NONINV\"") && json.contains("\"mdc\":150020"))
        #expect(json.contains("[120,80,100]") && json.contains("\"2007-12-06T12:10:00.00\"") && json.contains("\"value\":60"))
        let raw = try PHDAPDU(bytes: Self.bpScan).json().serialized()
        #expect(raw.contains("\"obsValData\":\"000300060078005000642007120612100000\""))
    }

    /// PM-store structures by hand: a segment map (absolute time, then one glucose SFLOAT), a segment-data
    /// event of two entries, split back into times and values.
    @Test func pmStoreSegmentMapAndEntries() throws {
        let map = Self.bytes("8000 0001 0010 0006 0002 71B8 0001 0001 0004 0A4C 0002")
        var r = ByteReader(map, entity: "PmSegmentEntryMap")
        let m = try PMStore.EntryMap(mder: &r)
        #expect(m.header == PMStore.entryHeaderAbsoluteTime && m.entryLength == 10)
        #expect(m.elements == [PMStore.EntryElement(classID: 6, metricTerm: MDC.glucoseCapillaryWholeBlood, handle: 1, map: [.init(MDC.attrNuValueObservedBasic, 2)])])
        #expect(m.mderBytes == map)
        // Two entries: 2025-03-14 07:05 → 93 mg/dL (0x005D), 09:45 → 148 (0x0094).
        let event = Self.bytes("0000 00000000 00000002 C000 0014 2025031407050000 005D 2025031409450000 0094")
        let e = try PMStore.SegmentDataEvent(bytes: event)
        #expect(e.description == .init(instance: 0, entryIndex: 0, entryCount: 2, status: 0xC000))
        #expect(e.mderBytes == event)
        let entries = try e.split(with: m)
        #expect(entries.map { $0.time?.description } == ["2025-03-14T07:05:00.00", "2025-03-14T09:45:00.00"])
        #expect(entries.map { $0.elements.first?.1.first?.typed } == [.basic(SFloat(bitPattern: 0x5D)), .basic(SFloat(bitPattern: 0x94))])
        // An event that says three entries but carries two is refused, naming where it ran out.
        var short = event
        short[9] = 3
        do {
            _ = try PMStore.SegmentDataEvent(bytes: short).split(with: m)
            Issue.record("a short segment decoded")
        } catch {
            #expect(error.field.contains("AbsoluteTime") && error.offset == 20, "\(error)")
        }
    }
}
