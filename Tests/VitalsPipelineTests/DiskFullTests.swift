import Foundation
import Logging
import Metrics
import MetricsTestKit
import Synchronization
import Testing
import VitalsCore
@testable import VitalsPipeline
@testable import VitalsStore
import VitalsTestSupport

/// The store on a full disk (SQLite's page limit: SQLITE_FULL for real, without root or a small filesystem).
struct DiskFullTests {
    /// A meter record with sequence `n` and a raw frame big enough that storing it needs new pages.
    static func record(_ n: Int) -> Reading {
        var r = RecordServiceTests.reading(n, observations: [
            Observation(metric: .glucoseCapillaryWholeBlood, value: 100, unit: .milligramPerDecilitre, wire: WireValue(encoding: "sfloat", bits: 100, unit: "mg/dL")),
        ])
        r.raw = RawFrame(source: "test", bytes: (0..<6000).map { UInt8(truncatingIfNeeded: $0 &+ n) })
        return r
    }

    /// Polls `condition` every 20 ms for up to `seconds`.
    static func eventually(_ seconds: Double = 10, _ condition: () async throws -> Bool) async rethrows -> Bool {
        let end = Date().addingTimeInterval(seconds)
        while Date() < end {
            if try await condition() { return true }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return try await condition()
    }

    /// While the store cannot write, RecordService acknowledges nothing, says so at error level with the database
    /// path and "disk full" (and no patient values), counts it, and keeps running; once space is there again the
    /// readings it held are stored and acknowledged, each once, and the ones stored before are intact.
    @Test func aFullDiskAcknowledgesNothingAndTheHeldReadingsGoThroughOnceThereIsSpace() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("full-\(UUID().uuidString).sqlite").path
        let store = try VitalsStore(path: path, logger: quiet)
        let capture = CapturingLogHandlerStore()
        let logger = Logger(label: "hub", factory: { _ in CapturingLogHandler(store: capture) })
        let metrics = TestMetrics()
        let input = BoundedChannel<IngestItem>(capacity: 64)
        let output = BoundedChannel<Reading>(capacity: 64)
        let events = BoundedChannel<PipelineEvent>(capacity: 256)
        let service = RecordService(store: store, input: input, output: output, events: events, logger: logger, metrics: metrics)
        let acked = Mutex<[Int]>([])
        func send(_ n: Int) async {
            await input.send(.reading(Self.record(n), ack: { acked.withLock { $0.append(n) } }))
        }
        let drainEvents = Task { while await events.next() != nil {} }
        let drainOutput = Task { while await output.next() != nil {} }
        let running = Task { try await service.run() }

        for n in 1...5 { await send(n) }
        #expect(await Self.eventually { acked.withLock { $0.count } == 5 })

        // The disk fills: no write that needs space succeeds.
        try await store.capAtCurrentSize(true)
        for n in 6...25 { await send(n) }
        await input.send(.barrier(ack: { acked.withLock { $0.append(-1) } }))
        let failures = try metrics.expectCounter("vitals_store_write_failures_total", [("cause", "disk_full")])
        #expect(await Self.eventually { failures.totalValue >= 3 }, "the stage tries the write again")
        #expect(acked.withLock { $0 } == Array(1...5), "nothing acknowledged while it is not stored")
        #expect(try metrics.expectGauge("vitals_store_writable").lastValue == 0)
        #expect(try await storedSequences(store) == Array(1...5))
        let errors = capture.all().filter { $0.0 == .error }.map(\.1)
        #expect(errors.contains { $0.contains(path) && $0.contains("disk full") }, "\(errors)")
        #expect(errors.count == 1, "one error line for the outage, not one per attempt: \(errors)")
        for line in capture.all().map(\.1) { #expect(!line.contains("mg/dL") && !line.contains("100.0"), "a value in the log: \(line)") }
        #expect(!running.isCancelled)

        // Space is freed: the held readings are stored, then acknowledged, then the barrier.
        try await store.capAtCurrentSize(false)
        #expect(await Self.eventually { acked.withLock { $0.count } == 26 })
        #expect(acked.withLock { $0 } == Array(1...25) + [-1], "acknowledged in order, the barrier after everything before it")
        #expect(try await storedSequences(store) == Array(1...25), "each stored once, the earlier ones intact")
        #expect(try metrics.expectGauge("vitals_store_writable").lastValue == 1)
        #expect(capture.all().contains { $0.0 == .notice && $0.1.contains("writable again") })

        input.finish()
        running.cancel()
        _ = try? await running.value
        drainEvents.cancel()
        drainOutput.cancel()
    }

    /// Stopping while the disk is still full: the stage stops trying, ends, and acknowledges nothing it did not store.
    @Test func stoppingWhileFullAcknowledgesNothingHeld() async throws {
        let store = try VitalsStore(path: FileManager.default.temporaryDirectory.appendingPathComponent("full-\(UUID().uuidString).sqlite").path, logger: quiet)
        let metrics = TestMetrics()
        let input = BoundedChannel<IngestItem>(capacity: 64)
        let output = BoundedChannel<Reading>(capacity: 64)
        let events = BoundedChannel<PipelineEvent>(capacity: 256)
        let service = RecordService(store: store, input: input, output: output, events: events, logger: quiet, metrics: metrics)
        let acked = Mutex<[Int]>([])
        let drainEvents = Task { while await events.next() != nil {} }
        let drainOutput = Task { while await output.next() != nil {} }
        let running = Task { try await service.run() }
        await input.send(.reading(Self.record(1), ack: { acked.withLock { $0.append(1) } }))
        #expect(await Self.eventually { acked.withLock { $0.count } == 1 })
        try await store.capAtCurrentSize(true)
        for n in 2...9 { await input.send(.reading(Self.record(n), ack: { acked.withLock { $0.append(n) } })) }
        let failures = try metrics.expectCounter("vitals_store_write_failures_total", [("cause", "disk_full")])
        #expect(await Self.eventually { failures.totalValue >= 1 })
        input.finish()
        running.cancel()
        let done = Mutex(false)
        Task {
            _ = try? await running.value
            done.withLock { $0 = true }
        }
        #expect(await Self.eventually(5) { done.withLock { $0 } }, "the stage ends")
        #expect(acked.withLock { $0 } == [1])
        try await store.capAtCurrentSize(false)
        #expect(try await storedSequences(store) == [1])
        drainEvents.cancel()
        drainOutput.cancel()
    }

    /// A constraint the data breaks is not a full disk: that reading alone is kept raw and acknowledged, and
    /// the stage does not wait.
    @Test func aRefusalIsNotAnOutage() async throws {
        let store = try VitalsStore(path: ":memory:", logger: quiet)
        let metrics = TestMetrics()
        let input = BoundedChannel<IngestItem>(capacity: 8)
        let output = BoundedChannel<Reading>(capacity: 8)
        let events = BoundedChannel<PipelineEvent>(capacity: 64)
        let service = RecordService(store: store, input: input, output: output, events: events, logger: quiet, metrics: metrics)
        let g = Observation(metric: .glucoseCapillaryWholeBlood, value: 100, unit: .milligramPerDecilitre, wire: WireValue(encoding: "sfloat", bits: 100, unit: "mg/dL"))
        await input.send(.reading(RecordServiceTests.reading(1, observations: [g, g]), ack: nil))
        input.finish()
        let drainEvents = Task { while await events.next() != nil {} }
        let running = Task { try await service.run() }
        while await output.next() != nil {}
        running.cancel()
        _ = try? await running.value
        drainEvents.cancel()
        #expect(try await store.rejectedFrames().count == 1)
        #expect(try metrics.expectCounter("vitals_store_write_failures_total", [("cause", "disk_full")]).totalValue == 0)
    }
}

/// The sequences stored, in order.
func storedSequences(_ store: VitalsStore) async throws -> [Int] {
    try await store.readings().compactMap(\.sequence).map { Int($0) }.sorted()
}
