import Foundation
import Testing
import VitalsCore
@testable import VitalsDrivers
import VitalsValidation
import VitalsWire

/// The IEEE 11073-20601 manager state machine, driven with the standards' example APDUs.
struct PHDManagerSessionTests {
    static func bytes(_ hex: String) -> [UInt8] { try! Hex.parse(hex) }
    static let aarqBP = bytes("E2 00 00 32 80 00 00 00 00 01 00 2A 50 79 00 26 80 00 00 00 A0 00 80 00 00 00 00 00 00 00 00 80 00 00 00 08 11 22 33 44 55 66 77 88 02 BC 00 01 01 00 00 00 00 00")
    static let aarqExtended = bytes("E2000032 80000000 0001002A 5079 0026 80000000 8000 80000000 00000000 00800000 0008 4C4E494147454E54 4000 0001 0100 00000000")
    static let bpScan = bytes("E7 00 00 3E 00 3C 00 54 01 01 00 36 00 00 00 00 00 00 0D 1D 00 2C F0 00 00 00 00 02 00 24 00 01 00 12 00 03 00 06 00 78 00 50 00 64 20 07 12 06 12 10 00 00 00 02 00 0A F2 58 20 07 12 06 12 10 00 00")
    static let thermometerConfig = bytes("E7 00 00 44 00 42 99 99 01 01 00 3C 00 00 FF FF FF FF 0D 1C 00 32 40 00 00 01 00 2C 00 06 00 01 00 04 00 24 09 2F 00 04 00 02 4B 5C 0A 46 00 02 F0 40 09 96 00 02 17 A0 0A 55 00 0C 00 02 00 08 0A 56 00 04 09 90 00 08")

    static func sends(_ actions: [PHDManagerSession.Action]) -> [PHDAPDU] {
        actions.compactMap { if case .send(let b) = $0 { return try? PHDAPDU(bytes: b) } else { return nil } }
    }

    static func associatedOperating() -> PHDManagerSession {
        var s = PHDManagerSession(managerSystemID: [9, 9, 9, 9, 9, 9, 9, 9])
        s.transportConnected()
        _ = s.received(aarqBP, now: .zero)
        return s
    }

    @Test func standardConfigurationAssociatesAtOnceAndReadsTheMDS() throws {
        var s = PHDManagerSession(managerSystemID: [9, 9, 9, 9, 9, 9, 9, 9])
        s.transportConnected()
        #expect(s.state == .unassociated)
        let actions = s.received(Self.aarqBP, now: .zero)
        #expect(s.state == .operating && s.configID == 700)
        let sent = Self.sends(actions)
        guard case .associationResponse(let aare) = sent.first else { Issue.record("no AARE: \(actions)"); return }
        #expect(aare.result == .accepted && aare.selectedDataProto.phd?.systemType == PhdAssociationInformation.systemTypeManager)
        #expect(aare.selectedDataProto.phd?.encodingRules == PhdAssociationInformation.encodingMDER)
        #expect(actions.contains { if case .associated(_, 700, _, true) = $0 { return true } else { return false } })
        // Then GET of all MDS attributes, exactly the annex example's form (handle 0, empty list).
        guard case .data(let get) = sent.last, case .get(let g) = get.message else { Issue.record("no GET"); return }
        #expect(g.handle == 0 && g.attributeIDs.isEmpty)
    }

