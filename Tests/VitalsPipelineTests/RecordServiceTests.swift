import Foundation
import Metrics
import Synchronization
import Testing
import VitalsTestSupport
import VitalsCore
@testable import VitalsPipeline
import VitalsStore

struct RecordServiceTests {
    static func reading(_ key: Int, observations: [Observation]) -> Reading {
        var r = Reading(
            subject: SubjectID("s"), device: DeviceIdentity(transport: .simUSB, address: "4F56000000000009", profileID: nil), kind: .glucose,
            observations: observations, effectiveTime: Date(timeIntervalSince1970: Double(1000 + key)), deviceTime: nil,
            receivedTime: Date(timeIntervalSince1970: Double(1000 + key)), sequence: UInt32(key), raw: RawFrame(source: "test", bytes: [UInt8(key)]))
        r.receiptIndex = UInt64(key)
        return r
    }

    /// A reading the store refuses (two values for the same code) does not take its batch or the stage
    /// down: the others are stored, the refused one is kept raw with the reason, and all are acknowledged.
    @Test func aRefusedReadingIsKeptRawAndTheRestStored() async throws {
        let store = try VitalsStore(path: ":memory:", logger: quiet)
        let input = BoundedChannel<IngestItem>(capacity: 8)
        let output = BoundedChannel<Reading>(capacity: 8)
        let events = BoundedChannel<PipelineEvent>(capacity: 64)
        let service = RecordService(store: store, input: input, output: output, events: events, logger: quiet, metrics: NOOPMetricsHandler.instance)
        let g = Observation(metric: .glucoseCapillaryWholeBlood, value: 100, unit: .milligramPerDecilitre, wire: WireValue(encoding: "sfloat", bits: 100, unit: "mg/dL"))
        let acks = Mutex(0)
        await input.send(.reading(Self.reading(1, observations: [g]), ack: { acks.withLock { $0 += 1 } }))
        await input.send(.reading(Self.reading(2, observations: [g, g]), ack: { acks.withLock { $0 += 1 } }))
        await input.send(.reading(Self.reading(3, observations: [g]), ack: { acks.withLock { $0 += 1 } }))
        input.finish()
        let drainEvents = Task { while await events.next() != nil {} }
        let running = Task { try await service.run() }
        // The stage ends its output once it has recorded all of its input (then waits for the group's shutdown).
        while await output.next() != nil {}
        running.cancel()
        try await running.value
        drainEvents.cancel()
        #expect(try await store.readings().compactMap(\.sequence).sorted() == [1, 3])
        let rejected = try await store.rejectedFrames()
        #expect(rejected.count == 1 && rejected[0].hex == "02" && rejected[0].error.contains("the store refused the reading"))
        #expect(acks.withLock { $0 } == 3)
    }
}
