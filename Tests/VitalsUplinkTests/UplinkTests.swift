import Foundation
import Logging
import NIOCore
import PostgresNIO
import Testing
import VitalsCore
import VitalsStore
import VitalsTestSupport
@testable import VitalsUplink

/// The same observation twice on the server, counted by its natural key.
let duplicatesSQL = """
    SELECT count(*) FROM (SELECT 1 FROM vitals_measurements GROUP BY hub_id, device_id, natural_key, metric HAVING count(*) > 1) d
    """

/// 2026-01-31 12:00 UTC: 24 hours from here cross into February, so two monthly partitions are needed.
let outageStart = Date(timeIntervalSince1970: 1_769_860_800)

/// Against a real PostgreSQL 15 (scripts/uplink-check.sh). Serialized: the outage test stops the server.
@Suite(.serialized, .enabled(if: PostgresTestServer.runs, "needs VITALS_TEST_POSTGRES_URL (scripts/uplink-check.sh); always runs in CI"))
struct UplinkPostgresTests {
    /// (a) The same batch twice, and the whole outbox again from the start, store each observation once.
    @Test func idempotentReplay() async throws {
        let pg = try PostgresTestServer.fromEnvironment()
        let db = try await pg.freshDatabase()
        let store = try VitalsStore(path: tempStorePath(), logger: quiet)
        let hub = try await store.hubID()
        var readings = (0..<30).map { cgm(subject: "ann", sensor: 1, minute: $0 * 5, start: outageStart) }
        readings.append(cuff(subject: "ann", cuffNumber: 1, at: outageStart))
        _ = try await store.record(readings)
        let config = try pg.configuration(database: db, hubID: hub)
        let service = UplinkService(store: store, configuration: config, logger: quiet)

        let first = try await service.drain()
        #expect(first.rows == 34 && first.inserted == 34)
        let batch = try await store.outbox(after: 0, limit: 1000)
        let again = try await service.uplink.send(rows: batch.rows, lastSeq: batch.lastSeq!)
        #expect(again == SentBatch(rows: 34, inserted: 0))

        // The hub forgets what was acknowledged (a restored database, a new server name): everything is sent again.
        try await store.unsafeExecute("DELETE FROM uplink_acks")
        let replay = try await service.drain()
        #expect(replay.rows == 34 && replay.inserted == 0)
        #expect(try await pg.scalar("SELECT count(*) FROM vitals_measurements", database: db) == 34)
        #expect(try await pg.scalar(duplicatesSQL, database: db) == 0)
        #expect(try await pg.scalar("SELECT last_seq FROM vitals_hub_watermarks", database: db) == Int64(batch.lastSeq!))

        // A hub restored from an older backup: the server's watermark is behind rows it already has, so the batch
        // looks new. The direct COPY meets their keys and is rolled back; the batch goes through staging instead.
        #expect(try await pg.scalar("WITH u AS (UPDATE vitals_hub_watermarks SET last_seq = 0 RETURNING 1) SELECT count(*)::bigint FROM u", database: db) == 1)
        try await store.unsafeExecute("DELETE FROM uplink_acks")
        let restored = try await service.drain()
        #expect(restored.rows == 34 && restored.inserted == 0)
        #expect(try await pg.scalar("SELECT count(*) FROM vitals_measurements", database: db) == 34)
        #expect(try await pg.scalar("SELECT last_seq FROM vitals_hub_watermarks", database: db) == Int64(batch.lastSeq!))
        // The values arrive as stored: the cuff's systolic and its time to the millisecond.
        #expect(try await pg.scalar("SELECT value::bigint FROM vitals_measurements WHERE metric = 'bp.systolic'", database: db) == 120)
        #expect(try await pg.scalar("SELECT (extract(epoch FROM effective_at) * 1000)::bigint FROM vitals_measurements WHERE metric = 'bp.systolic'", database: db)
            == Int64(outageStart.timeIntervalSince1970 * 1000))
        await service.uplink.disconnect()
    }

    /// (b) Two hubs with the same devices and natural keys, draining at once into an empty server: each hub's rows
    /// are kept apart by its hub id, and the schema and partitions are created once.
    @Test func twoHubsToOneServer() async throws {
        let pg = try PostgresTestServer.fromEnvironment()
        let db = try await pg.freshDatabase()
        var services: [UplinkService] = []
        var hubs: [String] = []
        for _ in 0..<2 {
            let store = try VitalsStore(path: tempStorePath(), logger: quiet)
            _ = try await store.record((0..<288).map { cgm(subject: "bob", sensor: 2, minute: $0 * 5, start: outageStart) })
            let hub = try await store.hubID()
            hubs.append(hub)
            services.append(UplinkService(store: store, configuration: try pg.configuration(database: db, hubID: hub), logger: quiet))
        }
        #expect(hubs[0] != hubs[1])
        try await withThrowingTaskGroup(of: UplinkPass.self) { group in
            for s in services { group.addTask { try await s.drain() } }
            for try await pass in group { #expect(pass.inserted == 288) }
        }
        #expect(try await pg.scalar("SELECT count(*) FROM vitals_measurements", database: db) == 576)
        #expect(try await pg.scalar("SELECT count(DISTINCT hub_id) FROM vitals_measurements", database: db) == 2)
        #expect(try await pg.scalar("SELECT count(*) FROM vitals_hub_watermarks WHERE last_seq = 288", database: db) == 2)
        #expect(try await pg.scalar(duplicatesSQL, database: db) == 0)
        #expect(try await pg.scalar("SELECT count(*) FROM vitals_schema_migrations", database: db) == 1)
        for s in services { await s.uplink.disconnect() }
    }

    /// (c) The outage: the server is stopped while 24 h of readings arrive (CGM every 5 min for four people, and
    /// their cuff readings); the uplink keeps retrying; the server comes back and the backlog drains: as many rows
    /// on the server as observations on the hub, none twice, and the watermark at the hub's last outbox entry.
    @Test func outageBacklogDrainsWithNothingLostOrDoubled() async throws {
        let pg = try PostgresTestServer.fromEnvironment()
        let db = try await pg.freshDatabase()
        let store = try VitalsStore(path: tempStorePath(), logger: quiet)
        let hub = try await store.hubID()
        let service = UplinkService(store: store, configuration: try pg.configuration(database: db, hubID: hub), logger: quiet)
        let target = try pg.configuration(database: db, hubID: hub).target
        let running = Task { try await service.run() }
        var serverDown = false
        defer {
            running.cancel()
            if serverDown { try? pg.control("start") }
        }

        // Up: the first hour is sent as it arrives.
        let subjects = ["ann", "bob", "cem", "dia"]
        func hour(_ h: Int) -> [Reading] {
            var out: [Reading] = []
            for (i, s) in subjects.enumerated() {
                out += (0..<12).map { cgm(subject: s, sensor: i + 1, minute: h * 60 + $0 * 5, start: outageStart) }
                if h % 6 == 0 { out.append(cuff(subject: s, cuffNumber: i + 1, at: outageStart.addingTimeInterval(Double(h) * 3600 + 90))) }
            }
            return out
        }
        _ = try await store.record(hour(0))
        #expect(try await eventually(30) { try await store.uplinkAcknowledged(target: target) == Int64(try await store.counts()["outbox"]!) })

        // Down: 23 more hours arrive, in hourly batches, while the uplink retries.
        try pg.control("stop")
        serverDown = true
        for h in 1..<24 {
            _ = try await store.record(hour(h))
            try await Task.sleep(for: .milliseconds(20))
        }
        let outbox = Int64(try await store.counts()["outbox"]!)
        let observations = Int64(try await store.unsafeQueryInts("SELECT count(*) FROM observations")[0])
        #expect(outbox == 24 * 48 + 4 * 4)
        #expect(try await store.uplinkAcknowledged(target: target) < outbox, "nothing can be acknowledged while the server is down")

        // Up again: the backlog drains.
        try pg.control("start")
        serverDown = false
        #expect(try await eventually(60) { try await store.uplinkAcknowledged(target: target) == outbox })
        #expect(try await pg.scalar("SELECT count(*) FROM vitals_measurements", database: db) == observations)
        #expect(try await pg.scalar(duplicatesSQL, database: db) == 0)
        #expect(try await pg.scalar("SELECT last_seq FROM vitals_hub_watermarks WHERE hub_id = '\(hub)'", database: db) == outbox)
        #expect(try await pg.scalar("SELECT count(*) FROM pg_inherits WHERE inhparent = 'vitals_measurements'::regclass", database: db) == 2)
        #expect(try await pg.scalar("SELECT count(*) FROM vitals_measurements_y2026m02", database: db) > 0)
        running.cancel()
        _ = try? await running.value
    }

    /// (d) The connection is killed between COPY and COMMIT: the server keeps nothing of the batch and the hub
    /// acknowledges nothing; the retry stores everything once. A crash after the server's COMMIT but before the
    /// hub's acknowledgement is replayed and absorbed.
    @Test func crashBetweenCopyAndCommitLosesAndDoublesNothing() async throws {
        let pg = try PostgresTestServer.fromEnvironment()
        let db = try await pg.freshDatabase()
        let store = try VitalsStore(path: tempStorePath(), logger: quiet)
        let hub = try await store.hubID()
        _ = try await store.record((0..<200).map { cgm(subject: "eve", sensor: 5, minute: $0 * 5, start: outageStart) })
        let config = try pg.configuration(database: db, hubID: hub)

        final class Once: @unchecked Sendable {
            private let lock = NSLock()
            private var fired = false
            func first() -> Bool { lock.withLock { defer { fired = true }; return !fired } }
        }
        let killOnce = Once()
        let killing = UplinkService(store: store, configuration: config, faults: UplinkFaults(afterCopy: { pid in
            if killOnce.first() { try await pg.terminate(backend: pid) }
        }), logger: quiet)
        await #expect(throws: (any Error).self) { try await killing.drain() }
        #expect(try await pg.scalar("SELECT count(*) FROM vitals_measurements", database: db) == 0)
        #expect(try await store.uplinkAcknowledged(target: config.target) == 0)
        let retried = try await killing.drain()
        #expect(retried.inserted == 200)

        // Committed on the server, then the hub dies before it records the acknowledgement.
        _ = try await store.record((200..<300).map { cgm(subject: "eve", sensor: 5, minute: $0 * 5, start: outageStart) })
        let crashOnce = Once()
        struct HubCrashed: Error {}
        let crashing = UplinkService(store: store, configuration: config, faults: UplinkFaults(afterCommit: {
            if crashOnce.first() { throw HubCrashed() }
        }), logger: quiet)
        await #expect(throws: HubCrashed.self) { try await crashing.drain() }
        #expect(try await store.uplinkAcknowledged(target: config.target) == 200)
        let replay = try await crashing.drain()
        #expect(replay.rows == 100 && replay.inserted == 0)
        #expect(try await store.uplinkAcknowledged(target: config.target) == 300)
        #expect(try await pg.scalar("SELECT count(*) FROM vitals_measurements", database: db) == 300)
        #expect(try await pg.scalar(duplicatesSQL, database: db) == 0)
        await killing.uplink.disconnect()
        await crashing.uplink.disconnect()
    }
}

