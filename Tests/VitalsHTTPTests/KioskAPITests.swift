import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Prometheus
import Synchronization
import Testing
import VitalsCore
import VitalsHTTP
import VitalsKiosk
import VitalsStore
import VitalsTestSupport

/// The time the API and the hub see, moved by the test.
final class Box: Sendable {
    private let m = Mutex(fixedNow)
    func withLock<R>(_ f: (inout Date) -> R) -> R { m.withLock { f(&$0) } }
}

/// The kiosk screen's API: one walk-in patient at a time, and the next patient sees nothing of the last.
struct KioskAPITests {
    let store: VitalsStore
    let desk = KioskDesk()
    let clock = Box()

    init() throws { store = try memoryStore() }

    func app() -> some ApplicationProtocol {
        let clock = self.clock
        let (router, _) = VitalsAPI.router(store: store, token: nil, registry: PrometheusCollectorRegistry(), logger: quiet, kiosk: desk, now: { clock.withLock { $0 } })
        return Application(router: router, logger: quiet)
    }

    func advance(_ seconds: TimeInterval) -> Date { clock.withLock { $0 = $0.addingTimeInterval(seconds); return $0 } }

    /// What the hub does with a cuff reading measured now: files it by the desk, then hands it over once stored.
    func measure(_ sys: Double, _ dia: Double) -> Reading {
        let t = clock.withLock { $0 }
        var r = bp(sys, dia, profile: "sim-bp-cuff")
        (r.effectiveTime, r.receivedTime) = (t, t)
        r.subject = desk.subject(device: r.device.id, user: nil, measuredAt: t)
        desk.take(r, now: t)
        return r
    }

