import Foundation
import Testing
import VitalsCore
import VitalsValidation
import VitalsWire
@testable import FirmwareSimKit
@testable import VitalsDrivers

/// The E1381 receiver session on hand-made byte sequences, then against the simulated meter in process
/// (with its faults), and the glucose mapper on what arrives.
struct ASTMSessionTests {
    static let ack: [UInt8] = [ASTMControl.ack]
    static let nak: [UInt8] = [ASTMControl.nak]
    static func frame(_ n: UInt8, _ text: String, final: Bool = false) -> [UInt8] {
        ASTMFrame(number: n, text: Array(text.utf8), isFinal: final).encoded
    }
    static func sends(_ a: [ASTMReceiverSession.Action]) -> [[UInt8]] {
        a.compactMap { if case .send(let b) = $0 { b } else { nil } }
    }
    static func messages(_ a: [ASTMReceiverSession.Action]) -> [ASTMMessage] {
        a.compactMap { if case .message(let m) = $0 { m } else { nil } }
    }
    static func errors(_ a: [ASTMReceiverSession.Action]) -> [String] {
        a.compactMap { if case .protocolError(let e) = $0 { e } else { nil } }
    }

    @Test func enquiryFramesAndEOTDeliverTheMessage() {
        var s = ASTMReceiverSession()
        #expect(Self.sends(s.received([ASTMControl.enq], now: .zero)) == [Self.ack])
        #expect(s.state == .transfer)
        #expect(Self.sends(s.received(Self.frame(1, "H|\\^&\r"), now: .seconds(1))) == [Self.ack])
        // A record split over an ETB frame and an ETX frame, fed a byte at a time.
        var acks: [[UInt8]] = []
        for b in Self.frame(2, "R|1|^^^Gluc") + Self.frame(3, "ose|101|mg/dL^P||||201909221304\rL|1\r", final: true) {
            acks += Self.sends(s.received([b], now: .seconds(2)))
        }
        #expect(acks == [Self.ack, Self.ack])
        let end = s.received([ASTMControl.eot], now: .seconds(3))
        let ms = Self.messages(end)
        #expect(ms.count == 1)
        #expect(ms.first?.results.first?.value == "101")
        #expect(ms.first?.results.first?.testName == "Glucose")
        #expect(end.last == .ended)
        #expect(s.state == .neutral)
    }

    @Test func badChecksumIsNAKedThenTheResendAccepted() {
        var s = ASTMReceiverSession()
        _ = s.received([ASTMControl.enq], now: .zero)
        var bad = Self.frame(1, "H|\\^&\r")
        bad[bad.count - 3] ^= 0x01
        let a = s.received(bad, now: .seconds(1))
        #expect(Self.sends(a) == [Self.nak])
        #expect(Self.errors(a).first?.contains("C1C2") == true)
        #expect(Self.sends(s.received(Self.frame(1, "H|\\^&\r"), now: .seconds(2))) == [Self.ack])
        _ = s.received(Self.frame(2, "L|1\r", final: true), now: .seconds(2))
        let m = Self.messages(s.received([ASTMControl.eot], now: .seconds(3)))
        #expect(m.first?.records.count == 2)
        #expect(s.framesRejected == 1 && s.framesAccepted == 2)
    }

    @Test func outOfOrderFrameIsNAKedAndARepeatIsKeptOnce() {
        var s = ASTMReceiverSession()
        _ = s.received([ASTMControl.enq], now: .zero)
        let skip = s.received(Self.frame(2, "H|\\^&\r"), now: .seconds(1))
        #expect(Self.sends(skip) == [Self.nak])
        #expect(Self.errors(skip).first?.contains("out of sequence (expected 1)") == true)
        #expect(Self.sends(s.received(Self.frame(1, "H|\\^&\r"), now: .seconds(1))) == [Self.ack])
        // The sender missed our ACK and repeats frame 1: ACK again, keep it once.
        #expect(Self.sends(s.received(Self.frame(1, "H|\\^&\r"), now: .seconds(1))) == [Self.ack])
        _ = s.received(Self.frame(2, "L|1\r", final: true), now: .seconds(2))
        let m = Self.messages(s.received([ASTMControl.eot], now: .seconds(2)))
        #expect(m.first?.records.count == 2)
    }

