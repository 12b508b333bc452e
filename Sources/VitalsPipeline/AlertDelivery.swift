import Crypto
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Logging
import ServiceLifecycle
import VitalsCore
import VitalsStore

/// Delivers stored alert steps (`alert_events`) on one channel, at least once: a step is marked delivered only
/// after the channel took it, so a crash or a failed attempt delivers it again — with the same idempotent
/// `event_id`, which receivers use to drop repeats. Polls the store; the store is the queue.
public struct AlertDeliveryService: Service {
    let store: VitalsStore
    let channel: String
    let deliver: @Sendable (StoredAlertEvent) async throws -> Int
    let pollInterval: Duration
    let clock: any Clock<Duration>
    let logger: Logger

    /// `deliver` returns how many attempts it took, or throws when it gave up (the step stays pending).
    public init(store: VitalsStore, channel: String, pollInterval: Duration = .seconds(1), clock: any Clock<Duration> = ContinuousClock(), logger: Logger,
                deliver: @escaping @Sendable (StoredAlertEvent) async throws -> Int) {
        self.store = store
        self.channel = channel
        self.deliver = deliver
        self.pollInterval = pollInterval
        self.clock = clock
        self.logger = logger
    }

    /// One pass: delivers what is pending, in order. A step the receiver refuses for good (`DeliveryRefusal`,
    /// e.g. a webhook's 4xx) is parked (`vitals alerts` shows it) and the pass goes on with the next step; any
    /// other failure (receiver down, 5xx) stops the pass so the step is tried again, in order. Returns how many
    /// were delivered.
    @discardableResult
    public func deliverPending(now: @Sendable () -> Date = { Date() }) async throws -> Int {
        var count = 0
        while true {
            let pending = try await store.undeliveredAlertEvents(channel: channel, limit: 100)
            if pending.isEmpty { return count }
            for e in pending {
                let attempts: Int
                do {
                    attempts = try await deliver(e)
                } catch let refusal as any DeliveryRefusal {
                    logger.error("alert step refused by the receiver; parked", metadata: ["delivery.channel": "\(channel)", "alert.event": "\(e.eventID)", "error": "\(refusal)"])
                    try await store.park(seq: e.seq, channel: channel, reason: "\(refusal)", attempts: refusal.attempts, at: now())
                    continue
                } catch {
                    logger.warning("alert delivery failed; will retry", metadata: ["delivery.channel": "\(channel)", "alert.event": "\(e.eventID)", "error": "\(error)"])
                    return count
                }
                try await store.markDelivered(seq: e.seq, channel: channel, attempts: attempts, at: now())
                count += 1
            }
        }
    }

    public func run() async throws {
        // Runs until the group shuts down, then makes one last pass for what the analytics stored while draining.
        await withGracefulShutdownHandler {
            while !Task.isCancelled && !Task.isShuttingDownGracefully {
                _ = try? await deliverPending()
                try? await clock.sleep(for: pollInterval)
            }
        } onGracefulShutdown: {}
        _ = try? await deliverPending()
    }
}

extension AlertDeliveryService: CustomStringConvertible { public var description: String { "AlertDeliveryService(\(channel))" } }

/// A delivery failure that trying again will not mend (the receiver refused the step): the step is parked.
public protocol DeliveryRefusal: Error, CustomStringConvertible {
    var attempts: Int { get }
}

/// A webhook receiver's 4xx (other than 429): the request itself is refused.
public struct WebhookRefused: DeliveryRefusal, Equatable {
    public var status: Int
    public var attempts: Int
    public var description: String { "the receiver refused the request (HTTP \(status)); not retried" }
}

public enum WebhookError: Error, Equatable, CustomStringConvertible {
    case gaveUp(attempts: Int, lastStatus: Int?)
    public var description: String {
        switch self {
        case .gaveUp(let n, let s): "gave up after \(n) attempts\(s.map { " (last HTTP \($0))" } ?? " (no response)")"
        }
    }
}

