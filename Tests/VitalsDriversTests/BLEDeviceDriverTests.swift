import Foundation
import Testing
import FirmwareSimKit
import VitalsCore
@testable import VitalsDrivers
import VitalsProfiles
import VitalsValidation
import VitalsWire

private let profiles = try! ProfileCatalogue.load(
    directory: URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("device-profiles"))

/// The pure driver against a firmware-sim device, in memory. The test plays the central: it carries out the
/// outputs (sends PDUs, confirms what asks for a confirmation at once, as if it were durable) and keeps them.
private struct DriverRun {
    var core: SimulatorCore
    var driver: BLEDeviceDriver
    var link: UInt16 = 0
    var inbox: [SimFrame] = []
    var outputs: [BLEDeviceDriver.Output] = []
    var now: Date
    var deviceDisconnected = false

    init(core: SimulatorCore, address: String, profile: String, now: Date, lastSequence: UInt32? = nil) {
        self.core = core
        self.now = now
        let p = profiles.profile(id: profile)!
        let device = DeviceIdentity(transport: .simBLE, address: address, profileID: p.id, manufacturer: p.manufacturer, model: p.model)
        driver = BLEDeviceDriver(profile: p, device: device, lastSequence: lastSequence, configuration: .init(subject: SubjectID("ida")))!
        _ = self.core.receive(.scanStart)
        if case .connected(_, let l)? = self.core.receive(.connectRequest(address: BLEAddress(string: address)!)).first { link = l }
    }

    mutating func carryOut(_ out: [BLEDeviceDriver.Output]) {
        outputs += out
        for o in out {
            switch o {
            case .send(let pdu): inbox += core.receive(.att(link: link, pdu: pdu.encoded()))
            case .reading(_, .some), .rejected(_, _, _, _, .some), .transferComplete(_, .some):
                inbox += core.receive(.att(link: link, pdu: ATTPDU.handleValueConfirmation.encoded()))
            default: break
            }
        }
    }

    mutating func start() { carryOut(driver.start(now: now)) }

    /// Delivers the device's frames one at a time until `stop` holds, the device disconnects, or nothing is left.
    mutating func run(until stop: (BLEDeviceDriver) -> Bool = { _ in false }) {
        while !inbox.isEmpty {
            switch inbox.removeFirst() {
            case .att(_, let bytes): carryOut(driver.receive(try! ATTPDU(bytes: bytes), now: now))
            case .disconnect:
                deviceDisconnected = true
                return
            default: continue
            }
            if stop(driver) { return }
        }
    }

    var readings: [(reading: Reading, ack: Bool)] { outputs.readings }
}

extension Array where Element == BLEDeviceDriver.Output {
    var readings: [(reading: Reading, ack: Bool)] {
        compactMap { if case .reading(let r, let ack) = $0 { (r, ack != nil) } else { nil } }
    }
    var progress: [[Int]] { compactMap { if case .progress(let r, let x) = $0 { [r, x] } else { nil } } }
    var failures: [String] { compactMap { if case .failed(let why) = $0 { why } else { nil } } }
    var clocks: [(offset: TimeInterval, set: Bool)] { compactMap { if case .clock(let o, let s) = $0 { (o, s) } else { nil } } }
    func firstIndex(_ test: (BLEDeviceDriver.Output) -> Bool) -> Int? { firstIndex(where: test) }
}

struct BLEDeviceDriverTests {
    /// The simulated devices' clocks read this time.
    let simStart = Date(timeIntervalSince1970: 1_795_000_000)

    func demo() throws -> SimulatorCore { SimulatorCore(scenario: try Scenario.load("demo"), now: simStart) }

