import Foundation

/// Which process runs the hub on a database: `vitals run` holds an exclusive `flock` on `DATABASE.lock` (a 0600
/// file beside it) for as long as it runs; the kernel drops it when the process ends, however it ends. A command
/// that must not run beside the hub (`vitals subject delete`: the running hub would save the subject's analytics
/// state back and file their new readings again) asks whether the lock is held.
enum HubLock {
    /// The lock file of a database.
    static func path(for database: String) -> String { database + ".lock" }

    /// Takes the lock for this process's lifetime. Nil when another process holds it (another hub on the same
    /// database) or the file cannot be made; the hub then runs anyway and says so.
    static func hold(database: String) -> Int32? {
        let fd = open(path(for: database), O_CREAT | O_RDWR | O_CLOEXEC, 0o600)
        guard fd >= 0 else { return nil }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            close(fd)
            return nil
        }
        return fd  // kept open (and locked) until the process exits
    }

    /// Whether a hub holds the lock now (false when there is no lock file: no hub has run on this database).
    static func isHeld(database: String) -> Bool {
        let fd = open(path(for: database), O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        if flock(fd, LOCK_EX | LOCK_NB) == 0 {
            flock(fd, LOCK_UN)
            return false
        }
        return errno == EWOULDBLOCK
    }
}
