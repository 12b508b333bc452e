import Foundation
import Logging
import NIOCore
import NIOPosix
import PostgresNIO
import VitalsFHIR
import VitalsStore

/// Points where a test can break the uplink between its steps, to show that nothing is lost or doubled.
public struct UplinkFaults: Sendable {
    /// After COPY into staging, before the INSERT and COMMIT; given the server process id of the uplink's session.
    public var afterCopy: (@Sendable (_ backendPID: Int32) async throws -> Void)?
    /// After the server committed, before the hub records the acknowledgement.
    public var afterCommit: (@Sendable () async throws -> Void)?

    public init(afterCopy: (@Sendable (_ backendPID: Int32) async throws -> Void)? = nil, afterCommit: (@Sendable () async throws -> Void)? = nil) {
        self.afterCopy = afterCopy
        self.afterCommit = afterCommit
    }
}

/// A failure of the uplink, described without patient data or secrets.
public struct UplinkError: Error, CustomStringConvertible {
    public var description: String

    public init(description: String) { self.description = description }

    /// A PostgreSQL error's own code and the server's message (PSQLError's description hides both on purpose).
    static func describe(_ error: any Error) -> String {
        if let e = error as? UplinkError { return e.description }
        if let e = error as? FHIRClient.Failure { return e.summary }
        if let e = error as? PSQLError {
            var s = "\(e.code)"
            if let info = e.serverInfo {
                s += ": \(info[.sqlState] ?? "") \(info[.message] ?? "")"
            } else if let u = e.underlying {
                s += " (\(u))"
            }
            return s
        }
        if let e = error as? PostgresTransactionError {
            return describe(e.closureError ?? e.commitError ?? e.beginError ?? e.rollbackError ?? UplinkError(description: "transaction failed"))
        }
        return "\(error)"
    }
}

