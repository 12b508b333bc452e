import Foundation
import Metrics
import Synchronization
import Testing
import VitalsTestSupport
import VitalsAnalytics
import VitalsCore
@testable import VitalsPipeline
import VitalsStore

/// The analytics stage's timer, driven by a test clock: nothing waits for real time to pass.
struct AnalyticsTickTests {
    static let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    @Test(.timeLimit(.minutes(1))) func theTickerEscalatesAnUnacknowledgedAlertAndStopsOnceItIsAcknowledged() async throws {
        let store = try memoryStore()
        var low = glucose(48)
        (low.effectiveTime, low.receivedTime, low.grade) = (Self.t0, Self.t0, .medical)
        _ = try await store.record([low])
        let input = BoundedChannel<Reading>(capacity: 8)
        let events = BoundedChannel<PipelineEvent>(capacity: 64)
        let clock = TestClock()
        let now = Mutex(Self.t0)
        let service = AnalyticsService(
            rules: AlertRules(), store: store, input: input, events: events, metrics: NOOPMetricsHandler.instance,
            now: { now.withLock { $0 } }, tickInterval: .seconds(30), clock: clock, logger: quiet)
        let task = Task { try await service.run() }

        await input.send(low)
        guard case .alert(let raised)? = await events.next() else { Issue.record("no alert for 48 mg/dL"); return }
        #expect(raised.severity == .critical && raised.ruleID == "glucose.hypoglycaemia-level-2")

        // Fifteen minutes later nobody has acknowledged it: the next tick escalates it (the alert is sent again).
        await clock.sleepers(atLeast: 1)
        now.withLock { $0 = Self.t0.addingTimeInterval(15 * 60) }
        clock.advance(by: .seconds(30))
        guard case .alertUpdate(let step)? = await events.next() else { Issue.record("the tick did not escalate"); return }
        #expect(step.kind == .escalated && step.alert.id == raised.id && step.alert.escalations == 1)
        // Saved with the state in its transaction: a restart now would not escalate it again under a new id.
        let saved = try StreamingAnalytics(serialized: Data(try #require(try await store.streamState(name: AnalyticsService.stateName))))
        #expect(saved.openLiveAlerts.first { $0.id == raised.id }?.escalations == 1)

        // Acknowledged outside the hub (`vitals alerts ack`): the next tick hears it, and no later tick escalates.
        #expect(try await store.acknowledge(alertID: raised.id, by: "nurse on call", at: Self.t0.addingTimeInterval(16 * 60)) != nil)
        for minutes in [31.0, 46, 61] {
            await clock.sleepers(atLeast: 1)
            now.withLock { $0 = Self.t0.addingTimeInterval(minutes * 60) }
            clock.advance(by: .seconds(30))
        }
        // The ticker is asleep again: each tick was handed over before the input ends.
        await clock.sleepers(atLeast: 1)
        input.finish()
        var rest: [PipelineEvent] = []
        while let e = await events.next() { rest.append(e) }
        task.cancel()
        #expect(rest.isEmpty, "no escalation after the acknowledgement: \(rest)")
        #expect(try await store.alertEvents(alertID: raised.id).map(\.transition) == [.raised, .escalated, .acknowledged])
        #expect(clock.requestedSleeps.allSatisfy { $0 == .seconds(30) })
    }
}