    @Test func bloodPressureReadingsAskForTheirConfirmation() throws {
        var run = DriverRun(core: try demo(), address: "C0:FF:EE:00:01:01", profile: "sim-bp-cuff", now: simStart.addingTimeInterval(30))
        run.start()
        run.run()
        #expect(run.outputs.failures.isEmpty, "\(run.outputs.failures)")
        #expect(run.deviceDisconnected && run.core.devices[0].isFinished, "the cuff had every reading confirmed")
        let readings = run.readings
        #expect(readings.count == 2)
        #expect(readings.allSatisfy { $0.ack && $0.reading.kind == .bloodPressure && $0.reading.device.profileID == "sim-bp-cuff" })
        #expect(readings.map { $0.reading.observation(.systolic)?.value } == [128, 186])
        // What the device said about itself comes before any measurement: its Device Information, once.
        let identified = run.outputs.filter { if case .identified = $0 { true } else { false } }
        #expect(identified == [.identified(manufacturer: "OpenVitals firmware-sim", model: "SIM-BP-1", serial: nil)])
        #expect(run.outputs.firstIndex { if case .identified = $0 { true } else { false } }! < run.outputs.firstIndex { if case .reading = $0 { true } else { false } }!)
        #expect(run.driver.device.model == "SIM-BP-1" && run.driver.device.manufacturer == "OpenVitals firmware-sim")
        #expect(run.outputs.contains { if case .certification(let classes) = $0 { classes.count == 1 } else { false } })
        // Every reading carries what the cuff said of its certification; it certifies BLS (10407) over BLE.
        #expect(readings.allSatisfy { $0.reading.report.certifiedClasses?.count == 1 && $0.reading.report.specialization == 7 })
        #expect(readings.allSatisfy { DeviceRules.certificationFlags($0.reading).isEmpty })
        #expect(run.outputs.contains { if case .udi(let u) = $0 { u.deviceIdentifier == "00000000000017" } else { false } })
        #expect(run.outputs.contains(.ready))
        // The clock is 30 s behind the hub's: measured, within the limit, so not written.
        #expect(run.outputs.clocks.count == 1 && abs(run.outputs.clocks[0].offset + 30) < 1 && !run.outputs.clocks[0].set)
        #expect((run.core.devices[0] as? SimulatedBPCuff)?.clockSetTo == nil)
    }

    @Test func aClockOffByMoreThanTheLimitIsMeasuredAndSet() throws {
        let hubNow = simStart.addingTimeInterval(2 * 3600)
        var run = DriverRun(core: try demo(), address: "C0:FF:EE:00:01:01", profile: "sim-bp-cuff", now: hubNow)
        run.start()
        run.run()
        #expect(run.outputs.failures.isEmpty, "\(run.outputs.failures)")
        let clock = try #require(run.outputs.clocks.first)
        #expect(abs(clock.offset + 7200) < 1 && clock.set, "two hours behind, over the 60 s limit")
        // The write of the hub's time went out as a Write Request to Current Time, after the subscriptions.
        let written = try #require((run.core.devices[0] as? SimulatedBPCuff)?.clockSetTo)
        #expect(written.dateTime.deviceTime.date(in: TimeZone(identifier: "UTC")!) == hubNow)
        #expect(written.adjustReason.contains(.manualTimeUpdate))
        // Readings of this connection are corrected by the offset measured, which they carry; validation flags the drift.
        #expect(run.readings.count == 2)
        #expect(run.readings.allSatisfy { abs(($0.reading.report.clockOffset ?? 0) + 7200) < 1 })
        #expect(run.readings.allSatisfy { DeviceRules.clockFlags($0.reading) == [.deviceClockDrift] })
        #expect(run.readings.allSatisfy { $0.reading.effectiveTime <= hubNow && $0.reading.effectiveTime > hubNow.addingTimeInterval(-3600) })

        // With no limit configured the clock is measured but left alone.
        var config = BLEDeviceDriver.Configuration(subject: SubjectID("ida"))
        config.setDeviceClocksBeyond = nil
        let p = profiles.profile(id: "sim-bp-cuff")!
        var untouched = DriverRun(core: try demo(), address: "C0:FF:EE:00:01:01", profile: "sim-bp-cuff", now: hubNow)
        untouched.driver = BLEDeviceDriver(profile: p, device: untouched.driver.device, lastSequence: nil, configuration: config)!
        untouched.start()
        untouched.run()
        #expect(untouched.outputs.clocks.first.map { !$0.set } == true)
        #expect((untouched.core.devices[0] as? SimulatedBPCuff)?.clockSetTo == nil)
    }

