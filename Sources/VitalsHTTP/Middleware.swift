import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import Prometheus

/// The request context: Hummingbird's core storage plus the peer's address, so a server without a token can
/// still refuse a client that is not on this machine.
public struct APIRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// nil when unknown (the router test client has no socket).
    public let remoteAddress: SocketAddress?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
    }
}

extension SocketAddress {
    var isLoopback: Bool {
        switch self {
        case .v4: ipAddress?.hasPrefix("127.") == true
        case .v6:
            // ::1, or an IPv4-mapped loopback (::ffff:127.x.y.z)
            ipAddress.map { $0 == "::1" || $0.lowercased().hasPrefix("::ffff:127.") } ?? false
        case .unixDomainSocket: true
        }
    }
}

/// Counts every request by method, route template (never the concrete path, which holds ids) and status.
struct RequestMetricsMiddleware: RouterMiddleware {
    typealias Context = APIRequestContext
    let registry: PrometheusCollectorRegistry

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let response = try await next(request, context)
        let route = context.endpointPath.flatMap { $0 == "NotFound" ? nil : $0 } ?? "unmatched"
        registry.makeCounter(
            descriptor: Metrics.requests, labels: [("method", request.method.rawValue), ("route", route), ("status", String(response.status.code))]
        ).increment()
        return response
    }
}

/// Turns every error into a JSON error response: `APIError`s as they are, Hummingbird's own (no such route,
/// method not allowed) with their status, anything else as a 500 whose detail goes to the log only.
struct ErrorMiddleware: RouterMiddleware {
    typealias Context = APIRequestContext
    let logger: Logger

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let e as APIError {
            return try e.response(from: request, context: context)
        } catch let e as HTTPError {
            let message = e.status == .notFound ? "no such route" : e.body ?? e.status.reasonPhrase
            return try APIError(e.status, message, headers: e.headers).response(from: request, context: context)
        } catch {
            // Store errors name the statement, never the values bound to it.
            logger.error("request failed", metadata: ["http.route": "\(context.endpointPath ?? "unmatched")", "error": "\(error)"])
            return try APIError(.internalServerError, "internal error").response(from: request, context: context)
        }
    }
}

/// Demands `Authorization: Bearer <token>` on every request but `GET /healthz` and the web UI's pages and
/// assets (which hold no data: the pages ask for the token and send it on their API calls) when a token is
/// configured; without one (loopback only), refuses any client whose address is not loopback.
struct BearerTokenMiddleware: RouterMiddleware {
    typealias Context = APIRequestContext
    let token: APIToken?
    static let open: Set<String> = ["/healthz"]
    static let apiSecret = HTTPField.Name("api-secret")!

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if request.method == .get && Self.open.contains(request.uri.path) { return try await next(request, context) }
        if request.method == .get && token != nil && WebUI.openPaths.contains(request.uri.path) { return try await next(request, context) }
        if let token {
            let bearer = request.headers[.authorization].map { $0.count > 7 && $0.prefix(7).lowercased() == "bearer " && token.matches($0.dropFirst(7)) } ?? false
            // Nightscout clients authenticate with `api-secret: sha1(secret)`.
            let nightscout = request.uri.path.hasPrefix("/nightscout/")
                && (request.headers[Self.apiSecret].map { token.matchesNightscoutSecret($0) } ?? false)
            guard bearer || nightscout else { throw APIError.unauthorized }
        } else if let peer = context.remoteAddress, !peer.isLoopback {
            throw APIError.unauthorized
        }
        return try await next(request, context)
    }
}
