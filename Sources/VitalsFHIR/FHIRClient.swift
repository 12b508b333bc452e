import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// How a FHIR client reaches a server: one POST of a body to the server's base URL, answered by a status and a body.
/// `URLSessionFHIRTransport` does it over HTTP(S); tests put a server's behaviour (down, refusing, half-answering)
/// in its place.
public protocol FHIRTransport: Sendable {
    func post(_ body: [UInt8]) async throws -> (status: Int, body: [UInt8])
}

/// Sends transaction Bundles and accepts only a whole transaction-response (every entry 201 or 200). Anything else
/// is an error, so the caller sends the same Bundle again later; every entry is a conditional create, so a resend
/// stores nothing twice.
public struct FHIRClient: Sendable {
    public let transport: any FHIRTransport

    public init(transport: any FHIRTransport) { self.transport = transport }

    /// Why a transaction did not take.
    public enum Failure: Error, CustomStringConvertible, Equatable {
        /// The server could not be reached or did not answer.
        case unreachable(String)
        /// It answered, but not with a whole transaction-response: worth trying again later (the server failing,
        /// busy, or not letting the hub in yet).
        case refused(String)
        /// It found the transaction itself wrong (HTTP 400, 404, 405, 409, 410, 412, 413 or 422): sent again, the
        /// same entries are refused again.
        case invalid(status: Int, String)

        /// The statuses that refuse the content for good, whenever it is sent; 401, 403, 408, 429 and 5xx are not.
        public static let permanentStatuses: Set<Int> = [400, 404, 405, 409, 410, 412, 413, 422]

        public var description: String {
            switch self {
            case .unreachable(let why): "the FHIR server did not answer: \(why)"
            case .refused(let why): "the FHIR server refused the transaction: \(why)"
            case .invalid(_, let why): "the FHIR server found the transaction invalid: \(why)"
            }
        }

        /// The failure without the server's OperationOutcome diagnostics, which may quote what was sent (values,
        /// patient references): what a hub's log carries at warning level.
        public var summary: String {
            switch self {
            case .refused(let why):
                guard let cut = why.range(of: "OperationOutcome") else { return description }
                return "the FHIR server refused the transaction: \(why[..<cut.lowerBound])OperationOutcome (its diagnostics are logged at debug level)"
            case .invalid(let status, let why):
                guard why.contains("OperationOutcome") else { return description }
                return "the FHIR server found the transaction invalid: HTTP \(status), OperationOutcome (its diagnostics are logged at debug level)"
            case .unreachable:
                return description
            }
        }
    }

    /// POSTs `bundle` (a transaction) and checks the answer: one 201 or 200 for each of its entries.
    public func transaction(_ bundle: JSONValue) async throws(Failure) -> FHIRTransactionResponse {
        let entries = bundle["entry"].map { if case .array(let a) = $0 { a.count } else { 0 } } ?? 0
        let answer: (status: Int, body: [UInt8])
        do { answer = try await transport.post(Array(bundle.serialized(pretty: false).utf8)) } catch {
            throw .unreachable((error as NSError).localizedDescription)
        }
        guard (200..<300).contains(answer.status) else {
            // An OperationOutcome says why; otherwise the status alone.
            if case .failure(let r) = Result(catching: { () throws(FHIRTransactionResponse.Refused) in
                try FHIRTransactionResponse.check(answer.body, requestEntries: entries)
            }), r.reason.hasPrefix("OperationOutcome") {
                if Failure.permanentStatuses.contains(answer.status) { throw .invalid(status: answer.status, "HTTP \(answer.status), \(r.reason)") }
                throw .refused("HTTP \(answer.status), \(r.reason)")
            }
            if Failure.permanentStatuses.contains(answer.status) { throw .invalid(status: answer.status, "HTTP \(answer.status)") }
            throw .refused("HTTP \(answer.status)")
        }
        do { return try FHIRTransactionResponse.check(answer.body, requestEntries: entries) } catch {
            throw .refused(error.reason)
        }
    }
}

/// POSTs to a FHIR server's base URL over HTTP(S) with `application/fhir+json`, and a bearer token when given.
public struct URLSessionFHIRTransport: FHIRTransport {
    public var url: URL
    public var bearerToken: String?
    public var timeout: TimeInterval

    public init(url: URL, bearerToken: String? = nil, timeout: TimeInterval = 60) {
        (self.url, self.bearerToken, self.timeout) = (url, bearerToken, timeout)
    }

    public func post(_ body: [UInt8]) async throws -> (status: Int, body: [UInt8]) {
        var request = URLRequest(url: url, cachePolicy: .reloadIgnoringLocalCacheData, timeoutInterval: timeout)
        request.httpMethod = "POST"
        request.httpBody = Data(body)
        request.setValue("application/fhir+json", forHTTPHeaderField: "Content-Type")
        request.setValue("application/fhir+json", forHTTPHeaderField: "Accept")
        if let bearerToken, !bearerToken.isEmpty { request.setValue("Bearer \(bearerToken)", forHTTPHeaderField: "Authorization") }
        let (data, response) = try await URLSession.shared.data(for: request)
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, Array(data))
    }
}
