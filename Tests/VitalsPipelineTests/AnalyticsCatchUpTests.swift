import Foundation
import Metrics
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

    /// One hub run of the analytics stage: `sending` go down the channel (store them first, as RecordService does);
    /// returns the events once the input is finished and the stage has stopped.
    func run(_ store: VitalsStore, sending readings: [Reading], now: Date) async throws -> [PipelineEvent] {
        let input = BoundedChannel<Reading>(capacity: 8)
        let events = BoundedChannel<PipelineEvent>(capacity: 64)
        let service = AnalyticsService(rules: AlertRules(), store: store, input: input, events: events, metrics: NOOPMetricsHandler.instance,
                                       now: { now }, logger: quiet)
        let task = Task { try await service.run() }
        for r in readings { await input.send(r) }
        input.finish()
        var out: [PipelineEvent] = []
        while let e = await events.next() { out.append(e) }
        task.cancel()
        return out
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

    @Test func aStateSavedBeforePositionsWereKeptStartsAtTheNewestReading() async throws {
        let store = try VitalsStore(path: ":memory:", logger: quiet)
        // History stored by an older hub, and its state without a position: not analysed again at start.
        _ = try await store.record([Self.cgm(5, 50), Self.cgm(10, 50), Self.cgm(15, 50), Self.cgm(20, 50)])
        var old = try StreamingAnalytics(serialized: StreamingAnalytics().serialized())
        old.inputPosition = nil
        try await store.saveStreamState(Array(try old.serialized()), name: AnalyticsService.stateName, at: Self.at(20))
        let next = Self.cgm(25, 100)
        _ = try await store.record([next])
        #expect(raised(try await run(store, sending: [next], now: Self.at(25))).isEmpty)
        #expect(try await position(store) == 5)
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