/// No server needed.
struct UplinkUnitTests {
    @Test func urlParsingRefusesPasswords() throws {
        let c = try UplinkConfiguration.parse(url: "postgres://vitals@db.example:6543/fleet", hubID: "h")
        #expect(c.host == "db.example" && c.port == 6543 && c.user == "vitals" && c.database == "fleet")
        #expect(c.target == "postgres://vitals@db.example:6543/fleet")
        #expect(throws: UplinkConfiguration.ParseError.passwordInURL) { try UplinkConfiguration.parse(url: "postgres://vitals:secret@h/db", hubID: "h") }
        #expect(throws: UplinkConfiguration.ParseError.missing("database")) { try UplinkConfiguration.parse(url: "postgres://vitals@h", hubID: "h") }
        #expect(throws: UplinkConfiguration.ParseError.missing("user")) { try UplinkConfiguration.parse(url: "postgres://h/db", hubID: "h") }
        var withPassword = c
        withPassword.password = "secret"
        #expect(!withPassword.description.contains("secret"))
    }

    @Test func passwordFileMustBePrivate() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("pw-\(UUID().uuidString)").path
        _ = FileManager.default.createFile(atPath: path, contents: Data("s3cret\n".utf8), attributes: [.posixPermissions: 0o644])
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(throws: UplinkConfiguration.ParseError.self) { try UplinkConfiguration.readPasswordFile(path) }
        chmod(path, 0o600)
        #expect(try UplinkConfiguration.readPasswordFile(path) == "s3cret")
    }

    @Test func monthsAndCopyText() throws {
        #expect(CentralSchema.Month(milliseconds: Int64(outageStart.timeIntervalSince1970 * 1000)).partitionName == "vitals_measurements_y2026m01")
        #expect(CentralSchema.Month(milliseconds: Int64(outageStart.timeIntervalSince1970 * 1000) + 12 * 3_600_000).partitionName == "vitals_measurements_y2026m02")
        #expect(CentralSchema.Month(milliseconds: -1).partitionName == "vitals_measurements_y1969m12")
        #expect(CentralSchema.Month(year: 2024, month: 12).next == CentralSchema.Month(year: 2025, month: 1))
        var b = ByteBuffer()
        let r = UplinkRow(seq: 7, deviceID: "sim-ble:A", naturalKey: "dt:2026\tx\\y\n", metric: "bp.systolic", kind: "blood-pressure", subjectID: "s",
                          mdc: 150_021, loinc: nil, value: 120.5, state: "number", unit: "mm[Hg]", effectiveMs: 1_769_860_800_123, receivedMs: -1,
                          grade: "medical", flags: "")
        CopyText.appendStaging(r, to: &b)
        #expect(String(buffer: b) == "7\tsim-ble:A\tdt:2026\\tx\\\\y\\n\tbp.systolic\tblood-pressure\ts\t150021\t\\N\t120.5\tnumber\tmm[Hg]\t1769860800123\t-1\tmedical\t\n")
        b.clear()
        CopyText.appendCentral(r, hubID: "hub-1", to: &b)
        #expect(String(buffer: b).contains("\t2026-01-31 12:00:00.123+00\t1969-12-31 23:59:59.999+00\t"))
        // Integers are written digit by digit: the ends of the range and zero as Swift prints them.
        for v in [0, 9, 10, -1, Int64.max, Int64.min, 1_769_860_800_123] as [Int64] {
            b.clear()
            CopyText.int(v, &b)
            #expect(String(buffer: b) == String(v))
        }
    }

    @Test func outboxBatchesSkipAlertsAndWaveformsButAcknowledgeThem() async throws {
        let store = try VitalsStore(path: tempStorePath(), logger: quiet)
        _ = try await store.record([cuff(subject: "ann", cuffNumber: 1, at: outageStart)])
        try await store.unsafeExecute("INSERT INTO outbox (kind, ref, created_at) VALUES ('alert', 'a1', 0)")
        _ = try await store.record([cgm(subject: "ann", sensor: 1, minute: 0, start: outageStart)])
        let b = try await store.outbox(after: 0, limit: 10)
        #expect(b.entries == 3 && b.skipped == 1 && b.lastSeq == 3 && b.rows.count == 5)
        #expect(b.rows.map(\.metric) == ["bp.systolic", "bp.diastolic", "bp.mean", "bp.pulse", "glucose.interstitial"])
        let limited = try await store.outbox(after: 1, limit: 1)
        #expect(limited.entries == 1 && limited.rows.isEmpty && limited.lastSeq == 2)
        try await store.acknowledgeUplink(target: "t", through: 3, rows: 5, at: Date())
        try await store.acknowledgeUplink(target: "t", through: 2, rows: 0, at: Date())
        #expect(try await store.uplinkAcknowledged(target: "t") == 3)
        #expect(try await store.outboxPending(after: 3) == 0)
        #expect(try await store.hubID().hasPrefix("hub-"))
    }
}