    @Test func sixFailuresAbandonTheTransfer() {
        var s = ASTMReceiverSession()
        _ = s.received([ASTMControl.enq], now: .zero)
        var bad = Self.frame(1, "H|\\^&\r")
        bad[bad.count - 3] ^= 0x01
        var all: [ASTMReceiverSession.Action] = []
        for i in 0..<6 { all += s.received(bad, now: .seconds(Int64(i))) }
        #expect(Self.sends(all).count == 6)
        #expect(all.last == .ended)
        #expect(Self.errors(all).last?.contains("6 failures in a row") == true)
        #expect(s.state == .neutral)
    }

    @Test func receiverTimeoutAfter30Seconds() {
        var s = ASTMReceiverSession()
        _ = s.received([ASTMControl.enq], now: .seconds(100))
        _ = s.received(Self.frame(1, "H|\\^&\r"), now: .seconds(110))
        #expect(s.tick(now: .seconds(139)).isEmpty)
        let t = s.tick(now: .seconds(140))
        #expect(t.last == .ended)
        #expect(Self.errors(t).first?.contains("receiver timeout") == true)
        #expect(s.state == .neutral)
    }

    @Test func noiseBetweenFramesIsSkipped() {
        var s = ASTMReceiverSession()
        #expect(Self.sends(s.received([0x00, 0xFF, 0x41, ASTMControl.enq], now: .zero)) == [Self.ack])
        let a = s.received([0x7E, 0x00] + Self.frame(1, "H|\\^&\r") + [0xFF] + Self.frame(2, "L|1\r", final: true) + [0x0A, ASTMControl.eot], now: .zero)
        #expect(Self.sends(a) == [Self.ack, Self.ack])
        #expect(Self.messages(a).count == 1)
        #expect(s.noiseBytes == 7)
    }

    @Test func hostInitiatedWakeUp() {
        var s = ASTMReceiverSession(options: .init(hostInitiates: true))
        #expect(Self.sends(s.start(now: .zero)) == [[ASTMControl.eot]])
        #expect(s.tick(now: .milliseconds(500)).isEmpty)
        #expect(Self.sends(s.tick(now: .seconds(1))) == [[ASTMControl.eot]])
        #expect(Self.sends(s.received([ASTMControl.enq], now: .seconds(1))) == [Self.ack])
        #expect(s.tick(now: .seconds(5)).isEmpty)  // in transfer: no more wake-ups
    }

    // MARK: against the simulated meter

    /// Runs meter and session against each other; returns the messages, the errors and the session.
    static func run(_ meter: inout ASTMMeter, hostInitiates: Bool, maxSteps: Int = 10_000) -> ([ASTMMessage], [String], ASTMReceiverSession) {
        var s = ASTMReceiverSession(options: .init(hostInitiates: hostInitiates))
        var now = Duration.zero
        var toSession: [UInt8] = hostInitiates ? [] : meter.start()
        var toMeter: [UInt8] = []
        var msgs: [ASTMMessage] = []
        var errs: [String] = []
        func absorb(_ a: [ASTMReceiverSession.Action]) -> Bool {
            for x in a {
                switch x {
                case .send(let b): toMeter += b
                case .message(let m): msgs.append(m)
                case .protocolError(let e): errs.append(e)
                case .ended: return true
                }
            }
            return false
        }
        if absorb(s.start(now: now)) { return (msgs, errs, s) }
        for _ in 0..<maxSteps {
            now += .milliseconds(50)
            if !toSession.isEmpty {
                let b = toSession
                toSession = []
                if absorb(s.received(b, now: now)) { return (msgs, errs, s) }
            } else if !toMeter.isEmpty {
                toSession += meter.received(toMeter)
                toMeter = []
            } else {
                now += .seconds(1)
                if absorb(s.tick(now: now)) { return (msgs, errs, s) }
            }
        }
        return (msgs, errs, s)
    }

