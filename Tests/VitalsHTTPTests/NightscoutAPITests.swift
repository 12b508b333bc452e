import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing
import VitalsCore
import VitalsHTTP
import VitalsStore
import VitalsTestSupport

/// The Nightscout-compatible read API: what a follower app sees of one person's CGM and meter.
struct NightscoutAPITests {
    let store: VitalsStore
    let t0 = fixedNow.addingTimeInterval(-3600)

    init() async throws {
        store = try memoryStore()
        // CGM every 5 min: 120, 118 (flat), 110 (−1.6/min: 45° down), 95 (−3/min: one arrow down), LOW; a meter result.
        let values: [Double?] = [120, 118, 110, 95, nil]
        var readings = values.enumerated().map { i, v in cgmReading("ida", seq: UInt32(i + 1), at: t0.addingTimeInterval(Double(i) * 300), mgdl: v) }
        var meter = glucose(61)
        meter.subject = SubjectID("ida")
        (meter.effectiveTime, meter.receivedTime) = (t0.addingTimeInterval(1500), t0.addingTimeInterval(1500))
        readings.append(meter)
        readings.append(cgmReading("bob", seq: 100, at: t0, mgdl: 200))
        _ = try await store.record(readings)
    }

    func get(_ client: some TestClientProtocol, _ uri: String, secret: String? = nil, bearer: Bool = false) async throws -> TestResponse {
        var h = HTTPFields()
        if let secret { h[HTTPField.Name("api-secret")!] = secret }
        if bearer { h[.authorization] = "Bearer \(testToken)" }
        return try await client.execute(uri: uri, method: .get, headers: h, body: nil)
    }

    func array(_ r: TestResponse) throws -> [[String: Any]] { try #require(try JSONSerialization.jsonObject(with: Data(r.text.utf8)) as? [[String: Any]], "\(r.status): \(r.text)") }

    @Test func sgvEntriesNewestFirstWithTrendAndLow() async throws {
        let secret = Insecure.SHA1.hash(data: Array(testToken.utf8)).map { String(format: "%02x", $0) }.joined()
        try await makeApp(store).test(.router) { client in
            let r = try await get(client, "/nightscout/ida/api/v1/entries/sgv.json?count=0", secret: secret)
            #expect(r.status == .ok, "\(r.text)")
            let e = try array(r)
            #expect(e.map { $0["sgv"] as? Int } == [39, 95, 110, 118, 120], "newest first; LOW as 39")
            #expect(e.map { $0["direction"] as? String } == ["NOT COMPUTABLE", "SingleDown", "FortyFiveDown", "Flat", "NONE"])
            #expect(e[0]["censored"] as? String == "below-range" && e[1]["censored"] == nil)
            #expect(e[1]["delta"] as? Double == -15)
            #expect(e.allSatisfy { $0["type"] as? String == "sgv" })
            #expect(e.last?["date"] as? Int64 == Int64(t0.timeIntervalSince1970 * 1000))
            // Nightscout's default count is 10; a time filter in epoch milliseconds.
            let since = Int64(t0.addingTimeInterval(600).timeIntervalSince1970 * 1000)
            let recent = try array(try await get(client, "/nightscout/ida/api/v1/entries/sgv.json?find%5Bdate%5D%5B%24gte%5D=\(since)&count=2", secret: secret))
            #expect(recent.map { $0["sgv"] as? Int } == [39, 95])
            // entries.json holds the meter result too (mbg); treatments.json has it as a BG Check.
            let all = try array(try await get(client, "/nightscout/ida/api/v1/entries.json?count=0", secret: secret))
            #expect(all.contains { $0["type"] as? String == "mbg" && $0["mbg"] as? Int == 61 } && all.count == 6)
            let treatments = try array(try await get(client, "/nightscout/ida/api/v1/treatments.json", bearer: true))
            #expect(treatments.count == 1 && treatments[0]["eventType"] as? String == "BG Check" && treatments[0]["glucose"] as? Int == 61)
            #expect(treatments[0]["glucoseType"] as? String == "Finger" && treatments[0]["units"] as? String == "mg/dl")
            // One person's site never shows another's readings.
            #expect(try array(try await get(client, "/nightscout/bob/api/v1/entries/sgv.json", secret: secret)).map { $0["sgv"] as? Int } == [200])
            let status = try await get(client, "/nightscout/ida/api/v1/status.json", secret: secret)
            #expect(status.text.contains(#""apiEnabled":true"#) && status.text.contains(#""units":"mg/dl""#))
        }
    }

    @Test func theApiSecretIsTheTokensSHA1() async throws {
        try await makeApp(store).test(.router) { client in
            let s1 = try await get(client, "/nightscout/ida/api/v1/status.json").status
            #expect(s1 == .unauthorized)
            let s2 = try await get(client, "/nightscout/ida/api/v1/status.json", secret: String(repeating: "0", count: 40)).status
            #expect(s2 == .unauthorized)
            let s3 = try await get(client, "/nightscout/ida/api/v1/status.json", secret: testToken).status
            #expect(s3 == .unauthorized, "the secret itself is not its hash")
            let upper = Insecure.SHA1.hash(data: Array(testToken.utf8)).map { String(format: "%02X", $0) }.joined()
            let s4 = try await get(client, "/nightscout/ida/api/v1/status.json", secret: upper).status
            #expect(s4 == .ok)
            // The api-secret header opens the Nightscout routes only.
            let s5 = try await get(client, "/api/v1/subjects", secret: upper).status
            #expect(s5 == .unauthorized)
            let s6 = try await get(client, "/nightscout/nobody/api/v1/status.json", secret: upper).status
            #expect(s6 == .notFound)
            let s7 = try await get(client, "/nightscout/ida/api/v1/entries.json?find%5Bdate%5D%5B%24gte%5D=yesterday", secret: upper).status
            #expect(s7 == .badRequest)
            // schemathesis found these: a time far beyond any reading's used to trap the server.
            for v in ["3.8349523644497625e%2B123", "-6511678291232288.0", "nan"] {
                let r = try await get(client, "/nightscout/ida/api/v1/entries.json?find%5Bdate%5D%5B%24lt%5D=\(v)", secret: upper)
                #expect(r.status == .badRequest && r.text.contains("find[date][$lt]"), "\(v): \(r.text)")
            }
        }
    }
}
