import Foundation
import Metrics
import Synchronization
import Testing
import VitalsTestSupport
import VitalsAnalytics
import VitalsCore
@testable import VitalsPipeline
import VitalsStore

/// The analytics state is saved now and then with the row id of the last reading taken in; a start takes in again
/// what was stored after it. So a crash between "reading stored and acknowledged" and "its alert stored" does not
/// lose the alert, and a saved state older than the alerts already stored neither loses nor repeats them.
struct AnalyticsCatchUpTests {
    static func cgm(_ minutes: Double, _ mgdl: Double) -> Reading { AnalyticsRestartTests.cgm(minutes, mgdl) }
    static func at(_ minutes: Double) -> Date { AnalyticsRestartTests.t0.addingTimeInterval(minutes * 60) }

    func run(_ store: VitalsStore, sending readings: [Reading], now: Date) async throws -> [PipelineEvent] {
        try await AnalyticsRestartTests.run(store, sending: readings, now: now)
    }

    func raised(_ events: [PipelineEvent]) -> [Alert] { events.compactMap { if case .alert(let a) = $0 { a } else { nil } } }
    func steps(_ events: [PipelineEvent]) -> [AlertTransition] { events.compactMap { if case .alertUpdate(let t) = $0 { t } else { nil } } }

    func position(_ store: VitalsStore) async throws -> Int64? {
        let bytes = try #require(try await store.streamState(name: AnalyticsService.stateName))
        return try StreamingAnalytics(serialized: Data(bytes)).inputPosition
    }

    @Test func readingsStoredButNotAnalysedBeforeACrashRaiseTheirAlertAtTheNextStart() async throws {
        let store = try VitalsStore(path: ":memory:", logger: quiet)
        let first = [Self.cgm(0, 100)]
        _ = try await store.record(first)
        #expect(raised(try await run(store, sending: first, now: Self.at(0))).isEmpty)
        #expect(try await position(store) == 1)
        // The crash: four low readings stored and acknowledged, the hub killed before analytics took them in.
        _ = try await store.record([Self.cgm(5, 65), Self.cgm(10, 62), Self.cgm(15, 60), Self.cgm(20, 58)])
        #expect(try await store.alerts().isEmpty)

        // The next start: nothing new arrives, and the hypoglycaemia alert is raised from the stored readings.
        let restart = try await run(store, sending: [], now: Self.at(21))
        let alerts = raised(restart)
        #expect(alerts.map(\.ruleID) == ["glucose.hypoglycaemia-level-1"])
        #expect(alerts.first?.raisedAt == Self.at(20), "taken in as of when the reading that completed the episode arrived")
        #expect(try await store.alerts().map(\.ruleID) == ["glucose.hypoglycaemia-level-1"])
        #expect(try await position(store) == 5)

        // Once taken in, never again: a further start announces nothing and stores no second step.
        #expect(try await run(store, sending: [], now: Self.at(22)).isEmpty)
        #expect(try await store.alertEvents().map(\.transition) == [.raised])
    }

    @Test func aSavedStateOlderThanTheStoredAlertsNeitherLosesNorRepeatsThem() async throws {
        let store = try VitalsStore(path: ":memory:", logger: quiet)
        let a = [Self.cgm(0, 100), Self.cgm(5, 65)]
        _ = try await store.record(a)
        _ = try await run(store, sending: a, now: Self.at(5))
        let stale = try #require(try await store.streamState(name: AnalyticsService.stateName))

        let b = [Self.cgm(10, 62), Self.cgm(15, 60), Self.cgm(20, 58)]
        _ = try await store.record(b)
        let alert = try #require(raised(try await run(store, sending: b, now: Self.at(20))).first)
        // The crash came before the state after `b` was saved: the one on disk is from before the alert.
        try await store.saveStreamState(stale, name: AnalyticsService.stateName, at: Self.at(20))
        #expect(try await position(store) == 2)

        // Back above 70 for 15 minutes: the restarted core knows the alert (from taking `b` in again, which did not
        // announce it a second time) and resolves it.
        let c = [25, 30, 35, 40].map { Self.cgm($0, 90) }
        _ = try await store.record(c)
        let restart = try await run(store, sending: c, now: Self.at(40))
        #expect(raised(restart).isEmpty, "the alert is not raised again")
        #expect(steps(restart).map(\.kind) == [.resolved])
        #expect(steps(restart).allSatisfy { $0.alert.id == alert.id })
        #expect(try await store.alertEvents(alertID: alert.id).map(\.transition) == [.raised, .resolved])
        #expect(try await store.alerts().count == 1)
        #expect(try await position(store) == 9)
    }

