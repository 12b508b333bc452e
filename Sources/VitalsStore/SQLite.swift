import CSQLite
import Foundation
import Logging

/// A failure from SQLite, with the result code, SQLite's message and what we were doing.
public struct StoreError: Error, CustomStringConvertible, Sendable {
    public var code: Int32
    public var message: String
    public var context: String
    public var description: String { "\(context): \(message) (SQLite code \(code))" }
}

let SQLITE_TRANSIENT_DESTRUCTOR = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

/// One SQLite connection. Not thread-safe: owned by one actor.
final class SQLiteConnection {
    let handle: OpaquePointer
    let path: String

    init(path: String, readOnly: Bool = false) throws(StoreError) {
        var db: OpaquePointer?
        let flags = (readOnly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) | SQLITE_OPEN_NOMUTEX
        let rc = sqlite3_open_v2(path, &db, flags, nil)
        guard rc == SQLITE_OK, let db else {
            let msg = db.map { String(cString: sqlite3_errmsg($0)) } ?? "cannot open"
            if let db { sqlite3_close_v2(db) }
            throw StoreError(code: rc, message: msg, context: "opening \(path)")
        }
        handle = db
        self.path = path
        sqlite3_extended_result_codes(db, 1)
    }

    deinit { sqlite3_close_v2(handle) }

    func error(_ rc: Int32, _ context: String) -> StoreError {
        StoreError(code: rc, message: String(cString: sqlite3_errmsg(handle)), context: context)
    }

    func execute(_ sql: String) throws(StoreError) {
        var err: UnsafeMutablePointer<CChar>?
        let rc = sqlite3_exec(handle, sql, nil, nil, &err)
        if rc != SQLITE_OK {
            let msg = err.map { String(cString: $0) } ?? "error"
            sqlite3_free(err)
            throw StoreError(code: rc, message: msg, context: "executing \(sql.prefix(60))")
        }
    }

    func prepare(_ sql: String) throws(StoreError) -> Statement {
        var stmt: OpaquePointer?
        let rc = sqlite3_prepare_v3(handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &stmt, nil)
        guard rc == SQLITE_OK, let stmt else { throw error(rc, "preparing \(sql.prefix(80))") }
        return Statement(stmt: stmt, connection: self, sql: sql)
    }

    var changes: Int { Int(sqlite3_changes(handle)) }
    var lastInsertRowID: Int64 { sqlite3_last_insert_rowid(handle) }
}

enum SQLValue {
    case null
    case int(Int64)
    case real(Double)
    case text(String)
    case blob([UInt8])
}

/// A prepared statement, reused across executions (prepare once, bind many times).
final class Statement {
    let stmt: OpaquePointer
    unowned let connection: SQLiteConnection
    let sql: String

    init(stmt: OpaquePointer, connection: SQLiteConnection, sql: String) {
        self.stmt = stmt
        self.connection = connection
        self.sql = sql
    }

    deinit { sqlite3_finalize(stmt) }

    func bind(_ values: [SQLValue]) throws(StoreError) {
        sqlite3_reset(stmt)
        sqlite3_clear_bindings(stmt)
        for (i, v) in values.enumerated() {
            let idx = Int32(i + 1)
            let rc: Int32
            switch v {
            case .null: rc = sqlite3_bind_null(stmt, idx)
            case .int(let x): rc = sqlite3_bind_int64(stmt, idx, x)
            case .real(let x): rc = sqlite3_bind_double(stmt, idx, x)
            case .text(let s): rc = sqlite3_bind_text(stmt, idx, s, -1, SQLITE_TRANSIENT_DESTRUCTOR)
            case .blob(let b):
                rc = b.withUnsafeBytes { sqlite3_bind_blob(stmt, idx, $0.baseAddress, Int32($0.count), SQLITE_TRANSIENT_DESTRUCTOR) }
            }
            guard rc == SQLITE_OK else { throw connection.error(rc, "binding parameter \(idx) of \(sql.prefix(60))") }
        }
    }

    // Binding one parameter at a time, without an array of `SQLValue`s: the hot insert path (`VitalsStore.record`).
    // Text and blobs are copied by SQLite (SQLITE_TRANSIENT), so nothing needs to outlive the call.

    func bind(_ i: Int32, _ v: Int64) { sqlite3_bind_int64(stmt, i, v) }
    func bind(_ i: Int32, _ v: Double?) {
        if let v { sqlite3_bind_double(stmt, i, v) } else { sqlite3_bind_null(stmt, i) }
    }
    func bind(_ i: Int32, _ v: Int64?) {
        if let v { sqlite3_bind_int64(stmt, i, v) } else { sqlite3_bind_null(stmt, i) }
    }
    func bind(_ i: Int32, _ v: String?) {
        guard var v else {
            sqlite3_bind_null(stmt, i)
            return
        }
        v.withUTF8 { b in
            // An empty string still binds as text (a zero-length value), never NULL.
            UnsafeRawPointer(b.baseAddress ?? UnsafePointer(bitPattern: 1)!).withMemoryRebound(to: CChar.self, capacity: max(1, b.count)) {
                _ = sqlite3_bind_text(stmt, i, $0, Int32(b.count), SQLITE_TRANSIENT_DESTRUCTOR)
            }
        }
    }
    func bind(_ i: Int32, blob: [UInt8]) {
        blob.withUnsafeBytes { _ = sqlite3_bind_blob(stmt, i, $0.baseAddress, Int32($0.count), SQLITE_TRANSIENT_DESTRUCTOR) }
    }

