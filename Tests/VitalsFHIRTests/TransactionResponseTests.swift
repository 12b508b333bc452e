import Testing
import VitalsFHIR

/// What counts as a server having taken a pushed transaction.
struct TransactionResponseTests {
    func body(_ s: String) -> [UInt8] { Array(s.utf8) }

    @Test func createdAndMatchedEntriesAreCounted() throws {
        let r = try FHIRTransactionResponse.check(body(#"""
            {"resourceType":"Bundle","type":"transaction-response","entry":[
              {"response":{"status":"201 Created"}},{"response":{"status":"200 OK"}},{"response":{"status":"201"}}]}
            """#), requestEntries: 3)
        #expect(r.created == 2 && r.alreadyPresent == 1)
    }

    @Test(arguments: [
        (#"{"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"invalid","diagnostics":"Observation.status missing"}]}"#, "Observation.status missing"),
        (#"{"resourceType":"Bundle","type":"batch-response","entry":[]}"#, "not a transaction-response"),
        (#"{"resourceType":"Bundle","type":"transaction-response","entry":[{"response":{"status":"201 Created"}}]}"#, "1 response entries for 2"),
        (#"{"resourceType":"Bundle","type":"transaction-response","entry":[{"response":{"status":"201 Created"}},{"response":{"status":"412 Precondition Failed"}}]}"#, "entry 1: status '412"),
        ("<html>gateway timeout</html>", "not a JSON object"),
    ])
    func anythingElseIsRefused(answer: String, reason: String) {
        #expect {
            _ = try FHIRTransactionResponse.check(body(answer), requestEntries: 2)
        } throws: { error in
            "\(error)".contains(reason)
        }
    }
}
