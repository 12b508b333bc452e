import Foundation

/// Where the uplink sends and how: parsed from `postgres://user@host:port/db`. The password never comes from the
/// URL (a command line is visible to every user of the machine); it comes from the environment or a 0600 file,
/// and `description` never shows it.
public struct UplinkConfiguration: Sendable, CustomStringConvertible {
    public var host: String
    public var port: Int
    public var user: String
    public var database: String
    public var password: String?
    /// This hub's id on the server (`VitalsStore.hubID()` unless given).
    public var hubID: String
    /// Outbox entries per batch (each reading entry is one row per observation).
    public var batchSize: Int
    /// How long to wait when the outbox is empty.
    public var pollInterval: Duration
    /// The first wait after a failure; it doubles per failure up to `maxBackoff`, and a success resets it.
    public var initialBackoff: Duration
    public var maxBackoff: Duration
    /// How long a connection attempt may take.
    public var connectTimeout: Duration
    /// How long one batch's server transaction may take before the connection is closed and the batch retried.
    public var batchTimeout: Duration = .seconds(120)
    /// At a graceful shutdown, how long the last pass may take.
    public var finalDrainTimeout: Duration = .seconds(10)

    public init(host: String, port: Int = 5432, user: String, database: String, password: String? = nil, hubID: String,
                batchSize: Int = 5000, pollInterval: Duration = .seconds(1), initialBackoff: Duration = .milliseconds(500),
                maxBackoff: Duration = .seconds(30), connectTimeout: Duration = .seconds(5)) {
        (self.host, self.port, self.user, self.database, self.password, self.hubID) = (host, port, user, database, password, hubID)
        (self.batchSize, self.pollInterval, self.initialBackoff, self.maxBackoff, self.connectTimeout) =
            (batchSize, pollInterval, initialBackoff, maxBackoff, connectTimeout)
    }

    /// Batch size, polling and backoff as the forwarder reads them.
    public var schedule: ForwardingSchedule {
        ForwardingSchedule(batchSize: batchSize, pollInterval: pollInterval, initialBackoff: initialBackoff, maxBackoff: maxBackoff,
                           finalDrainTimeout: finalDrainTimeout)
    }

    /// The server without secrets: `postgres://user@host:port/db`. Also the target name the hub acknowledges under.
    public var target: String { "postgres://\(user)@\(host):\(port)/\(database)" }
    public var description: String { "\(target) (hub \(hubID))" }

    public enum ParseError: Error, Equatable, CustomStringConvertible {
        case notPostgresURL(String)
        case passwordInURL
        case missing(String)
        case passwordFile(String)

        public var description: String {
            switch self {
            case .notPostgresURL(let why): "not a postgres://user@host:port/db URL: \(why)"
            case .passwordInURL: "the URL has a password; give it in VITALS_UPLINK_PASSWORD or a 0600 file (--uplink-password-file), never on the command line"
            case .missing(let what): "the URL has no \(what)"
            case .passwordFile(let why): "password file: \(why)"
            }
        }
    }

    /// Parses `postgres://user@host[:port]/database` (or `postgresql://`). A password in the URL is refused.
    public static func parse(url: String, hubID: String) throws(ParseError) -> UplinkConfiguration {
        guard let c = URLComponents(string: url), let scheme = c.scheme?.lowercased() else { throw .notPostgresURL("unreadable") }
        guard scheme == "postgres" || scheme == "postgresql" else { throw .notPostgresURL("scheme \(scheme)") }
        guard c.password == nil else { throw .passwordInURL }
        guard let user = c.user, !user.isEmpty else { throw .missing("user") }
        guard let host = c.host, !host.isEmpty else { throw .missing("host") }
        let db = String(c.path.drop(while: { $0 == "/" }))
        guard !db.isEmpty, !db.contains("/") else { throw .missing("database") }
        guard c.query == nil else { throw .notPostgresURL("query options are not supported") }
        return UplinkConfiguration(host: host, port: c.port ?? 5432, user: user.removingPercentEncoding ?? user, database: db, hubID: hubID)
    }

    /// Reads a password file: it must be a regular file owned by this user and readable by no one else (0600 or 0400).
    /// The password is its first line.
    public static func readPasswordFile(_ path: String) throws(ParseError) -> String {
        var st = stat()
        guard stat(path, &st) == 0 else { throw .passwordFile("cannot read \(path): \(String(cString: strerror(errno)))") }
        guard (st.st_mode & S_IFMT) == S_IFREG else { throw .passwordFile("\(path) is not a regular file") }
        guard st.st_mode & 0o077 == 0 else {
            throw .passwordFile("\(path) has mode \(String(st.st_mode & 0o777, radix: 8)); it must be readable by its owner only (chmod 600)")
        }
        guard st.st_uid == geteuid() else { throw .passwordFile("\(path) is not owned by this user") }
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw .passwordFile("cannot read \(path)")
        }
        return String(text.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false).first ?? "")
    }
}
