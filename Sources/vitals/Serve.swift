import ArgumentParser
import Foundation
import Hummingbird
import Logging
import NIOCore
import Prometheus
import VitalsHTTP
import VitalsService
import VitalsStore

/// `vitals serve`: the HTTP API over a database, without the hub (docs/openapi.yaml; docs/ARCHITECTURE.md, "HTTP API").
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Serve the HTTP API (subjects, devices, readings, alerts, analytics, /metrics) over a database.",
        discussion: """
            Listens on 127.0.0.1 by default. Any other address needs a token (--token-file FILE, mode 0600, or \
            $\(APIToken.environmentVariable)); with a token, every request but GET /healthz must send \
            'Authorization: Bearer <token>'. The routes are in docs/openapi.yaml. SIGINT or SIGTERM stop it.
            """)

    @Option(help: "A TOML configuration file (packaging/vitals.toml): hub.database, http.listen, http.token_file, hub.web and hub.log_level are taken from it; flags win.") var config: String?
    @Option(help: "The SQLite database file (it must exist; vitals run creates it).") var db: String?
    @Option(help: "The address to listen on (a non-loopback address requires a token; default: 127.0.0.1).") var host: String?
    @Option(help: "The TCP port (0: any free port, printed at start; default: 8080).") var port: Int?
    @Option(help: "A file (mode 0600) holding the API token. Default: $\(APIToken.environmentVariable), if set.") var tokenFile: String?
    @OptionGroup var webOptions: WebOptions
    @OptionGroup var logging: LoggingOptions

    mutating func validate() throws {
        if let config {
            let file: HubConfiguration
            do { file = try HubConfiguration.load(path: config) } catch { throw ValidationError("--config: \(error)") }
            db = db ?? file.database
            if let listen = file.httpListen.flatMap(HubConfiguration.hostAndPort) {
                host = host ?? listen.host
                port = port ?? listen.port
            }
            tokenFile = tokenFile ?? file.tokenFile
            if webOptions.web == nil { webOptions.web = file.web }
            if logging.logLevel == nil { logging.logLevel = file.logLevel.flatMap(Logger.Level.init(rawValue:)) }
        }
        if db == nil { throw ValidationError("--db is required (or hub.database in --config)") }
    }

    func run() async throws {
        let db = self.db ?? ""
        let config = try apiConfiguration(host: host ?? "127.0.0.1", port: port ?? 8080, tokenFile: tokenFile)
        guard FileManager.default.fileExists(atPath: db) else { throw ValidationError("no database at \(db) (vitals run creates one)") }
        let logger = logging.bootstrap()
        let store = try VitalsStore(path: db, logger: logger)
        let app = try VitalsAPI.application(
            store: store, configuration: config, registry: PrometheusCollectorRegistry(), logger: logger, web: webOptions.ui(),
            onServerRunning: { address in announce(address, token: config.token != nil) })
        try await app.runService()
    }
}

/// The API's configuration from the command line: the token from the file or the environment, and the bind
/// rule checked before anything starts (a clear error, exit 1, for a non-loopback address without a token).
func apiConfiguration(host: String, port: Int, tokenFile: String?) throws -> APIConfiguration {
    do {
        let token = try APIToken.resolve(file: tokenFile, environment: ProcessInfo.processInfo.environment)
        let config = APIConfiguration(host: host, port: port, token: token)
        try config.validate()
        return config
    } catch {
        FileHandle.standardError.write(Data("error: \(error)\n".utf8))
        throw ExitCode.failure
    }
}

/// `HOST:PORT` (`[::1]:8080` for IPv6).
func hostAndPort(_ text: String) throws -> (host: String, port: Int) {
    guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), (0...65_535).contains(port) else {
        throw ValidationError("--http takes HOST:PORT, e.g. 127.0.0.1:8080")
    }
    var host = String(text[..<colon])
    if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
    guard !host.isEmpty else { throw ValidationError("--http takes HOST:PORT, e.g. 127.0.0.1:8080") }
    return (host, port)
}

/// One line on standard output once the server listens, with the port it got.
func announce(_ address: SocketAddress?, token: Bool) {
    let where_ = address.map { a in a.port.map { "\(a.ipAddress.map { $0.contains(":") ? "[\($0)]" : $0 } ?? "?"):\($0)" } ?? "\(a)" } ?? "?"
    // Written straight to the file descriptor, so a pipe reader sees it at once.
    FileHandle.standardOutput.write(Data("api         http://\(where_)/api/v1  (\(token ? "bearer token required" : "loopback only, no token"))\n".utf8))
    FileHandle.standardOutput.write(Data("dashboard   http://\(where_)/  (kiosk screen: http://\(where_)/kiosk)\n".utf8))
}