    @Test func measurementsWaitForTheClockThenComeWithTheirAcknowledgement() throws {
        var s = Self.associatedOperating()
        let held = s.received(Self.bpScan, now: .milliseconds(100))
        #expect(!held.contains { if case .measurements = $0 { return true } else { return false } }, "held until the MDS (clock) is known")
        // GET result for invoke-id 1 (the session's first).
        let mds = PHDAPDU.data(DataAPDU(invokeID: 1, message: .getResult(AttributeResult(handle: 0, attributes: [
            AttributeValueAssertion(MDC.attrTimeAbsolute, .absoluteTime(AbsoluteTime(year: 2007, month: 12, day: 6, hour: 12, minute: 11, second: 0))),
        ])))).bytes
        let actions = s.received(mds, now: .milliseconds(200))
        guard case .mdsAttributes = actions.first else { Issue.record("\(actions)"); return }
        guard case .measurements(let ms, 0, let apdu, let ack?) = actions.last else { Issue.record("\(actions)"); return }
        #expect(apdu == Self.bpScan)
        // The acknowledgement is the standard's confirmed-event-report result: same invoke-id, empty reply.
        #expect(ack == Self.bytes("E7 00 00 12 00 10 00 54 02 01 00 0A 00 00 00 00 00 00 0D 1D 00 00"))
        #expect(ms.count == 2)
        let bp = try #require(ms.first { $0.type == MDC.pressureBloodNonInvasive })
        #expect(bp.values.map(\.term) == [MDC.pressureBloodNonInvasiveSystolic, MDC.pressureBloodNonInvasiveDiastolic, MDC.pressureBloodNonInvasiveMean])
        #expect(bp.values.map { $0.value.number } == [120, 80, 100])
        #expect(bp.unitCode == MDC.dimMillimetreOfMercury && bp.timeStamp?.year == 2007)
        let pulse = try #require(ms.first { $0.type == MDC.pulseRateNonInvasive })
        #expect(pulse.values.first?.value.number == 60 && pulse.unitCode == MDC.dimBeatsPerMinute)

        // Coded: one blood-pressure reading with its pulse, MDC codes with LOINC and UCUM.
        var c = ObservationMapper.Context(subject: SubjectID("s"), device: DeviceIdentity(transport: .usb, address: "1122334455667788", profileID: nil), received: Date())
        c.deviceClockOffset = 60
        let out = PHDObservationMapper.map(ms, apdu: apdu, context: c)
        #expect(out.readings.count == 1 && out.unmapped.isEmpty)
        let r = try #require(out.readings.first)
        #expect(r.kind == .bloodPressure && r.observation(.systolic)?.value == 120 && r.observation(.pulseRateNonInvasive)?.value == 60)
        #expect(r.observation(.systolic)?.unit == .millimetreOfMercury && r.observation(.systolic)?.metric.loinc == "8480-6")
        #expect(r.observation(.diastolic)?.wire == WireValue(encoding: "sfloat", bits: 0x0050, unit: "MDC_DIM_MMHG"))
        #expect(r.deviceTime == DeviceTime(year: 2007, month: 12, day: 6, hour: 12, minute: 10, second: 0))
        // Effective time: device time corrected by the 60 s the clock was ahead; a 2007 clock is a reset clock.
        #expect(r.effectiveTime == DeviceTime(year: 2007, month: 12, day: 6, hour: 12, minute: 9, second: 0).date(in: TimeZone(identifier: "UTC")!))
        #expect(r.report.clockOffset == 60 && r.flags.isDisjoint(with: [.deviceClockReset, .deviceClockDrift]))
        #expect(DeviceRules.clockFlags(r) == [.deviceClockReset], "validation judges the 2007 clock reset and 60 s within the limit")
    }

    @Test func extendedConfigurationIsExchangedOnceThenKnown() throws {
        var s = PHDManagerSession(managerSystemID: [9, 9, 9, 9, 9, 9, 9, 9])
        s.transportConnected()
        let first = s.received(Self.aarqExtended, now: .zero)
        guard case .associationResponse(let aare) = Self.sends(first).first else { Issue.record("\(first)"); return }
        #expect(aare.result == .acceptedUnknownConfig && s.state == .waitingForConfig)
        let cfg = s.received(Self.thermometerConfig, now: .seconds(1))
        // The config-report result: invoke-id 0x9999, config 0x4000 accepted.
        #expect(Self.sends(cfg).first?.bytes == Self.bytes("E7 00 00 16 00 14 99 99 02 01 00 0E 00 00 00 00 00 00 0D 1C 00 04 40 00 00 00"))
        guard case .configurationLearned(let key, let report) = cfg[1] else { Issue.record("\(cfg)"); return }
        #expect(key == .init(systemID: "4C4E494147454E54", configID: 0x4000) && report.objects.count == 1)
        #expect(s.state == .operating && cfg.contains { if case .associated(_, 0x4000, _, false) = $0 { return true } else { return false } })

        // Another association of the same agent (a restarted hub given the cache): no exchange.
        var again = PHDManagerSession(managerSystemID: [9, 9, 9, 9, 9, 9, 9, 9], knownConfigurations: [key: report])
        again.transportConnected()
        let actions = again.received(Self.aarqExtended, now: .zero)
        guard case .associationResponse(let a2) = Self.sends(actions).first else { Issue.record("\(actions)"); return }
        #expect(a2.result == .accepted && again.state == .operating)
        #expect(actions.contains { if case .associated(_, 0x4000, _, true) = $0 { return true } else { return false } })
        #expect(again.objects == report.objects)
    }

    @Test func unusableConfigurationIsAnsweredUnsupported() throws {
        var s = PHDManagerSession(managerSystemID: [9, 9, 9, 9, 9, 9, 9, 9])
        s.transportConnected()
        _ = s.received(Self.aarqExtended, now: .zero)
        // The thermometer configuration without its object's type: nothing says what it measures.
        let typeless = ConfigReport(configReportID: 0x4000, objects: [ConfigReport.ConfigObject(objClass: MDC.mocVMOMetricNumeric, handle: 1, attributes: [
            AttributeValueAssertion(MDC.attrUnitCode, .uint16(MDC.dimDegreeCelsius)),
        ])])
        let apdu = PHDAPDU.data(DataAPDU(invokeID: 5, message: .eventReport(EventReport(eventType: MDC.notiConfig, info: typeless.mderBytes), confirmed: true))).bytes
        let actions = s.received(apdu, now: .seconds(1))
        guard case .data(let d) = Self.sends(actions).first, case .eventReportResult(let r) = d.message else { Issue.record("\(actions)"); return }
        #expect(r.configReportResponse == ConfigReportResponse(configReportID: 0x4000, result: .unsupported))
        #expect(s.state == .waitingForConfig)
    }

