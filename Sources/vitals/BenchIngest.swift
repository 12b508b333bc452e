import ArgumentParser
import CSQLite
import Foundation
import Logging
import Metrics
import VitalsCore
import VitalsPipeline
import VitalsProfiles
import VitalsStore
import VitalsValidation

/// `vitals bench-ingest`: end-to-end ingest throughput for `make bench` (scripts/bench.sh, section "ingest"), beside
/// raw SQLite prepared statements inserting the same rows into the same schema in the same run. Not a test: it prints
/// figures and checks only that both databases hold the same rows.
struct BenchIngest: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-ingest", abstract: "Benchmark ingest (validation and the store) against raw SQLite inserts of the same rows.",
        shouldDisplay: false)

    @OptionGroup var profileOptions: ProfileOptions
    @Option(help: "Simulated blood-pressure cuffs.") var devices = 100
    @Option(help: "Readings per device (four observations each: systolic, diastolic, mean, pulse).") var readings = 2000
    @Option(help: "Readings per transaction on the raw path (the hub's RecordService takes up to 256 waiting items).") var batch = 256
    @Flag(help: "Only the synchronous=NORMAL comparison (for profiling the insert path).") var normalOnly = false

    func run() async throws {
        let catalogue = try ProfileCatalogue.load(directory: try profileOptions.directory())
        let validator = ReadingValidator(catalogue: catalogue)
        let base = Date().addingTimeInterval(-Double(readings) * 60)
        var decoded: [Reading] = []
        decoded.reserveCapacity(devices * readings)
        for i in 0..<readings {
            for d in 0..<devices { decoded.append(Self.reading(device: d, index: i, base: base)) }
        }
        let observations = decoded.reduce(0) { $0 + $1.observations.count }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vitals-bench-ingest-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let logger = Logger(label: "bench", factory: { _ in SwiftLogNoOpLogHandler() })
        print("ingest: \(decoded.count) decoded blood-pressure readings from \(devices) cuffs, \(observations) observations, synchronous=FULL on both paths")

        let validatedRows = decoded.map { validator.validate($0) }
        let clock = ContinuousClock()
        if !normalOnly {
        // 1. Raw SQLite: the same schema (made by the store's migrations), the rows validation gives, prepared
        // statements bound and stepped, one transaction per `batch` readings.
        let rawPath = dir.appendingPathComponent("raw.sqlite").path
        _ = try VitalsStore(path: rawPath, logger: logger)
        let raw = try RawInserter(path: rawPath)
        let rawTime = try clock.measure {
            for start in stride(from: 0, to: validatedRows.count, by: batch) {
                try raw.insert(validatedRows[start..<min(start + batch, validatedRows.count)])
            }
        }
        raw.close()

        // 2. The hub's path: decoded readings → ValidationService (subject filing, grade, flags) → RecordService (group
        // commit of what is waiting, at synchronous=FULL, then the acknowledgements) → stored, with the hub's channels.
        let hubPath = dir.appendingPathComponent("hub.sqlite").path
        let store = try VitalsStore(path: hubPath, logger: logger)
        let capacity = HubPipeline.Configuration.defaultChannelCapacity
        let input = BoundedChannel<IngestItem>(capacity: capacity)
        let validated = BoundedChannel<IngestItem>(capacity: capacity)
        let stored = BoundedChannel<Reading>(capacity: capacity)
        let events = BoundedChannel<PipelineEvent>(capacity: capacity)
        let validation = ValidationService(validator: validator, subjects: SubjectAssignment(defaultSubject: SubjectID("default")), input: input, output: validated)
        let record = RecordService(store: store, input: validated, output: stored, events: events, logger: logger, metrics: NOOPMetricsHandler.instance)
        let eventSink = Task { while await events.next() != nil {} }
        let t0 = clock.now
        let stages = [Task { await validation.run() }, Task { try await record.run() }]
        let producer = Task {
            for r in decoded { await input.send(.reading(r, ack: nil)) }
            input.finish()
        }
        var got = 0
        while got < decoded.count, await stored.next() != nil { got += 1 }
        let hubTime = clock.now - t0
        await producer.value
        // Outside a service group the stages wait for a shutdown that never comes: cancel them once drained.
        for s in stages { s.cancel() }
        eventSink.cancel()

        let hubCounts = try Self.counts(hubPath)
        let rawCounts = try Self.counts(rawPath)
        let hubRate = Double(observations) / hubTime.inSeconds
        let rawRate = Double(observations) / rawTime.inSeconds
        print(String(format: "ingest: raw SQLite prepared statements, %d readings per transaction: %.2f s, %.3f M obs/s, %.0f readings/s",
                     batch, rawTime.inSeconds, rawRate / 1e6, Double(decoded.count) / rawTime.inSeconds))
        print(String(format: "ingest: hub path (validation, RecordService, VitalsStore.record):  %.2f s, %.3f M obs/s, %.0f readings/s = %.2f of raw (goal 0.8 M obs/s)",
                     hubTime.inSeconds, hubRate / 1e6, Double(decoded.count) / hubTime.inSeconds, hubRate / rawRate))
        print("ingest: rows (readings, observations, raw frames, outbox): hub \(hubCounts), raw \(rawCounts)\(hubCounts == rawCounts ? ", the same" : " DIFFER")")
        if hubCounts != rawCounts { throw ExitCode.failure }
        }

        // 3. Without the disk: both at synchronous=NORMAL (the WAL synced only at checkpoints), the same rows in the
        // same batches, the store's insert path (`VitalsStore.record`) beside the raw statements. This is the CPU
        // cost of each path, which the figures above hide behind the syncs.
        // Two rounds, alternating, each into a fresh database; the best of each path is printed (the order and the
        // machine's state move single runs a lot).
        var rawNormalTime = Duration.seconds(1e9), storeNormalTime = Duration.seconds(1e9)
        for round in 0..<2 {
            let rawNormalPath = dir.appendingPathComponent("raw-normal-\(round).sqlite").path
            _ = try VitalsStore(path: rawNormalPath, logger: logger)
            let rawNormal = try RawInserter(path: rawNormalPath, synchronous: "NORMAL")
            let storeNormal = try VitalsStore(path: dir.appendingPathComponent("store-normal-\(round).sqlite").path, logger: logger)
            let storeFirst = round == 0
            if storeFirst {
                let t1 = clock.now
                for start in stride(from: 0, to: validatedRows.count, by: batch) {
                    _ = try await storeNormal.record(Array(validatedRows[start..<min(start + batch, validatedRows.count)]), durability: .normal)
                }
                storeNormalTime = min(storeNormalTime, clock.now - t1)
            }
            rawNormalTime = min(rawNormalTime, try clock.measure {
                for start in stride(from: 0, to: validatedRows.count, by: batch) {
                    try rawNormal.insert(validatedRows[start..<min(start + batch, validatedRows.count)])
                }
            })
            rawNormal.close()
            if !storeFirst {
                let t1 = clock.now
                for start in stride(from: 0, to: validatedRows.count, by: batch) {
                    _ = try await storeNormal.record(Array(validatedRows[start..<min(start + batch, validatedRows.count)]), durability: .normal)
                }
                storeNormalTime = min(storeNormalTime, clock.now - t1)
            }
        }
        let rawNormalRate = Double(observations) / rawNormalTime.inSeconds
        let storeNormalRate = Double(observations) / storeNormalTime.inSeconds
        print(String(format: "ingest, synchronous=NORMAL (no sync per commit; not how the hub stores readings), best of 2 alternating: raw %.3f M obs/s, VitalsStore.record %.3f M obs/s = %.2f of raw",
                     rawNormalRate / 1e6, storeNormalRate / 1e6, storeNormalRate / rawNormalRate))

        // 4. This machine's SQLite ceiling: only the observations' numbers, into one narrow table with no index, key,
        // constraint or other row per reading, in the same batches, at synchronous=NORMAL. Not a store anyone would
        // keep (no reading, device, raw frame or outbox), but no schema that keeps them inserts faster than this.
        let floorPath = dir.appendingPathComponent("narrow.sqlite").path
        let narrow = try NarrowInserter(path: floorPath)
        let narrowTime = try clock.measure {
            for start in stride(from: 0, to: validatedRows.count, by: batch) {
                try narrow.insert(validatedRows[start..<min(start + batch, validatedRows.count)], firstID: Int64(start))
            }
        }
        narrow.close()
        print(String(format: "ingest, this machine's SQLite ceiling (observations alone, one narrow table, no index, NORMAL): %.3f M obs/s",
                     Double(observations) / narrowTime.inSeconds / 1e6))
    }


    static func reading(device d: Int, index i: Int, base: Date) -> Reading {
        let sys = Double(110 + (i * 7 + d) % 40), dia = Double(70 + (i * 3) % 15), pulse = Double(60 + i % 20)
        let t = base.addingTimeInterval(Double(i) * 60)
        func sf(_ v: Double) -> WireValue { WireValue(encoding: "sfloat", bits: UInt64(UInt16(v)), unit: "mmHg") }
        return Reading(
            subject: SubjectID("default"),
            device: DeviceIdentity(transport: .simBLE, address: String(format: "C0:FF:EE:30:%02X:%02X", d / 256, d % 256), profileID: "sim-bp-cuff",
                                   manufacturer: "OpenVitals", model: "Simulated cuff"),
            kind: .bloodPressure,
            observations: [
                Observation(metric: .systolic, value: sys, unit: .millimetreOfMercury, wire: sf(sys)),
                Observation(metric: .diastolic, value: dia, unit: .millimetreOfMercury, wire: sf(dia)),
                Observation(metric: .meanArterialPressure, value: ((dia + (sys - dia) / 3) * 10).rounded() / 10, unit: .millimetreOfMercury, wire: sf(dia)),
                Observation(metric: .pulseRateNonInvasive, value: pulse, unit: .perMinute, wire: WireValue(encoding: "sfloat", bits: UInt64(UInt16(pulse)), unit: "/min")),
            ],
            effectiveTime: t, deviceTime: nil, receivedTime: t, sequence: UInt32(i), grade: .unverified,
            raw: RawFrame(source: "2A35", bytes: [0x1E, UInt8(sys), 0, UInt8(dia), 0, UInt8(dia), 0, UInt8(pulse), 0]))
    }

    static func counts(_ path: String) throws -> [Int] {
        var db: OpaquePointer?
        guard sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, nil) == SQLITE_OK, let db else { throw ValidationError("cannot open \(path)") }
        defer { sqlite3_close_v2(db) }
        return try ["readings", "observations", "raw_frames", "outbox"].map { table in
            var stmt: OpaquePointer?
            guard sqlite3_prepare_v2(db, "SELECT count(*) FROM \(table)", -1, &stmt, nil) == SQLITE_OK, let stmt else { throw ValidationError("cannot count \(table)") }
            defer { sqlite3_finalize(stmt) }
            sqlite3_step(stmt)
            return Int(sqlite3_column_int64(stmt, 0))
        }
    }
}

