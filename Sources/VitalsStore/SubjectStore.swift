import Foundation
import VitalsCore

/// A person readings are filed under.
public struct StoredSubject: Hashable, Sendable, Codable {
    public var id: String
    /// Set through the API; subjects the hub created on its own (from `--subject` or `--assign`) have none.
    public var displayName: String?
    public var createdAt: Date
}

/// Which person a device's readings (or one user's of a multi-user cuff) belong to, and who said so.
public struct DeviceAssignmentRecord: Hashable, Sendable, Codable {
    public var deviceID: String
    /// The device's own User ID (0–254) for a multi-user cuff; nil: the whole device.
    public var user: Int?
    public var subjectID: String
    public var at: Date
    public var by: String
}

/// The audit record of one assignment change.
public struct DeviceAssignmentAudit: Hashable, Sendable, Codable {
    public var seq: Int64
    public var deviceID: String
    public var user: Int?
    /// nil when the device (or user) had no stored assignment before.
    public var fromSubject: String?
    public var toSubject: String
    public var at: Date
    public var by: String
    public var reason: String?
}

/// The audit record of one reading moved to another person.
public struct ReadingRefiling: Hashable, Sendable, Codable {
    public var seq: Int64
    public var readingID: Int64
    public var fromSubject: String
    public var toSubject: String
    public var at: Date
    public var by: String
    public var reason: String
}

public enum AssignmentOutcome: Hashable, Sendable {
    case assigned(DeviceAssignmentRecord, DeviceAssignmentAudit)
    /// The device already goes to that subject: nothing changed, nothing audited.
    case unchanged(DeviceAssignmentRecord)
    case unknownDevice
    case unknownSubject
}

public enum RefileOutcome: Hashable, Sendable {
    case refiled(StoredReading, ReadingRefiling)
    case unknownReading
    case unknownSubject
    /// The reading is already filed under that subject.
    case alreadyThere(StoredReading)
}

/// A position in readings listed newest first: the last reading of a page. The next page starts after it.
public struct ReadingCursor: Hashable, Sendable {
    public var effectiveAtMilliseconds: Int64
    public var id: Int64

    public init(effectiveAtMilliseconds: Int64, id: Int64) {
        self.effectiveAtMilliseconds = effectiveAtMilliseconds
        self.id = id
    }

    /// The opaque text form clients hand back: `<effective ms>_<id>`.
    public var token: String { "\(effectiveAtMilliseconds)_\(id)" }

    public init?(token: String) {
        let parts = token.split(separator: "_", omittingEmptySubsequences: false)
        guard parts.count == 2, let ms = Int64(parts[0]), let id = Int64(parts[1]), id > 0 else { return nil }
        self.init(effectiveAtMilliseconds: ms, id: id)
    }
}

/// One page of readings, newest first, and where the next (older) page starts (nil: this was the last).
public struct ReadingPage: Hashable, Sendable {
    public var readings: [StoredReading]
    public var next: ReadingCursor?
}

/// One numeric-or-not observation with its reading's time, for analytics over a subject's series.
public struct SeriesPoint: Hashable, Sendable {
    public var readingID: Int64
    public var effectiveAt: Date
    public var metric: String
    public var unit: String
    public var value: Double?
    public var state: String
}

extension VitalsStore {
    // MARK: Subjects

    public func subjects() throws(StoreError) -> [StoredSubject] {
        try statement("SELECT id, display_name, created_at FROM subjects ORDER BY created_at, id").query {
            StoredSubject(id: $0.text(0), displayName: $0.optText(1), createdAt: Self.date($0.int(2)))
        }
    }

    public func subject(id: String) throws(StoreError) -> StoredSubject? {
        try statement("SELECT id, display_name, created_at FROM subjects WHERE id = ?").query([.text(id)]) {
            StoredSubject(id: $0.text(0), displayName: $0.optText(1), createdAt: Self.date($0.int(2)))
        }.first
    }

    /// Adds a subject with a display name. Returns nil when the id is taken.
    public func createSubject(id: String, displayName: String, at: Date) throws(StoreError) -> StoredSubject? {
        try transaction(.full) { () throws(StoreError) -> StoredSubject? in
            try statement("INSERT INTO subjects (id, created_at, display_name) VALUES (?, ?, ?) ON CONFLICT (id) DO NOTHING")
                .run([.text(id), .int(Self.ms(at)), .text(displayName)])
            guard db.changes > 0 else { return nil }
            return StoredSubject(id: id, displayName: displayName, createdAt: Self.date(Self.ms(at)))
        }
    }

    // MARK: Device assignments

    /// Every stored assignment, by device then user (the whole device first).
    public func deviceAssignments() throws(StoreError) -> [DeviceAssignmentRecord] {
        try statement("SELECT device_id, device_user, subject_id, acted_at, acted_by FROM device_assignments ORDER BY device_id, ifnull(device_user, -1)").query {
            DeviceAssignmentRecord(deviceID: $0.text(0), user: $0.optInt(1).map(Int.init), subjectID: $0.text(2), at: Self.date($0.int(3)), by: $0.text(4))
        }
    }

