import Crypto
import Foundation
import Hummingbird
import VitalsCore
import VitalsStore

/// A Nightscout-compatible read API per person, so Nightscout followers (phone widgets, watch faces, scripts)
/// can follow a CGM on the hub: `/nightscout/{subject}/api/v1/entries.json`, `entries/sgv.json`,
/// `treatments.json` and `status.json`, the URL prefix `/nightscout/{subject}` being the "Nightscout site"
/// a client is given. Read-only: nothing a client sends changes the store.
///
/// - CGM readings are `sgv` entries (mg/dL), with the Nightscout trend `direction` from the rate of change
///   over the previous reading within 15 minutes (Dexcom's arrow bands: under 1 mg/dL/min flat, 1–2 a
///   45° arrow, 2–3 one arrow, over 3 two) and `delta` from the previous reading.
/// - A CGM LOW is sent as `sgv` 39 and a HIGH as 401, as Nightscout clients read them (30–39 is "LOW"),
///   with `"censored"` saying which: never dropped, so a follower never shows an older number instead.
/// - Meter results are `mbg` entries, and `BG Check` treatments with `glucoseType` `Finger`.
/// - Authentication: with a token, Nightscout's `api-secret` header (the SHA-1 hex of the secret, here the
///   API token) or the API's bearer token; without one, loopback clients only, as for the rest of the API.
enum Nightscout {
    /// Nightscout clients read sgv values 30–39 as "LOW"; 401 is one above the usual CGM display maximum.
    static let lowSGV = 39
    static let highSGV = 401

