import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import Prometheus
import VitalsCore
import VitalsKiosk
import VitalsStore

/// One route the API serves, in OpenAPI form (`/api/v1/alerts/{alertID}/acknowledge`).
public struct APIRoute: Hashable, Sendable, CustomStringConvertible {
    public var method: String
    public var path: String
    public var description: String { "\(method) \(path)" }
}

/// The hub's HTTP API over a `VitalsStore`: JSON under `/api/v1`, `/metrics` (Prometheus text) and `/healthz`.
///
/// Every route is registered through one table, so `routes` is exactly what the router serves (the tests hold
/// it against docs/openapi.yaml). Live updates are `GET /api/v1/events` (server-sent events from a `LiveFeed`);
/// the web UI (dashboard and kiosk screen) is served from `web` when given.
public enum VitalsAPI {
    /// The largest page of readings.
    public static let maxPageSize = 1000
    public static let defaultPageSize = 100

    /// The router and the routes it serves. Middleware, outermost first: request metrics, errors to JSON,
    /// bearer token. `live`: what `/api/v1/events` streams (nil: heartbeats only); `web`: the UI's files.
    public static func router(
        store: VitalsStore, token: APIToken?, registry: PrometheusCollectorRegistry, logger: Logger, kiosk: KioskDesk? = nil,
        live: LiveFeed? = nil, web: WebUI? = nil, heartbeat: Duration = .seconds(15),
        now: @escaping @Sendable () -> Date = { Date() }
    ) -> (router: Router<APIRequestContext>, routes: [APIRoute]) {
        let router = Router(context: APIRequestContext.self)
        router.add(middleware: RequestMetricsMiddleware(registry: registry))
        router.add(middleware: ErrorMiddleware(logger: logger))
        router.add(middleware: BearerTokenMiddleware(token: token))
        let table = RouteTable(router: router)
        let handlers = Handlers(store: store, registry: registry, logger: logger, live: live, now: now)

        table.add(.get, "/healthz", handlers.health)
        table.add(.get, "/metrics", handlers.metrics)
        table.add(.get, "/api/v1/subjects", handlers.listSubjects)
        table.add(.post, "/api/v1/subjects", handlers.createSubject)
        table.add(.get, "/api/v1/devices", handlers.listDevices)
        table.add(.put, "/api/v1/devices/{deviceID}/assignment", handlers.assignDevice)
        table.add(.get, "/api/v1/readings", handlers.listReadings)
        table.add(.post, "/api/v1/readings/{readingID}/refile", handlers.refileReading)
        table.add(.get, "/api/v1/alerts", handlers.listAlerts)
        table.add(.post, "/api/v1/alerts/{alertID}/acknowledge", handlers.acknowledgeAlert)
        table.add(.get, "/api/v1/analytics", handlers.analytics)
        table.add(.get, "/api/v1/events", EventsHandler(feed: live, heartbeat: heartbeat).events)
        table.add(.get, "/api/v1/waveforms", WaveformHandlers(store: store).waveforms)
        let desk = KioskHandlers(desk: kiosk, now: now)
        table.add(.get, "/api/v1/kiosk", desk.current)
        table.add(.post, "/api/v1/kiosk/sessions", desk.start)
        table.add(.post, "/api/v1/kiosk/sessions/{sessionID}/consent", desk.consent)
        table.add(.post, "/api/v1/kiosk/sessions/{sessionID}/meal", desk.meal)
        table.add(.post, "/api/v1/kiosk/sessions/{sessionID}/end", desk.end)
        let ns = NightscoutHandlers(store: store, now: now)
        table.add(.get, "/nightscout/{subject}/api/v1/entries.json", ns.entries)
        table.add(.get, "/nightscout/{subject}/api/v1/entries/sgv.json", ns.sgv)
        table.add(.get, "/nightscout/{subject}/api/v1/treatments.json", ns.treatments)
        table.add(.get, "/nightscout/{subject}/api/v1/status.json", ns.status)
        let pages = WebHandlers(ui: web)
        table.add(.get, "/", pages.dashboard)
        table.add(.get, "/kiosk", pages.kiosk)
        table.add(.get, "/web/{file}", pages.asset)
        return (router, table.routes)
    }

