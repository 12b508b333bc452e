import Foundation
import Logging
import NIOCore
import PostgresNIO
import Testing
import VitalsCore
import VitalsStore
import VitalsTestSupport
import VitalsUplink

/// The PostgreSQL 15 that scripts/uplink-check.sh starts for `make test` (initdb + pg_ctl in a temp directory, a free
/// loopback port, scram-sha-256): `VITALS_TEST_POSTGRES_URL` (postgres://user@127.0.0.1:port/postgres),
/// `VITALS_TEST_POSTGRES_PASSWORD`, and `VITALS_TEST_POSTGRES_CONTROL` (a script: `stop` or `start`).
/// Without the URL the tests are skipped, except in CI (`CI` set), where they run and fail.
struct PostgresTestServer {
    var url: String
    var password: String?
    var control: String?

    static var environment: [String: String] { ProcessInfo.processInfo.environment }
    /// Whether the uplink tests run: with a server, and always in CI, where a missing server must fail them.
    static var runs: Bool { environment["VITALS_TEST_POSTGRES_URL"] != nil || environment["CI"] != nil }

    struct Missing: Error, CustomStringConvertible {
        var description: String { "VITALS_TEST_POSTGRES_URL is not set: run the uplink tests with scripts/uplink-check.sh (make test does)" }
    }

    static func fromEnvironment() throws -> PostgresTestServer {
        guard let url = environment["VITALS_TEST_POSTGRES_URL"] else { throw Missing() }
        return PostgresTestServer(url: url, password: environment["VITALS_TEST_POSTGRES_PASSWORD"], control: environment["VITALS_TEST_POSTGRES_CONTROL"])
    }

    func configuration(database: String, hubID: String) throws -> UplinkConfiguration {
        var c = try UplinkConfiguration.parse(url: url, hubID: hubID)
        c.database = database
        c.password = password
        c.batchSize = 500
        c.pollInterval = .milliseconds(50)
        c.initialBackoff = .milliseconds(50)
        c.maxBackoff = .milliseconds(400)
        c.connectTimeout = .seconds(2)
        c.batchTimeout = .seconds(5)
        return c
    }

    /// A connection to `database` as the test's own client (not the uplink's).
    func connect(database: String = "postgres") async throws -> PostgresConnection {
        let c = try UplinkConfiguration.parse(url: url, hubID: "admin")
        let pg = PostgresConnection.Configuration(host: c.host, port: c.port, username: c.user, password: password, database: database, tls: .disable)
        return try await PostgresConnection.connect(configuration: pg, id: 999, logger: quiet)
    }

    /// A fresh, empty database for one test.
    func freshDatabase() async throws -> String {
        let name = "uplink_\(UUID().uuidString.prefix(8).lowercased())"
        let c = try await connect()
        defer { Task { try? await c.close() } }
        try await c.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \(name)"), logger: quiet)
        return name
    }

    /// The first column of the first row, as an integer.
    func scalar(_ sql: String, database: String) async throws -> Int64 {
        let c = try await connect(database: database)
        defer { Task { try? await c.close() } }
        var out: Int64 = -1
        for try await v in try await c.query(PostgresQuery(unsafeSQL: sql), logger: quiet).decode(Int64.self) { out = v }
        return out
    }

    /// Ends another session's connection (as a crash or a cut link would).
    func terminate(backend pid: Int32) async throws {
        let c = try await connect()
        defer { Task { try? await c.close() } }
        try await c.query("SELECT pg_terminate_backend(\(pid), 5000)", logger: quiet)
    }

    /// Stops (`pg_ctl stop`) or starts the server. Spawned and reaped directly: Foundation's Process.waitUntilExit
    /// was seen to hang here after `start` (the server it leaves running is a grandchild).
    func control(_ action: String) throws {
        guard let control else { throw Missing() }
        var pid: pid_t = 0
        let argv: [UnsafeMutablePointer<CChar>?] = [strdup(control), strdup(action), nil]
        defer { for a in argv { free(a) } }
        let rc = posix_spawn(&pid, control, nil, nil, argv, environ)
        guard rc == 0 else { throw UplinkError(description: "cannot run \(control): \(String(cString: strerror(rc)))") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        guard status == 0 else { throw UplinkError(description: "\(control) \(action) exited with status \(status)") }
    }
}

func tempStorePath() -> String { FileManager.default.temporaryDirectory.appendingPathComponent("uplink-\(UUID().uuidString).sqlite").path }

/// A CGM reading every 5 minutes (sequence = minutes since the session start) for a subject's own sensor.
func cgm(subject: String, sensor: Int, minute: Int, start: Date) -> Reading {
    let t = start.addingTimeInterval(Double(minute) * 60)
    return Reading(
        subject: SubjectID(subject), device: DeviceIdentity(transport: .simBLE, address: String(format: "C0:FF:EE:00:03:%02X", sensor), profileID: "sim-cgm"),
        kind: .glucose,
        observations: [Observation(metric: .glucoseInterstitial, value: 90 + Double((minute * 7 + sensor * 13) % 80), unit: .milligramPerDecilitre,
                                   wire: WireValue(encoding: "sfloat", bits: 0, unit: "mg/dL"))],
        effectiveTime: t, deviceTime: nil, receivedTime: t, sequence: UInt32(minute), flags: [], grade: .medical, raw: RawFrame(source: "2AA7", bytes: [0x06]))
}

/// A cuff reading with systolic, diastolic, mean and pulse, keyed by its device time.
func cuff(subject: String, cuffNumber: Int, at t: Date) -> Reading {
    let c = Calendar(identifier: .gregorian)
    var utc = c
    utc.timeZone = TimeZone(identifier: "UTC")!
    let d = utc.dateComponents([.year, .month, .day, .hour, .minute, .second], from: t)
    let w = WireValue(encoding: "sfloat", bits: 0, unit: "mmHg")
    return Reading(
        subject: SubjectID(subject), device: DeviceIdentity(transport: .simBLE, address: String(format: "C0:FF:EE:00:01:%02X", cuffNumber), profileID: "sim-bp-cuff"),
        kind: .bloodPressure,
        observations: [
            Observation(metric: .systolic, value: 120, unit: .millimetreOfMercury, wire: w),
            Observation(metric: .diastolic, value: 80, unit: .millimetreOfMercury, wire: w),
            Observation(metric: .meanArterialPressure, value: 93.3, unit: .millimetreOfMercury, wire: w),
            Observation(metric: .pulseRateNonInvasive, value: 64, unit: .perMinute, wire: WireValue(encoding: "sfloat", bits: 0, unit: "bpm")),
        ],
        effectiveTime: t, deviceTime: DeviceTime(year: d.year!, month: d.month!, day: d.day!, hour: d.hour!, minute: d.minute!, second: d.second!),
        receivedTime: t, sequence: nil, flags: [.irregularPulse], grade: .medical, raw: RawFrame(source: "2A35", bytes: [0x1E]))
}

/// Waits until `condition` holds, up to `seconds`.
func eventually(_ seconds: Double, _ condition: () async throws -> Bool) async throws -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if try await condition() { return true }
        try await Task.sleep(for: .milliseconds(100))
    }
    return try await condition()
}
