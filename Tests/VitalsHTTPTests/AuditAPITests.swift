import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing
import VitalsCore
import VitalsStore
import VitalsTestSupport

/// Subjects, device assignment, re-filing and acknowledgement: each change answered with, and stored as, its
/// audit record (who and when).
struct AuditAPITests {
    let t0 = Date(timeIntervalSince1970: 1_799_000_000)

    @Test func acknowledgeRecordsWhoAndWhenAndASecondIs409() async throws {
        let store = try memoryStore()
        let r = cuffReading("alice", seq: 1, at: t0, sys: 186, dia: 124)
        _ = try await store.record([r])
        let alert = crisisAlert(on: r)
        _ = try await store.apply([AlertTransition(kind: .raised, alert: alert, at: t0, eventTime: t0)])
        let uri = "/api/v1/alerts/\(segment(alert.id))/acknowledge"
        try await makeApp(store).test(.router) { client in
            let open = try await client.call(.get, "/api/v1/alerts?subject=alice&state=open")
            #expect((try open.object()["alerts"] as? [[String: Any]])?.first?["id"] as? String == alert.id)

            let ack = try await client.call(.post, uri, json: #"{"by": "Nurse Joy"}"#)
            #expect(ack.status == .ok, "\(ack.text)")
            let body = try ack.object()
            let who = body["acknowledgement"] as? [String: Any]
            #expect(who?["by"] as? String == "Nurse Joy")
            #expect(who?["at"] as? String == JSONTime.format(fixedNow))
            #expect((body["alert"] as? [String: Any])?["state"] as? String == "acknowledged")

            let again = try await client.call(.post, uri, json: #"{"by": "Dr Who"}"#)
            #expect(again.status == .conflict)
            #expect(try again.decode(ErrorBody.self).error.contains("acknowledged"))
            #expect(try await client.call(.post, "/api/v1/alerts/nope/acknowledge", json: #"{"by": "x"}"#).status == .notFound)
            let noBy = try await client.call(.post, uri, json: #"{"who": "x"}"#)
            #expect(try noBy.status == .badRequest && (noBy.decode(ErrorBody.self)).field == "by")
            let array = try await client.call(.post, uri, json: "[]")
            #expect(try array.status == .badRequest && array.decode(ErrorBody.self) == ErrorBody(error: "the body must be a JSON object", field: nil))
            #expect(try await client.call(.post, uri).status == .badRequest)
            let blank = try await client.call(.post, uri, json: #"{"by": "  "}"#)
            #expect(try blank.status == .badRequest && (blank.decode(ErrorBody.self)).field == "by")
            let acked = try await client.call(.get, "/api/v1/alerts?state=acknowledged")
            #expect((try acked.object()["alerts"] as? [[String: Any]])?.count == 1)
            #expect(try await client.call(.get, "/api/v1/alerts?state=gone").status == .badRequest)
        }
        let audit = try await store.acknowledgements(alertID: alert.id)
        #expect(audit.count == 1 && audit[0].by == "Nurse Joy" && audit[0].at == fixedNow)
    }

    @Test func refiledReadingIsListedUnderTheNewSubjectWithItsAuditRecord() async throws {
        let store = try memoryStore()
        guard case .inserted(let id) = try await store.record([cuffReading("alice", seq: 1, at: t0, sys: 128, dia: 82)])[0] else {
            Issue.record("not stored")
            return
        }
        try await makeApp(store).test(.router) { client in
            let created = try await client.call(.post, "/api/v1/subjects", json: #"{"id": "bob", "displayName": "Bob B."}"#)
            #expect(created.status == .created, "\(created.text)")
            #expect(try await client.call(.post, "/api/v1/subjects", json: #"{"id": "bob", "displayName": "Bob"}"#).status == .conflict)
            let badID = try await client.call(.post, "/api/v1/subjects", json: #"{"id": "-x", "displayName": "X"}"#)
            #expect(try badID.status == .badRequest && (badID.decode(ErrorBody.self)).field == "id")

            let body = #"{"subject": "bob", "by": "Nurse Joy", "reason": "Bob measured on Alice's cuff"}"#
            let moved = try await client.call(.post, "/api/v1/readings/\(id)/refile", json: body)
            #expect(moved.status == .ok, "\(moved.text)")
            let refiling = try moved.object()["refiling"] as? [String: Any]
            #expect(refiling?["from"] as? String == "alice" && refiling?["to"] as? String == "bob" && refiling?["by"] as? String == "Nurse Joy")
            #expect(refiling?["at"] as? String == JSONTime.format(fixedNow))

            let bob = try await client.call(.get, "/api/v1/readings?subject=bob")
            #expect((try bob.object()["readings"] as? [[String: Any]])?.map { $0["id"] as? Int64 } == [id])
            let alice = try await client.call(.get, "/api/v1/readings?subject=alice")
            #expect((try alice.object()["readings"] as? [[String: Any]])?.isEmpty == true)

            #expect(try await client.call(.post, "/api/v1/readings/\(id)/refile", json: body).status == .conflict)
            #expect(try await client.call(.post, "/api/v1/readings/999/refile", json: body).status == .notFound)
            let nobody = try await client.call(.post, "/api/v1/readings/\(id)/refile", json: #"{"subject": "nobody", "by": "x", "reason": "y"}"#)
            #expect(try nobody.status == .notFound && (nobody.decode(ErrorBody.self)).field == "subject")
            let notANumber = try await client.call(.post, "/api/v1/readings/abc/refile", json: body)
            #expect(try notANumber.status == .badRequest && (notANumber.decode(ErrorBody.self)).field == "readingID")
            let noReason = try await client.call(.post, "/api/v1/readings/\(id)/refile", json: #"{"subject": "alice", "by": "x"}"#)
            #expect(try noReason.status == .badRequest && (noReason.decode(ErrorBody.self)).field == "reason")
        }
        let audit = try await store.refilings(readingID: id)
        #expect(audit.count == 1 && audit[0].fromSubject == "alice" && audit[0].toSubject == "bob" && audit[0].by == "Nurse Joy" && audit[0].at == fixedNow)
    }

    @Test func deviceAssignmentIsAudited() async throws {
        let store = try memoryStore()
        _ = try await store.record([cuffReading("alice", seq: 1, at: t0, sys: 128, dia: 82)])
        _ = try await store.createSubject(id: "bob", displayName: "Bob", at: t0)
        let device = cuff.id.rawValue
        try await makeApp(store).test(.router) { client in
            let r = try await client.call(.put, "/api/v1/devices/\(segment(device))/assignment", json: #"{"subject": "bob", "user": 2, "by": "Nurse Joy", "reason": "Bob is user 2"}"#)
            #expect(r.status == .ok, "\(r.text)")
            let body = try r.object()
            #expect(body["changed"] as? Bool == true)
            #expect((body["audit"] as? [String: Any])?["by"] as? String == "Nurse Joy")
            let same = try await client.call(.put, "/api/v1/devices/\(segment(device))/assignment", json: #"{"subject": "bob", "user": 2, "by": "Nurse Joy"}"#)
            #expect(try same.object()["changed"] as? Bool == false)

            let devices = try await client.call(.get, "/api/v1/devices")
            let listed = (try devices.object()["devices"] as? [[String: Any]])?.first
            #expect(listed?["id"] as? String == device)
            #expect((listed?["assignments"] as? [[String: Any]])?.first?["subject"] as? String == "bob")

            #expect(try await client.call(.put, "/api/v1/devices/nope/assignment", json: #"{"subject": "bob", "by": "x"}"#).status == .notFound)
            let user = try await client.call(.put, "/api/v1/devices/\(segment(device))/assignment", json: #"{"subject": "bob", "user": 255, "by": "x"}"#)
            #expect(try user.status == .badRequest && (user.decode(ErrorBody.self)).field == "user")
            let typed = try await client.call(.put, "/api/v1/devices/\(segment(device))/assignment", json: #"{"subject": "bob", "user": "two", "by": "x"}"#)
            #expect(try typed.status == .badRequest && (typed.decode(ErrorBody.self)).field == "user")
        }
        let history = try await store.deviceAssignmentHistory(deviceID: device)
        #expect(history.count == 1 && history[0].user == 2 && history[0].toSubject == "bob" && history[0].reason == "Bob is user 2")
    }
}