    /// The stored assignments as the pipeline routes by them, over `defaultSubject` for devices without one.
    public func subjectAssignment(defaultSubject: SubjectID) throws(StoreError) -> SubjectAssignment {
        var s = SubjectAssignment(defaultSubject: defaultSubject)
        for a in try deviceAssignments() {
            if let user = a.user { s.deviceUsers["\(a.deviceID)#\(user)"] = SubjectID(a.subjectID) } else { s.devices[a.deviceID] = SubjectID(a.subjectID) }
        }
        return s
    }

    /// The audit trail of a device's assignments, oldest first.
    public func deviceAssignmentHistory(deviceID: String) throws(StoreError) -> [DeviceAssignmentAudit] {
        try statement("""
            SELECT seq, device_id, device_user, from_subject, to_subject, acted_at, acted_by, reason FROM device_assignment_audit
            WHERE device_id = ? ORDER BY seq
            """).query([.text(deviceID)], Self.assignmentAudit)
    }

    static func assignmentAudit(_ row: Row) -> DeviceAssignmentAudit {
        DeviceAssignmentAudit(
            seq: row.int(0), deviceID: row.text(1), user: row.optInt(2).map(Int.init), fromSubject: row.optText(3), toSubject: row.text(4),
            at: date(row.int(5)), by: row.text(6), reason: row.optText(7))
    }

    /// Files a device's readings (or one user's of a multi-user device) under `subject` from now on, and audits
    /// the change. Readings already stored stay where they are (re-file them one by one).
    public func assign(deviceID: String, user: Int?, to subject: String, by actor: String, reason: String?, at now: Date) throws(StoreError) -> AssignmentOutcome {
        try transaction(.full) { () throws(StoreError) -> AssignmentOutcome in
            guard try !statement("SELECT 1 FROM devices WHERE id = ?").query([.text(deviceID)], { $0.int(0) }).isEmpty else { return .unknownDevice }
            guard try self.subject(id: subject) != nil else { return .unknownSubject }
            let userValue: SQLValue = user.map { .int(Int64($0)) } ?? .null
            let current = try statement("SELECT subject_id, acted_at, acted_by FROM device_assignments WHERE device_id = ?1 AND ifnull(device_user, -1) = ifnull(?2, -1)")
                .query([.text(deviceID), userValue]) { ($0.text(0), Self.date($0.int(1)), $0.text(2)) }.first
            if let current, current.0 == subject {
                return .unchanged(DeviceAssignmentRecord(deviceID: deviceID, user: user, subjectID: subject, at: current.1, by: current.2))
            }
            try statement("DELETE FROM device_assignments WHERE device_id = ?1 AND ifnull(device_user, -1) = ifnull(?2, -1)").run([.text(deviceID), userValue])
            try statement("INSERT INTO device_assignments (device_id, device_user, subject_id, acted_at, acted_by) VALUES (?, ?, ?, ?, ?)")
                .run([.text(deviceID), userValue, .text(subject), .int(Self.ms(now)), .text(actor)])
            try statement("""
                INSERT INTO device_assignment_audit (device_id, device_user, from_subject, to_subject, acted_at, acted_by, reason) VALUES (?, ?, ?, ?, ?, ?, ?)
                """).run([.text(deviceID), userValue, current.map { .text($0.0) } ?? .null, .text(subject), .int(Self.ms(now)), .text(actor), reason.map { .text($0) } ?? .null])
            let audit = DeviceAssignmentAudit(
                seq: db.lastInsertRowID, deviceID: deviceID, user: user, fromSubject: current?.0, toSubject: subject, at: Self.date(Self.ms(now)), by: actor,
                reason: reason)
            return .assigned(DeviceAssignmentRecord(deviceID: deviceID, user: user, subjectID: subject, at: audit.at, by: actor), audit)
        }
    }

    // MARK: Re-filing

    public func reading(id: Int64) throws(StoreError) -> StoredReading? {
        let rows = try statement("SELECT \(Self.readingColumns) FROM readings r JOIN raw_frames f ON f.id = r.raw_frame_id WHERE r.id = ?")
            .query([.int(id)], Self.storedReading)
        return try withObservations(rows).first
    }

    /// Moves one reading to another person and keeps the audit record (who, when, from, to, why) in the same
    /// transaction; the schema refuses a subject change without it. Alerts already raised on the reading stay
    /// with the person they were raised for.
    public func refile(readingID: Int64, to subject: String, by actor: String, reason: String, at now: Date) throws(StoreError) -> RefileOutcome {
        try transaction(.full) { () throws(StoreError) -> RefileOutcome in
            guard let r = try reading(id: readingID) else { return .unknownReading }
            guard try self.subject(id: subject) != nil else { return .unknownSubject }
            if r.subjectID == subject { return .alreadyThere(r) }
            try statement("INSERT INTO reading_refilings (reading_id, from_subject, to_subject, acted_at, acted_by, reason) VALUES (?, ?, ?, ?, ?, ?)")
                .run([.int(readingID), .text(r.subjectID), .text(subject), .int(Self.ms(now)), .text(actor), .text(reason)])
            let seq = db.lastInsertRowID
            try statement("UPDATE readings SET subject_id = ? WHERE id = ?").run([.text(subject), .int(readingID)])
            var moved = r
            moved.subjectID = subject
            return .refiled(moved, ReadingRefiling(seq: seq, readingID: readingID, fromSubject: r.subjectID, toSubject: subject, at: Self.date(Self.ms(now)), by: actor, reason: reason))
        }
    }