/// One session with the central server: creates the schema if missing, makes monthly partitions as rows need them,
/// and sends a batch as COPY into a session-temporary staging table, then `INSERT … SELECT … ON CONFLICT DO NOTHING`
/// into `vitals_measurements` and the hub's watermark, in one transaction.
public actor PostgresUplink {
    public let configuration: UplinkConfiguration
    let logger: Logger
    let faults: UplinkFaults
    private var connection: PostgresConnection?
    private var backendPID: Int32 = 0
    private var schemaReady = false
    private var knownMonths: Set<CentralSchema.Month> = []
    private var nextConnectionID = 1

    public init(configuration: UplinkConfiguration, faults: UplinkFaults = UplinkFaults(), logger: Logger) {
        self.configuration = configuration
        self.faults = faults
        self.logger = logger
    }

    /// Opens the session (and creates the central schema) unless one is open.
    func connected() async throws -> PostgresConnection {
        if let c = connection, !c.isClosed { return c }
        connection = nil
        var pg = PostgresConnection.Configuration(
            host: configuration.host, port: configuration.port, username: configuration.user, password: configuration.password,
            database: configuration.database, tls: .disable)
        pg.options.connectTimeout = .nanoseconds(Int64(configuration.connectTimeout.components.seconds) * 1_000_000_000
            + configuration.connectTimeout.components.attoseconds / 1_000_000_000)
        var quiet = logger
        quiet.logLevel = max(logger.logLevel, .notice)
        let c = try await PostgresConnection.connect(configuration: pg, id: nextConnectionID, logger: quiet)
        nextConnectionID += 1
        do {
            for try await pid in try await c.query("SELECT pg_backend_pid()", logger: quiet).decode(Int32.self) { backendPID = pid }
            if !schemaReady {
                try await Self.migrate(c, logger: quiet)
                schemaReady = true
            }
            // A batch's staging rows stay in the session's own buffers instead of spilling to temporary files
            // (the default, 8 MB, holds about 50,000 rows); only settable before the session first uses a temp table.
            try await c.query(PostgresQuery(unsafeSQL: "SET temp_buffers = '\(CentralSchema.stagingBuffersMB)MB'"), logger: quiet)
            try await c.query(PostgresQuery(unsafeSQL: CentralSchema.createStaging), logger: quiet)
        } catch {
            try? await c.close()
            throw error
        }
        connection = c
        logger.info("uplink connected", metadata: ["uplink.target": "\(configuration.target)"])
        return c
    }

    /// Closes the session (after a failure, or at shutdown).
    public func disconnect() async {
        if let c = connection { try? await c.close() }
        connection = nil
    }

    /// Applies the central migrations not yet applied, under an advisory lock; refuses a server from a newer build.
    static func migrate(_ c: PostgresConnection, logger: Logger) async throws {
        try await c.withTransaction(logger: logger) { c in
            try await c.query("SELECT pg_advisory_xact_lock(\(CentralSchema.lockKey))", logger: logger)
            try await c.query(PostgresQuery(unsafeSQL: """
                CREATE TABLE IF NOT EXISTS vitals_schema_migrations (
                    version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())
                """), logger: logger)
            var applied: Set<Int> = []
            for try await v in try await c.query("SELECT version FROM vitals_schema_migrations", logger: logger).decode(Int32.self) {
                applied.insert(Int(v))
            }
            let known = Set(CentralSchema.all.map(\.version))
            if let newer = applied.subtracting(known).max() {
                throw UplinkError(description: "the server's schema has version \(newer), newer than this build knows (\(known.max() ?? 0))")
            }
            for m in CentralSchema.all where !applied.contains(m.version) {
                for sql in m.statements { try await c.query(PostgresQuery(unsafeSQL: sql), logger: logger) }
                try await c.query("INSERT INTO vitals_schema_migrations (version, name) VALUES (\(Int32(m.version)), \(m.name))", logger: logger)
                logger.notice("applied central migration", metadata: ["uplink.migration": "\(m.version)"])
            }
        }
    }

    /// Makes the monthly partitions these months need (each in its own short transaction, under the schema lock,
    /// so hubs creating the same month at once do not collide). Done before the batch's transaction, so the batch
    /// never holds a lock while it waits for DDL.
    func ensurePartitions(_ months: Set<CentralSchema.Month>, on c: PostgresConnection) async throws {
        for m in months.subtracting(knownMonths).sorted() {
            var exists = false
            for try await n in try await c.query("SELECT to_regclass(\(m.partitionName)) IS NOT NULL", logger: logger).decode(Bool.self) { exists = n }
            if !exists {
                try await c.withTransaction(logger: logger) { c in
                    try await c.query("SELECT pg_advisory_xact_lock(\(CentralSchema.lockKey))", logger: logger)
                    try await c.query(PostgresQuery(unsafeSQL: m.createPartition), logger: logger)
                }
                logger.info("uplink partition ready", metadata: ["uplink.partition": "\(m.partitionName)"])
            }
            knownMonths.insert(m)
        }
    }

    /// Sends one batch: COPY into staging, then the insert and the watermark, committed together. Throws when the
    /// server did not confirm the commit; the caller then keeps the batch and sends it again (a replay the natural
    /// key absorbs).
    public func send(rows: [UplinkRow], lastSeq: Int64) async throws -> SentBatch {
        let c = try await connected()
        let hub = configuration.hubID
        try await ensurePartitions(Set(rows.map { CentralSchema.Month(milliseconds: $0.effectiveMs) }), on: c)
        let pid = backendPID
        let faults = faults
        let logger = logger
        let timeout = configuration.batchTimeout
        do {
            // A bounded wait: a session the server dropped between two statements of the transaction can leave the
            // next query waiting forever (seen with postgres-nio 1.33.2 after pg_terminate_backend between COPY and
            // INSERT: the query is written to a closed channel and its promise is never completed). The batch is
            // then abandoned (that one task stays parked), the connection closed, and the batch sent again.
            let inserted = try await Self.withDeadline(timeout, onTimeout: { try? await c.close() }) {
                try await Self.transaction(c, rows: rows, lastSeq: lastSeq, hub: hub, pid: pid, faults: faults, logger: logger)
            }
            return SentBatch(rows: rows.count, inserted: inserted)
        } catch {
            // The session's state is unknown (a broken connection, an aborted transaction): start afresh.
            await disconnect()
            throw error
        }
    }

    /// Runs `operation`, but returns (throwing) once `timeout` has passed even if it has not finished.
    static func withDeadline<T: Sendable>(_ timeout: Duration, onTimeout: @escaping @Sendable () async -> Void,
                                          _ operation: @escaping @Sendable () async throws -> T) async throws -> T {
        let once = ResumeOnce<T>()
        return try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            once.set(continuation)
            let work = Task {
                do { once.resume(.success(try await operation())) } catch { once.resume(.failure(error)) }
            }
            let timer = Task {
                try await Task.sleep(for: timeout)
                if once.resume(.failure(UplinkError(description: "the batch did not finish within \(timeout); connection closed"))) {
                    work.cancel()
                    await onTimeout()
                }
            }
            once.onResume { timer.cancel() }
        }
    }

    /// One batch in one server transaction; returns the rows inserted. A batch wholly past the server's watermark
    /// for this hub has never been committed there (the watermark moves in the same transaction as the rows), so
    /// it is copied straight into the central table. Anything else, a replay or a key the server already has past
    /// its watermark (a hub restored from an older backup), goes through staging and `ON CONFLICT DO NOTHING`.
    static func transaction(_ c: PostgresConnection, rows: [UplinkRow], lastSeq: Int64, hub: String, pid: Int32, faults: UplinkFaults,
                            logger: Logger) async throws -> Int {
        if !rows.isEmpty {
            do {
                if let n = try await direct(c, rows: rows, lastSeq: lastSeq, hub: hub, pid: pid, faults: faults, logger: logger) { return n }
            } catch where isUniqueViolation(error) {
                // Rolled back; the staged path below skips what is there and inserts the rest.
                logger.notice("uplink: the server already has rows of this batch past its watermark; sending the batch through staging",
                              metadata: ["uplink.through": "\(lastSeq)"])
            }
        }
        return try await staged(c, rows: rows, lastSeq: lastSeq, hub: hub, pid: pid, faults: faults, logger: logger)
    }

    /// The fast path: nil (and nothing written) when the batch is not wholly past the server's watermark.
    static func direct(_ c: PostgresConnection, rows: [UplinkRow], lastSeq: Int64, hub: String, pid: Int32, faults: UplinkFaults,
                       logger: Logger) async throws -> Int? {
        try await c.withTransaction(logger: logger) { c -> Int? in
            var binds = PostgresBindings()
            binds.append(hub)
            var serverSeq: Int64 = 0
            // Locks the hub's watermark row (when there is one) until the commit: another session of the same hub
            // waits here instead of copying the same rows.
            for try await v in try await c.query(PostgresQuery(unsafeSQL: CentralSchema.lockWatermark, binds: binds), logger: logger)
                .decode(Int64.self) { serverSeq = v }
            guard let first = rows.first?.seq, first > serverSeq else { return nil }
            try await copy(rows, into: CentralSchema.measurements, columns: CentralSchema.centralColumns, on: c, logger: logger) {
                CopyText.appendCentral($0, hubID: hub, to: &$1)
            }
            if let f = faults.afterCopy { try await f(pid) }
            try await advanceWatermark(c, hub: hub, lastSeq: lastSeq, inserted: Int64(rows.count), logger: logger)
            return rows.count
        }
    }

    /// The safe path: COPY into staging, the insert (skipping what is there) and the watermark.
    static func staged(_ c: PostgresConnection, rows: [UplinkRow], lastSeq: Int64, hub: String, pid: Int32, faults: UplinkFaults,
                       logger: Logger) async throws -> Int {
        try await c.withTransaction(logger: logger) { c -> Int in
            if !rows.isEmpty {
                try await copy(rows, into: CentralSchema.staging, columns: CentralSchema.stagingColumns, on: c, logger: logger) {
                    CopyText.appendStaging($0, to: &$1)
                }
            }
            if let f = faults.afterCopy { try await f(pid) }
            var inserted: Int64 = 0
            if !rows.isEmpty {
                var binds = PostgresBindings()
                binds.append(hub)
                for try await n in try await c.query(PostgresQuery(unsafeSQL: CentralSchema.insertFromStaging, binds: binds), logger: logger)
                    .decode(Int64.self) { inserted = n }
            }
            try await advanceWatermark(c, hub: hub, lastSeq: lastSeq, inserted: inserted, logger: logger)
            return Int(inserted)
        }
    }

    /// COPY of `rows` in text format, written in 1 MB chunks.
    static func copy(_ rows: [UplinkRow], into table: String, columns: [String], on c: PostgresConnection, logger: Logger,
                     _ append: @escaping @Sendable (UplinkRow, inout ByteBuffer) -> Void) async throws {
        try await c.copyFrom(table: table, columns: columns, logger: logger) { writer in
            var buffer = ByteBuffer()
            buffer.reserveCapacity(1 << 20)
            for r in rows {
                append(r, &buffer)
                if buffer.readableBytes >= 1 << 20 {
                    try await writer.write(buffer)
                    buffer.clear()
                }
            }
            if buffer.readableBytes > 0 { try await writer.write(buffer) }
        }
    }

    static func advanceWatermark(_ c: PostgresConnection, hub: String, lastSeq: Int64, inserted: Int64, logger: Logger) async throws {
        var binds = PostgresBindings()
        binds.append(hub)
        binds.append(lastSeq)
        binds.append(inserted)
        try await c.query(PostgresQuery(unsafeSQL: CentralSchema.advanceWatermark, binds: binds), logger: logger)
    }

    /// Whether the server refused a row as a duplicate key (SQLSTATE 23505), however postgres-nio wrapped it.
    static func isUniqueViolation(_ error: any Error) -> Bool {
        if let e = error as? PostgresTransactionError, let inner = e.closureError ?? e.commitError { return isUniqueViolation(inner) }
        if let e = error as? PSQLError { return e.serverInfo?[.sqlState] == "23505" }
        return false
    }

    /// Creates the central schema and the partitions for these months without sending anything (the benchmark
    /// prepares its raw-COPY database this way, so both paths write into the same tables).
    public func prepare(months: Set<CentralSchema.Month>) async throws {
        try await ensurePartitions(months, on: try await connected())
    }

    /// The server's watermark for this hub (nil before its first batch).
    public func serverWatermark() async throws -> Int64? {
        let c = try await connected()
        var out: Int64?
        for try await v in try await c.query("SELECT last_seq FROM vitals_hub_watermarks WHERE hub_id = \(configuration.hubID)", logger: logger)
            .decode(Int64.self) { out = v }
        return out
    }
}