    /// `api-secret`: SHA-1 of the token, lower-case hex, as Nightscout uploaders send it.
    static func apiSecret(_ token: String) -> String {
        Insecure.SHA1.hash(data: Array(token.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// The trend arrow for a rate of change in mg/dL per minute.
    static func direction(ratePerMinute r: Double) -> String {
        switch r {
        case 3...: "DoubleUp"
        case 2..<3: "SingleUp"
        case 1..<2: "FortyFiveUp"
        case -1 ..< 1: "Flat"
        case -2 ..< -1: "FortyFiveDown"
        case -3 ..< -2: "SingleDown"
        default: "DoubleDown"
        }
    }

    struct Entry: Encodable {
        var _id: String
        var type: String
        var sgv: Int?
        var mbg: Int?
        var date: Int64
        var dateString: String
        var sysTime: String
        var utcOffset: Int
        var direction: String?
        var delta: Double?
        var device: String
        var censored: String?
    }

    struct Treatment: Encodable {
        var _id: String
        var eventType: String
        var glucose: Int?
        var glucoseType: String
        var units: String
        var created_at: String
        var enteredBy: String
        var notes: String?
    }

    struct Status: Encodable {
        struct Settings: Encodable {
            var units: String
            var timeFormat: Int
            var thresholds: [String: Int]
        }
        var status: String
        var name: String
        var version: String
        var serverTime: String
        var serverTimeEpoch: Int64
        var apiEnabled: Bool
        var careportalEnabled: Bool
        var settings: Settings
    }

    /// One glucose point as Nightscout sees it: mg/dL, or censored.
    struct Point {
        var id: Int64
        var at: Date
        var mgdl: Double?
        var censored: String?
        var cgm: Bool
        /// mg/dL as Nightscout sends it: LOW as 39 and HIGH as 401.
        var sent: Int { mgdl.map { Int($0.rounded()) } ?? (censored == "below-range" ? Nightscout.lowSGV : Nightscout.highSGV) }
    }

    static func points(_ series: [SeriesPoint]) -> [Point] {
        series.compactMap { p in
            let cgm = p.metric == Metric.glucoseInterstitial.key
            let mgdl = p.value.map { p.unit == UCUMUnit.millimolePerLitre.code ? UnitConversion.glucoseMgPerDl(fromMmolPerL: $0) : $0 }
            let censored: String? = p.state == ValueState.negativeInfinity.rawValue ? "below-range" : p.state == ValueState.positiveInfinity.rawValue ? "above-range" : nil
            guard mgdl != nil || censored != nil else { return nil }  // not a number, not a measurement
            return Point(id: p.readingID, at: p.effectiveAt, mgdl: mgdl, censored: censored, cgm: cgm)
        }
    }

    static func entries(_ points: [Point], sgvOnly: Bool) -> [Entry] {
        var out: [Entry] = []
        var previous: Point?
        for p in points {
            defer { if p.cgm { previous = p } }
            if sgvOnly && !p.cgm { continue }
            let ms = Int64((p.at.timeIntervalSince1970 * 1000).rounded())
            let iso = JSON.time(p.at)
            if p.cgm {
                var delta: Double?
                var direction = "NONE"
                if let prev = previous, let a = prev.mgdl, let b = p.mgdl, p.at.timeIntervalSince(prev.at) > 0, p.at.timeIntervalSince(prev.at) <= 15 * 60 {
                    delta = ((b - a) * 10).rounded() / 10
                    direction = Self.direction(ratePerMinute: (b - a) / (p.at.timeIntervalSince(prev.at) / 60))
                }
                out.append(Entry(
                    _id: "ov-\(p.id)", type: "sgv", sgv: p.sent, mbg: nil, date: ms, dateString: iso, sysTime: iso, utcOffset: 0,
                    direction: p.censored == nil ? direction : "NOT COMPUTABLE", delta: delta ?? 0, device: "openvitals", censored: p.censored))
            } else {
                out.append(Entry(
                    _id: "ov-\(p.id)", type: "mbg", sgv: nil, mbg: p.sent, date: ms, dateString: iso, sysTime: iso, utcOffset: 0,
                    direction: nil, delta: nil, device: "openvitals", censored: p.censored))
            }
        }
        return out.reversed()  // newest first, as Nightscout answers
    }
}

/// The Nightscout routes' handlers.
struct NightscoutHandlers: Sendable {
    let store: VitalsStore
    let now: @Sendable () -> Date
    static let queryParameters: Set<String> = ["count", "find[date][$gte]", "find[date][$gt]", "find[date][$lte]", "find[date][$lt]", "find[dateString][$gte]"]

    func subject(_ context: APIRequestContext) async throws -> String {
        let s = try pathParameter(context, "subject")
        guard try await store.subject(id: s) != nil else { throw APIError.notFound("no such subject", field: "subject") }
        return s
    }

    /// The time range and count a Nightscout query asks for (epoch milliseconds or ISO date strings).
    func range(_ q: Query) throws(APIError) -> (from: Date?, to: Date?, count: Int) {
        func ms(_ name: String) throws(APIError) -> Date? {
            guard let s = try q.string(name) else { return nil }
            // Milliseconds since 1970 up to the year 9999: anything else is not a time a reading can have.
            guard let v = Double(s), v.isFinite, (0...253_402_300_799_999).contains(v) else {
                throw APIError.badParameter(name, "epoch milliseconds from 0 to 253402300799999 expected")
            }
            return Date(timeIntervalSince1970: v / 1000)
        }
        let gte = try ms("find[date][$gte]"), gt = try ms("find[date][$gt]")
        var from = gte ?? gt.map { $0.addingTimeInterval(0.001) }
        if let s = try q.string("find[dateString][$gte]") {
            guard let d = JSON.parseTime(s.replacingOccurrences(of: " ", with: "+")) else { throw APIError.badParameter("find[dateString][$gte]", "an ISO 8601 date-time expected") }
            from = max(from ?? d, d)
        }
        let lt = try ms("find[date][$lt]"), lte = try ms("find[date][$lte]")
        let to = lt ?? lte.map { $0.addingTimeInterval(0.001) }
        let count = try q.int("count", in: 0...100_000) ?? 10
        return (from, to, count)
    }

    func glucose(_ request: Request, _ context: APIRequestContext, sgvOnly: Bool) async throws -> Response {
        let q = try Query(request, allowed: Self.queryParameters)
        let (from, to, count) = try range(q)
        let s = try await subject(context)
        let series = try await store.series(subject: s, kind: ReadingKind.glucose.rawValue, from: from, to: to)
        let all = Nightscout.entries(Nightscout.points(series), sgvOnly: sgvOnly)
        return try JSON.response(count == 0 ? all : Array(all.prefix(count)))
    }

    func entries(_ request: Request, _ context: APIRequestContext) async throws -> Response { try await glucose(request, context, sgvOnly: false) }
    func sgv(_ request: Request, _ context: APIRequestContext) async throws -> Response { try await glucose(request, context, sgvOnly: true) }

    func treatments(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let q = try Query(request, allowed: Self.queryParameters)
        let (from, to, count) = try range(q)
        let s = try await subject(context)
        let points = Nightscout.points(try await store.series(subject: s, kind: ReadingKind.glucose.rawValue, from: from, to: to)).filter { !$0.cgm }
        let out = points.reversed().map { p in
            Nightscout.Treatment(
                _id: "ov-bg-\(p.id)", eventType: "BG Check", glucose: p.sent,
                glucoseType: "Finger", units: "mg/dl", created_at: JSON.time(p.at), enteredBy: "openvitals",
                notes: p.censored.map { $0 == "below-range" ? "meter LOW (below its range)" : "meter HIGH (above its range)" })
        }
        return try JSON.response(count == 0 ? Array(out) : Array(out.prefix(count)))
    }

    func status(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        _ = try Query(request, allowed: [])
        _ = try await subject(context)
        let t = now()
        return try JSON.response(Nightscout.Status(
            status: "ok", name: "OpenVitals", version: "1.0.0-openvitals", serverTime: JSON.time(t),
            serverTimeEpoch: Int64((t.timeIntervalSince1970 * 1000).rounded()), apiEnabled: true, careportalEnabled: false,
            settings: .init(units: "mg/dl", timeFormat: 24, thresholds: ["bgHigh": 250, "bgTargetTop": 180, "bgTargetBottom": 70, "bgLow": 54])))
    }
}
