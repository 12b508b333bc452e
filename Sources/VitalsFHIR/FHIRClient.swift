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
        /// It answered, but not with a whole transaction-response.
        case refused(String)

        public var description: String {
            switch self {
            case .unreachable(let why): "the FHIR server did not answer: \(why)"
            case .refused(let why): "the FHIR server refused the transaction: \(why)"
            }
        }

        /// The failure without the server's OperationOutcome diagnostics, which may quote what was sent (values,
        /// patient references): what a hub's log carries at warning level.
        public var summary: String {
            guard case .refused(let why) = self, let cut = why.range(of: "OperationOutcome") else { return description }
            return "the FHIR server refused the transaction: \(why[..<cut.lowerBound])OperationOutcome (its diagnostics are logged at debug level)"
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
                throw .refused("HTTP \(answer.status), \(r.reason)")
            }
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
