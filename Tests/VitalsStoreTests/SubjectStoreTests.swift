import Foundation
import Testing
import VitalsCore
import VitalsStore
import VitalsTestSupport

/// Subjects, audited device assignments and re-filings, and keyset-paged readings (schema v8).
struct SubjectStoreTests {
    @Test func subjectsHaveDisplayNamesAndIDsAreUnique() async throws {
        let store = try memoryStore()
        let alice = try await store.createSubject(id: "alice", displayName: "Alice A.", at: Date(timeIntervalSince1970: 10))
        #expect(alice?.displayName == "Alice A.")
        #expect(try await store.createSubject(id: "alice", displayName: "Other", at: Date()) == nil)
        _ = try await store.record([bpReading(120, 80, key: 1)])  // the hub files under "alice" too: no second row
        #expect(try await store.subjects().map(\.id) == ["alice"])
        await #expect(throws: StoreError.self) { try await store.unsafeExecute("UPDATE subjects SET display_name = '  ' WHERE id = 'alice'") }
    }

    @Test func assignmentIsAuditedAndRefusesUnknowns() async throws {
        let store = try memoryStore()
        _ = try await store.record([bpReading(120, 80, key: 1)])
        let device = try await store.devices()[0].id
        _ = try await store.createSubject(id: "bob", displayName: "Bob", at: Date())
        #expect(try await store.assign(deviceID: "nope", user: nil, to: "bob", by: "nurse", reason: nil, at: Date()) == .unknownDevice)
        #expect(try await store.assign(deviceID: device, user: nil, to: "nobody", by: "nurse", reason: nil, at: Date()) == .unknownSubject)

        guard case .assigned(let record, let audit) = try await store.assign(deviceID: device, user: nil, to: "bob", by: "nurse", reason: "new cuff", at: Date(timeIntervalSince1970: 50))
        else { Issue.record("not assigned"); return }
        #expect(record.subjectID == "bob" && audit.fromSubject == nil && audit.toSubject == "bob" && audit.by == "nurse" && audit.reason == "new cuff")
        guard case .assigned(_, let second) = try await store.assign(deviceID: device, user: nil, to: "alice", by: "dr", reason: nil, at: Date(timeIntervalSince1970: 60))
        else { Issue.record("not reassigned"); return }
        #expect(second.fromSubject == "bob")
        if case .unchanged = try await store.assign(deviceID: device, user: nil, to: "alice", by: "dr", reason: nil, at: Date()) {} else { Issue.record("same subject is a change") }
        // One user of a multi-user cuff is a separate assignment.
        _ = try await store.assign(deviceID: device, user: 2, to: "bob", by: "dr", reason: nil, at: Date(timeIntervalSince1970: 70))
        #expect(try await store.deviceAssignments().map { "\($0.user.map(String.init) ?? "-")=\($0.subjectID)" } == ["-=alice", "2=bob"])
        #expect(try await store.deviceAssignmentHistory(deviceID: device).map(\.toSubject) == ["bob", "alice", "bob"])
        // What the hub routes by when it starts.
        let routing = try await store.subjectAssignment(defaultSubject: SubjectID("default"))
        #expect(routing.subject(device: DeviceID(rawValue: device), user: nil) == SubjectID("alice"))
        #expect(routing.subject(device: DeviceID(rawValue: device), user: 2) == SubjectID("bob"))
        #expect(routing.subject(device: DeviceID(rawValue: device), user: 3) == SubjectID("alice/user-3"))
        #expect(routing.subject(device: DeviceID(rawValue: "other"), user: nil) == SubjectID("default"))
        await #expect(throws: StoreError.self) { try await store.unsafeExecute("DELETE FROM device_assignment_audit") }
        await #expect(throws: StoreError.self) { try await store.unsafeExecute("UPDATE device_assignment_audit SET acted_by = 'x'") }
        await #expect(throws: StoreError.self) { try await store.assign(deviceID: device, user: 255, to: "alice", by: "dr", reason: nil, at: Date()) }
    }

