import Foundation
import Testing
import VitalsTestSupport

/// `vitals serve` and `vitals run --http` as a user starts them: the bind rule is checked before anything runs.
struct ServeTests {
    @Test func serveRefusesANonLoopbackAddressWithoutAToken() throws {
        let r = try CLI.run("vitals", ["serve", "--db", "/nonexistent.sqlite", "--host", "0.0.0.0"], env: ["VITALS_API_TOKEN": ""])
        #expect(r.status == 1)
        #expect(r.stderr.contains("refusing to listen on 0.0.0.0") && r.stderr.contains("token is required"), "\(r.stderr)")
        let hub = try CLI.run("vitals", ["run", "--sim", "/nonexistent.sock", "--http", "192.168.1.20:8080"], env: ["VITALS_API_TOKEN": ""])
        #expect(hub.status == 1 && hub.stderr.contains("refusing to listen on 192.168.1.20"), "\(hub.stderr)")
    }

    @Test func aTokenFileMustBePrivate() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vitals-serve-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let token = dir.appendingPathComponent("token").path
        _ = FileManager.default.createFile(atPath: token, contents: Data("a-long-enough-token-0123456789\n".utf8), attributes: [.posixPermissions: 0o644])
        let r = try CLI.run("vitals", ["serve", "--db", "/nonexistent.sqlite", "--token-file", token])
        #expect(r.status == 1 && r.stderr.contains("chmod 600"), "\(r.stderr)")
    }

    @Test func theHubServesTheAPIWhileItRuns() throws {
        let (r, _, dir) = try CLI.simAndHub("quiet", hubArgs: ["--http", "127.0.0.1:0"])
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("api         http://127.0.0.1:") && r.stdout.contains("loopback only, no token"), "\(r.stdout)")
        #expect(r.stdout.contains("summary: 1 readings received, 1 stored"))
    }
}