/// The floor the store is measured against: the C API with no wrapper, prepared once, bind/step/reset per row, the
/// rows `VitalsStore.record` writes for a new reading (subject and device once per transaction, then the raw frame,
/// the reading, its observations and the outbox entry), no duplicate check beyond the schema's UNIQUE constraint.
final class RawInserter {
    let db: OpaquePointer
    var statements: [OpaquePointer] = []
    let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

    init(path: String, synchronous: String = "FULL") throws {
        var h: OpaquePointer?
        guard sqlite3_open_v2(path, &h, SQLITE_OPEN_READWRITE, nil) == SQLITE_OK, let h else { throw ValidationError("cannot open \(path)") }
        db = h
        sqlite3_busy_timeout(db, 5000)
        for pragma in ["PRAGMA journal_mode = WAL", "PRAGMA synchronous = \(synchronous)", "PRAGMA foreign_keys = ON"] { try exec(pragma) }
        for sql in [
            "INSERT INTO subjects (id, created_at) VALUES (?, ?) ON CONFLICT (id) DO NOTHING",
            """
            INSERT INTO devices (id, transport, address, profile_id, manufacturer, model, serial, grade, first_seen, last_seen)
            VALUES (?, ?, ?, ?, ?, ?, NULL, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET last_seen = max(last_seen, excluded.last_seen), grade = excluded.grade
            """,
            "INSERT INTO raw_frames (device_id, source, received_at, bytes) VALUES (?, ?, ?, ?)",
            """
            INSERT INTO readings (device_id, subject_id, kind, natural_key, sequence, effective_at, device_time, received_at, grade, flags, raw_frame_id, device_user)
            VALUES (?, ?, ?, ?, ?, ?, NULL, ?, ?, ?, ?, NULL)
            """,
            """
            INSERT INTO observations (reading_id, mdc_code, ordinal, metric, loinc, value, state, unit, wire_encoding, wire_bits, wire_unit)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """,
            "INSERT INTO outbox (kind, ref, created_at) VALUES ('reading', ?, ?)",
        ] {
            var s: OpaquePointer?
            guard sqlite3_prepare_v3(db, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &s, nil) == SQLITE_OK, let s else { throw error("prepare") }
            statements.append(s)
        }
    }

