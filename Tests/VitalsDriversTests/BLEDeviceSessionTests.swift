import Foundation
import Testing
import FirmwareSimKit
@testable import VitalsDrivers
import VitalsWire

/// Runs one hub-side session against the simulated radio, in memory, confirming at once.
struct InMemoryLink {
    var core: SimulatorCore
    var measurements: [(BluetoothUUID, [UInt8])] = []
    var completions: [RecordAccessControlPoint] = []
    var reads: [BluetoothUUID: [UInt8]] = [:]
    var failures: [String] = []
    var counts: [Int] = []
    var sentByHub: [ATTPDU] = []

    mutating func run(address: String, session: BLEDeviceSession) {
        var session = session
        let addr = BLEAddress(string: address)!
        _ = core.receive(.scanStart)
        guard case .connected(_, let link)? = core.receive(.connectRequest(address: addr)).first else {
            failures.append("no connection")
            return
        }
        var inbox: [SimFrame] = []
        func send(_ pdu: ATTPDU) -> [SimFrame] {
            sentByHub.append(pdu)
            return core.receive(.att(link: link, pdu: pdu.encoded()))
        }
        var pendingActions = session.start()
        var steps = 0
        while steps < 10_000 {
            steps += 1
            for a in pendingActions {
                switch a {
                case .send(let pdu): inbox += send(pdu)
                case .measurement(let c, let v, let confirm):
                    measurements.append((c, v))
                    if confirm { inbox += send(.handleValueConfirmation) }
                case .readValue(let c, let v): reads[c] = v
                case .procedureComplete(let r, let confirm):
                    completions.append(r)
                    if confirm { inbox += send(.handleValueConfirmation) }
                case .confirmNow: inbox += send(.handleValueConfirmation)
                case .ready: break
                case .recordCount(let n): counts.append(n)
                case .failed(let why): failures.append(why)
                }
            }
            pendingActions = []
            guard !inbox.isEmpty else { return }
            let frame = inbox.removeFirst()
            switch frame {
            case .att(_, let bytes): pendingActions = session.receive(try! ATTPDU(bytes: bytes))
            case .disconnect: return
            default: continue
            }
        }
        failures.append("did not finish")
    }
}

struct BLEDeviceSessionTests {
    let now = Date(timeIntervalSince1970: 1_795_000_000)

    @Test func bloodPressureCuffDeliversEveryReadingThenDisconnects() throws {
        var link = InMemoryLink(core: SimulatorCore(scenario: try Scenario.load("demo"), now: now))
        link.run(address: "C0:FF:EE:00:01:01", session: BLEDeviceSession(requirements: ProfileDrivers.bloodPressure))
        #expect(link.failures.isEmpty, "\(link.failures)")
        #expect(link.measurements.count == 2)
        let second = try BloodPressureMeasurement(bytes: link.measurements[1].1)
        #expect(second.systolic.value == 186 && second.diastolic.value == 124)
        #expect(link.reads[GATTAssigned.bloodPressureFeature] == [0x1F, 0x00])
        // The CCCD write asked for indications (0x0002), as BLS requires for 0x2A35.
        #expect(link.sentByHub.contains { if case .writeRequest(let hv) = $0 { return hv.value == [0x02, 0x00] } else { return false } })
        #expect(link.core.devices[0].isFinished)
    }

    @Test func glucoseMeterReportsAllRecordsThroughRACP() throws {
        var link = InMemoryLink(core: SimulatorCore(scenario: try Scenario.load("demo"), now: now))
        link.run(address: "C0:FF:EE:00:02:01", session: BLEDeviceSession(requirements: ProfileDrivers.glucose, procedures: [.reportNumberOfAllRecords(), .reportAllRecords()]))
        #expect(link.failures.isEmpty, "\(link.failures)")
        #expect(link.counts == [5])
        let seqs = try link.measurements.filter { $0.0 == GlucoseMeasurement.uuid }.map { try GlucoseMeasurement(bytes: $0.1).sequenceNumber }
        #expect(seqs == [1, 2, 3, 4, 5])
        // Records 2 and 3 announce a context (meal), and each context follows its record with the same sequence.
        let order = try link.measurements.map { m -> String in
            m.0 == GlucoseMeasurement.uuid ? "m\(try GlucoseMeasurement(bytes: m.1).sequenceNumber)" : "c\(try GlucoseMeasurementContext(bytes: m.1).sequenceNumber)"
        }
        #expect(order == ["m1", "m2", "c2", "m3", "c3", "m4", "m5"])
        #expect(link.completions.first?.responseCodeValue?.code == .success)
        // The RACP write asked for all records (Op Code 1, Operator 1), after a count of all (4, 1).
        // (CCCD writes are 2 bytes too, but their second byte is always 0.)
        let racp = link.sentByHub.compactMap { pdu -> [UInt8]? in if case .writeRequest(let hv) = pdu, hv.value.count == 2, hv.value[1] != 0 { return hv.value } else { return nil } }
        #expect(racp == [[0x04, 0x01], [0x01, 0x01]])
    }

