import Foundation
import Metrics
import Testing
import VitalsTestSupport
import VitalsAnalytics
import VitalsCore
@testable import VitalsPipeline
import VitalsStore

/// The streaming core's state goes through the store: a hub stopped in the middle of a hypoglycaemia episode and
/// started again continues the same episode — one alert, deepened and resolved after the restart.
struct AnalyticsRestartTests {
    static let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    static func cgm(_ minutes: Double, _ mgdl: Double) -> Reading {
        Reading(
            subject: SubjectID("kim"), device: DeviceIdentity(transport: .simBLE, address: "C0:FF:EE:00:03:01", profileID: "sim-cgm"), kind: .glucose,
            observations: [Observation(metric: .glucoseInterstitial, value: mgdl, unit: .milligramPerDecilitre, wire: WireValue(encoding: "sfloat", bits: 0, unit: "mg/dL"))],
            effectiveTime: t0.addingTimeInterval(minutes * 60), deviceTime: nil, receivedTime: t0.addingTimeInterval(minutes * 60),
            sequence: UInt32(minutes), grade: .medical, raw: RawFrame(source: "2AA7", bytes: [0]))
    }

    /// One hub run of the analytics stage over `readings` (stored first, as RecordService does); returns its events.
    func runOnce(_ store: VitalsStore, _ readings: [Reading]) async throws -> [PipelineEvent] {
        _ = try await store.record(readings)
        return try await Self.run(store, sending: readings, now: readings.last!.effectiveTime)
    }

    /// One hub run of the analytics stage: `sending` go down its channel (store them first, as RecordService does);
    /// returns the events once the input is finished and the stage has stopped.
    static func run(_ store: VitalsStore, sending readings: [Reading], now: Date) async throws -> [PipelineEvent] {
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

    @Test func anEpisodeContinuesAcrossARestart() async throws {
        let store = try VitalsStore(path: ":memory:", logger: quiet)
        // Run 1: below 70 for 15 minutes → raised.
        let first = try await runOnce(store, [Self.cgm(0, 100), Self.cgm(5, 65), Self.cgm(10, 62), Self.cgm(15, 60), Self.cgm(20, 58)])
        let raised = first.compactMap { if case .alert(let a) = $0 { a } else { nil } }
        #expect(raised.count == 1 && raised[0].severity == .urgent)
        #expect(try await store.streamState(name: AnalyticsService.stateName) != nil)
        // Run 2 (a new service, state from the store): below 54 for 15 minutes → the same alert deepens; then it ends.
        let second = try await runOnce(store, [25, 30, 35, 40].map { Self.cgm($0, 50) } + [45, 50, 55, 60].map { Self.cgm($0, 90) })
        #expect(!second.contains { if case .alert = $0 { true } else { false } }, "no second alert for the same episode")
        let steps = second.compactMap { if case .alertUpdate(let t) = $0 { t } else { nil } }
        #expect(steps.map(\.kind) == [.updated, .resolved])
        #expect(steps.allSatisfy { $0.alert.id == raised[0].id })
        let stored = try await store.alerts()
        #expect(stored.count == 1 && stored[0].state == .resolved && stored[0].severity == .critical && stored[0].ruleID == "glucose.hypoglycaemia-level-2")
        #expect(try await store.alertEvents(alertID: raised[0].id).map(\.transition) == [.raised, .updated, .resolved])
    }
}
