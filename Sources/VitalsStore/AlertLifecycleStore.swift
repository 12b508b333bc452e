import Foundation
import VitalsCore

/// One stored step of an alert's life (`alert_events`), with the alert as it was after the step.
public struct StoredAlertEvent: Hashable, Sendable, Codable {
    public var seq: Int64
    /// Idempotent id of the step (`AlertTransition.eventID`): receivers deduplicate on it.
    public var eventID: String
    public var transition: AlertTransitionKind
    public var state: AlertState
    public var severity: AlertSeverity
    public var at: Date
    public var eventTime: Date
    public var detail: String
    public var alert: Alert
}

/// The audit record of one acknowledgement: who, when, and the alert step it made.
public struct AlertAcknowledgement: Hashable, Sendable, Codable {
    public var alertID: String
    public var eventSeq: Int64
    public var by: String
    public var at: Date
}

extension VitalsStore {
    static let alertColumns = """
        a.id, a.rule_id, a.subject_id, a.device_id, a.severity, a.state, a.message, a.citation, a.raised_at, a.effective_at, a.evidence_key,
        a.historical, a.evidence_from, a.evidence_to, a.escalations, a.updated_at
        """

    /// A step's columns (`alert_events e`) then its alert's (`alerts a`), as `event(_:)` reads them.
    static let eventColumns = "e.seq, e.event_id, e.transition, e.state, e.severity, e.at, e.event_time, e.detail, \(alertColumns)"

    static func alert(_ row: Row, from c: Int32 = 0) -> Alert {
        Alert(
            id: row.text(c), ruleID: row.text(c + 1), subject: SubjectID(row.text(c + 2)), device: DeviceID(rawValue: row.text(c + 3)),
            severity: AlertSeverity(rawValue: row.text(c + 4)) ?? .advisory, state: AlertState(rawValue: row.text(c + 5)) ?? .raised,
            message: row.text(c + 6), citation: row.text(c + 7), raisedAt: date(row.int(c + 8)), effectiveTime: date(row.int(c + 9)),
            evidenceKey: row.text(c + 10), historical: row.int(c + 11) != 0, evidenceFrom: row.optInt(c + 12).map(date),
            evidenceTo: row.optInt(c + 13).map(date), escalations: Int(row.int(c + 14)), updatedAt: row.optInt(c + 15).map(date))
    }

    /// Persists alert transitions in one transaction: the alert row becomes the latest snapshot and the step is
    /// appended to `alert_events`. A step whose event id is already stored (a replay after a restart) changes
    /// nothing. Returns, per transition, the new step's sequence number, or nil for a replay.
    public func apply(_ transitions: [AlertTransition]) throws(StoreError) -> [Int64?] {
        guard !transitions.isEmpty else { return [] }
        return try transaction(.full) { () throws(StoreError) -> [Int64?] in try applyInTransaction(transitions) }
    }

    /// `apply(_:)` and `saveStreamState(_:name:at:)` in one transaction at synchronous=FULL: one sync of the WAL for
    /// an analytics batch's alert steps and the streaming state they came from, instead of one each. Either both are
    /// stored or neither, so a restart never sees the steps without the state that produced them, or the reverse.
    public func apply(_ transitions: [AlertTransition], savingState state: [UInt8], name: String, at: Date) throws(StoreError) -> [Int64?] {
        try transaction(.full) { () throws(StoreError) -> [Int64?] in
            let seqs = try applyInTransaction(transitions)
            try saveStreamStateInTransaction(state, name: name, at: at)
            return seqs
        }
    }

