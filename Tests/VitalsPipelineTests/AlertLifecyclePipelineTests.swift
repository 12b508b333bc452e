import FirmwareSimKit
import Foundation
import Metrics
import Synchronization
import Testing
import VitalsTestSupport
import VitalsAnalytics
import VitalsCore
@testable import VitalsPipeline
import VitalsProfiles
import VitalsStore

/// The hub with the streaming analytics: the same scenario gives live alerts when the hub's clock is at the
/// scenario's time, and historical events when the readings are days old; the live view, the webhook and the
/// store all see the same steps.
struct AlertLifecyclePipelineTests {
    let catalogue: ProfileCatalogue
    init() throws { catalogue = try ProfileCatalogue.load(directory: repoRoot.appendingPathComponent("device-profiles")) }

    func run(scenario: String, start: Date, now: Date, store: VitalsStore, feed: AlertFeed? = nil, webhook: WebhookDelivery? = nil) async throws -> [PipelineEvent] {
        let socket = FileManager.default.temporaryDirectory.appendingPathComponent("lc-\(UUID().uuidString.prefix(8)).sock").path
        let sim = SimThread(scenario: try Scenario.load(scenario), path: socket, start: start)
        let events = Mutex<[PipelineEvent]>([])
        var config = HubPipeline.Configuration(central: .init(subject: SubjectID("alice"), exitWhenScenarioEnds: true))
        config.alertFeed = feed
        config.webhook = webhook
        let pipeline = HubPipeline(configuration: config, radio: simRadio(socket), catalogue: catalogue, store: store, logger: quiet,
                                   metrics: NOOPMetricsHandler.instance, now: { now }) { e in events.withLock { $0.append(e) } }
        try await pipeline.run(signals: [])
        _ = sim.waitFinished()
        return events.withLock { $0 }
    }

    @Test func liveAlertsWhenCurrentHistoricalEventsWhenOld() async throws {
        let start = Date(timeIntervalSince1970: 1_795_000_000)
        // Live: the hub's clock is the scenario's.
        let store = try VitalsStore(path: ":memory:", logger: quiet)
        let feed = AlertFeed()
        let stream = feed.subscribe()
        let server = try LoopbackHTTPServer.start(script: [503])
        defer { server.stop() }
        let hook = WebhookDelivery(url: URL(string: "http://127.0.0.1:\(server.port)/hook")!, secret: Array("k".utf8), baseDelay: .milliseconds(10))
        let events = try await run(scenario: "demo", start: start, now: start.addingTimeInterval(60), store: store, feed: feed, webhook: hook)
        feed.finish()
        let alerts = try await store.alerts()
        #expect(Set(alerts.map(\.ruleID)) == ["bp.hypertensive-crisis", "glucose.hypoglycaemia-level-2"])
        #expect(alerts.allSatisfy { !$0.historical && $0.severity == .critical })
        // The demo's 48 mg/dL is followed 15 minutes later by 71: inside the hysteresis band (an end needs 80), and
        // measured before the alert was raised, so the hypo alert stays open; so does the crisis.
        #expect(alerts.first { $0.ruleID == "bp.hypertensive-crisis" }?.state == .raised)
        #expect(alerts.first { $0.ruleID == "glucose.hypoglycaemia-level-2" }?.state == .raised)
        #expect(events.filter { if case .alert(let a) = $0 { !a.historical } else { false } }.count == 2)
        let history = try await store.alertEvents()
        #expect(history.map(\.transition).sorted { $0.rawValue < $1.rawValue } == [.raised, .raised])
        var fed: [String] = []
        for await t in stream { fed.append(t.eventID) }
        #expect(fed == history.map(\.eventID), "the live view saw every stored step, in order")
        // The webhook got every step (the first after a 503), each once marked delivered.
        #expect(try await store.undeliveredAlertEvents(channel: "webhook").isEmpty)
        #expect(Set(server.requests.compactMap { $0.headers["x-openvitals-event-id"] }) == Set(history.map(\.eventID)))
        // The core's state was saved for a restart.
        #expect(try await store.streamState(name: AnalyticsService.stateName) != nil)

        // Acknowledged from outside (vitals alerts ack): stored, with its step.
        let crisis = try #require(alerts.first { $0.ruleID == "bp.hypertensive-crisis" })
        #expect(try await store.acknowledge(alertID: crisis.id, by: "nurse", at: start.addingTimeInterval(120))?.state == .acknowledged)
        #expect(try await store.alertEvents(alertID: crisis.id).map(\.transition) == [.raised, .acknowledged])

        // Old: the same scenario with the hub's clock two days later. The meter's stored records keep their
        // times, so its level-2 hypo (48 mg/dL; the later 71 is not clear of 70) is a historical event, stored resolved,
        // and never a live alert. (The cuff's clock is two days behind the hub's; the hub corrects its reading's
        // time by the measured offset, so the crisis counts as current — the clock rule, not the backfill rule.)
        let old = try VitalsStore(path: ":memory:", logger: quiet)
        let oldEvents = try await run(scenario: "demo", start: start, now: start.addingTimeInterval(2 * 86_400), store: old)
        let hypo = try #require(try await old.alerts().first { $0.ruleID == "glucose.hypoglycaemia-level-2" })
        #expect(hypo.historical && hypo.state == .resolved && hypo.severity == .critical)
        #expect(hypo.evidenceFrom == start.addingTimeInterval(-25 * 60) && hypo.evidenceTo == start.addingTimeInterval(-25 * 60), "\(String(describing: hypo.evidenceTo)) \(start)")
        #expect(try await old.alertEvents(alertID: hypo.id).allSatisfy { $0.transition == .recorded })
        #expect(oldEvents.contains { if case .alert(let a) = $0 { a.id == hypo.id && a.historical } else { false } })
        #expect(!oldEvents.contains { if case .alert(let a) = $0 { a.ruleID.hasPrefix("glucose") && !a.historical } else { false } })
    }
}