    @Test func aStateSavedBeforePositionsWereKeptStartsAtTheNewestReadingOfEarlierRuns() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("catch-up-\(UUID().uuidString.prefix(8)).sqlite").path
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
        // History stored by an older hub, and its state without a position.
        do {
            let old = try VitalsStore(path: path, logger: quiet)
            _ = try await old.record([Self.cgm(5, 50), Self.cgm(10, 50), Self.cgm(15, 50), Self.cgm(20, 50)])
            var state = StreamingAnalytics()
            state.inputPosition = nil
            try await old.saveStreamState(Array(try state.serialized()), name: AnalyticsService.stateName, at: Self.at(20))
        }
        // This run: the history is not analysed again (20 minutes under 54 would be an alert); what this run
        // stored before analytics started is.
        let store = try VitalsStore(path: path, logger: quiet)
        #expect(store.readingsAtOpen == 4)
        _ = try await store.record([Self.cgm(25, 100)])
        #expect(raised(try await run(store, sending: [], now: Self.at(25))).isEmpty)
        let saved = try StreamingAnalytics(serialized: Data(try #require(try await store.streamState(name: AnalyticsService.stateName))))
        #expect(saved.inputPosition == 5 && saved.processed == 1)
    }

    /// The readings `catchUp` took in that also come down the channel are skipped (each taken in once), the later
    /// ones are not; and while the hub runs the state is saved every `snapshotInterval` with the position reached.
    @Test(.timeLimit(.minutes(1))) func channelReadingsAlreadyTakenInAreSkippedAndTheStateIsSavedWhileRunning() async throws {
        let store = try VitalsStore(path: ":memory:", logger: quiet)
        // Stored by this run before analytics started (the crash case's readings look the same): the episode.
        let early = [Self.cgm(0, 100), Self.cgm(5, 65), Self.cgm(10, 62), Self.cgm(15, 60), Self.cgm(20, 58)]
        let earlyIDs = try await store.record(early).map { if case .inserted(let id) = $0 { id } else { Int64(-1) } }
        let input = BoundedChannel<Reading>(capacity: 16)
        let events = BoundedChannel<PipelineEvent>(capacity: 64)
        let clock = Mutex(Self.at(20))
        let service = AnalyticsService(rules: AlertRules(), store: store, input: input, events: events, metrics: NOOPMetricsHandler.instance,
                                       now: { clock.withLock { $0 } }, snapshotInterval: 5, logger: quiet)
        let task = Task { try await service.run() }
        guard case .alert(let alert)? = await events.next() else { Issue.record("the stored episode raised no alert"); return }
        #expect(try await position(store) == 5, "saved at start with the position caught up to")

        // RecordService passes on what it stored with the row id: the early readings again (they were in the
        // channel), then four back above 70 stored since.
        var sent: [Reading] = []
        for (r, id) in zip(early, earlyIDs) { var r = r; r.storedID = id; sent.append(r) }
        for m in [25.0, 30, 35, 40] {
            var r = Self.cgm(m, 90)
            if case .inserted(let id)? = try await store.record([r]).first { r.storedID = id }
            sent.append(r)
        }
        clock.withLock { $0 = Self.at(41) }
        for r in sent { await input.send(r) }
        guard case .alertUpdate(let step)? = await events.next() else { Issue.record("the alert was not resolved"); return }
        #expect(step.kind == .resolved && step.alert.id == alert.id)
        // More than `snapshotInterval` after the start: the batch's state is saved in the background.
        var saved: StreamingAnalytics?
        for _ in 0..<200 {
            if let bytes = try await store.streamState(name: AnalyticsService.stateName), let s = try? StreamingAnalytics(serialized: Data(bytes)),
               s.inputPosition == 9 { saved = s; break }
            try await Task.sleep(for: .milliseconds(10))
        }
        #expect(saved?.processed == 9, "each reading taken in once: five by catching up, four from the channel")
        input.finish()
        var rest: [PipelineEvent] = []
        while let e = await events.next() { rest.append(e) }
        task.cancel()
        #expect(rest.isEmpty, "nothing announced twice: \(rest)")
        #expect(try await store.alertEvents(alertID: alert.id).map(\.transition) == [.raised, .resolved])
    }

    @Test func theReadingLogGivesBackWhatAnalyticsSawOfEachReading() async throws {
        let store = try VitalsStore(path: ":memory:", logger: quiet)
        let cuff = DeviceIdentity(transport: .usb, address: "1-2", profileID: "omron", manufacturer: "OMRON", model: "M7", serial: "S1")
        func bp(_ sys: Double, _ dia: Double, seq: UInt32?, deviceTime: DeviceTime?, receipt: UInt64, flags: Set<QualityFlag>) -> Reading {
            var r = Reading(
                subject: SubjectID("ana"), device: cuff, kind: .bloodPressure,
                observations: [
                    Observation(metric: .systolic, value: sys, unit: .millimetreOfMercury, wire: WireValue(encoding: "sfloat", bits: UInt64(sys), unit: "mmHg")),
                    Observation(metric: .diastolic, value: dia, unit: .millimetreOfMercury, wire: WireValue(encoding: "sfloat", bits: UInt64(dia), unit: "mmHg")),
                    Observation(metric: .pulseRateNonInvasive, value: nil, state: .notANumber, unit: .perMinute, wire: WireValue(encoding: "sfloat", bits: 0x07FF, unit: "/min")),
                ],
                effectiveTime: Self.at(Double(receipt)), deviceTime: deviceTime, receivedTime: Self.at(Double(receipt) + 0.5), sequence: seq,
                flags: flags, grade: .medical, raw: RawFrame(source: "2A35", bytes: [0x1E, UInt8(sys), 0]))
            r.receiptIndex = receipt
            return r
        }
        let sent = [
            bp(182, 121, seq: 7, deviceTime: nil, receipt: 1, flags: []),
            bp(150, 95, seq: nil, deviceTime: DeviceTime(year: 2027, month: 1, day: 15, hour: 8, minute: 30, second: 0), receipt: 2, flags: [.bodyMovement]),
            bp(120, 80, seq: nil, deviceTime: nil, receipt: 3, flags: []),
        ]
        _ = try await store.record(sent)
        let logged = try await store.readings(after: 0)
        #expect(logged.map(\.id) == [1, 2, 3])
        #expect(try await store.readings(after: 2).map(\.id) == [3])
        #expect(try await store.lastReadingID() == 3)
        let now = Self.at(10)
        for (original, entry) in zip(sent, logged) {
            let back = try #require(entry.reading)
            #expect(back.naturalKey == original.naturalKey)
            #expect(try await store.readingID(of: back) == entry.id)
            #expect(back.device.id == original.device.id && back.device.serial == "S1" && back.subject == original.subject)
            #expect(back.observations.map(\.metric) == original.observations.map(\.metric))
            #expect(back.observations.map(\.value) == original.observations.map(\.value))
            #expect(back.observations.map(\.state) == original.observations.map(\.state))
            #expect(back.observations.map(\.unit) == original.observations.map(\.unit))
            // What the streaming core is given for it, spot alerts included, is the same.
            #expect(StreamInput.from(back, rules: AlertRules(), now: now) == StreamInput.from(original, rules: AlertRules(), now: now))
        }
        #expect(StreamInput.from(try #require(logged[0].reading), rules: AlertRules(), now: now)?.spotAlerts.isEmpty == false, "182/121 is a crisis")
    }
}
