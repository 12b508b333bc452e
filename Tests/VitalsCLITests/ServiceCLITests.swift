import Foundation
import Testing
import VitalsTestSupport

/// Running as a service from the command line: `run --config`, `subject delete`, `retention apply`, `doctor`.
struct ServiceCLITests {
    func write(_ text: String, in dir: URL, name: String = "vitals.toml") throws -> String {
        let p = dir.appendingPathComponent(name).path
        try text.write(toFile: p, atomically: true, encoding: .utf8)
        return p
    }

    func readings(_ db: String) throws -> [[String: Any]] {
        try #require(try CLI.json(try CLI.run("vitals", ["readings", "--json", "--db", db]).stdout) as? [[String: Any]])
    }

    @Test func theConfigurationFileSetsWhatFlagsWouldAndFlagsWin() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cfg-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        // Retention runs in the hub too (and must not turn a clean shutdown into an error exit).
        let config = try write("[hub]\nsubject = \"from-file\"\nquiet = true\n[alerts]\nlive_horizon_minutes = 90\n[retention]\ndays = 1\nwithout_uplink = true\n", in: dir)

        let (hub, db, simDir) = try CLI.simAndHub("quiet", hubArgs: ["--config", config])
        defer { try? FileManager.default.removeItem(at: simDir) }
        #expect(hub.status == 0, "\(hub.stderr)")
        #expect(!hub.stdout.contains("reading     "), "quiet = true: \(hub.stdout)")
        #expect(try readings(db).map { $0["subjectID"] as? String } == ["from-file"])

        let (flagged, db2, simDir2) = try CLI.simAndHub("quiet", hubArgs: ["--config", config, "--subject", "from-flag", "--no-quiet"])
        defer { try? FileManager.default.removeItem(at: simDir2) }
        #expect(flagged.status == 0, "\(flagged.stderr)")
        #expect(flagged.stdout.contains("reading     "), "--no-quiet wins: \(flagged.stdout)")
        #expect(try readings(db2).map { $0["subjectID"] as? String } == ["from-flag"])
    }

    @Test func aTypoInTheConfigurationStopsTheHub() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cfg-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let config = try write("[hub]\nsubject = \"x\"\n\n[devices]\nsim = \"/nonexistent.sock\"\nubs = true\n", in: dir)
        let r = try CLI.run("vitals", ["run", "--config", config, "--db", dir.appendingPathComponent("v.sqlite").path])
        #expect(r.status != 0)
        #expect(r.stderr.contains("vitals.toml:6: devices.ubs: unknown key"), "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("v.sqlite").path), "nothing started")

        let serve = try CLI.run("vitals", ["serve", "--config", config])
        #expect(serve.status != 0 && serve.stderr.contains("devices.ubs"), "\(serve.stderr)")
    }

    @Test func aSubjectIsDeletedOnlyWhenConfirmed() throws {
        let (hub, db, dir) = try CLI.simAndHub("meter-low", hubArgs: ["--subject", "pat-1"])
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(hub.status == 0, "\(hub.stderr)")
        let before = try readings(db).count
        #expect(before > 0)

        let unconfirmed = try CLI.run("vitals", ["subject", "delete", "pat-1", "--by", "dpo", "--db", db])
        #expect(unconfirmed.status != 0 && unconfirmed.stderr.contains("--yes"), "\(unconfirmed.stderr)")
        #expect(try readings(db).count == before)

        // The hub left its lock file behind, unlocked (it has exited). While a process holds the lock (as a running
        // hub does), the deletion is refused and nothing is deleted.
        #expect(FileManager.default.fileExists(atPath: db + ".lock"), "vitals run makes the lock file")
        let fd = open(db + ".lock", O_RDWR)
        #expect(fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) == 0)
        let refused = try CLI.run("vitals", ["subject", "delete", "pat-1", "--by", "dpo", "--yes", "--db", db])
        #expect(refused.status != 0 && refused.stderr.contains("the hub is running on"), "\(refused.stderr)")
        #expect(try readings(db).count == before)
        close(fd)

        let r = try CLI.run("vitals", ["subject", "delete", "pat-1", "--by", "dpo", "--yes", "--db", db])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("deleted subject pat-1: \(before) readings"), "\(r.stdout)")
        #expect(r.stdout.contains("1 alerts"), "\(r.stdout)")
        #expect(try readings(db).isEmpty)
        let alerts = try #require(try CLI.json(try CLI.run("vitals", ["alerts", "--json", "--db", db]).stdout) as? [[String: Any]])
        #expect(alerts.isEmpty)

        let again = try CLI.run("vitals", ["subject", "delete", "pat-1", "--by", "dpo", "--yes", "--db", db])
        #expect(again.status != 0 && again.stderr.contains("no subject 'pat-1'"))
    }

    @Test func retentionKeepsWhatHasNotLeftTheHub() throws {
        let (hub, db, dir) = try CLI.simAndHub("quiet")
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(hub.status == 0, "\(hub.stderr)")
        let r = try CLI.run("vitals", ["retention", "apply", "--days", "1", "--db", db])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("deleted 0 readings"), "\(r.stdout)")
        #expect(try readings(db).count == 1)
        let none = try CLI.run("vitals", ["retention", "apply", "--db", db])
        #expect(none.status != 0 && none.stderr.contains("--days"))
    }

    @Test func doctorFailsOnADatabaseOthersCanRead() throws {
        let (hub, db, dir) = try CLI.simAndHub("quiet")
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(hub.status == 0, "\(hub.stderr)")
        chmod(dir.path, 0o700)
        let ok = try CLI.run("vitals", ["doctor", "--db", db])
        #expect(ok.stdout.contains("ok   database: \(db) mode 600"), "\(ok.stdout)")
        #expect(ok.stdout.contains("ok   state directory"), "\(ok.stdout)")

        chmod(db, 0o644)
        let bad = try CLI.run("vitals", ["doctor", "--db", db])
        #expect(bad.status == 1)
        #expect(bad.stdout.contains("fail database: \(db) is mode 644: others can read it — chmod 600 \(db)"), "\(bad.stdout)")

        let config = try write("[hub]\ndatabase = \"\(db)\"\n[http]\nlisten = \"127.0.0.1:0\"\ntoken_file = \"\(dir.path)/token\"\n", in: dir)
        chmod(db, 0o600)
        FileManager.default.createFile(atPath: dir.path + "/token", contents: Data("t0k3n-abcdefghijklmnop".utf8))
        chmod(dir.path + "/token", 0o640)
        let token = try CLI.run("vitals", ["doctor", "--config", config])
        #expect(token.status == 1)
        #expect(token.stdout.contains("ok   config: \(config) parses"), "\(token.stdout)")
        #expect(token.stdout.contains("fail token file: \(dir.path)/token is mode 640"), "\(token.stdout)")
    }
}