    @Test func aGlucoseRecordWaitsForItsContextAndProgressIsReported() throws {
        var run = DriverRun(core: try demo(), address: "C0:FF:EE:00:02:01", profile: "sim-glucose-meter", now: simStart)
        run.start()
        // Record 2 announces a context: it is held, not handed on, until the context comes.
        run.run { $0.glucoseContext.pending != nil }
        #expect(run.driver.glucoseContext.pending?.reading.sequence == 2)
        #expect(run.readings.map { $0.reading.sequence } == [1])
        run.run()
        #expect(run.outputs.failures.isEmpty, "\(run.outputs.failures)")
        let readings = run.readings
        #expect(readings.map { $0.reading.sequence } == [1, 2, 3, 4, 5])
        #expect(readings.allSatisfy { !$0.ack }, "glucose records are notified; only the transfer's end is confirmed")
        let meals = readings.map { $0.reading.flags.filter { $0.rawValue.hasPrefix("glucose.meal.") || $0 == .contextMissing } }
        #expect(meals == [[], [.mealPostprandial], [.mealPreprandial], [], []])
        // The count first (0 of 5), then a step per tenth of the transfer, which for 5 records is each one.
        #expect(run.outputs.progress == [[0, 5], [1, 5], [2, 5], [3, 5], [4, 5], [5, 5]])
        // The transfer's end comes after every record, and asks for its confirmation (once they are durable).
        let end = try #require(run.outputs.firstIndex { if case .transferComplete = $0 { true } else { false } })
        #expect(end > run.outputs.lastIndex { if case .reading = $0 { true } else { false } }!)
        if case .transferComplete(let detail, let ack) = run.outputs[end] {
            #expect(detail.lowercased().contains("success") && ack != nil, "\(detail)")
        }
    }

    @Test func aHeldGlucoseRecordGoesOnWhenTheLinkDrops() throws {
        var run = DriverRun(core: try demo(), address: "C0:FF:EE:00:02:01", profile: "sim-glucose-meter", now: simStart)
        run.start()
        run.run { $0.glucoseContext.pending != nil }
        let dropped = run.driver.linkDropped()
        let held = dropped.readings
        #expect(held.count == 1 && held[0].reading.sequence == 2 && held[0].reading.flags.contains(.contextMissing))
        #expect(dropped.progress == [[2, 5]], "a record handed on counts for the progress")
        #expect(run.driver.linkDropped().isEmpty, "nothing is handed on twice")
    }

    @Test func theModelNumberReportedCanRegradeTheReadingsThatFollow() throws {
        var run = DriverRun(core: try demo(), address: "C0:FF:EE:00:01:01", profile: "sim-bp-cuff", now: simStart)
        run.start()
        // Stop once the reads are over and the subscriptions begin.
        run.run { if case .subscribing = $0.session.phase { true } else { false } }
        #expect(run.outputs.contains { if case .identified = $0 { true } else { false } })
        #expect(run.readings.isEmpty, "identified before any measurement")
        // Not a profile of another protocol.
        let refused = run.driver.adopt(profiles.profile(id: "sim-glucose-meter")!)
        #expect(!refused && run.driver.profile.id == "sim-bp-cuff")
        let adopted = run.driver.adopt(profiles.profile(id: "generic-bls")!)
        #expect(adopted && run.driver.device.profileID == "generic-bls")
        run.run()
        #expect(run.readings.count == 2)
        #expect(run.readings.allSatisfy { $0.reading.device.profileID == "generic-bls" })
        // What the device said of itself stays; only the profile changed.
        #expect(run.readings.allSatisfy { $0.reading.device.model == "SIM-BP-1" })
    }

    /// A cuff discovered from hand-written ATT responses (Core Vol 3 Part G), then measurements laid out as the
    /// Blood Pressure Service field table gives them.
    func subscribedCuff() throws -> BLEDeviceDriver {
        let p = profiles.profile(id: "generic-bls")!
        let device = DeviceIdentity(transport: .ble, address: "00:1B:00:00:00:01", profileID: p.id)
        var d = BLEDeviceDriver(
            session: BLEDeviceSession(requirements: ProfileDrivers.bloodPressure), profile: p, device: device, configuration: .init(subject: SubjectID("ida")))
        let t = simStart
        #expect(d.start(now: t) == [.send(try ATTPDU(bytes: [0x02, 0xF7, 0x00]))])
        for response: [UInt8] in [
            [0x03, 0x17, 0x00],  // MTU 23
            [0x11, 0x06, 0x01, 0x00, 0x04, 0x00, 0x10, 0x18],  // 0x1810 at 1–4
            [0x01, 0x10, 0x05, 0x00, 0x0A],  // no more services
            [0x01, 0x08, 0x01, 0x00, 0x0A],  // no includes
            [0x09, 0x07, 0x02, 0x00, 0x20, 0x03, 0x00, 0x35, 0x2A],  // 0x2A35, indicate, value at 3
            [0x01, 0x08, 0x03, 0x00, 0x0A],  // no more characteristics
            [0x05, 0x01, 0x04, 0x00, 0x02, 0x29],  // CCCD at 4
        ] {
            let out = d.receive(try ATTPDU(bytes: response), now: t)
            #expect(out.count == 1 && out.failures.isEmpty, "\(out)")
        }
        #expect(d.receive(try ATTPDU(bytes: [0x13]), now: t) == [.ready])
        return d
    }