    @Test func refilingMovesTheReadingWithItsAuditRecord() async throws {
        let store = try memoryStore()
        guard case .inserted(let id) = try await store.record([bpReading(120, 80, key: 1)])[0] else { Issue.record("not stored"); return }
        _ = try await store.createSubject(id: "bob", displayName: "Bob", at: Date())
        #expect(try await store.refile(readingID: 999, to: "bob", by: "nurse", reason: "wrong person", at: Date()) == .unknownReading)
        #expect(try await store.refile(readingID: id, to: "nobody", by: "nurse", reason: "wrong person", at: Date()) == .unknownSubject)
        guard case .refiled(let r, let audit) = try await store.refile(readingID: id, to: "bob", by: "nurse", reason: "Bob used Alice's cuff", at: Date(timeIntervalSince1970: 90))
        else { Issue.record("not re-filed"); return }
        #expect(r.subjectID == "bob" && audit.fromSubject == "alice" && audit.toSubject == "bob" && audit.by == "nurse")
        #expect(try await store.readings(subject: "bob").map(\.id) == [id])
        #expect(try await store.readings(subject: "alice").isEmpty)
        if case .alreadyThere = try await store.refile(readingID: id, to: "bob", by: "nurse", reason: "again", at: Date()) {} else { Issue.record("moved twice") }
        #expect(try await store.refilings(readingID: id).count == 1)
        // Moving a reading without its audit record is refused by the schema itself.
        await #expect(throws: StoreError.self) { try await store.unsafeExecute("UPDATE readings SET subject_id = 'alice' WHERE id = \(id)") }
        await #expect(throws: StoreError.self) { try await store.unsafeExecute("DELETE FROM reading_refilings") }
    }

    @Test func acknowledgementKeepsWhoAndWhen() async throws {
        let store = try memoryStore()
        let a = Alert(
            id: "a1", ruleID: "bp.hypertensive-crisis", subject: SubjectID("alice"), device: DeviceID(rawValue: "sim-ble:C0:FF:EE:00:01:01"),
            severity: .critical, state: .raised, message: "m", citation: "c", raisedAt: Date(timeIntervalSince1970: 100),
            effectiveTime: Date(timeIntervalSince1970: 100), evidenceKey: "x|y|z")
        _ = try await store.record([bpReading(186, 124, key: 1)])
        _ = try await store.apply([AlertTransition(kind: .raised, alert: a, at: a.raisedAt, eventTime: a.raisedAt)])
        #expect(try await store.acknowledge(alertID: "a1", by: "nurse joy", at: Date(timeIntervalSince1970: 200))?.state == .acknowledged)
        let acks = try await store.acknowledgements(alertID: "a1")
        #expect(acks.count == 1 && acks[0].by == "nurse joy" && acks[0].at == Date(timeIntervalSince1970: 200))
        #expect(try await store.acknowledge(alertID: "a1", by: "someone", at: Date()) == nil)
        await #expect(throws: StoreError.self) { try await store.unsafeExecute("UPDATE alert_acknowledgements SET acted_by = 'x'") }
    }

    @Test func keysetPagesCoverARangeWithoutDuplicatesOrGaps() async throws {
        let store = try memoryStore()
        // 25 readings, several sharing a time, so the id breaks ties.
        _ = try await store.record((0..<25).map { bpReading(120, 80, key: $0 / 3, device: "C0:FF:EE:00:01:0\($0 % 3)") })
        var cursor: ReadingCursor?
        var seen: [Int64] = []
        var pages = 0
        repeat {
            let page = try await store.readings(subject: "alice", from: nil, to: nil, limit: 7, before: cursor)
            seen += page.readings.map(\.id)
            cursor = page.next
            pages += 1
        } while cursor != nil
        #expect(pages == 4 && seen.count == 25 && Set(seen).count == 25)
        let all = try await store.readings(subject: "alice")
        #expect(seen == all.sorted { ($0.effectiveAt, $0.id) > ($1.effectiveAt, $1.id) }.map(\.id))

        let from = Date(timeIntervalSince1970: 1_700_000_005), to = Date(timeIntervalSince1970: 1_700_000_010)
        let ranged = try await store.readings(subject: "alice", from: from, to: to, limit: 100, before: nil)
        #expect(ranged.readings.count == 10 && ranged.next == nil)
        #expect(ranged.readings.allSatisfy { $0.effectiveAt >= from && $0.effectiveAt < to })
        #expect(ReadingCursor(token: ReadingCursor(effectiveAtMilliseconds: 5, id: 9).token) == ReadingCursor(effectiveAtMilliseconds: 5, id: 9))
        #expect(ReadingCursor(token: "abc") == nil && ReadingCursor(token: "1_0") == nil)
    }
}