    @Test func simulatedMeterDeliversEveryRecordOnce() {
        var meter = ASTMMeterUSBFunction.demoMeter()
        let (msgs, errs, _) = Self.run(&meter, hostInitiates: true)
        #expect(errs.isEmpty)
        #expect(meter.isFinished)
        #expect(msgs.count == 1)
        #expect(msgs.first == meter.message)
        #expect(msgs.first?.results.map(\.sequence) == [1, 2, 3, 4, 5, 6, 7])
        #expect(msgs.first?.isTerminated == true)
    }

    @Test func badChecksumFaultStillDeliversEachRecordOnce() {
        var meter = ASTMMeterUSBFunction.demoMeter(faults: .init(badChecksumOnFrame: 3, garbageBetweenFrames: [0x00, 0xFF]))
        let (msgs, errs, s) = Self.run(&meter, hostInitiates: false)
        #expect(errs.count == 1)
        #expect(errs.first?.contains("C1C2") == true)
        #expect(s.framesRejected == 1)
        #expect(meter.transmissions == meter.frames.count + 1)
        #expect(msgs.first?.results.map(\.sequence) == [1, 2, 3, 4, 5, 6, 7])
        #expect(msgs.first == meter.message)
    }

    @Test func longRecordsCrossFrameBoundariesAndNumbersRollOver() {
        let t = ASTMDateTime(year: 2025, month: 1, day: 2, hour: 3, minute: 4)
        let results = (0..<20).map { i in ASTMMeter.StoredResult(value: String(80 + i), markers: String(repeating: "X/", count: i * 7) + "B", time: t) }
        var meter = ASTMMeter(clock: t, results: results)
        #expect(meter.frames.count > 23)
        #expect(meter.frames.contains { $0.text.last != ASTMControl.cr })  // a record split over frames
        let (msgs, errs, _) = Self.run(&meter, hostInitiates: false)
        #expect(errs.isEmpty)
        #expect(msgs.first?.results.count == 20)
        #expect(msgs.first == meter.message)
    }

    @Test func silentMeterTimesOut() {
        var meter = ASTMMeterUSBFunction.demoMeter(faults: .init(silentAfterFrame: 2))
        let (msgs, errs, s) = Self.run(&meter, hostInitiates: false)
        #expect(msgs.isEmpty)
        #expect(errs.last?.contains("receiver timeout") == true)
        #expect(s.state == .neutral)
    }

    @Test func usbFunctionAnswersTheHost() {
        let f = ASTMMeterUSBFunction(meter: ASTMMeterUSBFunction.demoMeter())
        #expect(f.usbDescriptor.interfaceClass == 0x0A)
        #expect(f.configured().isEmpty)
        #expect(f.bulkOut([ASTMControl.eot]) == [[ASTMControl.enq]])
        let first = f.bulkOut([ASTMControl.ack])
        #expect(try! ASTMFrame(bytes: first[0]).number == 1)
        // A new configuration starts the transfer over.
        _ = f.configured()
        #expect(f.bulkOut([ASTMControl.ack]).isEmpty)
        #expect(f.bulkOut([ASTMControl.eot]) == [[ASTMControl.enq]])
    }

    // MARK: mapper

    static let context = ObservationMapper.Context(
        subject: SubjectID("s"), device: DeviceIdentity(transport: .usb, address: "1-1", profileID: "sim-astm-meter"),
        received: Date(timeIntervalSince1970: 1_741_950_000))

