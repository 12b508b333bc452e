import CSQLite

/// Why SQLite failed, in the terms the hub acts on: a store that cannot write now (the disk is full, the disk
/// failed, the file is damaged, another process holds it) against a store that refuses this data (a constraint).
public enum StoreFailureCause: String, Sendable, CaseIterable {
    /// SQLITE_FULL: no space left on the device, or the database reached its page limit.
    case diskFull = "disk full"
    /// SQLITE_IOERR (write, fsync, read, shared memory…): the operating system failed an I/O call.
    case ioError = "disk I/O error"
    /// SQLITE_CORRUPT or SQLITE_NOTADB: the file is damaged or is not a database.
    case corrupt = "database damaged"
    /// SQLITE_BUSY or SQLITE_LOCKED: another connection or process holds the database.
    case busy = "database locked"
    /// SQLITE_READONLY, SQLITE_CANTOPEN, SQLITE_PERM: the file cannot be written or opened.
    case unwritable = "database not writable"
    /// SQLITE_NOMEM.
    case noMemory = "out of memory"
    /// SQLITE_CONSTRAINT, SQLITE_MISMATCH, SQLITE_TOOBIG, SQLITE_RANGE, and the store's own checks (code 0):
    /// this data was refused; other data would be stored.
    case refused = "refused"
    /// Anything else.
    case other = "SQLite error"

    /// The label a metric carries (`disk_full`, `io_error`, …).
    public var metricLabel: String {
        switch self {
        case .diskFull: "disk_full"
        case .ioError: "io_error"
        case .corrupt: "corrupt"
        case .busy: "busy"
        case .unwritable: "unwritable"
        case .noMemory: "no_memory"
        case .refused: "refused"
        case .other: "other"
        }
    }
}

extension StoreError {
    /// The cause, from SQLite's primary result code (the low byte of the extended code).
    public var cause: StoreFailureCause {
        switch code & 0xFF {
        case SQLITE_FULL: .diskFull
        case SQLITE_IOERR: code == SQLITE_IOERR | (12 << 8) ? .noMemory : .ioError
        case SQLITE_CORRUPT, SQLITE_NOTADB: .corrupt
        case SQLITE_BUSY, SQLITE_LOCKED, SQLITE_PROTOCOL: .busy
        case SQLITE_READONLY, SQLITE_CANTOPEN, SQLITE_PERM, SQLITE_AUTH: .unwritable
        case SQLITE_NOMEM: .noMemory
        case SQLITE_OK, SQLITE_CONSTRAINT, SQLITE_MISMATCH, SQLITE_TOOBIG, SQLITE_RANGE: .refused
        default: .other
        }
    }

    /// True when the write did not happen because the store cannot write now, whatever the data: nothing of it
    /// was stored, so nothing may be acknowledged, and the same write may succeed later (space freed, the disk
    /// back, the lock released). False when SQLite refused this data.
    public var storeCannotWrite: Bool {
        switch cause {
        case .diskFull, .ioError, .corrupt, .busy, .unwritable, .noMemory: true
        case .refused, .other: false
        }
    }
}
