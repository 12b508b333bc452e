import Foundation
import Hummingbird
import HummingbirdTesting
import Prometheus
import Testing
import VitalsCore
import VitalsHTTP
import VitalsStore
import VitalsTestSupport

#if canImport(Glibc)
import Glibc
#endif

/// A plain HTTP/1.1 client on a loopback socket that reads a response as it arrives (the test clients collect a
/// whole body, and an event stream never ends).
final class StreamingHTTPClient {
    let fd: Int32
    private(set) var received = ""

    init(port: Int, path: String, headers: [String: String] = [:]) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let rc = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        guard rc == 0 else { throw CocoaError(.fileReadUnknown) }
        let request = "GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n" + headers.map { "\($0): \($1)\r\n" }.joined() + "\r\n"
        _ = request.withCString { send(fd, $0, strlen($0), Int32(MSG_NOSIGNAL)) }
    }

    deinit { close(fd) }

    /// Reads until `predicate` holds on everything received, or `seconds` pass; returns whether it held. It never
    /// blocks a thread (the server's tasks share the cooperative pool with the test): it polls and sleeps.
    func read(until predicate: (String) -> Bool, seconds: Double = 10) async -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        var buffer = [UInt8](repeating: 0, count: 8192)
        while Date() < deadline {
            if predicate(received) { return true }
            let n = recv(fd, &buffer, buffer.count, Int32(MSG_DONTWAIT))
            if n > 0 { received += String(decoding: buffer[0..<n], as: UTF8.self); continue }
            if n == 0 { break }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return predicate(received)
    }

    /// The `data:` of every event named `name`, parsed.
    func events(_ name: String) -> [[String: Any]] {
        // "\r\n" (the chunked framing's line end) is one Character in Swift: make every line end "\n" first.
        received.replacingOccurrences(of: "\r\n", with: "\n").components(separatedBy: "\n\n").compactMap { block in
            let lines = block.split(separator: "\n").map(String.init)
            guard lines.contains("event: \(name)"), let data = lines.first(where: { $0.hasPrefix("data: ") }) else { return nil }
            return try? JSONSerialization.jsonObject(with: Data(data.dropFirst(6).utf8)) as? [String: Any]
        }
    }
}

