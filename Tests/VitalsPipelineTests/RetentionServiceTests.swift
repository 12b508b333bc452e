import Foundation
import Testing
import VitalsCore
import VitalsPipeline
import VitalsStore
import VitalsTestSupport

/// `retention.days` in the running hub: the service deletes what is old and sent, at start and every period.
struct RetentionServiceTests {
    @Test func deletesOldSentReadingsAtStartAndKeepsTheRest() async throws {
        let store = try memoryStore()
        var old = glucose(100)
        old.receivedTime = Date(timeIntervalSince1970: 1_000)
        var recent = glucose(110)
        recent.sequence = 4
        recent.effectiveTime = Date(timeIntervalSince1970: 100 * 86_400)
        recent.receivedTime = recent.effectiveTime
        _ = try await store.record([old, recent])
        let now = Date(timeIntervalSince1970: 100 * 86_400 + 60)
        let service = RetentionService(store: store, policy: .init(days: 30, every: .milliseconds(20)), logger: quiet, now: { now })

        // Nothing has been acknowledged by an uplink: kept.
        let first = try await service.applyOnce()
        #expect(first.readings == 0 && first.noUplink && first.keptUnsent == 1)

        try await store.acknowledgeUplink(target: "postgres://u@h:5432/d", through: 100, rows: 2, at: now)
        let run = Task { try await service.run() }
        for _ in 0..<100 where try await store.readings().count > 1 { try await Task.sleep(for: .milliseconds(20)) }
        run.cancel()
        try await run.value  // cancelled while it waits: it ends without an error (a shutting-down hub exits 0)
        #expect(try await store.readings().map(\.sequence) == [4])
        #expect(try await store.erasures().map(\.by) == ["hub retention"])
    }
}