/// Every flag of `vitals run` has its key in the configuration file (or is one that makes no sense there), so the
/// file cannot fall behind the command line.
struct ConfigurationCoverageTests {
    static let keyOfFlag: [String: String] = [
        "sim": "devices.sim", "ble": "devices.ble", "adapter": "devices.adapter", "no-pairing-agent": "devices.pairing_agent",
        "ble-keys": "devices.ble_keys", "ble-passkey-file": "devices.ble_passkey_file", "ignore-bluetoothd": "devices.ignore_bluetoothd", "usb": "devices.usb", "accept-simulated-devices": "devices.accept_simulated_devices",
        "device-time-zone": "devices.time_zones", "assign": "devices.assign",
        "subject": "hub.subject", "quiet": "hub.quiet", "db": "hub.database", "profiles": "hub.profiles", "log-level": "hub.log_level",
        "web": "hub.web",
        "live-horizon": "alerts.live_horizon_minutes", "escalate-after": "alerts.escalate_after_minutes", "webhook": "alerts.webhook",
        "http": "http.listen", "token-file": "http.token_file",
        "kiosk": "kiosk.enabled", "kiosk-rest-seconds": "kiosk.rest_seconds", "kiosk-interval-seconds": "kiosk.interval_seconds",
        "uplink": "uplink.url", "uplink-password-file": "uplink.password_file", "hub-id": "uplink.hub_id",
        "fhir-push": "fhir.push", "fhir-token-file": "fhir.token_file",
        "retention-days": "retention.days",
    ]
    /// Per run, not per installation.
    /// `ble-passkey`: a PIN is a secret; the file names a 0600 PIN file instead (`devices.ble_passkey_file`).
    static let notInTheFile: Set<String> = ["config", "exit-when-idle", "exit-when-done", "help", "version", "ble-passkey"]

    @Test func everyRunFlagHasAKey() throws {
        let help = try CLI.run("vitals", ["run", "--help"]).stdout
        // The options column: lines that start with the option, as `--usb/--no-usb` or `--db <db>`.
        var flags = Set<String>()
        for line in help.split(separator: "\n") {
            let t = line.trimmingCharacters(in: .whitespaces)
            guard t.hasPrefix("--"), let first = t.split(separator: " ").first else { continue }
            for option in first.split(separator: "/") where option.hasPrefix("--") {
                let name = String(option.dropFirst(2))
                flags.insert(name.hasPrefix("no-") && name != "no-pairing-agent" ? String(name.dropFirst(3)) : name)
            }
        }
        #expect(flags.count > 25)
        for f in flags.sorted() where !Self.notInTheFile.contains(f) {
            #expect(Self.keyOfFlag[f] != nil, "--\(f) has no key in the configuration file")
        }
        let example = try String(contentsOf: CLI.repoRoot.appendingPathComponent("packaging/vitals.toml"), encoding: .utf8)
        for key in Self.keyOfFlag.values {
            let parts = key.split(separator: ".")
            let section = example.contains("[\(parts[0])]")
            let written = example.contains("\n\(parts[1]) =") || example.contains("\n# \(parts[1]) =")
            #expect(section && written, "\(key)")
        }
    }
}
