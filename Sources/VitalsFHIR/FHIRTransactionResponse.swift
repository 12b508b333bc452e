import Foundation

/// What a FHIR server answered to a transaction Bundle: a `transaction-response` Bundle with one entry per request
/// entry, in order, each with `response.status` 200 (a conditional create that matched: already there) or 201
/// (created). Anything else means the upload did not take, and it must be sent again. Pure: the caller does the HTTP.
public struct FHIRTransactionResponse: Sendable, Equatable {
    public var created: Int
    public var alreadyPresent: Int

    public struct Refused: Error, CustomStringConvertible, Equatable {
        public var reason: String
        public init(reason: String) { self.reason = reason }
        public var description: String { reason }
    }

    /// Checks the server's answer to a transaction of `requestEntries` entries.
    public static func check(_ body: [UInt8], requestEntries: Int) throws(Refused) -> FHIRTransactionResponse {
        guard let json = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any] else {
            throw Refused(reason: "the answer is not a JSON object")
        }
        if json["resourceType"] as? String == "OperationOutcome" {
            let issues = (json["issue"] as? [[String: Any]] ?? []).compactMap { $0["diagnostics"] as? String ?? ($0["code"] as? String) }
            throw Refused(reason: "OperationOutcome: \(issues.joined(separator: "; "))")
        }
        guard json["resourceType"] as? String == "Bundle", json["type"] as? String == "transaction-response" else {
            throw Refused(reason: "the answer is not a transaction-response Bundle")
        }
        let entries = json["entry"] as? [[String: Any]] ?? []
        guard entries.count == requestEntries else {
            throw Refused(reason: "\(entries.count) response entries for \(requestEntries) request entries")
        }
        var result = FHIRTransactionResponse(created: 0, alreadyPresent: 0)
        for (i, e) in entries.enumerated() {
            let status = ((e["response"] as? [String: Any])?["status"] as? String ?? "").trimmingCharacters(in: .whitespaces)
            if status.hasPrefix("201") {
                result.created += 1
            } else if status.hasPrefix("200") {
                result.alreadyPresent += 1
            } else {
                throw Refused(reason: "entry \(i): status '\(status)'")
            }
        }
        return result
    }
}