/// A continuation resumed by whichever side finishes first.
final class ResumeOnce<T: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var continuation: CheckedContinuation<T, any Error>?
    private var done = false
    private var pending: Result<T, any Error>?
    private var cleanup: (@Sendable () -> Void)?

    func set(_ c: CheckedContinuation<T, any Error>) {
        let ready: Result<T, any Error>? = lock.withLock {
            continuation = c
            return pending
        }
        if let ready { c.resume(with: ready) }
    }

    func onResume(_ f: @escaping @Sendable () -> Void) {
        let already = lock.withLock { () -> Bool in
            if done { return true }
            cleanup = f
            return false
        }
        if already { f() }
    }

    /// Resumes with `result` unless already resumed; returns whether this call did.
    @discardableResult
    func resume(_ result: Result<T, any Error>) -> Bool {
        let taken: (CheckedContinuation<T, any Error>?, (@Sendable () -> Void)?)? = lock.withLock {
            if done { return nil }
            done = true
            if continuation == nil { pending = result }
            defer { cleanup = nil }
            return (continuation, cleanup)
        }
        guard let (c, f) = taken else { return false }
        c?.resume(with: result)
        f?()
        return true
    }
}

extension PostgresUplink: OutboxSink {
    public nonisolated var target: String { configuration.target }

    /// The readings' observations after `seq`, one row each; alert and waveform entries are acknowledged unsent.
    public nonisolated func read(after seq: Int64, limit: Int, from store: VitalsStore) async throws -> PendingBatch<[UplinkRow]>? {
        let batch = try await store.outbox(after: seq, limit: limit)
        guard let last = batch.lastSeq else { return nil }
        return PendingBatch(lastSeq: last, entries: batch.entries, skipped: batch.skipped, payload: batch.rows)
    }

    public func send(_ batch: PendingBatch<[UplinkRow]>) async throws -> SentBatch {
        try await send(rows: batch.payload, lastSeq: batch.lastSeq)
    }
}
