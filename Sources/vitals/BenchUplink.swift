import ArgumentParser
import Foundation
import Logging
import NIOCore
import VitalsCore
import VitalsStore
import VitalsUplink

/// `vitals bench-uplink`: for `make bench-uplink` (scripts/bench-uplink.sh). Not a test: it prints figures and
/// asserts nothing. Fills a hub store with synthetic CGM readings (one observation each), replays the whole outbox
/// through the uplink's COPY path into `--url`, and writes the same rows as a COPY text file in the central table's
/// column order, for the script to load with `psql \copy` into a second, identical database.
struct BenchUplink: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-uplink", abstract: "Benchmark the PostgreSQL uplink's replay (synthetic CGM readings).", shouldDisplay: false)

    @Option(help: "Rows (observations) to generate and replay.") var rows = 1_000_000
    @Option(help: "Outbox entries per uplink batch.") var batchSize = 50_000
    @Option(help: "The server database the uplink replays into: postgres://USER@HOST:PORT/DB (password from $\(uplinkPasswordVariable)).") var url: String
    @Option(help: "A second, empty database on the same server to prepare (schema and partitions) for the raw \\copy.") var rawDatabase: String
    @Option(help: "Where to write the rows as COPY text for the raw \\copy.") var dump: String
    @Option(help: "The hub store to fill (default: a temporary file).") var db: String?

    func run() async throws {
        var logger = Logger(label: "bench-uplink")
        logger.logLevel = .warning
        let path = db ?? FileManager.default.temporaryDirectory.appendingPathComponent("bench-uplink-\(UUID().uuidString).sqlite").path
        defer { if db == nil { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } } }
        let store = try VitalsStore(path: path, logger: logger)
        let hub = try await store.hubID()

        // 1. The hub store: 100 CGM sensors, a reading every 5 minutes each, recorded in batches as the hub would.
        let sensors = 100
        let start = Date(timeIntervalSince1970: 1_767_225_600)  // 2026-01-01 00:00 UTC
        var t0 = ContinuousClock.now
        var batch: [Reading] = []
        batch.reserveCapacity(5000)
        for i in 0..<rows {
            let sensor = i % sensors, n = i / sensors
            let time = start.addingTimeInterval(Double(n) * 300)
            batch.append(Reading(
                subject: SubjectID("p\(sensor)"), device: DeviceIdentity(transport: .simBLE, address: String(format: "C0:FF:EE:01:%02X:%02X", sensor / 256, sensor % 256), profileID: "sim-cgm"),
                kind: .glucose,
                observations: [Observation(metric: .glucoseInterstitial, value: Double(70 + (n * 7 + sensor) % 150), unit: .milligramPerDecilitre,
                                           wire: WireValue(encoding: "sfloat", bits: 0, unit: "mg/dL"))],
                effectiveTime: time, deviceTime: nil, receivedTime: time, sequence: UInt32(n), grade: .medical, raw: RawFrame(source: "2AA7", bytes: [0x06])))
            if batch.count == 5000 || i == rows - 1 {
                _ = try await store.record(batch, durability: .normal)
                batch.removeAll(keepingCapacity: true)
            }
        }
        print(String(format: "hub store: %ld rows generated in %.1f s (not part of the figures)", rows, (ContinuousClock.now - t0).inSeconds))

        // 2. The raw database gets the same schema and partitions, so both loads write into identical tables.
        var config = try UplinkConfiguration.parse(url: url, hubID: hub)
        config.password = ProcessInfo.processInfo.environment[uplinkPasswordVariable]
        config.batchSize = batchSize
        var rawConfig = config
        rawConfig.database = rawDatabase
        t0 = ContinuousClock.now
        let all = try await store.outbox(after: 0, limit: rows)
        let read = (ContinuousClock.now - t0).inSeconds
        print(String(format: "outbox read alone (SQLite → rows, one pass): %.2f s = %.3f M rows/s", read, Double(all.rows.count) / read / 1e6))
        let months = Set(all.rows.map { CentralSchema.Month(milliseconds: $0.effectiveMs) })
        let raw = PostgresUplink(configuration: rawConfig, logger: logger)
        try await raw.prepare(months: months)
        await raw.disconnect()

        // 3. The dump for psql \copy (the same rows, the central table's columns).
        var buffer = ByteBuffer()
        buffer.reserveCapacity(all.rows.count * 120)
        for r in all.rows { CopyText.appendCentral(r, hubID: hub, to: &buffer) }
        _ = FileManager.default.createFile(atPath: dump, contents: Data(buffer.readableBytesView), attributes: [.posixPermissions: 0o644])

        // 4. The replay: outbox → uplink (SQLite read, COPY into staging, INSERT … ON CONFLICT, watermark, commit, hub ack).
        let service = UplinkService(store: store, configuration: config, logger: logger)
        t0 = ContinuousClock.now
        let pass = try await service.drain()
        let s = (ContinuousClock.now - t0).inSeconds
        await service.uplink.disconnect()
        print(String(format: "uplink replay: %ld rows (%ld inserted) in %ld batches, %.2f s = %.3f M rows/s", pass.rows, pass.inserted, pass.batches, s,
                     Double(pass.rows) / s / 1e6))
        print("UPLINK_ROWS_PER_S \(Int(Double(pass.rows) / s))")
    }
}
