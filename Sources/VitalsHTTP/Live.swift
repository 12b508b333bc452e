import Foundation
import Hummingbird
import HTTPTypes
import NIOCore
import ServiceLifecycle
import Synchronization
import VitalsCore

/// One server-sent event: its name and its JSON data (one line).
public struct LiveEvent: Sendable, Equatable {
    public var name: String
    public var data: String

    /// The event as it goes on the wire (`event:` and `data:` lines, then a blank line).
    var wire: String { "event: \(name)\ndata: \(data)\n\n" }
}

/// What `GET /api/v1/events` streams: the hub publishes alert transitions and newly stored readings here (the
/// executable wires its pipeline's events in, so this layer does not depend on the pipeline), and the API
/// publishes the acknowledgements it makes. Each subscriber gets its own stream; a slow one keeps the newest
/// 256 events (the store keeps everything).
public final class LiveFeed: Sendable {
    private let subscribers = Mutex<[UUID: AsyncStream<LiveEvent>.Continuation]>([:])
    public init() {}

    public func subscribe() -> AsyncStream<LiveEvent> {
        let (stream, c) = AsyncStream<LiveEvent>.makeStream(bufferingPolicy: .bufferingNewest(256))
        let id = UUID()
        subscribers.withLock { $0[id] = c }
        c.onTermination = { [weak self] _ in _ = self?.subscribers.withLock { $0.removeValue(forKey: id) } }
        return stream
    }

    public var subscriberCount: Int { subscribers.withLock { $0.count } }

    public func publish(_ e: LiveEvent) {
        for c in subscribers.withLock({ Array($0.values) }) { c.yield(e) }
    }

    /// An alert step: `kind` is the transition (`raised`, `updated`, `escalated`, `acknowledged`, `resolved`,
    /// `recorded` for a historical event), `alert` the alert after it.
    public func publish(alert: Alert, kind: String, at: Date, by: String? = nil) {
        guard let data = try? JSON.encoder.encode(AlertEventResource(kind: kind, at: at, by: by, alert: AlertResource(alert))) else { return }
        publish(LiveEvent(name: "alert", data: String(decoding: data, as: UTF8.self)))
    }

    /// A reading the hub has just stored: who, what, when and the values; never the raw bytes.
    public func publish(reading r: Reading) {
        guard let data = try? JSON.encoder.encode(LiveReadingResource(r)) else { return }
        publish(LiveEvent(name: "reading", data: String(decoding: data, as: UTF8.self)))
    }

    /// Ends every subscriber's stream (their responses end).
    public func finish() {
        for c in subscribers.withLock({ Array($0.values) }) { c.finish() }
    }
}

struct AlertEventResource: Encodable {
    var kind: String
    var at: Date
    var by: String?
    var alert: AlertResource
}

struct LiveReadingResource: Encodable {
    struct Value: Encodable {
        var metric: String
        var value: Double?
        var state: String
        var unit: String
    }
    var subject: String
    var device: String
    var kind: String
    var effectiveAt: Date
    var grade: String
    var flags: [String]
    var values: [Value]

    init(_ r: Reading) {
        subject = r.subject.rawValue
        device = r.device.id.rawValue
        kind = r.kind.rawValue
        effectiveAt = r.effectiveTime
        grade = r.grade.rawValue
        flags = r.flags.map(\.rawValue).sorted()
        values = r.observations.map { Value(metric: $0.metric.key, value: $0.value, state: $0.state.rawValue, unit: $0.unit.code) }
    }
}

/// `GET /api/v1/events`: `text/event-stream` of the feed's events, a `hello` event first and a comment line
/// every `heartbeat` so proxies and clients see the connection alive. Without a feed (`vitals serve`), only
/// the hello and the heartbeats. The stream ends when the client goes, or when the server shuts down.
struct EventsHandler: Sendable {
    let feed: LiveFeed?
    let heartbeat: Duration

    func events(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        _ = try Query(request, allowed: [])
        var headers = HTTPFields()
        headers[.contentType] = "text/event-stream; charset=utf-8"
        headers[.cacheControl] = "no-store"
        headers[HTTPField.Name("X-Accel-Buffering")!] = "no"
        let subscription = feed?.subscribe()
        let heartbeat = self.heartbeat
        let seconds = Double(heartbeat.components.seconds) + Double(heartbeat.components.attoseconds) / 1e18
        let body = ResponseBody { writer in
            // One stream of chunks from the feed and the heartbeat timer, written in order by this task.
            let (chunks, sink) = AsyncStream<String>.makeStream(bufferingPolicy: .bufferingNewest(512))
            sink.yield("retry: 3000\nevent: hello\ndata: {\"heartbeatSeconds\":\(seconds),\"live\":\(subscription != nil)}\n\n")
            let forward = Task {
                guard let subscription else { return }
                for await e in subscription { sink.yield(e.wire) }
                sink.finish()  // the feed ended (the hub stopped): so does the response
            }
            let beat = Task {
                while !Task.isCancelled {
                    try? await Task.sleep(for: heartbeat)
                    if Task.isCancelled { break }
                    sink.yield(": heartbeat \(JSON.time(Date()))\n\n")
                }
            }
            defer {
                forward.cancel()
                beat.cancel()
            }
            try await withGracefulShutdownHandler {
                for await chunk in chunks {
                    try await writer.write(ByteBuffer(string: chunk))
                }
            } onGracefulShutdown: {
                sink.finish()
            }
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: headers, body: body)
    }
}