    private func applyInTransaction(_ transitions: [AlertTransition]) throws(StoreError) -> [Int64?] {
        var out: [Int64?] = []
        for t in transitions {
            let known = try statement("SELECT seq FROM alert_events WHERE event_id = ?").query([.text(t.eventID)]) { $0.int(0) }
            if !known.isEmpty {
                out.append(nil)
                continue
            }
            let a = t.alert
            try ensureSubject(a.subject, at: t.at)
            let parts = a.evidenceKey.split(separator: "|", maxSplits: 2, omittingEmptySubsequences: false).map(String.init)
            let (dev, kind, key) = parts.count == 3 ? (parts[0], parts[1], parts[2]) : ("", "", "")
            try statement("""
                INSERT INTO alerts (id, rule_id, subject_id, device_id, reading_id, severity, state, message, citation, raised_at, effective_at,
                    evidence_key, historical, evidence_from, evidence_to, escalations, updated_at)
                VALUES (?1, ?2, ?3, ?4, (SELECT id FROM readings WHERE device_id = ?5 AND kind = ?6 AND natural_key = ?7), ?8, ?9, ?10, ?11, ?12, ?13,
                    ?14, ?15, ?16, ?17, ?18, ?19)
                ON CONFLICT (id) DO UPDATE SET
                    rule_id = excluded.rule_id, severity = excluded.severity, message = excluded.message, citation = excluded.citation,
                    state = CASE WHEN alerts.state = 'resolved' THEN 'resolved'
                                 WHEN alerts.state = 'acknowledged' AND excluded.state = 'updated' AND excluded.severity = alerts.severity THEN 'acknowledged'
                                 ELSE excluded.state END,
                    historical = excluded.historical, evidence_to = max(coalesce(alerts.evidence_to, 0), coalesce(excluded.evidence_to, 0)),
                    escalations = max(alerts.escalations, excluded.escalations), updated_at = excluded.updated_at
                """).run([
                    .text(a.id), .text(a.ruleID), .text(a.subject.rawValue), .text(a.device.rawValue), .text(dev), .text(kind), .text(key),
                    .text(a.severity.rawValue), .text(a.state.rawValue), .text(a.message), .text(a.citation), .int(Self.ms(a.raisedAt)),
                    .int(Self.ms(a.effectiveTime)), .text(a.evidenceKey), .int(a.historical ? 1 : 0),
                    a.evidenceFrom.map { .int(Self.ms($0)) } ?? .null, a.evidenceTo.map { .int(Self.ms($0)) } ?? .null,
                    .int(Int64(a.escalations)), .int(Self.ms(a.updatedAt ?? t.at)),
                ])
            if try isFirstEvent(a.id) {
                try statement("INSERT INTO outbox (kind, ref, created_at) VALUES ('alert', ?, ?)").run([.text(a.id), .int(Self.ms(t.at))])
            }
            try statement("""
                INSERT INTO alert_events (event_id, alert_id, transition, state, severity, at, event_time, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """).run([
                    .text(t.eventID), .text(a.id), .text(t.kind.rawValue), .text(a.state.rawValue), .text(a.severity.rawValue),
                    .int(Self.ms(t.at)), .int(Self.ms(t.eventTime)), .text(t.detail),
                ])
            out.append(db.lastInsertRowID)
        }
        return out
    }

    private func isFirstEvent(_ id: String) throws(StoreError) -> Bool {
        try statement("SELECT count(*) FROM alert_events WHERE alert_id = ?").query([.text(id)]) { $0.int(0) }.first == 0
    }

    /// One alert by id.
    public func alert(id: String) throws(StoreError) -> Alert? {
        try statement("SELECT \(Self.alertColumns) FROM alerts a WHERE a.id = ?").query([.text(id)]) { Self.alert($0) }.first
    }

    /// Acknowledges an open live alert (raised or updated), records the step, and audits who acknowledged it
    /// and when (`alert_acknowledgements`). Returns the alert after it, or nil when there is no such alert or
    /// it is resolved, historical or already acknowledged.
    public func acknowledge(alertID: String, by actor: String, at now: Date) throws(StoreError) -> Alert? {
        try transaction(.full) { () throws(StoreError) -> Alert? in
            guard var a = try statement("SELECT \(Self.alertColumns) FROM alerts a WHERE a.id = ?").query([.text(alertID)], { Self.alert($0) }).first,
                  !a.historical, a.state == .raised || a.state == .updated else { return nil }
            a.state = .acknowledged
            a.updatedAt = now
            try statement("UPDATE alerts SET state = 'acknowledged', updated_at = ? WHERE id = ?").run([.int(Self.ms(now)), .text(a.id)])
            let t = AlertTransition(kind: .acknowledged, alert: a, at: now, eventTime: now)
            try statement("""
                INSERT INTO alert_events (event_id, alert_id, transition, state, severity, at, event_time, detail) VALUES (?, ?, 'acknowledged', 'acknowledged', ?, ?, ?, '')
                ON CONFLICT (event_id) DO NOTHING
                """).run([.text(t.eventID), .text(a.id), .text(a.severity.rawValue), .int(Self.ms(now)), .int(Self.ms(now))])
            try statement("""
                INSERT INTO alert_acknowledgements (event_seq, alert_id, acted_at, acted_by)
                SELECT seq, alert_id, ?, ? FROM alert_events WHERE event_id = ?
                """).run([.int(Self.ms(now)), .text(actor), .text(t.eventID)])
            return a
        }
    }

    /// Who acknowledged an alert and when, oldest first (an alert that was raised again can be acknowledged again).
    public func acknowledgements(alertID: String) throws(StoreError) -> [AlertAcknowledgement] {
        try statement("SELECT alert_id, event_seq, acted_by, acted_at FROM alert_acknowledgements WHERE alert_id = ? ORDER BY event_seq")
            .query([.text(alertID)]) { AlertAcknowledgement(alertID: $0.text(0), eventSeq: $0.int(1), by: $0.text(2), at: Self.date($0.int(3))) }
    }

    /// The ids among `ids` whose stored state is acknowledged or resolved (someone acted outside the hub).
    public func settledAlertIDs(among ids: [String]) throws(StoreError) -> Set<String> {
        var out: Set<String> = []
        for id in ids {
            let s = try statement("SELECT state FROM alerts WHERE id = ?").query([.text(id)]) { $0.text(0) }.first
            if s == "acknowledged" || s == "resolved" { out.insert(id) }
        }
        return out
    }