    @Test func mapperCodesTheDemoMeter() throws {
        let meter = ASTMMeterUSBFunction.demoMeter()
        let out = ASTMObservationMapper.map(meter.message, context: Self.context)
        #expect(out.unmapped.isEmpty)
        let r = out.readings
        #expect(r.count == 7)
        #expect(r.map(\.sequence) == [1, 2, 3, 4, 5, 6, 7])
        #expect(r.allSatisfy { $0.kind == .glucose })
        #expect(r[0].observations[0].metric == .glucoseCapillaryPlasma)
        #expect(r[0].observations[0].value == 93)
        #expect(r[0].observations[0].unit == .milligramPerDecilitre)
        #expect(r[0].deviceTime == DeviceTime(year: 2025, month: 3, day: 14, hour: 7, minute: 5, second: 0))
        #expect(r[0].flags.isEmpty)
        #expect(r[1].flags == [ASTMObservationMapper.preprandial])
        #expect(r[2].flags == [ASTMObservationMapper.postprandial])
        #expect(r[3].flags.contains(.controlSolution))
        #expect(!r[3].isAnalysable)
        #expect(r[4].observations[0].value == nil && r[4].observations[0].state == .positiveInfinity)
        #expect(r[4].flags.contains(.resultAboveDeviceRange))
        #expect(r[5].observations[0].value == nil && r[5].flags.contains(.resultBelowDeviceRange))
        #expect(r[6].observations[0].value == 100.9)  // 5.6 mmol/L × 18.016
        #expect(r[6].observations[0].wire.unit == "mmol/L")
        #expect(String(decoding: r[1].raw.bytes, as: UTF8.self) == "R|2|^^^Glucose|112|mg/dL^P||B||202503140730")
        #expect(r[1].raw.source == "ASTM E1394 R")
    }

    @Test func mapperOnPublishedLinesAndOddValues() throws {
        let d = ASTMDelimiters.standard
        func result(_ s: String) throws -> ASTMResultRecord { try ASTMResultRecord(ASTMRecord(bytes: Array(s.utf8), delimiters: d), delimiters: d) }
        // glucometerutils' Contour USB line: plasma, before a meal (B), an X marker this build does not code.
        let a = try #require(ASTMObservationMapper.reading(try result("R|8|^^^Glucose|133|mg/dL^P||B/X||201202052034"), context: Self.context))
        #expect(a.sequence == 8 && a.observations[0].value == 133 && a.flags == [ASTMObservationMapper.preprandial])
        // Tidepool's Contour Next line: after a meal.
        let b = try #require(ASTMObservationMapper.reading(try result("R|3|^^^Glucose|93|mg/dL^P||A/M0/T1||201505261150"), context: Self.context))
        #expect(b.flags == [ASTMObservationMapper.postprandial])
        // Whole blood, HI as text, a non-number, a missing time, and a test that is not glucose.
        let c = try #require(ASTMObservationMapper.reading(try result("R|1|^^^Glucose|HI|mg/dL^B||||201202052034"), context: Self.context))
        #expect(c.observations[0].metric == .glucoseCapillaryWholeBlood && c.observations[0].value == nil && c.flags.contains(.resultAboveDeviceRange))
        let e = try #require(ASTMObservationMapper.reading(try result("R|2|^^^Glucose|---|mmol/L"), context: Self.context))
        #expect(e.flags.contains(.valueNotANumber) && e.flags.contains(.deviceTimeMissing))
        #expect(e.observations[0].metric == .glucoseGeneric)
        #expect(ASTMObservationMapper.reading(try result("R|3|^^^Insulin|4|U"), context: Self.context) == nil)
        #expect(ASTMObservationMapper.reading(try result("R|4|^^^Glucose|4|g/L"), context: Self.context) == nil)
    }

    @Test func meterInfoFromThePublishedHeader() throws {
        let text = Array("H|\\^&||7w3LBL|Bayer7390^01.24\\01.04\\09.02.20^7390-2336773^7403-|A=1^C=63^G=1^I=0200^R=0^S=1^U=0^V=10600^X=070070070070180130150250^Y=360126090050099050300089^Z=1|1714||||||1|201909221304\r".utf8)
        let h = try #require(try ASTMMessage(text: text).header)
        let info = ASTMObservationMapper.meterInfo(h)
        #expect(info.model == "Bayer7390" && info.serial == "7390-2336773" && info.resultCount == 1714)
        #expect(info.clock?.description == "201909221304")
    }
}
