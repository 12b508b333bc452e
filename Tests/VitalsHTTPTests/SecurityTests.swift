import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Prometheus
import Testing
@testable import VitalsHTTP
import VitalsStore
import VitalsTestSupport

/// The bind rule (loopback by default; any other address needs a token or the API refuses to start) and the
/// bearer token on every request but /healthz.
struct SecurityTests {
    @Test func requestsWithoutTheTokenAre401WithAChallenge() async throws {
        let store = try memoryStore()
        try await makeApp(store).test(.router) { client in
            for token in [nil, "wrong-token-0123456789abcdef", String(testToken.dropLast()), testToken + "x"] {
                let r = try await client.call(.get, "/api/v1/subjects", token: token)
                #expect(r.status == .unauthorized, "token \(token ?? "none")")
                #expect(r.headers[.wwwAuthenticate]?.hasPrefix("Bearer") == true)
                #expect(try r.decode(ErrorBody.self).field == nil)
            }
            var basic = HTTPFields()
            basic[.authorization] = "Basic \(Data("u:\(testToken)".utf8).base64EncodedString())"
            #expect(try await client.execute(uri: "/api/v1/subjects", method: .get, headers: basic).status == .unauthorized)
            // Unknown routes are 401 too: nothing about the API is told without the token.
            #expect(try await client.call(.get, "/api/v1/nothing", token: nil).status == .unauthorized)
            #expect(try await client.call(.get, "/metrics", token: nil).status == .unauthorized)
            #expect(try await client.call(.get, "/api/v1/subjects").status == .ok)
            #expect(try await client.call(.get, "/api/v1/subjects", token: nil).status == .unauthorized)
            var lower = HTTPFields()
            lower[.authorization] = "bearer \(testToken)"
            #expect(try await client.execute(uri: "/api/v1/subjects", method: .get, headers: lower).status == .ok)
            #expect(try await client.call(.get, "/healthz", token: nil).status == .ok)
        }
    }

    @Test func aLiveServerRefusesARequestWithoutTheToken() async throws {
        let store = try memoryStore()
        let app = try VitalsAPI.application(
            store: store, configuration: APIConfiguration(host: "127.0.0.1", port: 0, token: try APIToken(testToken)),
            registry: PrometheusCollectorRegistry(), logger: quiet)
        try await app.test(.live) { client in
            let refused = try await client.call(.get, "/api/v1/readings", token: nil)
            #expect(refused.status == .unauthorized && refused.headers[.wwwAuthenticate] == "Bearer realm=\"openvitals\"")
            #expect(try await client.call(.get, "/api/v1/readings", token: "not-the-token-at-all-0000").status == .unauthorized)
            #expect(try await client.call(.get, "/api/v1/readings").status == .ok)
        }
    }

    @Test func aNonLoopbackBindWithoutATokenRefusesToStart() throws {
        for host in ["0.0.0.0", "::", "192.168.1.20", "10.0.0.1", "hub.example", "128.0.0.1"] {
            #expect(throws: APIConfigurationError.self, "\(host)") {
                try VitalsAPI.application(store: try memoryStore(), configuration: APIConfiguration(host: host, port: 0), registry: PrometheusCollectorRegistry(), logger: quiet)
            }
            do {
                try APIConfiguration(host: host, port: 8080).validate()
            } catch {
                #expect(error.description.contains("token is required"))
            }
            #expect(throws: Never.self) { try APIConfiguration(host: host, port: 8080, token: try APIToken(testToken)).validate() }
        }
        for host in ["127.0.0.1", "127.1.2.3", "::1", "[::1]", "localhost"] {
            #expect(APIConfiguration.isLoopback(host), "\(host)")
            #expect(throws: Never.self) { try APIConfiguration(host: host, port: 8080).validate() }
        }
    }

    @Test func withoutATokenOnlyLoopbackPeersAreServed() throws {
        #expect(try SocketAddress(ipAddress: "127.0.0.1", port: 5000).isLoopback)
        #expect(try SocketAddress(ipAddress: "::1", port: 5000).isLoopback)
        #expect(try SocketAddress(ipAddress: "::ffff:127.0.0.1", port: 5000).isLoopback)
        #expect(try !SocketAddress(ipAddress: "192.168.1.20", port: 5000).isLoopback)
        #expect(try !SocketAddress(ipAddress: "::ffff:10.0.0.1", port: 5000).isLoopback)
        #expect(try !SocketAddress(ipAddress: "fe80::1", port: 5000).isLoopback)
    }

    @Test func tokensComeFromAPrivateFileOrTheEnvironment() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vitals-token-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("token").path
        _ = FileManager.default.createFile(atPath: file, contents: Data((testToken + "\n").utf8), attributes: [.posixPermissions: 0o644])
        #expect {
            _ = try APIToken.load(file: file)
        } throws: { ($0 as? APIConfigurationError)?.description.contains("chmod 600") == true }
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: file)
        let token = try APIToken.load(file: file)
        #expect(token.matches(testToken) && !token.matches(testToken + "\n") && !token.matches("") && !token.matches(testToken.dropLast()))
        #expect(throws: APIConfigurationError.self) { try APIToken.load(file: dir.appendingPathComponent("missing").path) }
        #expect(throws: APIConfigurationError.self) { try APIToken("short") }

        #expect(try APIToken.resolve(file: nil, environment: [:]) == nil)
        #expect(try APIToken.resolve(file: nil, environment: [APIToken.environmentVariable: testToken])?.matches(testToken) == true)
        #expect(try APIToken.resolve(file: file, environment: [APIToken.environmentVariable: "other-token-0123456789"])?.matches(testToken) == true)
    }
}