    @Test func glucoseMeterReportsOnlyNewerRecords() throws {
        var link = InMemoryLink(core: SimulatorCore(scenario: try Scenario.load("demo"), now: now))
        let profileSession = BLEDeviceSession(requirements: ProfileDrivers.glucose, procedures: [.reportNumberOfRecords(fromSequence: 4), .reportRecords(fromSequence: 4)])
        link.run(address: "C0:FF:EE:00:02:01", session: profileSession)
        #expect(link.failures.isEmpty, "\(link.failures)")
        #expect(link.counts == [2], "the meter announced two newer records")
        #expect(try link.measurements.map { try GlucoseMeasurement(bytes: $0.1).sequenceNumber } == [4, 5])
        // Count first, then the report: 04 03 01 04 00, then 01 03 01 04 00.
        let racpWrites = link.sentByHub.compactMap { pdu -> [UInt8]? in if case .writeRequest(let hv) = pdu, hv.value.count == 5 { return hv.value } else { return nil } }
        #expect(racpWrites == [[0x04, 0x03, 0x01, 0x04, 0x00], [0x01, 0x03, 0x01, 0x04, 0x00]])
    }

    /// Discovery driven by hand-written responses, as laid out in the Core specification.
    @Test func discoveryFromByteVectors() throws {
        var s = BLEDeviceSession(requirements: ProfileDrivers.bloodPressure)
        #expect(s.start() == [.send(try ATTPDU(bytes: [0x02, 0xF7, 0x00]))])
        // MTU 23 answered; primary service discovery from handle 1.
        #expect(s.receive(try ATTPDU(bytes: [0x03, 0x17, 0x00])) == [.send(try ATTPDU(bytes: [0x10, 0x01, 0x00, 0xFF, 0xFF, 0x00, 0x28]))])
        // Services: 0x1810 at 1–4. Then continue from 5.
        #expect(s.receive(try ATTPDU(bytes: [0x11, 0x06, 0x01, 0x00, 0x04, 0x00, 0x10, 0x18])) == [.send(try ATTPDU(bytes: [0x10, 0x05, 0x00, 0xFF, 0xFF, 0x00, 0x28]))])
        // Attribute Not Found ends service discovery; included services of 1–4 (Read By Type 0x2802).
        #expect(s.receive(try ATTPDU(bytes: [0x01, 0x10, 0x05, 0x00, 0x0A])) == [.send(try ATTPDU(bytes: [0x08, 0x01, 0x00, 0x04, 0x00, 0x02, 0x28]))])
        // None: characteristic discovery in 1–4.
        #expect(s.receive(try ATTPDU(bytes: [0x01, 0x08, 0x01, 0x00, 0x0A])) == [.send(try ATTPDU(bytes: [0x08, 0x01, 0x00, 0x04, 0x00, 0x03, 0x28]))])
        // Declaration at 2: indicate (0x20), value handle 3, UUID 0x2A35. Continue from 3.
        #expect(s.receive(try ATTPDU(bytes: [0x09, 0x07, 0x02, 0x00, 0x20, 0x03, 0x00, 0x35, 0x2A])) == [.send(try ATTPDU(bytes: [0x08, 0x03, 0x00, 0x04, 0x00, 0x03, 0x28]))])
        // No more declarations: find the descriptors of 0x2A35 in 4–4.
        #expect(s.receive(try ATTPDU(bytes: [0x01, 0x08, 0x03, 0x00, 0x0A])) == [.send(try ATTPDU(bytes: [0x04, 0x04, 0x00, 0x04, 0x00]))])
        // CCCD at 4: enable indications.
        #expect(s.receive(try ATTPDU(bytes: [0x05, 0x01, 0x04, 0x00, 0x02, 0x29])) == [.send(try ATTPDU(bytes: [0x12, 0x04, 0x00, 0x02, 0x00]))])
        #expect(s.receive(try ATTPDU(bytes: [0x13])) == [.ready])
        // An indication of 0x2A35 is a measurement to confirm once durable.
        #expect(s.receive(try ATTPDU(bytes: [0x1D, 0x03, 0x00, 0x00, 0x78, 0x00, 0x50, 0x00, 0x5D, 0x00])) == [.measurement(characteristic: GATTAssigned.bloodPressureMeasurement, value: [0x00, 0x78, 0x00, 0x50, 0x00, 0x5D, 0x00], needsConfirmation: true)])
    }

    @Test func missingServiceAndWrongResponsesFail() throws {
        var s = BLEDeviceSession(requirements: ProfileDrivers.bloodPressure)
        _ = s.start()
        _ = s.receive(.exchangeMTUResponse(.init(mtu: 23)))
        let a = s.receive(try ATTPDU(bytes: [0x01, 0x10, 0x01, 0x00, 0x0A]))
        #expect(a == [.failed("the device has no 1810 service")])

        var t = BLEDeviceSession(requirements: ProfileDrivers.bloodPressure)
        _ = t.start()
        guard case .failed(let why)? = t.receive(.writeResponse).first else { Issue.record("expected failure"); return }
        #expect(why.contains("does not answer"))
        #expect(t.phase == .failed)
        #expect(t.outstanding == nil, "a failed session has nothing outstanding to time out")
    }