    /// The application: checks the configuration first (a non-loopback address without a token is refused),
    /// then serves on `configuration.host:port`. It is a ServiceLifecycle `Service`.
    public static func application(
        store: VitalsStore, configuration: APIConfiguration, registry: PrometheusCollectorRegistry, logger: Logger, kiosk: KioskDesk? = nil,
        live: LiveFeed? = nil, web: WebUI? = nil,
        onServerRunning: @escaping @Sendable (SocketAddress?) async -> Void = { _ in }
    ) throws(APIConfigurationError) -> Application<RouterResponder<APIRequestContext>> {
        try configuration.validate()
        let (router, _) = Self.router(store: store, token: configuration.token, registry: registry, logger: logger, kiosk: kiosk, live: live, web: web)
        return Application(
            router: router,
            configuration: ApplicationConfiguration(address: .hostname(configuration.host, port: configuration.port), serverName: "OpenVitals"),
            onServerRunning: { channel in await onServerRunning(channel.localAddress) },
            logger: logger)
    }
}

/// Registers each route on the router and remembers it.
final class RouteTable: @unchecked Sendable {
    let router: Router<APIRequestContext>
    private(set) var routes: [APIRoute] = []

    init(router: Router<APIRequestContext>) { self.router = router }

    func add(_ method: HTTPRequest.Method, _ path: String, _ handler: @escaping @Sendable (Request, APIRequestContext) async throws -> Response) {
        router.on(RouterPath(path), method: method, use: handler)
        routes.append(APIRoute(method: method.rawValue, path: path))
    }
}

/// The query string, read strictly: an unknown or repeated parameter is a 400 that names it.
struct Query {
    let values: [String: String]

    init(_ request: Request, allowed: Set<String>) throws(APIError) {
        var v: [String: String] = [:]
        for (k, value) in request.uri.queryParameters {
            // Hummingbird decodes the values but not the names (Nightscout's `find[date][$gte]` arrives encoded).
            let key = String(k).removingPercentEncoding ?? String(k)
            guard allowed.contains(key) else { throw APIError.badParameter(key, "unknown query parameter (this route takes: \(allowed.sorted().joined(separator: ", ")))") }
            guard v[key] == nil else { throw APIError.badParameter(key, "given more than once") }
            v[key] = String(value)
        }
        values = v
    }

    func string(_ name: String) throws(APIError) -> String? {
        guard let s = values[name] else { return nil }
        guard !s.isEmpty else { throw APIError.badParameter(name, "must not be empty") }
        return s
    }

    func time(_ name: String) throws(APIError) -> Date? {
        // A '+' in an unencoded query is often a space by the time it arrives.
        guard let s = try string(name) else { return nil }
        guard let d = JSON.parseTime(s.replacingOccurrences(of: " ", with: "+")) else {
            throw APIError.badParameter(name, "not an ISO 8601 date-time with a zone (e.g. 2026-11-23T10:00:00Z)")
        }
        return d
    }

    func int(_ name: String, in range: ClosedRange<Int>) throws(APIError) -> Int? {
        guard let s = try string(name) else { return nil }
        guard let n = Int(s), range.contains(n) else { throw APIError.badParameter(name, "must be an integer from \(range.lowerBound) to \(range.upperBound)") }
        return n
    }
}

/// A path parameter, percent-decoded (alert ids contain '/', so clients send them as %2F).
func pathParameter(_ context: APIRequestContext, _ name: String) throws(APIError) -> String {
    guard let raw = context.parameters.get(name), let s = raw.removingPercentEncoding, !s.isEmpty else {
        throw APIError.badParameter(name, "missing or malformed")
    }
    return s
}

/// A required text field of a request body: trimmed, not empty, at most `max` characters, no control characters.
func text(_ value: String, field: String, max: Int = 200) throws(APIError) -> String {
    let t = value.trimmingCharacters(in: .whitespacesAndNewlines)
    guard !t.isEmpty else { throw APIError.badParameter(field, "must not be empty") }
    guard t.count <= max else { throw APIError.badParameter(field, "longer than \(max) characters") }
    guard !t.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else { throw APIError.badParameter(field, "contains control characters") }
    return t
}

/// What `/metrics` exposes besides the hub's own metrics (when the executable shares its registry).
enum Metrics {
    static var requests: MetricNameDescriptor {
        MetricNameDescriptor(namespace: "vitals", subsystem: "http", metricName: "requests", unitName: "total", helpText: "HTTP requests answered, by method, route template and status.")
    }
    static var readings: MetricNameDescriptor {
        MetricNameDescriptor(namespace: "vitals", subsystem: "store", metricName: "readings", unitName: "", helpText: "Readings in the store, by kind.")
    }
    static var alerts: MetricNameDescriptor {
        MetricNameDescriptor(namespace: "vitals", subsystem: "store", metricName: "alerts", unitName: "", helpText: "Live (not historical) alerts in the store, by state.")
    }
    static var subjects: MetricNameDescriptor {
        MetricNameDescriptor(namespace: "vitals", subsystem: "store", metricName: "subjects", unitName: "", helpText: "Subjects in the store.")
    }
}

