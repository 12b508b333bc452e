import Foundation
import Testing
import VitalsCore
@testable import VitalsStore
import VitalsTestSupport

/// Deleting a subject's data and retention (schema v10), and the database files' modes.
struct ErasureTests {
    static let t0 = Date(timeIntervalSince1970: 1_700_000_000)

    func reading(_ subject: String, sys: Double, second: Int, device: String, at: Date = t0) -> Reading {
        var r = bpReading(sys, 80, key: second, device: device)
        r.subject = SubjectID(subject)
        r.effectiveTime = at.addingTimeInterval(Double(second))
        r.receivedTime = at.addingTimeInterval(Double(second))
        r.raw = RawFrame(source: "2A35", bytes: Array("\(subject.prefix(1).uppercased())-frame-\(second)".utf8))
        return r
    }

    func crisis(_ r: Reading) -> Alert {
        Alert(id: "bp.hypertensive-crisis/\(Alert.evidenceKey(for: r))", ruleID: "bp.hypertensive-crisis", subject: r.subject, device: r.device.id,
              severity: .critical, state: .raised, message: "crisis for \(r.subject.rawValue)", citation: "ACC/AHA 2017", raisedAt: r.receivedTime,
              effectiveTime: r.effectiveTime, evidenceKey: Alert.evidenceKey(for: r), historical: false, evidenceFrom: r.effectiveTime,
              evidenceTo: r.effectiveTime)
    }

