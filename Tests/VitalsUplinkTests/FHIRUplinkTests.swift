import Foundation
import Testing
import VitalsCore
import VitalsFHIR
import VitalsStore
import VitalsTestSupport
import VitalsUplink

/// A FHIR server's behaviour in-process: it answers a transaction of conditional creates as a server does (201 for a
/// new resource, 200 for one whose identifier is already there), keeps what it created, and can be down, refuse, or
/// answer only part of a transaction. Every Bundle it takes must be a transaction whose references all resolve
/// inside it (a transaction that points at a resource it does not carry would be refused by a real server).
actor FakeFHIRServer: FHIRTransport {
    enum Mode { case up, down, refusing, unauthorised, answeringPart }
    var mode = Mode.up
    /// Observations measured at these times (FHIR dateTime) make the whole transaction invalid (422), every time.
    var poisoned: Set<String> = []
    private(set) var created: [String: [String: Any]] = [:]
    private(set) var posts = 0
    private(set) var problems: [String] = []
    private(set) var referencesChecked = 0

    func set(_ m: Mode) { mode = m }
    func poison(_ times: Set<String>) { poisoned = times }
    var observations: Int { created.keys.filter { $0.hasPrefix("Observation ") }.count }

    func post(_ body: [UInt8]) async throws -> (status: Int, body: [UInt8]) {
        posts += 1
        switch mode {
        case .down: throw URLError(.cannotConnectToHost)
        case .refusing:
            return (500, Array(#"{"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"exception","diagnostics":"database is read-only"}]}"#.utf8))
        case .unauthorised:
            return (401, Array(#"{"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"login","diagnostics":"token expired"}]}"#.utf8))
        case .up, .answeringPart: break
        }
        guard let bundle = try JSONSerialization.jsonObject(with: Data(body)) as? [String: Any], bundle["type"] as? String == "transaction",
              let entries = bundle["entry"] as? [[String: Any]] else {
            problems.append("not a transaction Bundle")
            return (400, [])
        }
        let times = Set(entries.compactMap { ($0["resource"] as? [String: Any])?["effectiveDateTime"] as? String })
        if let bad = times.intersection(poisoned).first {
            // The diagnostics quote what was sent, as servers' do: they must not reach the hub's records.
            return (422, Array(#"{"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"invariant","diagnostics":"Observation at \#(bad): value out of range"}]}"#.utf8))
        }
        let urls = Set(entries.compactMap { $0["fullUrl"] as? String })
        var answers: [[String: Any]] = []
        for e in entries {
            let resource = e["resource"] as? [String: Any] ?? [:]
            let request = e["request"] as? [String: Any] ?? [:]
            for ref in Self.references(in: resource) where ref.hasPrefix("urn:uuid:") {
                referencesChecked += 1
                if !urls.contains(ref) { problems.append("\(resource["resourceType"] ?? "?") points at \(ref), which the Bundle does not carry") }
            }
            let key = "\(resource["resourceType"] ?? "?") \(request["ifNoneExist"] ?? "?")"
            if created[key] == nil {
                created[key] = resource
                answers.append(["response": ["status": "201 Created"]])
            } else {
                answers.append(["response": ["status": "200 OK"]])
            }
        }
        // Created, but the answer is cut short: the client must not count the batch as sent.
        if mode == .answeringPart { answers.removeLast() }
        let answer: [String: Any] = ["resourceType": "Bundle", "type": "transaction-response", "entry": answers]
        return (200, Array(try JSONSerialization.data(withJSONObject: answer)))
    }

    static func references(in value: Any) -> [String] {
        if let d = value as? [String: Any] {
            if let r = d["reference"] as? String { return [r] }
            return d.values.flatMap(references(in:))
        }
        if let a = value as? [Any] { return a.flatMap(references(in:)) }
        return []
    }
}

@Suite struct FHIRUplinkTests {
    static let start = Date(timeIntervalSince1970: 1_769_860_800)

    /// 30 CGM readings, a cuff reading (a blood-pressure Observation and a pulse one), an ECG block and an alert step:
    /// 33 outbox entries, 33 Observations.
    static func filledStore() async throws -> VitalsStore {
        let store = try VitalsStore(path: tempStorePath(), logger: quiet)
        _ = try await store.record((0..<30).map { cgm(subject: "ann", sensor: 1, minute: $0 * 5, start: start) })
        let r = cuff(subject: "ann", cuffNumber: 1, at: start)
        _ = try await store.record([r])
        let strap = DeviceIdentity(transport: .simBLE, address: "C0:FF:EE:00:05:01", profileID: "sim-ecg")
        _ = try await store.record(block: SampleBlock(subject: SubjectID("ann"), device: strap, lead: .ecgLeadII, startTime: start, sampleRate: 130,
                                                      gain: 1000, baseline: 0, unit: .millivolt, samples: (0..<130).map { Int32($0 % 40) }))
        let alert = Alert(id: "bp.test/\(Alert.evidenceKey(for: r))", ruleID: "bp.test", subject: r.subject, device: r.device.id, severity: .critical,
                          message: "m", citation: "c", raisedAt: start, effectiveTime: start, evidenceKey: Alert.evidenceKey(for: r))
        _ = try await store.apply([AlertTransition(kind: .raised, alert: alert, at: start, eventTime: start)])
        return store
    }

    static func service(_ store: VitalsStore, _ server: FakeFHIRServer, batchSize: Int = 100) -> FHIRUplinkService {
        FHIRUplinkService(store: store, sink: FHIRUplink(client: FHIRClient(transport: server), target: "fhir:http://fake/fhir", gateway: FHIRGateway(id: "hub-1")),
                          schedule: ForwardingSchedule(batchSize: batchSize), logger: quiet)
    }

    /// Down, refusing, answering half: nothing is acknowledged, and nothing is lost. Then up: every reading and the
    /// ECG block arrive, the watermark reaches the last entry, and a replay from the start creates nothing new.
    @Test func failuresAcknowledgeNothingThenEverythingArrivesOnce() async throws {
        let store = try await Self.filledStore()
        let server = FakeFHIRServer()
        let service = Self.service(store, server)
        let last = try await store.outboxPending(after: 0)
        #expect(last == 33)

        for mode in [FakeFHIRServer.Mode.down, .refusing, .unauthorised, .answeringPart] {
            await server.set(mode)
            var failure: (any Error)?
            do { try await service.drain() } catch { failure = error }
            #expect(failure != nil, "\(mode): the batch counted as sent")
            #expect(try await store.uplinkAcknowledged(target: "fhir:http://fake/fhir") == 0, "\(mode)")
            if mode == .refusing, let failure = failure as? FHIRClient.Failure {
                #expect(failure.description.contains("database is read-only"), "the server's reason is kept")
                #expect(failure.summary.contains("HTTP 500") && !failure.summary.contains("database is read-only"), "the log's summary leaves the diagnostics out")
            } else if mode == .refusing {
                Issue.record("not a FHIRClient.Failure: \(String(describing: failure))")
            }
        }

        await server.set(.up)
        let pass = try await service.drain()
        #expect(pass.entries == 33 && pass.batches == 1)
        #expect(try await store.uplinkAcknowledged(target: "fhir:http://fake/fhir") == 33)
        #expect(await server.observations == 33, "30 CGM, the cuff's blood pressure and pulse, the ECG block")
        #expect(await server.problems == [])
        // The half-answered post had created everything already: the good pass found it all there.
        #expect(pass.inserted == 0)

        try await store.unsafeExecute("DELETE FROM uplink_acks")
        let replay = try await service.drain()
        #expect(replay.entries == 33 && replay.inserted == 0)
        #expect(await server.observations == 33)
    }

    /// Small batches: each is a whole transaction (its Observations' Patient and Device travel with it), every entry
    /// is sent, and the alert-only tail is acknowledged without a post.
    @Test func smallBatchesAreEachWholeTransactions() async throws {
        let store = try await Self.filledStore()
        let server = FakeFHIRServer()
        // 8 + 8 + 8 + 8 entries of readings and the block, then the alert step alone.
        let pass = try await Self.service(store, server, batchSize: 8).drain()
        #expect(pass.batches == 5 && pass.entries == 33)
        #expect(await server.posts == 4, "the alert-only batch is acknowledged without a post")
        #expect(await server.observations == 33)
        #expect(await server.problems == [])
        // Each Observation names its Patient and Device (33 × 2) and each Device its gateway: all were looked up.
        #expect(await server.referencesChecked > 66)
        #expect(try await store.uplinkAcknowledged(target: "fhir:http://fake/fhir") == 33)
        let again = try await Self.service(store, server, batchSize: 8).drain()
        let posts = await server.posts
        #expect(again.batches == 0 && posts == 4, "nothing is pending")
    }

    /// A reading the server refuses for good (422, whenever it is sent) does not stop the uplink: the batch is split
    /// down to it, everything else arrives, it is parked with the server's status line (not its diagnostics, which
    /// quote the data), never sent again, and kept from retention.
    @Test func anEntryTheServerRefusesForGoodIsParkedAndTheRestArrive() async throws {
        let store = try await Self.filledStore()
        let server = FakeFHIRServer()
        let poisonTime = Self.start.addingTimeInterval(50 * 60)
        await server.poison([FHIRExport.dateTime(poisonTime)])
        let pass = try await Self.service(store, server).drain()
        #expect(pass.entries == 33 && pass.parked == 1)
        #expect(try await store.uplinkAcknowledged(target: "fhir:http://fake/fhir") == 33)
        #expect(await server.observations == 32, "every Observation but the refused one")
        #expect(await server.problems == [])
        // 32 readings and blocks in one batch: the whole, then two halves per level down to the one entry.
        #expect(await server.posts <= 11)
        let bad = try #require(try await store.readings(limit: 100).first { $0.effectiveAt == poisonTime })
        let parked = try await store.parkedUplinkEntries()
        #expect(parked.map(\.ref) == [String(bad.id)] && parked.allSatisfy { $0.kind == .reading && $0.target == "fhir:http://fake/fhir" })
        #expect(parked.first?.reason.contains("HTTP 422") == true)
        #expect(parked.first?.reason.contains("out of range") == false, "the server's diagnostics stay out of the hub's records")

        // Not sent again.
        let posts = await server.posts
        #expect(try await Self.service(store, server).drain().batches == 0)
        #expect(await server.posts == posts)

        // Everything is old and acknowledged: retention deletes the sent readings and keeps the parked one (and the
        // cuff reading, which an alert cites).
        let outcome = try await store.applyRetention(olderThan: Self.start.addingTimeInterval(86_400), at: Self.start.addingTimeInterval(86_400))
        #expect(outcome.readings == 29 && outcome.keptCited == 2)
        #expect(try await store.readings(limit: 100).map(\.id).contains(bad.id))
    }

    /// The target a hub acknowledges under names the server without its secrets.
    @Test func targetHasNoCredentials() throws {
        let url = try #require(URL(string: "https://hub:s3cret@fhir.example.org:8443/r4?_format=json#x"))
        #expect(FHIRUplink.target(for: url) == "fhir:https://fhir.example.org:8443/r4")
    }
}