    /// A reading's re-filing history, oldest first.
    public func refilings(readingID: Int64) throws(StoreError) -> [ReadingRefiling] {
        try statement("SELECT seq, reading_id, from_subject, to_subject, acted_at, acted_by, reason FROM reading_refilings WHERE reading_id = ? ORDER BY seq")
            .query([.int(readingID)]) {
                ReadingRefiling(seq: $0.int(0), readingID: $0.int(1), fromSubject: $0.text(2), toSubject: $0.text(3), at: Self.date($0.int(4)), by: $0.text(5), reason: $0.text(6))
            }
    }

    // MARK: Paged readings

    /// Readings newest first, `limit` at a time, in `[from, to)` (either end open when nil), for one subject or
    /// all, optionally of one kind. Keyset paging: pass the page's `next` as `before` for the following page,
    /// which starts strictly after it in (effective time, id) order, so readings stored meanwhile never shift a
    /// page (no duplicates, no gaps).
    public func readings(
        subject: String?, kind: String? = nil, from: Date?, to: Date?, limit: Int, before: ReadingCursor?
    ) throws(StoreError) -> ReadingPage {
        let n = max(1, limit)
        let rows = try statement("""
            SELECT \(Self.readingColumns)
            FROM readings r JOIN raw_frames f ON f.id = r.raw_frame_id
            WHERE (?1 IS NULL OR r.subject_id = ?1) AND (?2 IS NULL OR r.kind = ?2)
              AND (?3 IS NULL OR r.effective_at >= ?3) AND (?4 IS NULL OR r.effective_at < ?4)
              AND (?5 IS NULL OR r.effective_at < ?5 OR (r.effective_at = ?5 AND r.id < ?6))
            ORDER BY r.effective_at DESC, r.id DESC LIMIT ?7
            """).query([
                subject.map { .text($0) } ?? .null, kind.map { .text($0) } ?? .null,
                from.map { .int(Self.ms($0)) } ?? .null, to.map { .int(Self.ms($0)) } ?? .null,
                before.map { .int($0.effectiveAtMilliseconds) } ?? .null, .int(before?.id ?? 0), .int(Int64(n + 1)),
            ], Self.storedReading)
        let page = try withObservations(Array(rows.prefix(n)))
        let next = rows.count > n ? page.last.map { ReadingCursor(effectiveAtMilliseconds: Self.ms($0.effectiveAt), id: $0.id) } : nil
        return ReadingPage(readings: page, next: next)
    }

    /// Every observation of a subject's readings of `kind` in `[from, to)`, oldest first (for analytics).
    public func series(subject: String, kind: String, from: Date?, to: Date?) throws(StoreError) -> [SeriesPoint] {
        try statement("""
            SELECT r.id, r.effective_at, o.metric, o.unit, o.value, o.state
            FROM readings r JOIN observations o ON o.reading_id = r.id
            WHERE r.subject_id = ?1 AND r.kind = ?2 AND (?3 IS NULL OR r.effective_at >= ?3) AND (?4 IS NULL OR r.effective_at < ?4)
            ORDER BY r.effective_at, r.id, o.ordinal
            """).query([.text(subject), .text(kind), from.map { .int(Self.ms($0)) } ?? .null, to.map { .int(Self.ms($0)) } ?? .null]) {
                SeriesPoint(readingID: $0.int(0), effectiveAt: Self.date($0.int(1)), metric: $0.text(2), unit: $0.text(3), value: $0.optDouble(4), state: $0.text(5))
            }
    }

    /// Readings per kind, alerts per state and subjects, for `/metrics`.
    public func statistics() throws(StoreError) -> (readingsByKind: [String: Int], alertsByState: [String: Int], subjects: Int) {
        var kinds: [String: Int] = [:]
        let kindRows = try statement("SELECT kind, count(*) FROM readings GROUP BY kind").query([]) { ($0.text(0), Int($0.int(1))) }
        for (k, n) in kindRows { kinds[k] = n }
        var states: [String: Int] = [:]
        let stateRows = try statement("SELECT state, count(*) FROM alerts WHERE historical = 0 GROUP BY state").query([]) { ($0.text(0), Int($0.int(1))) }
        for (s, n) in stateRows { states[s] = n }
        let subjects = Int(try statement("SELECT count(*) FROM subjects").query { $0.int(0) }.first ?? 0)
        return (kinds, states, subjects)
    }
}