    @Test func transactionTimeoutFails() {
        var s = BLEDeviceSession(requirements: ProfileDrivers.glucose, procedure: .reportAllRecords())
        _ = s.start()
        guard case .failed(let why)? = s.transactionTimedOut().first else { Issue.record("expected failure"); return }
        #expect(why.contains("Exchange MTU Request") && why.contains("transaction timeout"))
    }
}

struct SimulatorCoreTests {
    @Test func aHubThatVanishesFreesItsDevicesForTheNext() throws {
        var core = SimulatorCore(scenario: try Scenario.load("quiet"), now: Date())
        let addr = BLEAddress(string: "C0:FF:EE:00:01:02")!
        #expect(core.receive(.scanStart).count == 1)
        guard case .connected? = core.receive(.connectRequest(address: addr)).first else { Issue.record("no connection"); return }
        // Busy while connected: no advertisement, a second connection is refused.
        #expect(core.receive(.scanStart).isEmpty)
        core.hubDisconnected()
        let ads = core.receive(.scanStart)
        #expect(ads.count == 1)
        if case .advertisement(let a, _, _, _)? = ads.first { #expect(a == addr) }
    }

    @Test func scenarioStatusNamesAreChecked() {
        let json = #"{"name":"x","devices":[{"type":"bp-cuff","name":"N","address":"C0:FF:EE:00:00:01","readings":[{"systolic":120,"diastolic":80,"status":["wobbly"]}]}]}"#
        #expect { try Scenario.parse(Data(json.utf8), source: "s.json") } throws: { "\($0)".contains("devices[0].readings[0].status 'wobbly'") }
        let missing = #"{"name":"x","devices":[{"type":"bp-cuff","name":"N","address":"C0:FF:EE:00:00:01","readings":[{"systolic":120}]}]}"#
        #expect { try Scenario.parse(Data(missing.utf8), source: "s.json") } throws: { "\($0)".contains("devices[0].readings[0].diastolic") }
    }
}

struct ATTClientCompletenessTests {
    /// Included services and long values, from hand-written responses (Core Vol 3 Part G §4.5.1, §4.8.3).
    @Test func includesAndReadBlob() throws {
        var s = BLEDeviceSession(requirements: ProfileDrivers.glucose, procedures: [])
        _ = s.start()
        _ = s.receive(.exchangeMTUResponse(.init(mtu: 23)))
        // Glucose service at 1–12.
        _ = s.receive(try ATTPDU(bytes: [0x11, 0x06, 0x01, 0x00, 0x0C, 0x00, 0x08, 0x18]))
        let inc = s.receive(try ATTPDU(bytes: [0x01, 0x10, 0x0D, 0x00, 0x0A]))
        #expect(inc == [.send(try ATTPDU(bytes: [0x08, 0x01, 0x00, 0x0C, 0x00, 0x02, 0x28]))])
        // Include declaration at 2: Battery Service (0x180F) at handles 0x20–0x22.
        _ = s.receive(try ATTPDU(bytes: [0x09, 0x08, 0x02, 0x00, 0x20, 0x00, 0x22, 0x00, 0x0F, 0x18]))
        #expect(s.includedServices == [.init(parent: GATTAssigned.glucoseService, startHandle: 0x20, endHandle: 0x22, uuid: BluetoothUUID(0x180F))])
        // Then characteristics from 3 (after the include at 2).
        #expect(s.phase == .discoveringIncludes(service: 0, next: 3))
    }

    @Test func longValuesAreReadWithReadBlob() throws {
        // A 30-byte feature value at MTU 23: Read gives 22 bytes, Read Blob from 22 the last 8.
        var g = GATTServerProbe()
        let value = Array(0..<30).map { UInt8($0) }
        let handle = g.add(value)
        #expect(g.read(handle, offset: 0).count == 22)
        #expect(g.read(handle, offset: 22) == Array(value[22...]))
    }

    @Test func writeCommandNeedsTheProperty() {
        let s = BLEDeviceSession(requirements: ProfileDrivers.bloodPressure)
        #expect(s.writeWithoutResponse(GATTAssigned.bloodPressureMeasurement, value: [1]).first.map { if case .failed = $0 { true } else { false } } == true)
    }
}

/// Drives firmware-sim's GATT server directly for Read and Read Blob.
struct GATTServerProbe {
    var server = GATTServer()
    mutating func add(_ value: [UInt8]) -> UInt16 {
        server.addService(BluetoothUUID(0x180A))
        return server.addCharacteristic(BluetoothUUID(0x2A29), properties: 0x02, value: value)
    }
    mutating func read(_ handle: UInt16, offset: UInt16) -> [UInt8] {
        let pdu: ATTPDU = offset == 0 ? .readRequest(handle: handle) : .readBlobRequest(handle: handle, offset: offset)
        switch server.handle(pdu) {
        case .respond(.readResponse(let v)), .respond(.readBlobResponse(let v)): return v
        default: return []
        }
    }
}
