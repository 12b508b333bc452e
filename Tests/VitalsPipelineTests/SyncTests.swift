import FirmwareSimKit
import Foundation
import Metrics
import Synchronization
import Testing
import VitalsTestSupport
import VitalsCore
@testable import VitalsPipeline
import VitalsProfiles
import VitalsStore

struct SyncTests {
    let catalogue: ProfileCatalogue
    init() throws { catalogue = try ProfileCatalogue.load(directory: repoRoot.appendingPathComponent("device-profiles")) }

    func socketPath() -> String { FileManager.default.temporaryDirectory.appendingPathComponent("sync-\(UUID().uuidString.prefix(8)).sock").path }

    func sync(_ scenario: Scenario, store: VitalsStore, start: Date) async throws -> (PipelineTotals, [PipelineEvent]) {
        let path = socketPath()
        let sim = SimThread(scenario: scenario, path: path, start: start)
        let events = Mutex<[PipelineEvent]>([])
        let pipeline = HubPipeline(
            configuration: .init(central: .init(subject: SubjectID("dora"), exitWhenScenarioEnds: true)), radio: simRadio(path),
            catalogue: catalogue, store: store, logger: quiet, metrics: NOOPMetricsHandler.instance
        ) { e in events.withLock { $0.append(e) } }
        try await pipeline.run(signals: [])
        #expect(sim.waitFinished()?.finished == true)
        return (pipeline.totals.value, events.withLock { $0 })
    }

    /// 1000 stored records, the link dropped at record 400: after reconnection every record is stored exactly
    /// once, and the next sync fetches nothing.
    @Test func droppedLinkResumesWithoutLossOrDuplicates() async throws {
        let store = try VitalsStore(path: ":memory:", logger: quiet)
        let scenario = try Scenario.load("sync-1000")
        let start = Date(timeIntervalSince1970: 1_795_000_000)
        let (first, events) = try await sync(scenario, store: store, start: start)
        let readings = try await store.readings(limit: 5000)
        #expect(readings.count == 1000)
        #expect(Set(readings.compactMap(\.sequence)) == Set(1...1000))
        #expect(first.stored == 1000)
        #expect(first.duplicates == 0, "the reconnection asks only for records after those already received")
        // Two connections: the dropped one and the one that finished.
        let connects = events.filter { if case .deviceConnected = $0 { true } else { false } }.count
        #expect(connects == 2)
        let progress = events.compactMap { e -> (Int, Int)? in if case .transferProgress(_, let r, let x) = e { (r, x) } else { nil } }
        #expect(progress.first.map { $0 == (0, 1000) } == true, "the first connection announces all 1000")
        #expect(progress.contains { $0 == (0, 600) }, "the second announces exactly what was missing")
        #expect(progress.last.map { $0.0 == $0.1 } == true)

        let (next, nextEvents) = try await sync(scenario, store: store, start: start)
        #expect(next.stored == 0 && next.duplicates == 0, "the next sync fetches nothing")
        #expect(try await store.readings(limit: 5000).count == 1000)
        #expect(nextEvents.contains { if case .transferProgress(_, 0, 0) = $0 { true } else { false } })
    }

    /// A device that stops answering is dropped after the ATT transaction timeout; the hub goes on.
    @Test func unansweredRequestEndsTheLink() async throws {
        let json = #"{"name":"mute","devices":[{"type":"bp-cuff","name":"OV-SIM-BP-09","address":"C0:FF:EE:00:01:09","readings":[{"systolic":120,"diastolic":80}],"faults":{"ignoreRequests":true}}]}"#
        let path = socketPath()
        _ = SimThread(scenario: try Scenario.parse(Data(json.utf8), source: "test"), path: path, start: Date())
        var central = BLECentralService.Configuration(subject: SubjectID("erin"))
        central.attTimeout = .milliseconds(300)
        let reasons = Locked<[String]>([])
        let (disconnected, signal) = AsyncStream<Void>.makeStream()
        let store = try VitalsStore(path: ":memory:", logger: quiet)
        let pipeline = HubPipeline(configuration: .init(central: central), radio: simRadio(path), catalogue: catalogue, store: store, logger: quiet, metrics: NOOPMetricsHandler.instance) { e in
            if case .deviceDisconnected(_, let reason) = e {
                reasons.withLock { $0.append(reason) }
                signal.yield()
            }
        }
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await pipeline.run(signals: []) }
            group.addTask {
                for await _ in disconnected { break }
                await pipeline.shutdown()
            }
            try await group.waitForAll()
        }
        #expect(reasons.withLock { $0.first }?.contains("no response to Exchange MTU Request within the ATT transaction timeout") == true)
    }
}

/// A value behind a lock that closures can share.
final class Locked<Value: Sendable>: Sendable {
    private let mutex: Mutex<Value>
    init(_ value: Value) { mutex = Mutex(value) }
    func withLock<R>(_ body: (inout Value) -> R) -> R { mutex.withLock { body(&$0) } }
}