    @Test func aMeasurementFromTheSpecificationLayoutBecomesAReading() throws {
        var d = try subscribedCuff()
        // Flags 0x06 (time stamp, pulse rate; mmHg), 120/80 mmHg, MAP 93, 2024-03-15 10:30:00, pulse 72.
        let value: [UInt8] = [0x06, 0x78, 0x00, 0x50, 0x00, 0x5D, 0x00, 0xE8, 0x07, 0x03, 0x0F, 0x0A, 0x1E, 0x00, 0x48, 0x00]
        let out = d.receive(try ATTPDU(bytes: [0x1D, 0x03, 0x00] + value), now: simStart)
        let (reading, ack) = try #require(out.readings.first)
        #expect(out.count == 1 && ack)
        #expect(reading.observation(.systolic)?.value == 120 && reading.observation(.diastolic)?.value == 80)
        #expect(reading.observation(.meanArterialPressure)?.value == 93 && reading.observation(.pulseRateNonInvasive)?.value == 72)
        #expect(reading.effectiveTime == ISO8601DateFormatter().date(from: "2024-03-15T10:30:00Z"))
        #expect(reading.raw.bytes == value && reading.subject == SubjectID("ida"))
    }

    @Test func aMalformedMeasurementIsRejectedAndTheSessionGoesOn() throws {
        var d = try subscribedCuff()
        // Flags say a time stamp follows (bit 1), but the bytes stop inside it.
        let truncated: [UInt8] = [0x02, 0x78, 0x00, 0x50, 0x00, 0x5D, 0x00, 0xE8, 0x07]
        let out = d.receive(try ATTPDU(bytes: [0x1D, 0x03, 0x00] + truncated), now: simStart)
        let rejected = out.compactMap { o -> (String, [UInt8], String, Bool)? in
            if case .rejected(let source, let bytes, let error, _, let ack) = o { (source, bytes, error, ack != nil) } else { nil }
        }
        #expect(rejected.count == 1)
        #expect(rejected.first?.0 == GATTAssigned.bloodPressureMeasurement.description && rejected.first?.1 == truncated)
        #expect(rejected.first?.2.contains("Time Stamp") == true, "\(rejected)")
        #expect(rejected.first?.3 == true, "kept raw, then confirmed, so the cuff goes on to the next")
        #expect(out.readings.isEmpty && out.failures.isEmpty)
        #expect(out.contains { if case .note(let n) = $0 { n.level == .warning } else { false } })
        // The next indication is decoded as usual.
        let next = d.receive(try ATTPDU(bytes: [0x1D, 0x03, 0x00, 0x00, 0x78, 0x00, 0x50, 0x00, 0x5D, 0x00]), now: simStart)
        #expect(next.readings.map { $0.reading.observation(.systolic)?.value } == [120])
        #expect(d.session.phase == .receiving)
    }

    @Test func anUnansweredRequestFailsTheSession() throws {
        let p = profiles.profile(id: "sim-glucose-meter")!
        var d = try #require(BLEDeviceDriver(
            profile: p, device: DeviceIdentity(transport: .simBLE, address: "C0:FF:EE:00:02:01", profileID: p.id), lastSequence: nil,
            configuration: .init(subject: SubjectID("ida"))))
        #expect(!d.awaitingResponse)
        _ = d.start(now: simStart)
        #expect(d.awaitingResponse)
        let out = d.transactionTimedOut(now: simStart.addingTimeInterval(30))
        #expect(out.failures.count == 1 && out.failures[0].contains("transaction timeout"))
        #expect(!d.awaitingResponse)
    }

    @Test func anUnsupportedProfileHasNoDriver() throws {
        let p = try #require(profiles.profiles.first { !$0.isSupported })
        #expect(BLEDeviceDriver(
            profile: p, device: DeviceIdentity(transport: .ble, address: "00:00:00:00:00:01", profileID: p.id), lastSequence: nil,
            configuration: .init(subject: SubjectID("ida"))) == nil)
    }
}