    @Test func theNextPatientSeesNothingOfThePrevious() async throws {
        try await app().test(.router) { client in
            var r = try await client.call(.get, "/api/v1/kiosk", token: nil)
            #expect(r.status == .ok && r.text == #"{"session":null}"#)

            // Patient A: blood pressure.
            r = try await client.call(.post, "/api/v1/kiosk/sessions", token: nil, json: #"{"test":"blood-pressure"}"#)
            #expect(r.status == .created)
            let a = try #require(try r.object()["id"] as? String)
            #expect(try await client.call(.post, "/api/v1/kiosk/sessions", token: nil, json: #"{"test":"glucose"}"#).status == .conflict, "one session at a time")
            // Nothing measured before consent is A's.
            let before = measure(150, 95)
            #expect(before.subject == KioskDesk.unfiled)
            r = try await client.call(.post, "/api/v1/kiosk/sessions/\(a)/consent", token: nil, json: #"{"given":true}"#)
            #expect(try ((r.object()["step"] as? [String: Any])?["name"] as? String) == "resting")
            _ = advance(300)
            r = try await client.call(.get, "/api/v1/kiosk", token: nil)
            #expect(r.text.contains(#""name":"measure""#))
            let first = measure(148, 93)
            #expect(first.subject == SubjectID("kiosk/\(a)"))
            _ = advance(60); _ = measure(146, 92)
            _ = advance(60); _ = measure(144, 90)
            r = try await client.call(.get, "/api/v1/kiosk", token: nil)
            let session = try #require(try r.object()["session"] as? [String: Any])
            let result = try #require(session["bloodPressure"] as? [String: Any])
            #expect(result["systolic"] as? Double == 145 && result["diastolic"] as? Double == 91 && result["accAHA2017"] as? String == "stage-2")
            #expect((result["citations"] as? [String])?.count == 2)

            // A is done: the screen is wiped.
            r = try await client.call(.post, "/api/v1/kiosk/sessions/\(a)/end", token: nil)
            #expect(r.status == .ok && r.text == #"{"session":null}"#)
            r = try await client.call(.get, "/api/v1/kiosk", token: nil)
            #expect(r.text == #"{"session":null}"#)
            #expect(try await client.call(.post, "/api/v1/kiosk/sessions/\(a)/consent", token: nil, json: #"{"given":true}"#).status == .notFound)

            // Patient B starts: nothing of A, and a late reading of A's (measured before B consented) is not B's.
            let lateFromA = clock.withLock { $0 }
            _ = advance(30)
            r = try await client.call(.post, "/api/v1/kiosk/sessions", token: nil, json: #"{"test":"blood-pressure"}"#)
            let b = try #require(try r.object()["id"] as? String)
            #expect(b != a)
            // B's own random id could hold the digits of A's values by chance ("…4148c…"): it is left out of the look.
            let screen = r.text.replacingOccurrences(of: b, with: "<id>")
            for shown in [a, "145", "144", "stage-2", "148"] { #expect(!screen.contains(shown), "B's screen shows \(shown)") }
            _ = try await client.call(.post, "/api/v1/kiosk/sessions/\(b)/consent", token: nil, json: #"{"given":true}"#)
            #expect(desk.subject(device: first.device.id, user: nil, measuredAt: lateFromA.addingTimeInterval(-120)) == KioskDesk.unfiled)
            var late = bp(170, 100, profile: "sim-bp-cuff")
            late.subject = SubjectID("kiosk/\(a)")
            desk.take(late, now: clock.withLock { $0 })
            r = try await client.call(.get, "/api/v1/kiosk", token: nil)
            let view = try #require(try r.object()["session"] as? [String: Any])
            #expect((view["counted"] as? [Any])?.isEmpty == true && view["bloodPressure"] == nil && (view["notices"] as? [Any])?.isEmpty == true)
            #expect(!r.text.contains(a))
        }
    }

    @Test func glucoseFlowAndErrors() async throws {
        try await app().test(.router) { client in
            var r = try await client.call(.post, "/api/v1/kiosk/sessions", token: nil, json: #"{"test":"urine"}"#)
            let bad = try r.decode(ErrorBody.self)
            #expect(r.status == .badRequest && bad.field == "test")
            r = try await client.call(.post, "/api/v1/kiosk/sessions", token: nil, json: #"{"test":"glucose"}"#)
            let id = try #require(try r.object()["id"] as? String)
            r = try await client.call(.post, "/api/v1/kiosk/sessions/\(id)/meal", token: nil, json: #"{"meal":"fasting"}"#)
            #expect(r.status == .conflict, "consent comes first: \(r.text)")
            _ = try await client.call(.post, "/api/v1/kiosk/sessions/\(id)/consent", token: nil, json: #"{"given":true}"#)
            r = try await client.call(.post, "/api/v1/kiosk/sessions/\(id)/meal", token: nil, json: #"{"meal":"fasting"}"#)
            #expect(r.text.contains(#""name":"measure""#))
            let t = advance(90)
            var g = glucose(112)
            (g.effectiveTime, g.receivedTime) = (t, t)
            g.subject = desk.subject(device: g.device.id, user: nil, measuredAt: t)
            desk.take(g, now: t)
            r = try await client.call(.get, "/api/v1/kiosk", token: nil)
            let result = try #require((try r.object()["session"] as? [String: Any])?["glucose"] as? [String: Any])
            #expect(result["category"] as? String == "prediabetes-range" && result["meal"] as? String == "fasting" && result["urgent"] as? Bool == false)
            // Refusing consent in a new session ends it at once.
            _ = try await client.call(.post, "/api/v1/kiosk/sessions/\(id)/end", token: nil)
            r = try await client.call(.post, "/api/v1/kiosk/sessions", token: nil, json: #"{"test":"ecg"}"#)
            let e = try #require(try r.object()["id"] as? String)
            r = try await client.call(.post, "/api/v1/kiosk/sessions/\(e)/consent", token: nil, json: #"{"given":false}"#)
            #expect(r.text.contains(#""name":"ended""#))
            #expect(try await client.call(.get, "/api/v1/kiosk", token: nil).text == #"{"session":null}"#)
        }
    }

    @Test func aHubThatIsNotAKioskSaysSo() async throws {
        let (router, _) = VitalsAPI.router(store: store, token: nil, registry: PrometheusCollectorRegistry(), logger: quiet)
        try await Application(router: router, logger: quiet).test(.router) { client in
            let r = try await client.call(.get, "/api/v1/kiosk", token: nil)
            #expect(r.status == .notFound && r.text.contains("not a kiosk"))
        }
    }
}
