import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// The API's JSON: ISO 8601 times in UTC with milliseconds (the store's precision), sorted keys.
enum JSON {
    static let timeStyle = Date.ISO8601FormatStyle(includingFractionalSeconds: true)

    static func time(_ d: Date) -> String { d.formatted(timeStyle) }

    /// Parses an ISO 8601 date-time with a zone (`Z` or `±hh:mm`), with or without fractional seconds.
    static func parseTime(_ text: String) -> Date? {
        if let d = try? timeStyle.parse(text) { return d }
        return try? Date.ISO8601FormatStyle().parse(text)
    }

    static let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        e.dateEncodingStrategy = .custom { date, encoder in
            var c = encoder.singleValueContainer()
            try c.encode(JSON.time(date))
        }
        return e
    }()

    static func response(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json; charset=utf-8"
        let data = try encoder.encode(value)
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// Reads a JSON body (64 KiB at most) into `T`; a malformed body or a missing or mistyped field is a 400
    /// that names the field.
    static func body<T: Decodable>(_ type: T.Type, from request: Request) async throws -> T {
        var request = request
        let buffer: ByteBuffer
        do { buffer = try await request.collectBody(upTo: 64 * 1024) } catch {
            throw APIError(.contentTooLarge, "the request body is larger than 64 KiB")
        }
        guard buffer.readableBytes > 0 else { throw APIError(.badRequest, "a JSON body is required") }
        do {
            return try JSONDecoder().decode(T.self, from: Data(buffer.readableBytesView))
        } catch DecodingError.keyNotFound(let key, let c) {
            throw APIError(.badRequest, "missing field", field: path(c.codingPath + [key]))
        } catch DecodingError.valueNotFound(_, let c) {
            throw APIError(.badRequest, "the field must not be null", field: path(c.codingPath))
        } catch DecodingError.typeMismatch(let t, let c) {
            throw APIError(.badRequest, c.codingPath.isEmpty ? "the body must be a JSON object" : "wrong type: expected \(t)", field: path(c.codingPath))
        } catch DecodingError.dataCorrupted(let c) where !c.codingPath.isEmpty {
            throw APIError(.badRequest, "invalid value", field: path(c.codingPath))
        } catch {
            throw APIError(.badRequest, "the body is not a JSON object of the expected shape")
        }
    }

    /// The field at fault (`a.b`), or nil for the body as a whole.
    private static func path(_ keys: [any CodingKey]) -> String? { keys.isEmpty ? nil : keys.map(\.stringValue).joined(separator: ".") }
}
