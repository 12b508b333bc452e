import Foundation
import HTTPTypes
import Hummingbird

/// An error answered as JSON: `{"error": "...", "field": "limit"}`, where `field` names the query parameter,
/// path parameter or body field at fault, or is null.
public struct APIError: Error, HTTPResponseError, Sendable, CustomStringConvertible {
    public var status: HTTPResponse.Status
    public var message: String
    public var field: String?
    public var headers: HTTPFields

    public init(_ status: HTTPResponse.Status, _ message: String, field: String? = nil, headers: HTTPFields = [:]) {
        self.status = status
        self.message = message
        self.field = field
        self.headers = headers
    }

    public var description: String { "\(status.code) \(message)\(field.map { " (\($0))" } ?? "")" }

    struct Body: Encodable {
        var error: String
        var field: String?

        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(error, forKey: .error)
            try c.encode(field, forKey: .field)  // null, not absent, when no field is at fault
        }

        enum CodingKeys: String, CodingKey { case error, field }
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var r = try JSON.response(Body(error: message, field: field), status: status)
        r.headers.append(contentsOf: headers)
        return r
    }

    static func badParameter(_ name: String, _ message: String) -> APIError { APIError(.badRequest, message, field: name) }
    static func notFound(_ message: String, field: String? = nil) -> APIError { APIError(.notFound, message, field: field) }
    static func conflict(_ message: String, field: String? = nil) -> APIError { APIError(.conflict, message, field: field) }

    static var unauthorized: APIError {
        var h = HTTPFields()
        h[.wwwAuthenticate] = "Bearer realm=\"openvitals\""
        return APIError(.unauthorized, "a valid bearer token is required (Authorization: Bearer <token>)", headers: h)
    }
}