    /// Every row of every table that mentions `needle` in any column, as "table: row count".
    func mentions(of needle: String, in store: VitalsStore, except: Set<String> = []) async throws -> [String] {
        var found: [String] = []
        let tables = try await store.unsafeQueryTexts("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
        #expect(tables.count >= 20, "every table of the schema is searched")
        for t in tables where !except.contains(t) {
            let columns = try await store.unsafeQueryTexts("SELECT name FROM pragma_table_info('\(t)')")
            let test = columns.map { "instr(CAST(\"\($0)\" AS TEXT), '\(needle)') > 0" }.joined(separator: " OR ")
            let n = try await store.unsafeQueryInts("SELECT count(*) FROM \"\(t)\" WHERE \(test)").first ?? 0
            if n > 0 { found.append("\(t): \(n)") }
        }
        return found
    }

    /// Two people on two cuffs: readings, an alert with its history and acknowledgement, a parked delivery,
    /// a waveform block with its quality, an assignment with its audit, a reading re-filed from one to the other.
    /// Whether the database file or its write-ahead log holds `text`, anywhere in its bytes.
    func onDisk(_ path: String, _ text: String) -> Bool {
        [path, path + "-wal"].compactMap { FileManager.default.contents(atPath: $0) }.contains { $0.range(of: Data(text.utf8)) != nil }
    }

    func twoSubjects() async throws -> (VitalsStore, String) {
        let path = tempDB()
        let store = try VitalsStore(path: path, logger: quiet)
        let alice = (0..<5).map { reading("alice-zz", sys: $0 == 4 ? 190 : 120, second: $0, device: "C0:FF:EE:00:01:01") }
        let bob = (0..<3).map { reading("bob-yy", sys: $0 == 2 ? 195 : 121, second: $0, device: "C0:FF:EE:00:01:02") }
        _ = try await store.record(alice + bob)
        // A frame from each cuff that was never a reading (it did not decode): no subject id, only the device.
        for (r, text) in [(alice[0], "A-rejected"), (bob[0], "B-rejected")] {
            try await store.record(rejectedFrame: Array(text.utf8), source: "2A35", device: r.device, received: r.receivedTime, error: "truncated")
        }
        for r in [alice[4], bob[2]] {
            let a = crisis(r)
            _ = try await store.apply([AlertTransition(kind: .raised, alert: a, at: a.raisedAt, eventTime: r.effectiveTime)])
            _ = try await store.acknowledge(alertID: a.id, by: "nurse", at: r.receivedTime.addingTimeInterval(60))
            let events = try await store.alertEvents(alertID: a.id)
            try await store.markDelivered(seq: events[0].seq, channel: "webhook", attempts: 1, at: Date())
            try await store.park(seq: events[1].seq, channel: "webhook", reason: "refused", attempts: 3, at: Date())
        }
        let cuff = DeviceIdentity(transport: .simBLE, address: "C0:FF:EE:00:03:01", profileID: nil)
        for (s, start) in [("alice-zz", 10.0), ("bob-yy", 100.0)] {
            let block = SampleBlock(subject: SubjectID(s), device: cuff, lead: .ecgLeadII, startTime: Self.t0.addingTimeInterval(start), sampleRate: 130,
                                    gain: 1000, baseline: 0, unit: .millivolt, samples: Array(repeating: 5, count: 1300))
            #expect(try await store.record(block: block))
            try await store.record(quality: [.init(start: block.startTime, end: block.startTime.addingTimeInterval(10), index: 0.9, usable: true, flags: [])],
                                   device: cuff.id, lead: .ecgLeadII)
        }
        let aliceCuff = alice[0].device.id.rawValue
        guard case .assigned = try await store.assign(deviceID: aliceCuff, user: nil, to: "alice-zz", by: "admin", reason: "her cuff", at: Self.t0) else {
            Issue.record("assignment refused")
            return (store, path)
        }
        let moved = try #require(try await store.readings(subject: "alice-zz").first)
        guard case .refiled = try await store.refile(readingID: moved.id, to: "bob-yy", by: "admin", reason: "bob measured", at: Self.t0) else {
            Issue.record("re-filing refused")
            return (store, path)
        }
        let bobsRaw = try #require(try await store.readings(subject: "bob-yy").last)
        guard case .refiled = try await store.refile(readingID: bobsRaw.id, to: "alice-zz", by: "admin", reason: "alice measured", at: Self.t0) else {
            Issue.record("re-filing refused")
            return (store, path)
        }
        try await store.saveStreamState(Array(#"{"lanes":["alice-zz","bob-yy"]}"#.utf8), name: "analytics.streaming", at: Self.t0)
        return (store, path)
    }

    @Test func deletingASubjectLeavesNoRowMentioningItAndOthersUntouched() async throws {
        let (store, path) = try await twoSubjects()
        #expect(try await store.unsafeQueryInts("PRAGMA secure_delete") == [1])
        #expect(onDisk(path, "crisis for alice-zz"), "her alert's text is in the files before")
        let before = try await mentions(of: "alice-zz", in: store)
        let tablesBefore = Set(before.map { String($0.prefix { $0 != ":" }) })
        #expect(tablesBefore == ["subjects", "readings", "alerts", "waveform_blocks", "device_assignments", "device_assignment_audit", "reading_refilings", "stream_state"])
        let bobBefore = try await store.readings(subject: "bob-yy")
        let bobAlerts = try await store.alerts().filter { $0.subject.rawValue == "bob-yy" }
        #expect(bobBefore.count == 3 && bobAlerts.count == 1)

        let outcome = try await store.deleteSubject("alice-zz", by: "dpo", at: Self.t0.addingTimeInterval(1000)) { name, state in
            #expect(name == "analytics.streaming")
            return Array(String(decoding: state, as: UTF8.self).replacingOccurrences(of: "\"alice-zz\",", with: "").utf8)
        }
        guard case .erased(let e) = outcome else { Issue.record("not erased: \(outcome)"); return }
        #expect(e.readings == 5, "four of hers and the one re-filed to her")
        #expect(e.waveformBlocks == 1 && e.alerts == 1)
        #expect(e.walTruncated)
        // Overwritten, not just unlinked: neither the database file nor the log holds her alert's text any more.
        #expect(!onDisk(path, "crisis for alice-zz"))
        #expect(onDisk(path, "crisis for bob-yy"))
        #expect((try? FileManager.default.attributesOfItem(atPath: path + "-wal")[.size] as? Int) ?? 0 == 0, "the log is truncated")

        let after = try await mentions(of: "alice-zz", in: store, except: ["erasures"])
        #expect(after == [])
        // The raw bytes of her readings are gone too (they carry no subject id, so are looked for by content): what
        // is left is bob's two and the one of hers re-filed to him.
        #expect(try await store.unsafeQueryInts("SELECT count(*) FROM raw_frames WHERE instr(CAST(bytes AS TEXT), 'A-frame') > 0") == [1])
        #expect(try await store.unsafeQueryInts("SELECT count(*) FROM raw_frames WHERE instr(CAST(bytes AS TEXT), 'B-frame') > 0") == [2])
        // Her cuff's frame that never became a reading goes with her; bob's stays.
        #expect(try await store.unsafeQueryInts("SELECT count(*) FROM raw_frames WHERE instr(CAST(bytes AS TEXT), 'A-rejected') > 0") == [0])
        #expect(try await store.unsafeQueryInts("SELECT count(*) FROM raw_frames WHERE instr(CAST(bytes AS TEXT), 'B-rejected') > 0") == [1])
        #expect(try await store.unsafeQueryInts("SELECT count(*) FROM raw_frames") == [4])

        // Bob keeps his readings (one moved to him from alice stays his; one moved from him to alice went with her).
        let bobAfter = try await store.readings(subject: "bob-yy")
        #expect(bobAfter.count == 3)
        #expect(try await store.alerts().filter { $0.subject.rawValue == "bob-yy" }.count == 1)
        #expect(try await store.alertEvents().count == 2, "bob's raised and acknowledged steps")
        #expect(try await store.unsafeQueryInts("SELECT count(*) FROM alert_acknowledgements") == [1])
        #expect(try await store.unsafeQueryInts("SELECT count(*) FROM waveform_blocks") == [1])
        #expect(try await store.unsafeQueryInts("SELECT count(*) FROM waveform_quality") == [1])
        #expect(try await store.unsafeQueryInts("SELECT count(*) FROM outbox") == [3 + 1 + 1], "bob's readings, alert and block")
        #expect(try await store.subjects().map(\.id) == ["bob-yy"])
        #expect(String(decoding: try #require(try await store.streamState(name: "analytics.streaming")), as: UTF8.self) == #"{"lanes":["bob-yy"]}"#)
        #expect(try await store.unsafeQueryInts("PRAGMA foreign_key_check").isEmpty)

        // The erasure record: the subject id, who, when, how much; nothing else.
        let records = try await store.erasures()
        #expect(records.count == 1)
        #expect(records[0].kind == "subject" && records[0].subjectID == "alice-zz" && records[0].by == "dpo")
        #expect(records[0].readings == 5 && records[0].completedAt == Self.t0.addingTimeInterval(1000))
        await #expect(throws: StoreError.self) { try await store.unsafeExecute("DELETE FROM erasures") }
        await #expect(throws: StoreError.self) { try await store.unsafeExecute("UPDATE erasures SET acted_by = 'someone else'") }

        #expect(try await store.deleteSubject("alice-zz", by: "dpo") == .unknownSubject)
    }

    @Test func auditRowsStayUndeletableOutsideAnErasure() async throws {
        let (store, _) = try await twoSubjects()
        for table in ["device_assignment_audit", "reading_refilings", "alert_acknowledgements"] {
            await #expect(throws: StoreError.self, "\(table)") { try await store.unsafeExecute("DELETE FROM \(table)") }
        }
        // A completed erasure of another subject opens nothing.
        _ = try await store.createSubject(id: "carol", displayName: "C", at: Self.t0)
        _ = try await store.deleteSubject("carol", by: "dpo")
        await #expect(throws: StoreError.self) { try await store.unsafeExecute("DELETE FROM reading_refilings") }
        // A failed erasure leaves everything as it was.
        let before = try await store.readings().count
        await #expect(throws: StoreError.self) {
            _ = try await store.deleteSubject("bob-yy", by: "dpo") { _, _ in throw CancellationError() }
        }
        #expect(try await store.readings().count == before)
        #expect(try await store.subjects().map(\.id).contains("bob-yy"))
        #expect(try await store.erasures().filter { $0.subjectID == "bob-yy" }.isEmpty)
    }

    /// An uplink configured but not yet through to its server (registered at start, nothing acknowledged) holds
    /// retention back as much as one that is behind: the others' acknowledgements do not let anything go.
    @Test func aRegisteredUplinkThatHasSentNothingHoldsRetentionBack() async throws {
        let store = try VitalsStore(path: tempDB(), logger: quiet)
        _ = try await store.record((0..<4).map { reading("erin", sys: 120, second: $0, device: "C0:FF:EE:00:01:02") })
        let seqs = try await store.unsafeQueryInts("SELECT seq FROM outbox WHERE kind = 'reading' ORDER BY seq")
        try await store.acknowledgeUplink(target: "postgres://a@h:5432/db", through: Int64(seqs.last!), rows: 4, at: Date())
        try await store.registerUplink(target: "fhir:https://fhir.example.org/r4", at: Date())
        try await store.registerUplink(target: "postgres://a@h:5432/db", at: Date())
        #expect(try await store.uplinkAcknowledged(target: "postgres://a@h:5432/db") == Int64(seqs.last!), "registering again keeps the watermark")
        let cutoff = Self.t0.addingTimeInterval(30 * 86_400)
        var r = try await store.applyRetention(olderThan: cutoff)
        #expect(r.readings == 0 && r.keptUnsent == 4)
        try await store.acknowledgeUplink(target: "fhir:https://fhir.example.org/r4", through: Int64(seqs.last!), rows: 4, at: Date())
        r = try await store.applyRetention(olderThan: cutoff)
        #expect(r.readings == 4)
    }

    /// An episode alert cites a span of its device's readings, not one reading: every reading in the span stays.
    @Test func retentionKeepsAnEpisodesWholeEvidenceSpan() async throws {
        let store = try VitalsStore(path: tempDB(), logger: quiet)
        let old = (0..<6).map { reading("finn", sys: 120, second: $0 * 60, device: "C0:FF:EE:00:01:03") }
        _ = try await store.record(old)
        var a = crisis(old[3])
        a.evidenceFrom = old[1].effectiveTime
        a.evidenceTo = old[3].effectiveTime
        _ = try await store.apply([AlertTransition(kind: .raised, alert: a, at: a.raisedAt, eventTime: a.effectiveTime)])
        let seqs = try await store.unsafeQueryInts("SELECT seq FROM outbox ORDER BY seq")
        try await store.acknowledgeUplink(target: "postgres://a@h:5432/db", through: Int64(seqs.last!), rows: 6, at: Date())
        let r = try await store.applyRetention(olderThan: Self.t0.addingTimeInterval(30 * 86_400))
        #expect(r.readings == 3 && r.keptCited == 3)
        #expect(Set(try await store.readings().map(\.effectiveAt)) == Set(old[1...3].map(\.effectiveTime)))
    }

    @Test func retentionKeepsWhatNoUplinkHasAcknowledgedAndWhatAlertsCite() async throws {
        let store = try VitalsStore(path: tempDB(), logger: quiet)
        let old = (0..<6).map { reading("dora", sys: $0 == 5 ? 190 : 120, second: $0, device: "C0:FF:EE:00:01:01") }
        let recent = (10..<12).map { reading("dora", sys: 120, second: $0, device: "C0:FF:EE:00:01:01", at: Self.t0.addingTimeInterval(40 * 86_400)) }
        _ = try await store.record(old + recent)
        let a = crisis(old[5])
        _ = try await store.apply([AlertTransition(kind: .raised, alert: a, at: a.raisedAt, eventTime: a.effectiveTime)])
        let cutoff = Self.t0.addingTimeInterval(30 * 86_400)

        // No uplink has acknowledged anything: nothing goes, unless the hub sends nowhere.
        var r = try await store.applyRetention(olderThan: cutoff)
        #expect(r.noUplink && r.readings == 0 && r.keptUnsent == 5 && r.keptCited == 1)
        #expect(try await store.readings().count == 8)

        // One uplink has the first three readings, another only the first two: the lower watermark decides.
        let seqs = try await store.unsafeQueryInts("SELECT seq FROM outbox WHERE kind = 'reading' ORDER BY seq")
        try await store.acknowledgeUplink(target: "postgres://a@h:5432/db", through: Int64(seqs[2]), rows: 3, at: Date())
        try await store.acknowledgeUplink(target: "postgres://b@h:5432/db", through: Int64(seqs[1]), rows: 2, at: Date())
        r = try await store.applyRetention(olderThan: cutoff, withoutUplink: true, by: "hub")
        #expect(!r.noUplink && r.readings == 2 && r.keptUnsent == 3 && r.keptCited == 1)
        #expect(try await store.readings().count == 6)

        // Everything sent: the old ones go except the one the open alert cites; the alert stays open; the recent stay.
        try await store.acknowledgeUplink(target: "postgres://a@h:5432/db", through: Int64(seqs.last!) + 10, rows: 5, at: Date())
        try await store.acknowledgeUplink(target: "postgres://b@h:5432/db", through: Int64(seqs.last!) + 10, rows: 6, at: Date())
        r = try await store.applyRetention(olderThan: cutoff, by: "hub", batch: 2)
        #expect(r.readings == 3 && r.keptUnsent == 0 && r.keptCited == 1)
        let left = try await store.readings()
        #expect(left.count == 3)
        #expect(Set(left.map(\.effectiveAt)) == Set([old[5].effectiveTime] + recent.map(\.effectiveTime)))
        #expect(try await store.alert(id: a.id)?.state == .raised)
        #expect(try await store.unsafeQueryInts("SELECT count(*) FROM raw_frames") == [3])
        #expect(try await store.unsafeQueryInts("SELECT count(*) FROM observations") == [9])
        #expect(try await store.unsafeQueryInts("SELECT count(*) FROM outbox WHERE kind = 'reading'") == [3])
        #expect(try await store.unsafeQueryInts("PRAGMA foreign_key_check").isEmpty)
        let audit = try await store.erasures()
        #expect(audit.allSatisfy { $0.kind == "retention" && $0.cutoff == cutoff && $0.subjectID == nil })
        #expect(audit.compactMap(\.readings).reduce(0, +) == 5)
    }

    @Test func retentionWithoutUplinkDeletesByAgeAlone() async throws {
        let store = try VitalsStore(path: tempDB(), logger: quiet)
        _ = try await store.record((0..<4).map { reading("erin", sys: 120, second: $0, device: "C0:FF:EE:00:01:01") })
        let cuff = DeviceIdentity(transport: .simBLE, address: "C0:FF:EE:00:03:01", profileID: nil)
        let block = SampleBlock(subject: SubjectID("erin"), device: cuff, lead: .ecgLeadII, startTime: Self.t0, sampleRate: 130, gain: 1000, baseline: 0,
                                unit: .millivolt, samples: [1, 2, 3])
        #expect(try await store.record(block: block))
        let r = try await store.applyRetention(olderThan: Self.t0.addingTimeInterval(86_400), withoutUplink: true)
        #expect(r.readings == 4 && r.waveformBlocks == 1 && !r.noUplink)
        #expect(try await store.readings().isEmpty)
        #expect(try await store.unsafeQueryInts("SELECT count(*) FROM outbox") == [0])
    }

    @Test func databaseAndItsLogFilesAreOwnerOnly() async throws {
        let path = tempDB()
        let old = umask(0)
        defer { umask(old) }
        let store = try VitalsStore(path: path, logger: quiet)
        _ = try await store.record([bpReading(120, 80, key: 1)])
        for file in [path, path + "-wal", path + "-shm"] {
            #expect(FileManager.default.fileExists(atPath: file), "\(file)")
            #expect(try FileManager.default.attributesOfItem(atPath: file)[.posixPermissions] as? Int == 0o600, "\(file)")
        }
        // A database someone made readable (and its log) is narrowed again when opened.
        for file in [path, path + "-wal"] { chmod(file, 0o644) }
        let second = try VitalsStore(path: path, logger: quiet)
        #expect(try await second.readings().count == 1)
        for file in [path, path + "-wal"] {
            #expect(try FileManager.default.attributesOfItem(atPath: file)[.posixPermissions] as? Int == 0o600, "\(file)")
        }
    }
}
