import Foundation
import HTTPTypes
import HummingbirdTesting
import Prometheus
import Testing
import VitalsStore
import VitalsTestSupport

/// `/metrics` is Prometheus text exposition format 0.0.4, with request counts and the store's reading counts.
struct MetricsEndpointTests {
    struct Sample: Equatable {
        var name: String
        var labels: [String: String]
        var value: Double
    }

    /// A strict reader of the text format: `# HELP`/`# TYPE` comments, then `name{label="value",…} number`
    /// lines whose metric family was typed first. Throws on anything else.
    static func parse(_ text: String) throws -> [Sample] {
        struct Malformed: Error, CustomStringConvertible { var description: String }
        let name = /[a-zA-Z_:][a-zA-Z0-9_:]*/
        let typeLine = /# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped)/
        let sampleLine = /([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (-?[0-9.]+(?:[eE][-+]?[0-9]+)?|NaN|[-+]Inf)/
        let labelPair = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:\\.|[^"\\])*)"/
        var typed: Set<String> = []
        var out: [Sample] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.isEmpty { continue }
            if let m = line.wholeMatch(of: typeLine) {
                typed.insert(String(m.1))
                continue
            }
            if line.hasPrefix("# HELP ") {
                guard line.dropFirst(7).prefixMatch(of: name) != nil else { throw Malformed(description: "bad HELP: \(line)") }
                continue
            }
            guard let m = line.wholeMatch(of: sampleLine) else { throw Malformed(description: "not a sample: \(line)") }
            let family = String(m.1)
            guard typed.contains(family) || typed.contains(where: { family.hasPrefix($0 + "_") }) else { throw Malformed(description: "untyped family: \(line)") }
            var labels: [String: String] = [:]
            if let block = m.2 {
                let inner = block.dropFirst().dropLast()
                var rest = Substring(inner)
                while !rest.isEmpty {
                    guard let p = rest.prefixMatch(of: labelPair) else { throw Malformed(description: "bad labels: \(line)") }
                    labels[String(p.1)] = String(p.2)
                    rest = rest[p.range.upperBound...]
                    if rest.hasPrefix(",") { rest = rest.dropFirst() } else if !rest.isEmpty { throw Malformed(description: "bad labels: \(line)") }
                }
            }
            guard let v = Double(m.3) ?? (m.3 == "+Inf" ? .infinity : m.3 == "-Inf" ? -.infinity : nil) else { throw Malformed(description: "bad value: \(line)") }
            out.append(Sample(name: family, labels: labels, value: v))
        }
        return out
    }

    @Test func metricsAreParseablePrometheusTextWithRequestAndReadingCounts() async throws {
        let store = try memoryStore()
        _ = try await store.record((0..<5).map { cgmReading("alice", seq: UInt32($0 + 1), at: Date(timeIntervalSince1970: 1_799_000_000 + Double($0) * 300), mgdl: 120) })
        _ = try await store.record([cuffReading("alice", seq: 1, at: Date(timeIntervalSince1970: 1_799_000_000), sys: 120, dia: 80)])
        try await makeApp(store).test(.router) { client in
            _ = try await client.call(.get, "/api/v1/subjects")
            _ = try await client.call(.get, "/api/v1/subjects")
            _ = try await client.call(.get, "/api/v1/readings?limit=0")
            _ = try await client.call(.get, "/api/v1/subjects", token: nil)
            let r = try await client.call(.get, "/metrics")
            #expect(r.status == .ok)
            #expect(r.headers[.contentType] == "text/plain; version=0.0.4; charset=utf-8")
            let samples = try Self.parse(r.text)
            func value(_ name: String, _ labels: [String: String]) -> Double? { samples.first { $0.name == name && $0.labels == labels }?.value }
            #expect(value("vitals_http_requests_total", ["method": "GET", "route": "/api/v1/subjects", "status": "200"]) == 2)
            #expect(value("vitals_http_requests_total", ["method": "GET", "route": "/api/v1/readings", "status": "400"]) == 1)
            #expect(value("vitals_store_readings", ["kind": "glucose"]) == 5)
            #expect(value("vitals_store_readings", ["kind": "blood-pressure"]) == 1)
            #expect(value("vitals_store_readings", ["kind": "ecg"]) == 0)
            #expect(value("vitals_store_subjects", [:]) == 1)
            // No concrete path (which would hold ids) is ever a label.
            #expect(samples.allSatisfy { !($0.labels["route"] ?? "").contains("alice") })
        }
    }

    @Test func theParserRefusesWhatIsNotTheTextFormat() {
        #expect(throws: (any Error).self) { try Self.parse("vitals_x 1\n") }
        #expect(throws: (any Error).self) { try Self.parse("# TYPE vitals_x gauge\nvitals_x{a=b} 1\n") }
        #expect(throws: (any Error).self) { try Self.parse("# TYPE vitals_x gauge\nvitals_x one\n") }
        #expect((try? Self.parse("# TYPE vitals_x gauge\nvitals_x{a=\"b\",c=\"d\"} 1.5e3\n")) == [Sample(name: "vitals_x", labels: ["a": "b", "c": "d"], value: 1500)])
    }
}