    @Test func noConfigurationWithinTenSecondsAborts() {
        var s = PHDManagerSession(managerSystemID: [9, 9, 9, 9, 9, 9, 9, 9])
        s.transportConnected()
        _ = s.received(Self.aarqExtended, now: .zero)
        #expect(s.tick(now: .seconds(9)).isEmpty)
        let actions = s.tick(now: .seconds(10))
        #expect(Self.sends(actions) == [.abort(.configurationTimeout)])
        #expect(s.state == .unassociated)
    }

    @Test func dataBeforeConfigurationAborts() {
        var s = PHDManagerSession(managerSystemID: [9, 9, 9, 9, 9, 9, 9, 9])
        s.transportConnected()
        _ = s.received(Self.aarqExtended, now: .zero)
        let actions = s.received(Self.bpScan, now: .seconds(1))
        #expect(Self.sends(actions) == [.abort(.undefined)])
        #expect(s.state == .unassociated)
    }

    @Test func unansweredGetTimesOutAndDeliversWhatWasHeldUnacknowledged() {
        var s = Self.associatedOperating()
        _ = s.received(Self.bpScan, now: .milliseconds(10))
        // A GET result with the wrong invoke-id is reported and ignored.
        let wrong = s.received(PHDAPDU.data(DataAPDU(invokeID: 77, message: .getResult(AttributeResult(attributes: [])))).bytes, now: .seconds(1))
        #expect(wrong.contains { if case .protocolError = $0 { return true } else { return false } })
        let actions = s.tick(now: .seconds(3))
        #expect(actions.contains { if case .measurements(_, _, _, nil) = $0 { return true } else { return false } })
        #expect(Self.sends(actions) == [.abort(.responseTimeout)])
    }

    @Test func releaseEitherWay() {
        var s = Self.associatedOperating()
        #expect(Self.sends(s.release(now: .seconds(1))) == [.releaseRequest(.normal)])
        #expect(s.state == .disassociating)
        let done = s.received(PHDAPDU.releaseResponse(.normal).bytes, now: .seconds(2))
        #expect(done.contains { if case .disassociated("released") = $0 { return true } else { return false } } && s.state == .unassociated)

        var t = Self.associatedOperating()
        let actions = t.received(PHDAPDU.releaseRequest(.normal).bytes, now: .seconds(1))
        #expect(Self.sends(actions) == [.releaseResponse(.normal)] && t.state == .unassociated)

        var u = Self.associatedOperating()
        _ = u.release(now: .seconds(1))
        #expect(u.tick(now: .seconds(3)).isEmpty)
        #expect(u.tick(now: .seconds(4)).contains { if case .disassociated = $0 { return true } else { return false } })
    }

    @Test func splitAndJoinedTransfersAndMalformedAPDUs() {
        var s = PHDManagerSession(managerSystemID: [9, 9, 9, 9, 9, 9, 9, 9])
        s.transportConnected()
        #expect(s.received(Array(Self.aarqBP.prefix(7)), now: .zero).isEmpty)
        _ = s.received(Array(Self.aarqBP.dropFirst(7)), now: .zero)
        #expect(s.state == .operating)
        // Two APDUs in one transfer: a malformed one (a PRST whose DataApdu is cut) then a release request.
        let bad = Self.bytes("E7 00 00 04 00 02 00 01")
        let actions = s.received(bad + PHDAPDU.releaseRequest(.normal).bytes, now: .seconds(1))
        #expect(actions.contains { if case .malformed(let b, _) = $0 { return b == bad } else { return false } })
        // The abort ends the association: the release request after it in the same transfer is not answered.
        #expect(Self.sends(actions) == [.abort(.undefined)])
    }