/// A webhook: each alert step as a JSON POST, signed with HMAC-SHA256 over the body
/// (`X-OpenVitals-Signature: sha256=<hex>`), its idempotent id in `X-OpenVitals-Event-Id`; a connection error,
/// a 5xx or a 429 is retried with exponential backoff (base, 2×base, 4×base … capped), another 4xx is not.
public struct WebhookDelivery: Sendable {
    public var url: URL
    public var secret: [UInt8]
    public var maxAttempts: Int
    public var baseDelay: Duration
    public var maxDelay: Duration
    public var timeout: TimeInterval
    /// What the back-off between attempts sleeps on.
    public var clock: any Clock<Duration>

    public init(
        url: URL, secret: [UInt8], maxAttempts: Int = 6, baseDelay: Duration = .milliseconds(500), maxDelay: Duration = .seconds(30), timeout: TimeInterval = 10,
        clock: any Clock<Duration> = ContinuousClock()
    ) {
        self.clock = clock
        self.url = url
        self.secret = secret
        self.maxAttempts = maxAttempts
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
        self.timeout = timeout
    }

    public static let signatureHeader = "X-OpenVitals-Signature"
    public static let eventIDHeader = "X-OpenVitals-Event-Id"

    public static func signature(_ body: Data, secret: [UInt8]) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: body, using: SymmetricKey(data: secret))
        return "sha256=" + mac.map { String(format: "%02x", $0) }.joined()
    }

    /// The JSON body of one step (keys sorted, dates ISO 8601 in UTC).
    public static func payload(_ e: StoredAlertEvent) -> Data {
        let iso = ISO8601DateFormatter()
        var o: [String: Any] = [
            "event_id": e.eventID, "alert_id": e.alert.id, "transition": e.transition.rawValue, "state": e.state.rawValue,
            "severity": e.severity.rawValue, "rule_id": e.alert.ruleID, "subject": e.alert.subject.rawValue, "device": e.alert.device.rawValue,
            "message": e.alert.message, "citation": e.alert.citation, "historical": e.alert.historical, "escalations": e.alert.escalations,
            "at": iso.string(from: e.at), "event_time": iso.string(from: e.eventTime), "evidence_key": e.alert.evidenceKey, "detail": e.detail,
        ]
        if let f = e.alert.evidenceFrom { o["evidence_from"] = iso.string(from: f) }
        if let t = e.alert.evidenceTo { o["evidence_to"] = iso.string(from: t) }
        return (try? JSONSerialization.data(withJSONObject: o, options: [.sortedKeys])) ?? Data()
    }

    func delay(beforeAttempt n: Int) -> Duration {
        var d = baseDelay
        for _ in 1..<max(1, n - 1) { d = d * 2 }
        return min(d, maxDelay)
    }

    /// Sends one step; returns the attempts it took.
    public func send(_ e: StoredAlertEvent) async throws -> Int {
        let body = Self.payload(e)
        var request = URLRequest(url: url, cachePolicy: .reloadIgnoringLocalCacheData, timeoutInterval: timeout)
        request.httpMethod = "POST"
        request.httpBody = body
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.setValue(Self.signature(body, secret: secret), forHTTPHeaderField: Self.signatureHeader)
        request.setValue(e.eventID, forHTTPHeaderField: Self.eventIDHeader)
        var lastStatus: Int?
        for attempt in 1...max(1, maxAttempts) {
            if attempt > 1 { try await clock.sleep(for: delay(beforeAttempt: attempt)) }
            do {
                let (_, response) = try await URLSession.shared.data(for: request)
                let status = (response as? HTTPURLResponse)?.statusCode ?? 0
                lastStatus = status
                if (200..<300).contains(status) { return attempt }
                if status != 429 && (400..<500).contains(status) { throw WebhookRefused(status: status, attempts: attempt) }
            } catch let e as WebhookRefused {
                throw e
            } catch {
                if Task.isCancelled { throw error }
            }
        }
        throw WebhookError.gaveUp(attempts: maxAttempts, lastStatus: lastStatus)
    }
}