/// `GET /api/v1/events` over a real socket: the hello, heartbeats, alert steps and readings as they happen.
struct LiveEventsTests {
    func app(_ store: VitalsStore, live: LiveFeed?, token: String? = nil) throws -> some ApplicationProtocol {
        let (router, _) = VitalsAPI.router(
            store: store, token: try token.map { try APIToken($0) }, registry: PrometheusCollectorRegistry(), logger: quiet, live: live,
            heartbeat: .milliseconds(200), now: { fixedNow })
        return Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)), logger: quiet)
    }

    @Test func aClientReadsAlertStepsAndReadingsAsTheyHappen() async throws {
        let store = try memoryStore()
        let live = LiveFeed()
        let r = cuffReading("alice", seq: 1, at: fixedNow, sys: 186, dia: 124)
        _ = try await store.record([r])
        let alert = crisisAlert(on: r)
        _ = try await store.apply([AlertTransition(kind: .raised, alert: alert, at: fixedNow, eventTime: fixedNow)])
        try await app(store, live: live, token: testToken).test(.live) { client in
            let port = try #require(client.port)
            // Without the token: 401, as every data route.
            let refused = try StreamingHTTPClient(port: port, path: "/api/v1/events")
            #expect(await refused.read(until: { $0.contains("\r\n\r\n") }) && refused.received.hasPrefix("HTTP/1.1 401"))

            let sse = try StreamingHTTPClient(port: port, path: "/api/v1/events", headers: ["Authorization": "Bearer \(testToken)"])
            #expect(await sse.read(until: { $0.contains("event: hello") }), "\(sse.received)")
            #expect(sse.received.hasPrefix("HTTP/1.1 200"))
            #expect(sse.received.lowercased().contains("content-type: text/event-stream"))
            #expect(sse.events("hello").first?["live"] as? Bool == true)
            #expect(live.subscriberCount == 1)

            // The hub raises an alert and stores a reading; the API acknowledges the alert.
            live.publish(alert: alert, kind: "raised", at: fixedNow)
            live.publish(reading: cuffReading("alice", seq: 2, at: fixedNow, sys: 131, dia: 84))
            let ack = try await client.call(.post, "/api/v1/alerts/\(segment(alert.id))/acknowledge", json: #"{"by":"nurse Ada"}"#)
            #expect(ack.status == .ok)
            #expect(await sse.read(until: { $0.components(separatedBy: "event: alert").count == 3 && $0.contains("event: reading") }), "\(sse.received)")
            let alerts = sse.events("alert")
            #expect(alerts.map { $0["kind"] as? String } == ["raised", "acknowledged"])
            #expect((alerts.last?["alert"] as? [String: Any])?["id"] as? String == alert.id)
            #expect((alerts.last?["alert"] as? [String: Any])?["state"] as? String == "acknowledged")
            #expect(alerts.last?["by"] as? String == "nurse Ada")
            let reading = try #require(sse.events("reading").first)
            #expect(reading["subject"] as? String == "alice" && reading["kind"] as? String == "blood-pressure")
            let values = try #require(reading["values"] as? [[String: Any]])
            #expect(values.contains { $0["metric"] as? String == "bp.systolic" && $0["value"] as? Double == 131 })
            #expect(reading["raw"] == nil && !sse.received.contains("rawHex"), "no raw bytes on the live stream")
            // Heartbeats keep coming.
            #expect(await sse.read(until: { $0.contains(": heartbeat ") }, seconds: 3))
        }
    }

    @Test func withoutAHubTheStreamOnlyHeartbeats() async throws {
        try await app(try memoryStore(), live: nil).test(.live) { client in
            let sse = try StreamingHTTPClient(port: try #require(client.port), path: "/api/v1/events")
            #expect(await sse.read(until: { $0.components(separatedBy: ": heartbeat ").count >= 3 }, seconds: 5), "\(sse.received)")
            #expect(sse.events("hello").first?["live"] as? Bool == false)
            #expect(sse.events("alert").isEmpty && sse.events("reading").isEmpty)
        }
    }

    @Test func aClientThatGoesAwayIsUnsubscribed() async throws {
        let live = LiveFeed()
        try await app(try memoryStore(), live: live).test(.live) { client in
            var sse: StreamingHTTPClient? = try StreamingHTTPClient(port: try #require(client.port), path: "/api/v1/events")
            #expect(await sse?.read(until: { $0.contains("event: hello") }) == true)
            #expect(live.subscriberCount == 1)
            sse = nil  // closes the socket
            _ = sse
            // The next heartbeat's write fails and the subscription ends.
            let deadline = Date().addingTimeInterval(5)
            while live.subscriberCount > 0 && Date() < deadline { try await Task.sleep(for: .milliseconds(50)) }
            #expect(live.subscriberCount == 0)
        }
    }

    @Test func unknownParametersAreRefusedBeforeTheStreamStarts() async throws {
        try await makeApp(try memoryStore()).test(.router) { client in
            let r = try await client.call(.get, "/api/v1/events?since=1")
            #expect(r.status == .badRequest && (try? r.decode(ErrorBody.self))?.field == "since")
        }
    }
}

/// `GET /api/v1/waveforms`: a strip from stored blocks, with the beats found on it.
struct WaveformAPITests {
    static let strap = DeviceIdentity(transport: .simBLE, address: "C0:FF:EE:00:04:09", profileID: "sim-polar-ecg")
    static let fs = 130.0
    static let rr = 0.8  // 75 per minute

    /// A synthetic lead: a narrow 1 mV R wave every 0.8 s from 0.4 s on, in µV (gain 1 per µV).
    static func signal(seconds: Double) -> [Int32] {
        let n = Int(seconds * fs)
        return (0..<n).map { i in
            let t = Double(i) / fs
            let phase = (t - 0.4).truncatingRemainder(dividingBy: rr)
            let d = min(abs(phase), abs(phase - rr), abs(phase + rr))
            return Int32((1000 * exp(-d * d / (2 * 0.012 * 0.012)) + 60 * sin(2 * .pi * 0.3 * t)).rounded())
        }
    }

    static let start = fixedNow.addingTimeInterval(-60)

    func stored() async throws -> VitalsStore {
        let store = try memoryStore()
        let samples = Self.signal(seconds: 15)
        // Three 5-s blocks, as a strap streams them.
        for k in 0..<3 {
            let block = SampleBlock(
                subject: SubjectID("bob"), device: Self.strap, lead: .ecgUnspecified, startTime: Self.start.addingTimeInterval(Double(k) * 5),
                sampleRate: Self.fs, gain: 1, baseline: 0, unit: .microvolt, samples: Array(samples[(k * 650)..<((k + 1) * 650)]))
            #expect(try await store.record(block: block))
        }
        return store
    }

    @Test func aStripWithItsBeats() async throws {
        let store = try await stored()
        try await makeApp(store).test(.router) { client in
            let from = JSONTime.format(Self.start), to = JSONTime.format(Self.start.addingTimeInterval(15))
            let r = try await client.call(.get, "/api/v1/waveforms?device=\(segment(Self.strap.id.rawValue))&from=\(from)&to=\(to)")
            #expect(r.status == .ok, "\(r.text)")
            let o = try r.object()
            let samples = try #require(o["samples"] as? [Double])
            #expect(samples.count == 1950, "the three blocks joined")
            #expect(o["unit"] as? String == "mV" && o["subject"] as? String == "bob" && o["sampleRate"] as? Double == Self.fs)
            #expect(abs((samples.max() ?? 0) - 1.0) < 0.1, "µV converted to mV")
            let beats = try #require(o["beats"] as? [[String: Any]]).compactMap { $0["sample"] as? Int }
            // R waves at 0.4 + 0.8 k s: the detector finds nearly all of them (it may miss the first while it learns).
            let expected = (0..<19).map { Int(((0.4 + 0.8 * Double($0)) * Self.fs).rounded()) }
            #expect(beats.count >= expected.count - 2 && beats.count <= expected.count, "\(beats)")
            for b in beats { #expect(expected.contains { abs($0 - b) <= 3 }, "a beat at sample \(b) is no R wave") }
            #expect(abs((o["heartRate"] as? Double ?? 0) - 75) < 2)
        }
    }

    @Test func withoutParametersTheLastTenSecondsOfTheNewestStrip() async throws {
        let store = try await stored()
        try await makeApp(store).test(.router) { client in
            let r = try await client.call(.get, "/api/v1/waveforms")
            #expect(r.status == .ok, "\(r.text)")
            let o = try r.object()
            #expect(o["device"] as? String == Self.strap.id.rawValue)
            #expect((o["samples"] as? [Double])?.count == 1300)
            #expect(o["start"] as? String == JSONTime.format(Self.start.addingTimeInterval(5)))
        }
    }

    @Test func limitsAndErrors() async throws {
        let store = try await stored()
        try await makeApp(store).test(.router) { client in
            let from = JSONTime.format(Self.start)
            var r = try await client.call(.get, "/api/v1/waveforms?from=\(from)&to=\(JSONTime.format(Self.start.addingTimeInterval(61)))")
            #expect(r.status == .badRequest && (try? r.decode(ErrorBody.self))?.field == "to")
            r = try await client.call(.get, "/api/v1/waveforms?device=nope")
            #expect(r.status == .notFound && (try? r.decode(ErrorBody.self))?.field == "device")
            r = try await client.call(.get, "/api/v1/waveforms?device=\(segment(Self.strap.id.rawValue))&from=\(JSONTime.format(fixedNow))")
            #expect(r.status == .notFound, "nothing stored then")
        }
        try await makeApp(try memoryStore()).test(.router) { client in
            let r = try await client.call(.get, "/api/v1/waveforms")
            #expect(r.status == .notFound)
        }
    }
}

/// The web UI's pages and assets: served from the folder, open without the token, nothing else reachable.
struct WebUITests {
    func app(token: String?) throws -> some ApplicationProtocol {
        let (router, _) = VitalsAPI.router(
            store: try memoryStore(), token: try token.map { try APIToken($0) }, registry: PrometheusCollectorRegistry(), logger: quiet,
            web: WebUI(root: repoRoot.appendingPathComponent("web")))
        return Application(router: router, logger: quiet)
    }

    @Test func pagesAndAssetsAreServedWithoutTheTokenAndDataIsNot() async throws {
        try await app(token: testToken).test(.router) { client in
            let page = try await client.call(.get, "/", token: nil)
            #expect(page.status == .ok && page.headers[.contentType]?.hasPrefix("text/html") == true)
            #expect(page.text.contains("<title>OpenVitals hub</title>"))
            #expect(page.headers[.contentSecurityPolicy]?.contains("script-src 'self'") == true)
            let kiosk = try await client.call(.get, "/kiosk", token: nil)
            #expect(kiosk.status == .ok && kiosk.text.contains("kiosk.js"))
            for f in ["app.css", "common.js", "charts.js", "dashboard.js", "kiosk.js"] {
                let r = try await client.call(.get, "/web/\(f)", token: nil)
                #expect(r.status == .ok, "\(f)")
            }
            // Only the files named: no other path reaches the disk.
            #expect(try await client.call(.get, "/web/dashboard.html", token: nil).status == .unauthorized)
            #expect(try await client.call(.get, "/web/..%2FPackage.swift").status == .notFound)
            #expect(try await client.call(.get, "/api/v1/kiosk", token: nil).status == .unauthorized)
        }
    }

    @Test func withoutTheFilesThePagesAre404() async throws {
        try await makeApp(try memoryStore()).test(.router) { client in
            let r = try await client.call(.get, "/")
            #expect(r.status == .notFound && (try? r.decode(ErrorBody.self))?.error.contains("web UI") == true)
        }
    }
}
