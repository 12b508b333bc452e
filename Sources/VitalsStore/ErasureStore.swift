import Foundation
import Logging
import VitalsCore

/// What `deleteSubject` removed. The counts are the only trace kept besides the subject id, who and when.
public struct SubjectErasure: Hashable, Sendable {
    /// The `erasures` row that records it.
    public var seq: Int64
    public var subjectID: String
    public var readings: Int
    public var waveformBlocks: Int
    public var alerts: Int
    /// Whether the write-ahead log was checkpointed and truncated afterwards, so no copy of a deleted page is left
    /// in it (false when another connection, a running hub say, was reading at that moment; SQLite then keeps the
    /// log until a later checkpoint).
    public var walTruncated: Bool
}

public enum SubjectErasureOutcome: Hashable, Sendable {
    case erased(SubjectErasure)
    case unknownSubject
}

/// What `applyRetention` removed, and what it kept because it has not left the hub.
public struct RetentionOutcome: Hashable, Sendable {
    public var readings = 0
    public var waveformBlocks = 0
    /// Old readings and blocks kept because an uplink has not acknowledged them yet (or, with no uplink ever
    /// acknowledging anything, because nothing may be deleted that never left the hub).
    public var keptUnsent = 0
    /// Old readings kept because an alert cites them, they were re-filed, or an uplink refused them for good and
    /// parked them (alerts and audit records are not subject to retention).
    public var keptCited = 0
    /// True when no uplink has acknowledged anything and deletion by age alone was not allowed.
    public var noUplink = false
    public init() {}
}

/// A stored erasure record (`erasures`, v10).
public struct ErasureRecord: Hashable, Sendable, Codable {
    public var seq: Int64
    public var kind: String
    public var subjectID: String?
    public var cutoff: Date?
    public var at: Date
    public var by: String
    public var readings: Int?
    public var waveformBlocks: Int?
    public var alerts: Int?
    public var completedAt: Date?
}

