import CSQLite
import Foundation

/// The checks a database file passes before the hub writes to it: a damaged file is refused with what SQLite
/// found and what to do, and is never repaired, re-created or overwritten.
enum StoreIntegrity {
    /// What the operator can do about a damaged file. The hub leaves it as it is.
    static func advice(_ path: String) -> String {
        "The hub has not changed the file and will not start on it. Restore \(path) from a backup, or move it aside "
            + "together with \(path)-wal and \(path)-shm (the hub then starts an empty store there); sqlite3's .recover "
            + "command may salvage rows from the moved copy."
    }

    /// Runs `PRAGMA quick_check` (every page read, b-tree structure, no index cross-check) and refuses a damaged file.
    static func check(_ db: SQLiteConnection, path: String) throws(StoreError) {
        let found: [String]
        do throws(StoreError) {
            found = try db.prepare("PRAGMA quick_check").query { $0.text(0) }
        } catch {
            throw explain(error, path: path)
        }
        guard found != ["ok"] else { return }
        let shown = found.prefix(5).joined(separator: "; ") + (found.count > 5 ? "; … (\(found.count) problems)" : "")
        throw StoreError(
            code: SQLITE_CORRUPT, message: "the database file is damaged: SQLite's quick_check says \"\(shown)\". \(advice(path))",
            context: "opening \(path)")
    }

    /// A damaged file or one that is not a database, said plainly; any other error as it was.
    static func explain(_ error: StoreError, path: String) -> StoreError {
        guard error.cause == .corrupt else { return error }
        let what = error.code & 0xFF == SQLITE_NOTADB ? "is not a SQLite database (or its header is damaged)" : "is damaged"
        return StoreError(
            code: error.code, message: "the database file \(what): SQLite says \"\(error.message)\". \(advice(path))",
            context: "opening \(path)")
    }
}

extension VitalsStore {
    /// Caps this connection's database at its current size (`PRAGMA max_page_count`), or lifts the cap (`false`):
    /// while capped, a write that needs a new page fails with SQLITE_FULL exactly as on a full disk. For tests of
    /// the full-disk path without root or a small filesystem. Returns the cap now in force, in pages.
    @discardableResult
    func capAtCurrentSize(_ capped: Bool) throws(StoreError) -> Int {
        // SQLite never sets the cap below the pages in use, so 1 means "as big as it is now".
        let pages = try db.prepare("PRAGMA max_page_count = \(capped ? 1 : 4_294_967_294)").query { $0.int(0) }.first ?? 0
        return Int(pages)
    }
}
