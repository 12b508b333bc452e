import FirmwareSimKit
import Foundation
import Logging
import Metrics
import MetricsTestKit
import Synchronization
import Testing
import VitalsTestSupport
import VitalsCore
@testable import VitalsPipeline
import VitalsProfiles
import VitalsStore

/// A log handler that keeps every entry, to check what reaches the logs.
final class CapturingLogHandlerStore: Sendable {
    let entries = Mutex<[(Logger.Level, String)]>([])
    func all() -> [(Logger.Level, String)] { entries.withLock { $0 } }
}

struct CapturingLogHandler: LogHandler {
    let store: CapturingLogHandlerStore
    var logLevel: Logger.Level = .info
    var metadata: Logger.Metadata = [:]
    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }
    func log(event: LogEvent) {
        let all = self.metadata.merging(event.metadata ?? [:]) { $1 }
        store.entries.withLock { $0.append((event.level, "\(event.message) \(all)")) }
    }
}

struct ShutdownAndPrivacyTests {
    let catalogue: ProfileCatalogue
    init() throws { catalogue = try ProfileCatalogue.load(directory: repoRoot.appendingPathComponent("device-profiles")) }

    static func meterScenario(records n: Int) throws -> Scenario {
        let records = (1...n).map { #"{ "mgdl": \#(80 + $0 % 100), "minutesAgo": \#(Double(n - $0) * 5) }"# }.joined(separator: ",")
        let json = #"{ "name": "big-meter", "devices": [ { "type": "glucose-meter", "name": "OV-SIM-GLU-9", "address": "C0:FF:EE:00:02:09", "records": [\#(records)] } ] }"#
        return try Scenario.parse(Data(json.utf8), source: "test")
    }

    /// A shutdown in the middle of a transfer loses nothing received; the next connection fetches the rest,
    /// and every record ends up stored exactly once.
    @Test func shutdownMidTransferLosesNothingAndTheNextSyncResumes() async throws {
        let db = FileManager.default.temporaryDirectory.appendingPathComponent("shutdown-\(UUID().uuidString).sqlite").path
        let start = Date(timeIntervalSince1970: 1_795_000_000)
        let scenario = try Self.meterScenario(records: 300)

        let metrics = TestMetrics()
        let socket1 = FileManager.default.temporaryDirectory.appendingPathComponent("sd-\(UUID().uuidString.prefix(8)).sock").path
        let sim1 = SimThread(scenario: scenario, path: socket1, start: start)
        let store = try VitalsStore(path: db, logger: quiet)
        let (stored, signal) = AsyncStream<Void>.makeStream()
        let pipeline = HubPipeline(
            configuration: .init(central: .init(subject: SubjectID("bob"), exitWhenScenarioEnds: true), channelCapacity: 4), radio: simRadio(socket1),
            catalogue: catalogue, store: store, logger: quiet, metrics: metrics
        ) { e in
            if case .stored = e { signal.yield() }
        }
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await pipeline.run(signals: []) }
            group.addTask {
                // Shut down as soon as the first record is stored: the meter is in the middle of its 300.
                for await _ in stored { break }
                await pipeline.shutdown()
            }
            try await group.waitForAll()
        }
        _ = sim1.waitFinished()
        let received = metrics.counterTotal(label: "vitals_frames_received_total")
        let storedFirst = try await store.readings().count
        #expect(received > 0)
        #expect(Int64(storedFirst) == received, "every record the hub received before shutting down is stored")

        // Reconnect: the hub asks for records after the last stored one and the meter sends the rest.
        let socket2 = FileManager.default.temporaryDirectory.appendingPathComponent("sd-\(UUID().uuidString.prefix(8)).sock").path
        let sim2 = SimThread(scenario: scenario, path: socket2, start: start)
        let second = HubPipeline(
            configuration: .init(central: .init(subject: SubjectID("bob"), exitWhenScenarioEnds: true)), radio: simRadio(socket2),
            catalogue: catalogue, store: store, logger: quiet, metrics: NOOPMetricsHandler.instance
        ) { _ in }
        try await second.run(signals: [])
        #expect(sim2.waitFinished()?.finished == true)
        let all = try await store.readings()
        #expect(all.count == 300)
        #expect(all.compactMap(\.sequence).sorted() == Array(1...300))
        #expect(second.totals.value.duplicates == 0, "the meter was asked only for what was missing")
    }

    /// Patient values never reach the logs at info level or above.
    @Test func noPatientValuesInInfoLogs() async throws {
        let capture = CapturingLogHandlerStore()
        let logger = Logger(label: "hub", factory: { _ in CapturingLogHandler(store: capture) })
        let socket = FileManager.default.temporaryDirectory.appendingPathComponent("log-\(UUID().uuidString.prefix(8)).sock").path
        let sim = SimThread(scenario: try Scenario.load("demo"), path: socket, start: Date())
        let store = try VitalsStore(path: ":memory:", logger: logger)
        let pipeline = HubPipeline(
            configuration: .init(central: .init(subject: SubjectID("carol"), exitWhenScenarioEnds: true)), radio: simRadio(socket),
            catalogue: catalogue, store: store, logger: logger, metrics: NOOPMetricsHandler.instance
        ) { _ in }
        try await pipeline.run(signals: [])
        _ = sim.waitFinished()
        #expect(pipeline.totals.value.stored == 7)
        let lines = capture.all().filter { $0.0 >= .info }.map(\.1)
        #expect(!lines.isEmpty, "the hub does log at info")
        for line in lines {
            for value in ["186", "124", "mmHg", "mm[Hg]", "mg/dL", "carol"] {
                #expect(!line.contains(value), "info log leaks '\(value)': \(line)")
            }
        }
    }
}