extension VitalsStore {
    /// Deletes everything filed under `subject`, in one transaction: readings with their observations, raw frames
    /// and outbox entries; waveform blocks with their outbox entries and the signal-quality windows over them;
    /// alerts with their steps, deliveries, parked deliveries, acknowledgements and outbox entries; device
    /// assignments and their audit rows; re-filing rows that name the subject; the subject itself; and, through
    /// `rewriteStreamState` (which gets each saved stream state and returns it without the subject), the analytics
    /// state. It leaves one `erasures` row: the subject id, who, when and the counts. Deleted pages are overwritten
    /// (`secure_delete`) and the write-ahead log is truncated afterwards.
    ///
    /// A reading re-filed away from the subject belongs to its new subject and stays (its re-filing row, which
    /// names this subject, goes). An alert of another subject that cited one of this subject's readings loses the
    /// reference, not the alert. Devices stay: they are equipment, not patient data.
    public func deleteSubject(
        _ subject: String, by actor: String, at now: Date = Date(),
        rewriteStreamState: (@Sendable (_ name: String, _ state: [UInt8]) throws -> [UInt8])? = nil
    ) throws(StoreError) -> SubjectErasureOutcome {
        guard !actor.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw StoreError(code: 0, message: "an erasure needs the name of who asked for it", context: "deleting a subject")
        }
        guard try self.subject(id: subject) != nil else { return .unknownSubject }
        let s = SQLValue.text(subject)
        var erasure = try transaction(.full) { () throws(StoreError) -> SubjectErasure in
            try statement("INSERT INTO erasures (kind, subject_id, acted_at, acted_by) VALUES ('subject', ?, ?, ?)")
                .run([s, .int(Self.ms(now)), .text(actor)])
            let seq = db.lastInsertRowID

            // Alerts: the subject's own, and their whole history.
            let alertIDs = try statement("SELECT id FROM alerts WHERE subject_id = ?").query([s]) { $0.text(0) }
            let ofAlerts = "SELECT seq FROM alert_events WHERE alert_id IN (SELECT id FROM alerts WHERE subject_id = ?1)"
            try statement("DELETE FROM alert_acknowledgements WHERE alert_id IN (SELECT id FROM alerts WHERE subject_id = ?1)").run([s])
            try statement("DELETE FROM alert_deliveries WHERE event_seq IN (\(ofAlerts))").run([s])
            try statement("DELETE FROM alert_dead_letters WHERE event_seq IN (\(ofAlerts))").run([s])
            try statement("DELETE FROM alert_events WHERE alert_id IN (SELECT id FROM alerts WHERE subject_id = ?1)").run([s])
            try statement("DELETE FROM outbox WHERE kind = 'alert' AND ref IN (SELECT id FROM alerts WHERE subject_id = ?1)").run([s])
            try statement("DELETE FROM alerts WHERE subject_id = ?1").run([s])
            try statement("UPDATE alerts SET reading_id = NULL WHERE reading_id IN (SELECT id FROM readings WHERE subject_id = ?1)").run([s])

            // Readings, their raw frames and outbox entries (observations go by ON DELETE CASCADE).
            let frames = try statement("SELECT DISTINCT raw_frame_id FROM readings WHERE subject_id = ?1").query([s]) { $0.int(0) }
            // The subject's own devices: assigned to them, or whose every stored reading is theirs. Frames those
            // devices sent that were never stored as a reading (refused, undecodable) are theirs too.
            let ownDevices = try statement("""
                SELECT device_id FROM device_assignments WHERE subject_id = ?1 AND device_user IS NULL
                UNION SELECT device_id FROM readings GROUP BY device_id HAVING min(subject_id) = ?1 AND max(subject_id) = ?1
                """).query([s]) { $0.text(0) }
            try statement("""
                DELETE FROM reading_refilings WHERE from_subject = ?1 OR to_subject = ?1
                    OR reading_id IN (SELECT id FROM readings WHERE subject_id = ?1)
                """).run([s])
            try statement("DELETE FROM outbox WHERE kind = 'reading' AND ref IN (SELECT CAST(id AS TEXT) FROM readings WHERE subject_id = ?1)").run([s])
            try statement("DELETE FROM uplink_parked WHERE kind = 'reading' AND ref IN (SELECT CAST(id AS TEXT) FROM readings WHERE subject_id = ?1)").run([s])
            try statement("DELETE FROM readings WHERE subject_id = ?1").run([s])
            let readings = db.changes
            let dropFrame = try statement("DELETE FROM raw_frames WHERE id = ? AND NOT EXISTS (SELECT 1 FROM readings WHERE raw_frame_id = raw_frames.id)")
            for f in frames { try dropFrame.run([.int(f)]) }
            let dropUnstored = try statement("DELETE FROM raw_frames WHERE device_id = ? AND NOT EXISTS (SELECT 1 FROM readings WHERE raw_frame_id = raw_frames.id)")
            for d in ownDevices { try dropUnstored.run([.text(d)]) }

            // Waveform blocks, the quality windows over them, their outbox entries.
            try statement("""
                DELETE FROM waveform_quality WHERE EXISTS (
                    SELECT 1 FROM waveform_blocks b WHERE b.subject_id = ?1 AND b.device_id = waveform_quality.device_id
                      AND b.lead_mdc = waveform_quality.lead_mdc AND waveform_quality.start_us < b.start_us + CAST(b.sample_count * 1e6 / b.sample_rate AS INTEGER)
                      AND waveform_quality.end_us > b.start_us)
                """).run([s])
            try statement("DELETE FROM outbox WHERE kind = 'waveform' AND ref IN (SELECT CAST(id AS TEXT) FROM waveform_blocks WHERE subject_id = ?1)").run([s])
            try statement("DELETE FROM uplink_parked WHERE kind = 'waveform' AND ref IN (SELECT CAST(id AS TEXT) FROM waveform_blocks WHERE subject_id = ?1)").run([s])
            try statement("DELETE FROM waveform_blocks WHERE subject_id = ?1").run([s])
            let blocks = db.changes

            // Who the subject's devices went to, and the record of it.
            try statement("DELETE FROM device_assignment_audit WHERE from_subject = ?1 OR to_subject = ?1").run([s])
            try statement("DELETE FROM device_assignments WHERE subject_id = ?1").run([s])

            // The analytics state, rewritten without the subject.
            if let rewriteStreamState {
                let states = try statement("SELECT name, state FROM stream_state").query { ($0.text(0), $0.blob(1)) }
                for (name, state) in states {
                    let rewritten: [UInt8]
                    do { rewritten = try rewriteStreamState(name, state) } catch {
                        throw StoreError(code: 0, message: "the stream state '\(name)' could not be rewritten: \(error)", context: "deleting a subject")
                    }
                    try statement("UPDATE stream_state SET state = ?, updated_at = ? WHERE name = ?").run([.blob(rewritten), .int(Self.ms(now)), .text(name)])
                }
            }

            try statement("DELETE FROM subjects WHERE id = ?1").run([s])
            try statement("UPDATE erasures SET readings = ?, waveform_blocks = ?, alerts = ?, completed_at = ? WHERE seq = ?")
                .run([.int(Int64(readings)), .int(Int64(blocks)), .int(Int64(alertIDs.count)), .int(Self.ms(now)), .int(seq)])
            return SubjectErasure(seq: seq, subjectID: subject, readings: readings, waveformBlocks: blocks, alerts: alertIDs.count, walTruncated: false)
        }
        erasure.walTruncated = truncateWAL()
        logger.notice("subject erased", metadata: [
            "store.erasure": "\(erasure.seq)", "store.readings": "\(erasure.readings)", "store.blocks": "\(erasure.waveformBlocks)",
            "store.alerts": "\(erasure.alerts)",
        ])
        return .erased(erasure)
    }

    /// Deletes readings and waveform blocks older than `cutoff` (a reading when both its measurement and its
    /// receipt are older) that every uplink has acknowledged, in transactions of at most `batch` readings.
    ///
    /// Never deleted: anything above the lowest uplink watermark (`uplink_acks`), so nothing is lost that has not
    /// left the hub; alerts (open or not) and the readings they cite; readings with a re-filing record; readings and
    /// blocks an uplink refused for good (`uplink_parked`); frames that could not be decoded. When no uplink has acknowledged anything, nothing is deleted unless `withoutUplink`
    /// says this hub sends nowhere, and then age alone decides. Each transaction that deletes something leaves an
    /// `erasures` row (kind `retention`, the cutoff, who, when, the counts).
    public func applyRetention(
        olderThan cutoff: Date, withoutUplink: Bool = false, by actor: String = "retention", at now: Date = Date(), batch: Int = 5000
    ) throws(StoreError) -> RetentionOutcome {
        var outcome = RetentionOutcome()
        let (targets, lowest) = try statement("SELECT count(*), ifnull(min(acked_seq), 0) FROM uplink_acks").query { ($0.int(0), $0.int(1)) }.first ?? (0, 0)
        if targets == 0 && !withoutUplink { outcome.noUplink = true }
        let watermark: Int64 = targets == 0 ? (withoutUplink ? .max : -1) : lowest
        let c = SQLValue.int(Self.ms(cutoff))
        let w = SQLValue.int(watermark)
        let old = "max(r.effective_at, r.received_at) < ?1"
        let sent = "EXISTS (SELECT 1 FROM outbox o WHERE o.kind = 'reading' AND o.ref = CAST(r.id AS TEXT) AND o.seq <= ?2)"
        // An alert's evidence: the reading it names, and every reading of its device inside its evidence span (a CGM
        // episode cites the readings from its first low to its last).
        let inSpan = "EXISTS (SELECT 1 FROM alerts a WHERE a.device_id = r.device_id AND a.evidence_from IS NOT NULL"
            + " AND r.effective_at BETWEEN a.evidence_from AND coalesce(a.evidence_to, a.evidence_from))"
        // A reading an uplink refused for good (parked) stays until someone deals with it: it never left the hub.
        let parked = "EXISTS (SELECT 1 FROM uplink_parked p WHERE p.kind = 'reading' AND p.ref = CAST(r.id AS TEXT))"
        let cited = "(EXISTS (SELECT 1 FROM alerts a WHERE a.reading_id = r.id) OR \(inSpan) OR EXISTS (SELECT 1 FROM reading_refilings f WHERE f.reading_id = r.id) OR \(parked))"
        let noOutbox = "NOT EXISTS (SELECT 1 FROM outbox o WHERE o.kind = 'reading' AND o.ref = CAST(r.id AS TEXT))"
        let deletable = "\(old) AND NOT \(cited) AND (\(sent) OR (?2 = \(Int64.max) AND \(noOutbox)))"
        // A block or quality window of a rhythm alert's strip (its evidence span, and the two minutes before it a
        // block may start in) is kept with the alert.
        let blockOld = "b.start_us < ?1 * 1000 AND NOT EXISTS (SELECT 1 FROM alerts a WHERE a.device_id = b.device_id AND a.evidence_from IS NOT NULL"
            + " AND b.start_us / 1000 BETWEEN a.evidence_from - 120000 AND coalesce(a.evidence_to, a.evidence_from))"
        let blockSent = "EXISTS (SELECT 1 FROM outbox o WHERE o.kind = 'waveform' AND o.ref = CAST(b.id AS TEXT) AND o.seq <= ?2)"
            + " AND NOT EXISTS (SELECT 1 FROM uplink_parked p WHERE p.kind = 'waveform' AND p.ref = CAST(b.id AS TEXT))"
        while true {
            let done = try transaction(.full) { () throws(StoreError) -> Bool in
                let ids = try statement("SELECT r.id FROM readings r WHERE \(deletable) ORDER BY r.id LIMIT ?3")
                    .query([c, w, .int(Int64(batch))]) { $0.int(0) }
                let blockIDs = try statement("SELECT b.id FROM waveform_blocks b WHERE \(blockOld) AND \(blockSent) ORDER BY b.id LIMIT ?3")
                    .query([c, w, .int(Int64(batch))]) { $0.int(0) }
                if ids.isEmpty && blockIDs.isEmpty { return true }
                let frame = try statement("SELECT raw_frame_id FROM readings WHERE id = ?")
                let dropOutbox = try statement("DELETE FROM outbox WHERE kind = ? AND ref = ?")
                let dropReading = try statement("DELETE FROM readings WHERE id = ?")
                let dropFrame = try statement("DELETE FROM raw_frames WHERE id = ? AND NOT EXISTS (SELECT 1 FROM readings WHERE raw_frame_id = raw_frames.id)")
                for id in ids {
                    let f = try frame.query([.int(id)]) { $0.int(0) }.first
                    try dropOutbox.run([.text("reading"), .text(String(id))])
                    try dropReading.run([.int(id)])
                    if let f { try dropFrame.run([.int(f)]) }
                }
                let dropBlock = try statement("DELETE FROM waveform_blocks WHERE id = ?")
                for id in blockIDs {
                    try dropOutbox.run([.text("waveform"), .text(String(id))])
                    try dropBlock.run([.int(id)])
                }
                try statement("""
                    DELETE FROM waveform_quality WHERE end_us < ?1 * 1000 AND NOT EXISTS (SELECT 1 FROM alerts a
                        WHERE a.device_id = waveform_quality.device_id AND a.evidence_from IS NOT NULL
                        AND waveform_quality.end_us / 1000 >= a.evidence_from AND waveform_quality.start_us / 1000 <= coalesce(a.evidence_to, a.evidence_from))
                    """).run([c])
                try statement("""
                    INSERT INTO erasures (kind, cutoff_at, acted_at, acted_by, readings, waveform_blocks, alerts, completed_at)
                    VALUES ('retention', ?, ?, ?, ?, ?, 0, ?)
                    """).run([c, .int(Self.ms(now)), .text(actor), .int(Int64(ids.count)), .int(Int64(blockIDs.count)), .int(Self.ms(now))])
                outcome.readings += ids.count
                outcome.waveformBlocks += blockIDs.count
                return ids.count < batch && blockIDs.count < batch
            }
            if done { break }
        }
        outcome.keptUnsent = Int(try statement("SELECT count(*) FROM readings r WHERE \(old) AND NOT \(cited) AND NOT (\(sent) OR (?2 = \(Int64.max) AND \(noOutbox)))")
            .query([c, w]) { $0.int(0) }.first ?? 0)
        outcome.keptUnsent += Int(try statement("SELECT count(*) FROM waveform_blocks b WHERE \(blockOld) AND NOT \(blockSent)").query([c, w]) { $0.int(0) }.first ?? 0)
        outcome.keptCited = Int(try statement("SELECT count(*) FROM readings r WHERE \(old) AND \(cited)").query([c]) { $0.int(0) }.first ?? 0)
        if outcome.readings > 0 || outcome.waveformBlocks > 0 {
            _ = truncateWAL()
            logger.notice("retention applied", metadata: [
                "store.readings": "\(outcome.readings)", "store.blocks": "\(outcome.waveformBlocks)", "store.kept-unsent": "\(outcome.keptUnsent)",
            ])
        }
        return outcome
    }

    /// Every erasure record, oldest first.
    public func erasures() throws(StoreError) -> [ErasureRecord] {
        try statement("""
            SELECT seq, kind, subject_id, cutoff_at, acted_at, acted_by, readings, waveform_blocks, alerts, completed_at FROM erasures ORDER BY seq
            """).query { r in
                ErasureRecord(seq: r.int(0), kind: r.text(1), subjectID: r.optText(2), cutoff: r.optInt(3).map(Self.date), at: Self.date(r.int(4)),
                              by: r.text(5), readings: r.optInt(6).map { Int($0) }, waveformBlocks: r.optInt(7).map { Int($0) },
                              alerts: r.optInt(8).map { Int($0) }, completedAt: r.optInt(9).map(Self.date))
            }
    }

    /// Checkpoints the write-ahead log into the database and truncates it to zero bytes. False when a reader
    /// blocked the checkpoint (or the database is in memory).
    func truncateWAL() -> Bool {
        guard path != ":memory:" else { return false }
        let rows = try? db.prepare("PRAGMA wal_checkpoint(TRUNCATE)").query([]) { ($0.int(0), $0.int(1), $0.int(2)) }
        guard let r = rows?.first else { return false }
        return r.0 == 0 && r.1 == r.2
    }
}