    /// Steps a statement bound with the calls above (every parameter bound), returning no rows, and resets it.
    func step() throws(StoreError) {
        let rc = sqlite3_step(stmt)
        sqlite3_reset(stmt)
        guard rc == SQLITE_DONE || rc == SQLITE_ROW else { throw connection.error(rc, "running \(sql.prefix(80))") }
    }

    /// Steps a one-row query bound with the calls above: the first column of its row as an integer, or nil for no row.
    func firstInt() throws(StoreError) -> Int64? {
        defer { sqlite3_reset(stmt) }
        let rc = sqlite3_step(stmt)
        if rc == SQLITE_DONE { return nil }
        guard rc == SQLITE_ROW else { throw connection.error(rc, "querying \(sql.prefix(80))") }
        return sqlite3_column_int64(stmt, 0)
    }

    /// Runs a statement that returns no rows.
    func run(_ values: [SQLValue] = []) throws(StoreError) {
        try bind(values)
        let rc = sqlite3_step(stmt)
        sqlite3_reset(stmt)
        guard rc == SQLITE_DONE || rc == SQLITE_ROW else { throw connection.error(rc, "running \(sql.prefix(80))") }
    }

    /// Runs a query and maps each row.
    func query<T>(_ values: [SQLValue] = [], _ map: (Row) -> T) throws(StoreError) -> [T] {
        try bind(values)
        defer { sqlite3_reset(stmt) }
        var out: [T] = []
        while true {
            let rc = sqlite3_step(stmt)
            if rc == SQLITE_DONE { break }
            guard rc == SQLITE_ROW else { throw connection.error(rc, "querying \(sql.prefix(80))") }
            out.append(map(Row(stmt: stmt)))
        }
        return out
    }
}

struct Row {
    let stmt: OpaquePointer
    func isNull(_ i: Int32) -> Bool { sqlite3_column_type(stmt, i) == SQLITE_NULL }
    func int(_ i: Int32) -> Int64 { sqlite3_column_int64(stmt, i) }
    func optInt(_ i: Int32) -> Int64? { isNull(i) ? nil : int(i) }
    func double(_ i: Int32) -> Double { sqlite3_column_double(stmt, i) }
    func optDouble(_ i: Int32) -> Double? { isNull(i) ? nil : double(i) }
    func text(_ i: Int32) -> String { sqlite3_column_text(stmt, i).map { String(cString: $0) } ?? "" }
    func optText(_ i: Int32) -> String? { isNull(i) ? nil : text(i) }
    func blob(_ i: Int32) -> [UInt8] {
        let n = Int(sqlite3_column_bytes(stmt, i))
        guard n > 0, let p = sqlite3_column_blob(stmt, i) else { return [] }
        return Array(UnsafeRawBufferPointer(start: p, count: n))
    }
}

/// Copies the WAL back into the database file from a second connection on its own thread, every `interval`
/// seconds: a passive checkpoint, which never blocks the writer and never changes what is durable (every commit was
/// already synced in the WAL at its own `synchronous` level). Left to SQLite's automatic checkpoint alone, the commit
/// that crosses 1,000 WAL pages does the copy and syncs the database file itself, and the readings and alerts
/// waiting on that commit wait for it too: that was the tail of the alert path's latency. The automatic checkpoint
/// stays as the backstop (see `VitalsStore.init(path:logger:)`).
///
/// `stop()` returns once the thread has closed its connection, so when a store is gone nothing of it still holds the
/// file.
final class Checkpointer: @unchecked Sendable {
    private let condition = NSCondition()
    private var stopped = false
    private var finished = false

    init(path: String, interval: Double = 1, logger: Logging.Logger) {
        let thread = Thread { [self] in
            checkpoints(path: path, interval: interval, logger: logger)
            // The connection was closed as `checkpoints` returned.
            markFinished()
        }
        thread.name = "vitals-store-checkpoint"
        thread.start()
    }

    private func checkpoints(path: String, interval: Double, logger: Logging.Logger) {
        let connection: SQLiteConnection
        do {
            connection = try SQLiteConnection(path: path)
            try connection.execute("PRAGMA busy_timeout = 5000")
            try connection.execute("PRAGMA synchronous = FULL")
        } catch {
            logger.warning("background checkpoints unavailable; SQLite checkpoints at commit", metadata: ["error": "\(error)"])
            return
        }
        while waitOrStop(interval) {
            do { try connection.execute("PRAGMA wal_checkpoint(PASSIVE)") } catch {
                logger.debug("background checkpoint failed; trying again", metadata: ["error": "\(error)"])
            }
        }
    }

    /// Waits `seconds`; false once stopped.
    private func waitOrStop(_ seconds: Double) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        if !stopped { _ = condition.wait(until: Date(timeIntervalSinceNow: seconds)) }
        return !stopped
    }

    private func markFinished() {
        condition.lock()
        finished = true
        condition.broadcast()
        condition.unlock()
    }

    /// Stops the thread and waits until its connection is closed (at most one checkpoint's time).
    func stop() {
        condition.lock()
        stopped = true
        condition.broadcast()
        while !finished { condition.wait() }
        condition.unlock()
    }
}