    /// The steps of alerts' lives in order (all alerts, or one).
    public func alertEvents(alertID: String? = nil, after seq: Int64 = 0, limit: Int = 10_000) throws(StoreError) -> [StoredAlertEvent] {
        try statement("""
            SELECT \(Self.eventColumns)
            FROM alert_events e JOIN alerts a ON a.id = e.alert_id
            WHERE (?1 IS NULL OR e.alert_id = ?1) AND e.seq > ?2 ORDER BY e.seq LIMIT ?3
            """).query([alertID.map { .text($0) } ?? .null, .int(seq), .int(Int64(limit))], Self.event)
    }

    static func event(_ row: Row) -> StoredAlertEvent {
        var a = alert(row, from: 8)
        // The alert as it was at this step, not as it is now.
        a.state = AlertState(rawValue: row.text(3)) ?? a.state
        a.severity = AlertSeverity(rawValue: row.text(4)) ?? a.severity
        return StoredAlertEvent(
            seq: row.int(0), eventID: row.text(1), transition: AlertTransitionKind(rawValue: row.text(2)) ?? .updated,
            state: AlertState(rawValue: row.text(3)) ?? .raised, severity: AlertSeverity(rawValue: row.text(4)) ?? .advisory,
            at: date(row.int(5)), eventTime: date(row.int(6)), detail: row.text(7), alert: a)
    }

    /// Steps not yet delivered on `channel` and not parked there, oldest first (at-least-once: mark each after
    /// it is delivered).
    public func undeliveredAlertEvents(channel: String, limit: Int = 100) throws(StoreError) -> [StoredAlertEvent] {
        try statement("""
            SELECT \(Self.eventColumns)
            FROM alert_events e JOIN alerts a ON a.id = e.alert_id
            WHERE NOT EXISTS (SELECT 1 FROM alert_deliveries d WHERE d.event_seq = e.seq AND d.channel = ?1)
              AND NOT EXISTS (SELECT 1 FROM alert_dead_letters p WHERE p.event_seq = e.seq AND p.channel = ?1)
            ORDER BY e.seq LIMIT ?2
            """).query([.text(channel), .int(Int64(limit))], Self.event)
    }

    /// A step the channel refused for good (a webhook's 4xx): kept aside with the reason, never retried on
    /// its own, so the steps after it go out.
    public func park(seq: Int64, channel: String, reason: String, attempts: Int, at: Date) throws(StoreError) {
        try transaction(.full) { () throws(StoreError) in
            try statement("INSERT INTO alert_dead_letters (event_seq, channel, reason, attempts, parked_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING")
                .run([.int(seq), .text(channel), .text(reason.isEmpty ? "refused" : reason), .int(Int64(max(1, attempts))), .int(Self.ms(at))])
        }
    }

    /// A parked step: which channel refused it, why, and when.
    public struct ParkedAlertEvent: Hashable, Sendable, Codable {
        public var event: StoredAlertEvent
        public var channel: String
        public var reason: String
        public var attempts: Int
        public var parkedAt: Date
    }

    /// The parked steps (all, or one person's), oldest first.
    public func parkedAlertEvents(subject: String? = nil) throws(StoreError) -> [ParkedAlertEvent] {
        try statement("""
            SELECT \(Self.eventColumns), p.channel, p.reason, p.attempts, p.parked_at
            FROM alert_dead_letters p JOIN alert_events e ON e.seq = p.event_seq JOIN alerts a ON a.id = e.alert_id
            WHERE (?1 IS NULL OR a.subject_id = ?1) ORDER BY e.seq, p.channel
            """).query([subject.map { .text($0) } ?? .null]) { row in
                ParkedAlertEvent(event: Self.event(row), channel: row.text(24), reason: row.text(25), attempts: Int(row.int(26)), parkedAt: Self.date(row.int(27)))
            }
    }

    public func markDelivered(seq: Int64, channel: String, attempts: Int, at: Date) throws(StoreError) {
        try transaction(.full) { () throws(StoreError) in
            try statement("INSERT INTO alert_deliveries (event_seq, channel, attempts, delivered_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING")
                .run([.int(seq), .text(channel), .int(Int64(max(1, attempts))), .int(Self.ms(at))])
        }
    }

    /// The streaming core's serialised state, saved after each batch so a restart continues where it was.
    /// `durability` `.normal` leaves the sync to the next synced commit (for a state that a restart can rebuild).
    public func saveStreamState(_ state: [UInt8], name: String, at: Date, durability: Durability = .full) throws(StoreError) {
        try transaction(durability) { () throws(StoreError) in try saveStreamStateInTransaction(state, name: name, at: at) }
    }

    private func saveStreamStateInTransaction(_ state: [UInt8], name: String, at: Date) throws(StoreError) {
        try statement("""
            INSERT INTO stream_state (name, state, updated_at) VALUES (?, ?, ?)
            ON CONFLICT (name) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at
            """).run([.text(name), .blob(state), .int(Self.ms(at))])
    }

    public func streamState(name: String) throws(StoreError) -> [UInt8]? {
        try statement("SELECT state FROM stream_state WHERE name = ?").query([.text(name)]) { $0.blob(0) }.first
    }
}
