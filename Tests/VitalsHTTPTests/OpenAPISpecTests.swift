import Foundation
import HTTPTypes
import HummingbirdTesting
import Prometheus
import Testing
import VitalsHTTP
import VitalsTestSupport

/// docs/openapi.yaml and the router agree: every route the router serves is documented, every documented
/// operation is served, and every documented query parameter is one the route accepts.
struct OpenAPISpecTests {
    struct Operation: Hashable {
        var method: String
        var path: String
        var queryParameters: [String]
        var hasUnauthorized: Bool
        var isOpen: Bool
        /// Answers with a stream that stays open (`text/event-stream`): not called to its end here.
        var streams = false
    }

    /// Reads the `paths:` section of the spec as this repository writes it: a path at two spaces, its
    /// operations at four, inline parameters (`- name:` then `in:`), responses quoted (`'401':`).
    static func operations(_ yaml: String) throws -> [Operation] {
        struct Malformed: Error {}
        let lines = yaml.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard let start = lines.firstIndex(of: "paths:") else { throw Malformed() }
        var ops: [Operation] = []
        var path: String?
        var pendingName: String?
        for line in lines[(start + 1)...] {
            if !line.isEmpty && !line.hasPrefix(" ") { break }  // the next top-level key
            if let m = line.wholeMatch(of: #/  (\/[^ :]*):/#) {
                path = String(m.1)
            } else if let m = line.wholeMatch(of: #/    (get|put|post|delete|patch|head|options):/#), let path {
                ops.append(Operation(method: m.1.uppercased(), path: path, queryParameters: [], hasUnauthorized: false, isOpen: false))
            } else if let m = line.wholeMatch(of: #/ +- name: ([A-Za-z0-9_]+)/#) {
                pendingName = String(m.1)
            } else if line.wholeMatch(of: #/ +in: query/#) != nil, let name = pendingName {
                ops[ops.count - 1].queryParameters.append(name)
                pendingName = nil
            } else if line.wholeMatch(of: #/ +'401':/#) != nil {
                ops[ops.count - 1].hasUnauthorized = true
            } else if line.wholeMatch(of: #/      security: \[\]/#) != nil {
                ops[ops.count - 1].isOpen = true
            } else if line.wholeMatch(of: #/ +text\/event-stream:/#) != nil {
                ops[ops.count - 1].streams = true
            }
        }
        return ops
    }

    static let spec = repoRoot.appendingPathComponent("docs/openapi.yaml")

    @Test func everyServedRouteIsDocumentedAndEveryDocumentedRouteIsServed() async throws {
        let yaml = try String(contentsOf: Self.spec, encoding: .utf8)
        #expect(yaml.hasPrefix("openapi: 3.0"))
        #expect(yaml.contains("    bearerAuth:\n      type: http\n      scheme: bearer"))
        let ops = try Self.operations(yaml)
        let documented = Set(ops.map { "\($0.method) \($0.path)" })
        let served = Set(VitalsAPI.router(store: try memoryStore(), token: nil, registry: PrometheusCollectorRegistry(), logger: quiet).routes.map(\.description))
        #expect(!served.isEmpty)
        #expect(served.subtracting(documented).isEmpty, "served but not in docs/openapi.yaml: \(served.subtracting(documented).sorted())")
        #expect(documented.subtracting(served).isEmpty, "in docs/openapi.yaml but not served: \(documented.subtracting(served).sorted())")
        // Every operation but the open health check documents its 401.
        for op in ops where !op.isOpen {
            #expect(op.hasUnauthorized, "\(op.method) \(op.path) documents no 401")
        }
        // Open: the health check, and the web UI's pages and assets (they hold no data; the pages ask for the token).
        #expect(ops.filter(\.isOpen).map(\.path).sorted() == ["/", "/healthz", "/kiosk", "/web/{file}"])
    }

    @Test func documentedOperationsAndQueryParametersReachTheirHandlers() async throws {
        let ops = try Self.operations(try String(contentsOf: Self.spec, encoding: .utf8))
        try await makeApp(try memoryStore()).test(.router) { client in
            for op in ops {
                let path = op.path.replacing(/\{[^}]+\}/, with: "1")
                if !op.streams {  // an event stream never ends; LiveEventsTests reads one over a socket
                    let r = try await client.call(.init(rawValue: op.method)!, path, json: op.method == "GET" ? nil : "{}")
                    let body = try? r.decode(ErrorBody.self)
                    #expect(r.status != .methodNotAllowed && body?.error != "no such route", "\(op.method) \(op.path): \(r.text)")
                }
                for q in op.queryParameters {
                    // A value no parameter accepts: refused for its value, never as an unknown parameter.
                    let p = try await client.call(.init(rawValue: op.method)!, "\(path)?\(q)=%00")
                    let e = try? p.decode(ErrorBody.self)
                    #expect(e?.error.hasPrefix("unknown query parameter") != true, "\(op.method) \(op.path) ?\(q): \(p.text)")
                }
                // And an undocumented parameter is refused by name.
                let u = try await client.call(.init(rawValue: op.method)!, "\(path)?undocumented=1", json: op.method == "GET" ? nil : "{}")
                #expect(u.status == .badRequest && (try? u.decode(ErrorBody.self))?.field == "undocumented", "\(op.method) \(op.path)")
            }
        }
    }
}