    func close() {
        for s in statements { sqlite3_finalize(s) }
        sqlite3_close_v2(db)
    }

    func error(_ what: String) -> ValidationError { ValidationError("\(what): \(String(cString: sqlite3_errmsg(db)))") }

    func exec(_ sql: String) throws {
        guard sqlite3_exec(db, sql, nil, nil, nil) == SQLITE_OK else { throw error(sql) }
    }

    func text(_ s: OpaquePointer, _ i: Int32, _ v: String) { sqlite3_bind_text(s, i, v, -1, transient) }

    func step(_ s: OpaquePointer) throws {
        guard sqlite3_step(s) == SQLITE_DONE else { throw error("step") }
        sqlite3_reset(s)
    }

    static func ms(_ d: Date) -> Int64 { Int64((d.timeIntervalSince1970 * 1000).rounded()) }

    func insert(_ rows: ArraySlice<Reading>) throws {
        try exec("BEGIN IMMEDIATE")
        let (subject, device, frame, reading, observation, outbox) = (statements[0], statements[1], statements[2], statements[3], statements[4], statements[5])
        var seen: [String: Int64] = [:]
        for r in rows { seen[r.device.id.rawValue] = max(seen[r.device.id.rawValue] ?? .min, Self.ms(r.receivedTime)) }
        var devicesDone: Set<String> = []
        for r in rows {
            let dev = r.device.id.rawValue
            let rx = Self.ms(r.receivedTime)
            if devicesDone.insert(dev).inserted {
                text(subject, 1, r.subject.rawValue)
                sqlite3_bind_int64(subject, 2, rx)
                try step(subject)
                text(device, 1, dev)
                text(device, 2, r.device.transport.rawValue)
                text(device, 3, r.device.address)
                text(device, 4, r.device.profileID ?? "")
                text(device, 5, r.device.manufacturer ?? "")
                text(device, 6, r.device.model ?? "")
                text(device, 7, r.grade.rawValue)
                sqlite3_bind_int64(device, 8, rx)
                sqlite3_bind_int64(device, 9, seen[dev] ?? rx)
                try step(device)
            }
            text(frame, 1, dev)
            text(frame, 2, r.raw.source)
            sqlite3_bind_int64(frame, 3, rx)
            _ = r.raw.bytes.withUnsafeBytes { sqlite3_bind_blob(frame, 4, $0.baseAddress, Int32($0.count), transient) }
            try step(frame)
            let rawID = sqlite3_last_insert_rowid(db)
            text(reading, 1, dev)
            text(reading, 2, r.subject.rawValue)
            text(reading, 3, r.kind.rawValue)
            text(reading, 4, r.naturalKey)
            if let s = r.sequence { sqlite3_bind_int64(reading, 5, Int64(s)) } else { sqlite3_bind_null(reading, 5) }
            sqlite3_bind_int64(reading, 6, Self.ms(r.effectiveTime))
            sqlite3_bind_int64(reading, 7, rx)
            text(reading, 8, r.grade.rawValue)
            text(reading, 9, r.flags.map(\.rawValue).sorted().joined(separator: " "))
            sqlite3_bind_int64(reading, 10, rawID)
            try step(reading)
            let id = sqlite3_last_insert_rowid(db)
            for (ordinal, o) in r.observations.enumerated() {
                sqlite3_bind_int64(observation, 1, id)
                sqlite3_bind_int64(observation, 2, Int64(o.metric.mdc))
                sqlite3_bind_int64(observation, 3, Int64(ordinal))
                text(observation, 4, o.metric.key)
                if let l = o.metric.loinc { text(observation, 5, l) } else { sqlite3_bind_null(observation, 5) }
                if let v = o.value { sqlite3_bind_double(observation, 6, v) } else { sqlite3_bind_null(observation, 6) }
                text(observation, 7, o.state.rawValue)
                text(observation, 8, o.unit.code)
                text(observation, 9, o.wire.encoding)
                sqlite3_bind_int64(observation, 10, Int64(bitPattern: o.wire.bits))
                text(observation, 11, o.wire.unit)
                try step(observation)
            }
            text(outbox, 1, String(id))
            sqlite3_bind_int64(outbox, 2, rx)
            try step(outbox)
        }
        try exec("COMMIT")
    }
}