struct Handlers: Sendable {
    let store: VitalsStore
    let registry: PrometheusCollectorRegistry
    let logger: Logger
    let live: LiveFeed?
    let now: @Sendable () -> Date

    /// 1–128 characters: letters, digits and . _ @ / -, starting with a letter or digit.
    static func isValidSubjectID(_ s: String) -> Bool {
        guard let first = s.unicodeScalars.first, s.unicodeScalars.count <= 128, first.isASCIIAlphanumeric else { return false }
        return s.unicodeScalars.allSatisfy { $0.isASCIIAlphanumeric || "._@/-".unicodeScalars.contains($0) }
    }

    func health(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        _ = try Query(request, allowed: [])
        do {
            return try JSON.response(Health(status: "ok", schemaVersion: try await store.schemaVersion()))
        } catch {
            logger.error("health check: the store does not answer", metadata: ["error": "\(error)"])
            throw APIError(.serviceUnavailable, "the store does not answer")
        }
    }

    func metrics(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        _ = try Query(request, allowed: [])
        let stats = try await store.statistics()
        for kind in ReadingKind.allCases.map(\.rawValue) {
            registry.makeGauge(descriptor: Metrics.readings, labels: [("kind", kind)]).set(Double(stats.readingsByKind[kind] ?? 0))
        }
        for state in AlertState.allCases.map(\.rawValue) {
            registry.makeGauge(descriptor: Metrics.alerts, labels: [("state", state)]).set(Double(stats.alertsByState[state] ?? 0))
        }
        registry.makeGauge(descriptor: Metrics.subjects).set(Double(stats.subjects))
        var headers = HTTPFields()
        headers[.contentType] = "text/plain; version=0.0.4; charset=utf-8"
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: registry.emitToBuffer())))
    }

    func listSubjects(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        _ = try Query(request, allowed: [])
        return try JSON.response(["subjects": try await store.subjects().map(SubjectResource.init)])
    }

    func createSubject(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        _ = try Query(request, allowed: [])
        let body = try await JSON.body(NewSubject.self, from: request)
        guard Self.isValidSubjectID(body.id) else {
            throw APIError.badParameter("id", "1–128 characters: letters, digits and . _ @ / -, starting with a letter or digit")
        }
        let name = try text(body.displayName, field: "displayName")
        guard let s = try await store.createSubject(id: body.id, displayName: name, at: now()) else {
            throw APIError.conflict("a subject with this id exists", field: "id")
        }
        return try JSON.response(SubjectResource(s), status: .created)
    }

    func listDevices(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        _ = try Query(request, allowed: [])
        let assignments = Dictionary(grouping: try await store.deviceAssignments(), by: \.deviceID)
        return try JSON.response(["devices": try await store.devices().map { DeviceResource($0, assignments: assignments[$0.id] ?? []) }])
    }

    func assignDevice(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        _ = try Query(request, allowed: [])
        let device = try pathParameter(context, "deviceID")
        let body = try await JSON.body(AssignmentRequest.self, from: request)
        let by = try text(body.by, field: "by")
        let reason = try body.reason.map { (r: String) throws(APIError) in try text(r, field: "reason", max: 500) }
        if let u = body.user, !(0...254).contains(u) { throw APIError.badParameter("user", "a device User ID is 0–254 (255 means unknown user)") }
        switch try await store.assign(deviceID: device, user: body.user, to: body.subject, by: by, reason: reason, at: now()) {
        case .unknownDevice: throw APIError.notFound("no such device")
        case .unknownSubject: throw APIError.notFound("no such subject", field: "subject")
        case .unchanged(let a): return try JSON.response(AssignmentResponse(assignment: AssignmentResource(a), changed: false, audit: nil))
        case .assigned(let a, let audit):
            logger.info("device assigned", metadata: ["device.id": "\(device)", "audit.seq": "\(audit.seq)"])
            return try JSON.response(AssignmentResponse(assignment: AssignmentResource(a), changed: true, audit: AssignmentAuditResource(audit)))
        }
    }

    func listReadings(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let q = try Query(request, allowed: ["subject", "kind", "from", "to", "limit", "cursor"])
        let subject = try q.string("subject")
        if let subject, try await store.subject(id: subject) == nil { throw APIError.notFound("no such subject", field: "subject") }
        let kind = try q.string("kind")
        if let kind, ReadingKind(rawValue: kind) == nil {
            throw APIError.badParameter("kind", "one of \(ReadingKind.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        let from = try q.time("from"), to = try q.time("to")
        if let from, let to, to <= from { throw APIError.badParameter("to", "must be later than from") }
        let limit = try q.int("limit", in: 1...VitalsAPI.maxPageSize) ?? VitalsAPI.defaultPageSize
        let cursor = try q.string("cursor").map { (c: String) throws(APIError) -> ReadingCursor in
            guard let c = ReadingCursor(token: c) else { throw APIError.badParameter("cursor", "not a cursor this API returned") }
            return c
        }
        let page = try await store.readings(subject: subject, kind: kind, from: from, to: to, limit: limit, before: cursor)
        return try JSON.response(ReadingPageResource(readings: page.readings.map(ReadingResource.init), next: page.next?.token))
    }

    func refileReading(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        _ = try Query(request, allowed: [])
        guard let id = Int64(try pathParameter(context, "readingID")), id > 0 else { throw APIError.badParameter("readingID", "a reading id is a positive integer") }
        let body = try await JSON.body(RefileRequest.self, from: request)
        let by = try text(body.by, field: "by"), reason = try text(body.reason, field: "reason", max: 500)
        switch try await store.refile(readingID: id, to: body.subject, by: by, reason: reason, at: now()) {
        case .unknownReading: throw APIError.notFound("no such reading")
        case .unknownSubject: throw APIError.notFound("no such subject", field: "subject")
        case .alreadyThere: throw APIError.conflict("the reading is already filed under this subject", field: "subject")
        case .refiled(let r, let audit):
            logger.info("reading re-filed", metadata: ["reading.id": "\(id)", "audit.seq": "\(audit.seq)"])
            return try JSON.response(RefileResponse(reading: ReadingResource(r), refiling: RefilingResource(audit)))
        }
    }

    func listAlerts(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let q = try Query(request, allowed: ["subject", "state"])
        let subject = try q.string("subject")
        if let subject, try await store.subject(id: subject) == nil { throw APIError.notFound("no such subject", field: "subject") }
        let states: Set<AlertState>?
        switch try q.string("state") {
        case nil: states = nil
        case "open": states = [.raised, .updated]
        case let s?:
            guard let st = AlertState(rawValue: s) else {
                throw APIError.badParameter("state", "one of open, \(AlertState.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            states = [st]
        }
        let alerts = try await store.alerts(subject: subject).filter { states?.contains($0.state) ?? true }
        return try JSON.response(["alerts": alerts.map(AlertResource.init)])
    }

    func acknowledgeAlert(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        _ = try Query(request, allowed: [])
        let id = try pathParameter(context, "alertID")
        let body = try await JSON.body(AcknowledgeRequest.self, from: request)
        let by = try text(body.by, field: "by")
        let at = now()
        if let a = try await store.acknowledge(alertID: id, by: by, at: at) {
            logger.info("alert acknowledged", metadata: ["alert.rule": "\(a.ruleID)"])
            live?.publish(alert: a, kind: AlertTransitionKind.acknowledged.rawValue, at: a.updatedAt ?? at, by: by)
            return try JSON.response(AcknowledgeResponse(alert: AlertResource(a), acknowledgement: AcknowledgementResource(by: by, at: a.updatedAt ?? at)))
        }
        guard let a = try await store.alert(id: id) else { throw APIError.notFound("no such alert") }
        throw APIError.conflict(a.historical ? "the alert is a historical event; only a live alert can be acknowledged" : "the alert is \(a.state.rawValue); only a raised or updated alert can be acknowledged")
    }

    func analytics(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let q = try Query(request, allowed: ["subject", "from", "to", "timeZone"])
        guard let subject = try q.string("subject") else { throw APIError.badParameter("subject", "required") }
        let from = try q.time("from"), to = try q.time("to")
        if let from, let to, to <= from { throw APIError.badParameter("to", "must be later than from") }
        let zoneName = try q.string("timeZone") ?? "UTC"
        guard let zone = TimeZone(identifier: zoneName) else { throw APIError.badParameter("timeZone", "not an IANA time zone name (e.g. Europe/Berlin, UTC)") }
        guard try await store.subject(id: subject) != nil else { throw APIError.notFound("no such subject", field: "subject") }
        let glucose = try await store.series(subject: subject, kind: ReadingKind.glucose.rawValue, from: from, to: to)
        let bp = try await store.series(subject: subject, kind: ReadingKind.bloodPressure.rawValue, from: from, to: to)
        return try JSON.response(SubjectAnalytics.compute(subject: subject, from: from, to: to, zone: zone, zoneName: zoneName, glucosePoints: glucose, bpPoints: bp))
    }
}

extension Unicode.Scalar {
    var isASCIIAlphanumeric: Bool { ("a"..."z").contains(self) || ("A"..."Z").contains(self) || ("0"..."9").contains(self) }
}
