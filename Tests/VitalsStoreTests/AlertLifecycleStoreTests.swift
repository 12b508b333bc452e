import Foundation
import Testing
import VitalsTestSupport
import VitalsCore
@testable import VitalsStore

struct AlertLifecycleStoreTests {
    func crisis(_ r: Reading, state: AlertState = .raised, severity: AlertSeverity = .critical, historical: Bool = false) -> Alert {
        Alert(id: "bp.hypertensive-crisis/\(Alert.evidenceKey(for: r))", ruleID: "bp.hypertensive-crisis", subject: r.subject, device: r.device.id,
              severity: severity, state: state, message: "m", citation: "ACC/AHA 2017", raisedAt: Date(timeIntervalSince1970: 1_700_000_200),
              effectiveTime: r.effectiveTime, evidenceKey: Alert.evidenceKey(for: r), historical: historical, evidenceFrom: r.effectiveTime,
              evidenceTo: r.effectiveTime)
    }

    @Test func transitionsAreStoredOnceWithHistoryAcknowledgementAndDeliveries() async throws {
        let path = tempDB()
        let store = try VitalsStore(path: path, logger: quiet)
        let r = bpReading(186, 124, key: 2)
        _ = try await store.record([r])
        var a = crisis(r)
        let raised = AlertTransition(kind: .raised, alert: a, at: a.raisedAt, eventTime: r.effectiveTime)
        let first = try await store.apply([raised])
        #expect(first.count == 1 && first[0] != nil)
        #expect(try await store.apply([raised]) == [nil], "a replayed step is recognised by its event id")
        #expect(try await store.counts()["outbox"] == 2, "the reading and the alert, once")

        // Escalated (not acknowledged), then acknowledged from outside the hub, then resolved by a later reading.
        a.escalations = 1
        a.state = .updated
        _ = try await store.apply([AlertTransition(kind: .escalated, alert: a, at: Date(timeIntervalSince1970: 1_700_001_200), eventTime: Date(timeIntervalSince1970: 1_700_001_200))])
        let acked = try await store.acknowledge(alertID: a.id, by: "nurse", at: Date(timeIntervalSince1970: 1_700_001_300))
        #expect(acked?.state == .acknowledged)
        #expect(try await store.acknowledge(alertID: a.id, by: "nurse", at: Date()) == nil, "already acknowledged")
        #expect(try await store.acknowledge(alertID: "nope", by: "nurse", at: Date()) == nil)
        #expect(try await store.settledAlertIDs(among: [a.id, "nope"]) == [a.id])
        a.state = .resolved
        _ = try await store.apply([AlertTransition(kind: .resolved, alert: a, at: Date(timeIntervalSince1970: 1_700_002_000), eventTime: Date(timeIntervalSince1970: 1_700_001_900), detail: "later reading below")])

        let stored = try #require(try await store.alert(id: a.id))
        #expect(stored.state == .resolved && stored.escalations == 1 && stored.evidenceFrom == r.effectiveTime)
        let history = try await store.alertEvents(alertID: a.id)
        #expect(history.map(\.transition) == [.raised, .escalated, .acknowledged, .resolved])
        #expect(history.map(\.state) == [.raised, .updated, .acknowledged, .resolved])
        #expect(Set(history.map(\.eventID)).count == 4)

        // At-least-once delivery per channel: what is not marked delivered comes back, with the same event ids.
        let pending = try await store.undeliveredAlertEvents(channel: "webhook")
        #expect(pending.map(\.seq) == history.map(\.seq))
        try await store.markDelivered(seq: pending[0].seq, channel: "webhook", attempts: 2, at: Date())
        try await store.markDelivered(seq: pending[0].seq, channel: "webhook", attempts: 1, at: Date())  // idempotent
        #expect(try await store.undeliveredAlertEvents(channel: "webhook").map(\.eventID) == Array(history.dropFirst().map(\.eventID)))
        #expect(try await store.undeliveredAlertEvents(channel: "console").count == 4, "channels are independent")

        // The stream state round-trips and survives reopening.
        try await store.saveStreamState([1, 2, 3], name: "analytics", at: Date())
        try await store.saveStreamState([4, 5], name: "analytics", at: Date())
        let reopened = try VitalsStore(path: path, logger: quiet)
        #expect(try await reopened.streamState(name: "analytics") == [4, 5])
        #expect(try await reopened.streamState(name: "other") == nil)
    }

    @Test func historicalEventsCannotBeAcknowledged() async throws {
        let store = try VitalsStore(path: tempDB(), logger: quiet)
        let r = bpReading(200, 100, key: 3)
        _ = try await store.record([r])
        let h = crisis(r, state: .resolved, historical: true)
        _ = try await store.apply([AlertTransition(kind: .recorded, alert: h, at: h.raisedAt, eventTime: r.effectiveTime, detail: "backfill")])
        #expect(try await store.acknowledge(alertID: h.id, by: "nurse", at: Date()) == nil)
        let back = try await store.alerts()
        #expect(back.count == 1 && back[0].historical && back[0].state == .resolved)
        // The v5 constraints hold.
        await #expect(throws: StoreError.self) { try await store.unsafeExecute("UPDATE alerts SET historical = 2") }
        await #expect(throws: StoreError.self) {
            try await store.unsafeExecute("INSERT INTO alert_events (event_id, alert_id, transition, state, severity, at, event_time) VALUES ('e', '\(h.id)', 'exploded', 'raised', 'critical', 0, 0)")
        }
    }
}