/// The ceiling: each observation as (reading number, MDC code, value) into a table with no index, key or constraint,
/// one prepared statement, bind/step/reset per row, one transaction per batch of readings, synchronous=NORMAL.
final class NarrowInserter {
    let db: OpaquePointer
    let statement: OpaquePointer

    init(path: String) throws {
        var h: OpaquePointer?
        guard sqlite3_open_v2(path, &h, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nil) == SQLITE_OK, let h else { throw ValidationError("cannot open \(path)") }
        db = h
        for sql in ["PRAGMA journal_mode = WAL", "PRAGMA synchronous = NORMAL", "CREATE TABLE o (reading INTEGER, mdc INTEGER, value REAL)"] {
            guard sqlite3_exec(db, sql, nil, nil, nil) == SQLITE_OK else { throw ValidationError("\(sql): \(String(cString: sqlite3_errmsg(db)))") }
        }
        var s: OpaquePointer?
        guard sqlite3_prepare_v2(db, "INSERT INTO o VALUES (?, ?, ?)", -1, &s, nil) == SQLITE_OK, let s else { throw ValidationError("prepare: \(String(cString: sqlite3_errmsg(db)))") }
        statement = s
    }

    func close() {
        sqlite3_finalize(statement)
        sqlite3_close_v2(db)
    }

    func insert(_ rows: ArraySlice<Reading>, firstID: Int64) throws {
        guard sqlite3_exec(db, "BEGIN", nil, nil, nil) == SQLITE_OK else { throw ValidationError("begin: \(String(cString: sqlite3_errmsg(db)))") }
        var id = firstID
        for r in rows {
            for o in r.observations {
                sqlite3_bind_int64(statement, 1, id)
                sqlite3_bind_int64(statement, 2, Int64(o.metric.mdc))
                if let v = o.value { sqlite3_bind_double(statement, 3, v) } else { sqlite3_bind_null(statement, 3) }
                guard sqlite3_step(statement) == SQLITE_DONE else { throw ValidationError("step: \(String(cString: sqlite3_errmsg(db)))") }
                sqlite3_reset(statement)
            }
            id += 1
        }
        guard sqlite3_exec(db, "COMMIT", nil, nil, nil) == SQLITE_OK else { throw ValidationError("commit: \(String(cString: sqlite3_errmsg(db)))") }
    }
}