    /// A grouped report laid out by a periodic scanner's handle-attribute map: SpO2 (handle 1) and pulse
    /// (handle 10) values in one octet string per group, two groups.
    @Test func groupedReportsFollowTheScannersMap() throws {
        var s = PHDManagerSession(managerSystemID: [9, 9, 9, 9, 9, 9, 9, 9])
        s.transportConnected()
        s.readMDSAttributes = false
        _ = s.received(Self.aarqExtended, now: .zero)
        let oximeter = StandardConfiguration.objects(configID: 0x0191)!
        let scanner = ConfigReport.ConfigObject(objClass: MDC.mocScanConfigPeriodic, handle: 0x0050, attributes: [
            AttributeValueAssertion(MDC.attrScanHandleAttrValMap, .handleAttributeValueMap([
                .init(handle: 1, map: [.init(MDC.attrNuValueObservedBasic, 2)]), .init(handle: 10, map: [.init(MDC.attrNuValueObservedBasic, 2)]),
            ])),
        ])
        let config = ConfigReport(configReportID: 0x4000, objects: oximeter + [scanner])
        _ = s.received(PHDAPDU.data(DataAPDU(invokeID: 1, message: .eventReport(EventReport(eventType: MDC.notiConfig, info: config.mderBytes), confirmed: true))).bytes, now: .seconds(1))
        #expect(s.state == .operating)
        // Groups: {97 %, 72 bpm} and {96 %, 74 bpm}.
        let grouped = ScanReport(form: .grouped, scanReportNo: 3, persons: [], groups: [[0x00, 0x61, 0x00, 0x48], [0x00, 0x60, 0x00, 0x4A]])
        var w = ByteWriter()
        grouped.encode(to: &w)
        #expect(w.bytes == Self.bytes("F000 0003 0002 000C 0004 00610048 0004 0060004A"))
        let apdu = PHDAPDU.data(DataAPDU(invokeID: 2, message: .eventReport(EventReport(handle: 0x0050, eventType: MDC.notiUnbufScanReportGrouped, info: w.bytes), confirmed: true))).bytes
        let actions = s.received(apdu, now: .seconds(2))
        guard case .measurements(let ms, 3, _, _?) = actions.last else { Issue.record("\(actions)"); return }
        #expect(ms.map(\.type) == [MDC.pulseOximeterSaturationO2, MDC.pulseOximeterPulseRate, MDC.pulseOximeterSaturationO2, MDC.pulseOximeterPulseRate])
        #expect(ms.compactMap { $0.values.first?.value.number } == [97, 72, 96, 74])
        // Two readings, each an SpO2 with its pulse rate.
        let out = PHDObservationMapper.map(ms, apdu: apdu, context: .init(subject: SubjectID("s"), device: DeviceIdentity(transport: .usb, address: "x", profileID: nil), received: Date()))
        #expect(out.readings.map { [$0.observation(.spo2)?.value, $0.observation(.pulseOximeterRate)?.value] } == [[97, 72], [96, 74]])
    }

    /// A report whose values cannot be laid out (a time stamp that is not BCD) is kept raw before it is
    /// acknowledged, so nothing the agent then deletes is lost.
    @Test func undecodableValuesAreKeptRawBeforeTheAcknowledgement() {
        var s = Self.associatedOperating()
        s.readMDSAttributes = false
        var bad = Self.bpScan
        bad[44] = 0x2A
        _ = s.received(PHDAPDU.data(DataAPDU(invokeID: 1, message: .getResult(AttributeResult(attributes: [])))).bytes, now: .zero)
        let actions = s.received(bad, now: .seconds(1))
        let malformed = actions.firstIndex { if case .malformed(let b, _) = $0 { return b == bad } else { return false } }
        let delivery = actions.firstIndex { if case .measurements(_, _, _, _?) = $0 { return true } else { return false } }
        #expect(malformed != nil && delivery != nil && malformed! < delivery!, "\(actions)")
    }

    /// Measurements held for the clock are handed on (unacknowledged) when the agent aborts, not dropped.
    @Test func heldMeasurementsSurviveAnAbort() {
        var s = Self.associatedOperating()
        _ = s.received(Self.bpScan, now: .milliseconds(10))
        let actions = s.received(PHDAPDU.abort(.undefined).bytes, now: .seconds(1))
        #expect(actions.contains { if case .measurements(let m, _, _, nil) = $0 { return m.count == 2 } else { return false } })
        #expect(actions.contains { if case .disassociated = $0 { return true } else { return false } })
    }

    /// A set-time asked for while another confirmed request is open waits for it, then goes out.
    @Test func setTimeWaitsForTheOpenRequest() {
        var s = Self.associatedOperating()   // the MDS GET (invoke-id 1) is open
        let t = AbsoluteTime(year: 2026, month: 11, day: 23, hour: 12, minute: 0, second: 0)
        #expect(s.setTime(t, now: .zero).isEmpty && s.setTimePending == t)
        let actions = s.received(PHDAPDU.data(DataAPDU(invokeID: 1, message: .getResult(AttributeResult(attributes: [])))).bytes, now: .seconds(1))
        guard case .data(let d)? = Self.sends(actions).last, case .action(let a, true) = d.message else { Issue.record("\(actions)"); return }
        #expect(a.actionType == MDC.actSetTime && s.setTimePending == nil)
    }
}
