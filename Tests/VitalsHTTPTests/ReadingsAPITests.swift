import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing
import VitalsCore
import VitalsStore
import VitalsTestSupport

struct ReadingsAPITests {
    struct Page: Decodable {
        struct R: Decodable {
            var id: Int64
            var subject: String
            var kind: String
            var effectiveAt: String
        }

        var readings: [R]
        var next: String?
    }

    let start = Date(timeIntervalSince1970: 1_799_000_000)

    /// 25 CGM readings for alice, 5 minutes apart.
    func seeded() async throws -> VitalsStore {
        let store = try memoryStore()
        _ = try await store.record((0..<25).map { cgmReading("alice", seq: UInt32($0 + 1), at: start.addingTimeInterval(Double($0) * 300), mgdl: glucoseValue($0)) })
        return store
    }

    @Test func pagesCoverEveryReadingOnceNewestFirstEvenWhileNewOnesArrive() async throws {
        let store = try await seeded()
        try await makeApp(store).test(.router) { client in
            var ids: [Int64] = []
            var times: [String] = []
            var cursor: String?
            var pages = 0
            repeat {
                let r = try await client.call(.get, "/api/v1/readings?subject=alice&limit=7" + (cursor.map { "&cursor=\($0)" } ?? ""))
                #expect(r.status == .ok)
                let page = try r.decode(Page.self)
                #expect(page.readings.count <= 7)
                ids += page.readings.map(\.id)
                times += page.readings.map(\.effectiveAt)
                cursor = page.next
                pages += 1
                if pages == 2 {
                    // A newer reading stored mid-listing does not shift the pages still to come.
                    _ = try await store.record([cgmReading("alice", seq: 99, at: start.addingTimeInterval(-60 + 25 * 300), mgdl: 100)])
                }
            } while cursor != nil && pages < 10
            #expect(pages == 4)
            #expect(ids.count == 25 && Set(ids).count == 25, "no duplicates, no gaps")
            #expect(times == times.sorted(by: >), "newest first")
            #expect(times.first == JSONTime.format(start.addingTimeInterval(24 * 300)))
            #expect(times.last == JSONTime.format(start))
        }
    }

    @Test func timeRangeIsFromInclusiveToExclusive() async throws {
        let store = try await seeded()
        let from = start.addingTimeInterval(5 * 300), to = start.addingTimeInterval(15 * 300)
        try await makeApp(store).test(.router) { client in
            let r = try await client.call(.get, "/api/v1/readings?subject=alice&from=\(JSONTime.format(from))&to=\(JSONTime.format(to))&limit=1000")
            let page = try r.decode(Page.self)
            #expect(r.status == .ok && page.next == nil)
            #expect(page.readings.count == 10)
            #expect(page.readings.map(\.effectiveAt).sorted() == (5..<15).map { JSONTime.format(start.addingTimeInterval(Double($0) * 300)) })
            // An offset in the query means the same instant.
            let berlin = try await client.call(.get, "/api/v1/readings?subject=alice&from=\(JSONTime.format(from, offsetHours: 1))&to=\(JSONTime.format(to, offsetHours: 1))")
            #expect(try berlin.decode(Page.self).readings.count == 10)
            let kindFiltered = try await client.call(.get, "/api/v1/readings?kind=blood-pressure")
            #expect(try kindFiltered.decode(Page.self).readings.isEmpty)
        }
    }

    @Test(arguments: [
        ("limit=0", "limit"), ("limit=1001", "limit"), ("limit=ten", "limit"), ("from=yesterday", "from"), ("to=2026-13-01T00:00:00Z", "to"),
        ("from=2026-11-23T10:00:00Z&to=2026-11-23T09:00:00Z", "to"), ("cursor=abc", "cursor"), ("kind=weather", "kind"), ("subjet=alice", "subjet"),
        ("limit=5&limit=6", "limit"), ("subject=", "subject"),
    ])
    func badQueryParametersAre400NamingTheParameter(query: String, field: String) async throws {
        let store = try await seeded()
        try await makeApp(store).test(.router) { client in
            let r = try await client.call(.get, "/api/v1/readings?\(query)")
            #expect(r.status == .badRequest)
            #expect(try r.decode(ErrorBody.self).field == field, "\(query): \(r.text)")
        }
    }

    @Test func unknownSubjectIs404() async throws {
        let store = try await seeded()
        try await makeApp(store).test(.router) { client in
            let r = try await client.call(.get, "/api/v1/readings?subject=nobody")
            #expect(try r.status == .notFound && (r.decode(ErrorBody.self)) == ErrorBody(error: "no such subject", field: "subject"))
            let route = try await client.call(.get, "/api/v1/nothing-here")
            #expect(try route.status == .notFound && (route.decode(ErrorBody.self)) == ErrorBody(error: "no such route", field: nil))
        }
    }
}

/// How the API writes times: ISO 8601 in UTC with milliseconds (or with an offset, for queries).
enum JSONTime {
    static func format(_ d: Date, offsetHours: Int = 0) -> String {
        if offsetHours == 0 { return d.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true)) }
        let zone = TimeZone(secondsFromGMT: offsetHours * 3600)!
        let s = d.formatted(Date.ISO8601FormatStyle(timeZone: zone))
        return s.replacingOccurrences(of: "+", with: "%2B")
    }
}
