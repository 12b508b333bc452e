import Crypto
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Logging
import Synchronization
import Testing
import VitalsTestSupport
import VitalsCore
@testable import VitalsPipeline
import VitalsStore

/// A tiny HTTP/1.1 server on 127.0.0.1 (an ephemeral port, loopback only): it records each request and answers
/// with the next scripted status (then 200), one connection per request.
final class LoopbackHTTPServer: Sendable {
    struct Request: Sendable {
        var method: String
        var path: String
        var headers: [String: String]
        var body: Data
    }

    let port: UInt16
    private let fd: Int32
    private let state: Mutex<[Request]> = Mutex([])
    private let script: Mutex<[Int]>

    private init(fd: Int32, port: UInt16, script: [Int]) {
        self.fd = fd
        self.port = port
        self.script = Mutex(script)
    }

    static func start(script: [Int]) throws -> LoopbackHTTPServer {
        let s = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard s >= 0 else { throw POSIXError(.EIO) }
        var one: Int32 = 1
        setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = 0
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(s, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        guard bound == 0, listen(s, 16) == 0 else { throw POSIXError(.EADDRINUSE) }
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(s, $0, &len) } }
        let server = LoopbackHTTPServer(fd: s, port: UInt16(bigEndian: addr.sin_port), script: script)
        Thread { server.serve() }.start()
        return server
    }

    var requests: [Request] { state.withLock { $0 } }

    func stop() {
        shutdown(fd, Int32(SHUT_RDWR))
        close(fd)
    }

    func serve() {
        while true {
            let c = accept(fd, nil, nil)
            if c < 0 { return }
            var data = [UInt8]()
            var buf = [UInt8](repeating: 0, count: 4096)
            var request: Request?
            while request == nil {
                let n = recv(c, &buf, buf.count, 0)
                if n <= 0 { break }
                data += buf[0..<n]
                request = Self.parse(data)
            }
            if let r = request { state.withLock { $0.append(r) } }
            let status: Int = script.withLock { $0.isEmpty ? 200 : $0.removeFirst() }
            let reply = Array("HTTP/1.1 \(status) \(status == 200 ? "OK" : "Error")\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".utf8)
            _ = reply.withUnsafeBytes { send(c, $0.baseAddress, $0.count, 0) }
            close(c)
        }
    }

    static func parse(_ data: [UInt8]) -> Request? {
        let sep = Array("\r\n\r\n".utf8)
        guard let end = (0...(max(0, data.count - 4))).first(where: { data.count >= 4 && Array(data[$0..<$0 + 4]) == sep }) else { return nil }
        let head = String(decoding: data[0..<end], as: UTF8.self).components(separatedBy: "\r\n")
        let first = head[0].split(separator: " ")
        var headers: [String: String] = [:]
        for line in head.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        let length = Int(headers["content-length"] ?? "0") ?? 0
        guard data.count >= end + 4 + length else { return nil }
        return Request(method: String(first[0]), path: String(first[1]), headers: headers, body: Data(data[(end + 4)..<(end + 4 + length)]))
    }
}

struct AlertDeliveryTests {
    func storeWithACrisis() async throws -> (VitalsStore, [AlertTransition]) {
        let store = try VitalsStore(path: ":memory:", logger: quiet)
        let device = DeviceIdentity(transport: .simBLE, address: "C0:FF:EE:00:01:01", profileID: "sim-bp-cuff")
        let w = WireValue(encoding: "sfloat", bits: 0, unit: "mmHg")
        _ = try await store.record([Reading(
            subject: SubjectID("alice"), device: device, kind: .bloodPressure,
            observations: [Observation(metric: .systolic, value: 190, unit: .millimetreOfMercury, wire: w), Observation(metric: .diastolic, value: 100, unit: .millimetreOfMercury, wire: w)],
            effectiveTime: Date(timeIntervalSince1970: 1_800_000_000), deviceTime: nil, receivedTime: Date(timeIntervalSince1970: 1_800_000_000), sequence: 1,
            grade: .medical, raw: RawFrame(source: "2A35", bytes: [0]))])
        var a = Alert(id: "bp.hypertensive-crisis/sim-ble:C0:FF:EE:00:01:01|blood-pressure|seq:1", ruleID: "bp.hypertensive-crisis", subject: SubjectID("alice"),
                      device: device.id, severity: .critical, message: "Blood pressure is at hypertensive-crisis level.", citation: "ACC/AHA 2017",
                      raisedAt: Date(timeIntervalSince1970: 1_800_000_000), effectiveTime: Date(timeIntervalSince1970: 1_800_000_000),
                      evidenceKey: "sim-ble:C0:FF:EE:00:01:01|blood-pressure|seq:1")
        let raised = AlertTransition(kind: .raised, alert: a, at: a.raisedAt, eventTime: a.effectiveTime)
        a.state = .resolved
        let resolved = AlertTransition(kind: .resolved, alert: a, at: a.raisedAt + 600, eventTime: a.effectiveTime + 600, detail: "later reading below")
        _ = try await store.apply([raised, resolved])
        return (store, [raised, resolved])
    }

    @Test func webhookIsSignedRetriedAfterA500AndIdempotent() async throws {
        let server = try LoopbackHTTPServer.start(script: [500])
        defer { server.stop() }
        let (store, transitions) = try await storeWithACrisis()
        let secret = Array("s3cret".utf8)
        let clock = TestClock(advancesOnSleep: true)
        let hook = WebhookDelivery(url: URL(string: "http://127.0.0.1:\(server.port)/alerts")!, secret: secret, maxAttempts: 4, baseDelay: .seconds(20), clock: clock)
        let service = AlertDeliveryService(store: store, channel: "webhook", logger: quiet) { try await hook.send($0) }
        #expect(try await service.deliverPending() == 2)
        #expect(clock.requestedSleeps == [.seconds(20)], "one back-off, the base delay, before the retry")

        let got = server.requests
        #expect(got.count == 3, "the first attempt got a 500 and was retried")
        #expect(got.allSatisfy { $0.method == "POST" && $0.path == "/alerts" && $0.headers["content-type"] == "application/json" })
        for r in got {
            let mac = HMAC<SHA256>.authenticationCode(for: r.body, using: SymmetricKey(data: secret))
            #expect(r.headers["x-openvitals-signature"] == "sha256=" + mac.map { String(format: "%02x", $0) }.joined())
            let json = try #require(try JSONSerialization.jsonObject(with: r.body) as? [String: Any])
            #expect(json["event_id"] as? String == r.headers["x-openvitals-event-id"])
            #expect(json["alert_id"] as? String == transitions[0].alert.id)
        }
        let ids = got.compactMap { $0.headers["x-openvitals-event-id"] }
        #expect(ids == [transitions[0].eventID, transitions[0].eventID, transitions[1].eventID], "a retry carries the same id")
        #expect(try await store.undeliveredAlertEvents(channel: "webhook").isEmpty)
        #expect(try await service.deliverPending() == 0, "delivered once: nothing more to send")

        // A second channel (or a redelivery after a crash) sends the same ids: receivers deduplicate on them.
        let again = AlertDeliveryService(store: store, channel: "webhook-b", logger: quiet) { try await hook.send($0) }
        #expect(try await again.deliverPending() == 2)
        #expect(Array(server.requests.suffix(2).compactMap { $0.headers["x-openvitals-event-id"] }) == [transitions[0].eventID, transitions[1].eventID])
    }

    /// A receiver that refuses a step (HTTP 400) gets it once: the step is parked, visible with the reason, and
    /// the steps after it still go out. A receiver that is down leaves every step pending, in order.
    @Test func aRefusedStepIsParkedAndLaterStepsStillGoOut() async throws {
        let server = try LoopbackHTTPServer.start(script: [400])
        let (store, transitions) = try await storeWithACrisis()
        let clock = TestClock(advancesOnSleep: true)
        let hook = WebhookDelivery(url: URL(string: "http://127.0.0.1:\(server.port)/alerts")!, secret: [1], maxAttempts: 3, baseDelay: .seconds(10), clock: clock)
        let service = AlertDeliveryService(store: store, channel: "webhook", logger: quiet) { try await hook.send($0) }
        #expect(try await service.deliverPending() == 1, "the resolved step went out after the refused one")
        #expect(server.requests.count == 2, "a 400 is not retried")
        #expect(server.requests.compactMap { $0.headers["x-openvitals-event-id"] } == transitions.map(\.eventID))
        let parked = try await store.parkedAlertEvents()
        #expect(parked.count == 1 && parked[0].event.eventID == transitions[0].eventID && parked[0].channel == "webhook")
        #expect(parked[0].reason.contains("HTTP 400") && parked[0].attempts == 1)
        #expect(try await store.undeliveredAlertEvents(channel: "webhook").isEmpty, "parked is not pending: never blocks the queue")
        #expect(try await service.deliverPending() == 0)
        #expect(clock.requestedSleeps.isEmpty, "a refusal is not retried, so nothing waits")
        server.stop()

        // Nobody listens: three attempts, then it gives up; the steps stay pending for the next pass.
        let (down, _) = try await storeWithACrisis()
        let dead = AlertDeliveryService(store: down, channel: "webhook", logger: quiet) { try await hook.send($0) }
        #expect(try await dead.deliverPending() == 0)
        await #expect(throws: WebhookError.self) { _ = try await hook.send(try await down.undeliveredAlertEvents(channel: "webhook")[0]) }
        #expect(try await down.undeliveredAlertEvents(channel: "webhook").count == 2)
        #expect(try await down.parkedAlertEvents().isEmpty)
        #expect(clock.requestedSleeps == [.seconds(10), .seconds(20), .seconds(10), .seconds(20)], "back-off doubles between attempts, per send")
    }

    @Test func liveFeedGetsEveryTransition() async throws {
        let feed = AlertFeed()
        let stream = feed.subscribe()
        let (_, transitions) = try await storeWithACrisis()
        for t in transitions { feed.publish(t) }
        feed.finish()
        var seen: [AlertTransitionKind] = []
        for await t in stream { seen.append(t.kind) }
        #expect(seen == [.raised, .resolved])
    }
}
