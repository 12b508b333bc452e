import Foundation
import Testing
import VitalsTestSupport

/// Runs the built `vitals` and `firmware-sim` executables as a user would.
enum CLI {
    static let repoRoot = VitalsTestSupport.repoRoot

    static func binary(_ name: String) throws -> URL {
        let beside = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent(name)
        let candidates = [beside, repoRoot.appendingPathComponent(".build/debug/\(name)")]
        guard let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0.path) }) else {
            throw CLIError(message: "\(name) is not built (looked in \(candidates.map(\.path)))")
        }
        return found
    }

    struct CLIError: Error, CustomStringConvertible {
        var message: String
        var description: String { message }
    }

    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    static func run(_ name: String, _ args: [String], cwd: URL = repoRoot, env: [String: String] = [:]) throws -> Result {
        let p = Process()
        p.executableURL = try binary(name)
        p.arguments = args
        p.currentDirectoryURL = cwd
        if !env.isEmpty { p.environment = ProcessInfo.processInfo.environment.merging(env) { $1 } }
        let out = Pipe()
        let err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return Result(status: p.terminationStatus, stdout: String(decoding: o, as: UTF8.self), stderr: String(decoding: e, as: UTF8.self))
    }

    static func json(_ text: String) throws -> Any { try JSONSerialization.jsonObject(with: Data(text.utf8)) }

    /// firmware-sim plays `scenario` (with `simEnv`, e.g. its TZ) while `vitals run` takes it in; returns the hub's
    /// result and the database path (in a temporary folder the caller removes).
    static func simAndHub(_ scenario: String, simEnv: [String: String] = [:], hubArgs: [String] = [], hubEnv: [String: String] = [:]) throws -> (Result, String, URL) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cli-\(scenario)-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let socket = dir.appendingPathComponent("sim.sock").path
        let db = dir.appendingPathComponent("vitals.sqlite").path
        let sim = Process()
        sim.executableURL = try binary("firmware-sim")
        sim.arguments = ["run", scenario, "--socket", socket]
        if !simEnv.isEmpty { sim.environment = ProcessInfo.processInfo.environment.merging(simEnv) { $1 } }
        sim.standardOutput = Pipe()
        try sim.run()
        let hub = try run("vitals", ["run", "--sim", socket, "--db", db, "--exit-when-done"] + hubArgs, env: hubEnv)
        sim.waitUntilExit()
        return (hub, db, dir)
    }
}

struct DecodeCommandTests {
    @Test func bloodPressureMeasurementAsJSON() throws {
        let r = try CLI.run("vitals", ["decode", "--uuid", "2A35", "--hex", "1E 7800 5000 A5F3 E907 03 0E 09 1A 35 4800 01 0C00"])
        #expect(r.status == 0, "\(r.stderr)")
        let o = try #require(try CLI.json(r.stdout) as? [String: Any])
        #expect(o["systolic"] as? Double == 120)
        #expect(o["diastolic"] as? Double == 80)
        #expect(o["meanArterialPressure"] as? Double == 93.3)
        #expect(o["unit"] as? String == "mm[Hg]")
        #expect(o["timeStamp"] as? String == "2025-03-14T09:26:53")
        #expect(o["pulseRate"] as? Double == 72)
        let status = try #require(o["measurementStatus"] as? [String: Any])
        #expect(status["set"] as? [String] == ["Irregular pulse detected", "Pulse rate exceeds upper limit"])
        #expect(status["pulseRateRange"] as? String == "exceedsUpperLimit")
    }

    @Test func glucoseMeasurementAsJSON() throws {
        let r = try CLI.run("vitals", ["decode", "--uuid", "0x2A18", "--hex", "0B 0700 E907 03 0E 08 00 00 C4FF 5FB0 11 0100"])
        #expect(r.status == 0, "\(r.stderr)")
        let o = try #require(try CLI.json(r.stdout) as? [String: Any])
        #expect(o["sequenceNumber"] as? Int == 7)
        #expect(o["glucoseConcentration"] as? Double == 0.00095)
        #expect((o["glucoseConventional"] as? [String: Any])?["value"] as? Double == 95)
        #expect(o["type"] as? String == "Capillary Whole blood")
        #expect(o["sampleLocation"] as? String == "Finger")
        #expect(o["timeOffset"] as? Int == -60)
        #expect((o["sensorStatusAnnunciation"] as? [String: Any])?["set"] as? [String] == ["Device battery low at time of measurement"])
    }

    @Test func specialValuesByName() throws {
        let r = try CLI.run("vitals", ["decode", "--uuid", "2A35", "--hex", "04 FF07 0008 FE07 0208"])
        #expect(r.status == 0, "\(r.stderr)")
        let o = try #require(try CLI.json(r.stdout) as? [String: Any])
        #expect(o["systolic"] as? String == "NaN")
        #expect(o["diastolic"] as? String == "NRes")
        #expect(o["meanArterialPressure"] as? String == "+INF")
        #expect(o["pulseRate"] as? String == "-INF")
        let reserved = try CLI.run("vitals", ["decode", "--uuid", "2A35", "--hex", "00 0108 5000 5D00"])
        #expect((try CLI.json(reserved.stdout) as? [String: Any])?["systolic"] as? String == "reserved(0x0801)")
    }

    @Test func malformedInputExitsTwoNamingFieldAndOffset() throws {
        let truncated = try CLI.run("vitals", ["decode", "--uuid", "2A35", "--hex", "1E 7800 50"])
        #expect(truncated.status == 2)
        #expect(truncated.stderr.contains("field 'Diastolic' at byte offset 3"))
        #expect(truncated.stdout.isEmpty)
        let glucose = try CLI.run("vitals", ["decode", "--uuid", "2A18", "--hex", "0B 0700 E907 03 0E 08 00 00 C4FF 5FB0"])
        #expect(glucose.status == 2)
        #expect(glucose.stderr.contains("field 'Type-Sample Location' at byte offset 14"))
        let badHex = try CLI.run("vitals", ["decode", "--uuid", "2A35", "--hex", "7G"])
        #expect(badHex.status == 2)
        #expect(badHex.stderr.contains("not a hex digit"))
        let unknown = try CLI.run("vitals", ["decode", "--uuid", "2A99", "--hex", "00"])
        #expect(unknown.status == 2)
        #expect(unknown.stderr.contains("no decoder for characteristic 2A99"))
    }
}

struct ProfileCommandTests {
    @Test func listAsJSONHasTheStableKeys() throws {
        let r = try CLI.run("vitals", ["profiles", "list", "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let list = try #require(try CLI.json(r.stdout) as? [[String: Any]])
        #expect(!list.isEmpty)
        for p in list {
            for key in ["id", "manufacturer", "model", "kind", "transport", "grade", "site"] { #expect(p[key] is String, "\(key)") }
        }
        #expect(list.contains { $0["id"] as? String == "sim-bp-cuff" && $0["grade"] as? String == "medical" })
    }

    @Test func checkExitsOneWithFileAndField() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cli-profiles-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try Data(#"{"id":"a","manufacturer":"M","model":"X","kind":"glucose-meter","transport":"ble","recognise":{"serviceUUIDs":["1808"]},"protocol":"gls","site":"knee","intendedUse":"home"}"#.utf8)
            .write(to: dir.appendingPathComponent("bad-site.json"))
        let r = try CLI.run("vitals", ["profiles", "check", "--profiles", dir.path])
        #expect(r.status == 1)
        #expect(r.stderr.contains("bad-site.json"))
        #expect(r.stderr.contains("site"))
        let good = try CLI.run("vitals", ["profiles", "check"])
        #expect(good.status == 0, "\(good.stderr)")
    }
}

struct DemoFlowTests {
    /// What `make demo` does, checked the way a user would: firmware-sim and the hub as two processes,
    /// then `vitals alerts --json` lists the crisis and the hypo.
    @Test func simulatorAndHubAsProcesses() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cli-demo-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let socket = dir.appendingPathComponent("sim.sock").path
        let db = dir.appendingPathComponent("vitals.sqlite").path

        let sim = Process()
        sim.executableURL = try CLI.binary("firmware-sim")
        sim.arguments = ["run", "demo", "--socket", socket]
        sim.standardOutput = Pipe()
        try sim.run()
        let hub = try CLI.run("vitals", ["run", "--sim", socket, "--db", db, "--exit-when-done"])
        sim.waitUntilExit()
        #expect(hub.status == 0, "\(hub.stderr)")
        #expect(sim.terminationStatus == 0)
        #expect(hub.stdout.contains("summary: 7 readings received, 7 stored"))
        #expect(hub.stdout.contains("ALERT       CRITICAL"))

        let alerts = try CLI.run("vitals", ["alerts", "--json", "--db", db])
        #expect(alerts.status == 0)
        let list = try #require(try CLI.json(alerts.stdout) as? [[String: Any]])
        #expect(Set(list.compactMap { $0["ruleID"] as? String }) == ["bp.hypertensive-crisis", "glucose.hypoglycaemia-level-2"])
        // The lifecycle: the crisis is open (raised); so is the hypo: the later 71 mg/dL is inside the 80 mg/dL
        // hysteresis band and was measured before the alert was raised. Ack the crisis.
        let crisis = try #require(list.first { $0["ruleID"] as? String == "bp.hypertensive-crisis" })
        #expect(crisis["state"] as? String == "raised")
        #expect(list.first { $0["ruleID"] as? String == "glucose.hypoglycaemia-level-2" }?["state"] as? String == "raised")
        let crisisID = try #require(crisis["id"] as? String)
        let ack = try CLI.run("vitals", ["alerts", "ack", crisisID, "--db", db])
        #expect(ack.status == 0 && ack.stdout.contains("acknowledged"), "\(ack.stderr)")
        let again = try CLI.run("vitals", ["alerts", "ack", crisisID, "--db", db])
        #expect(again.status == 1 && again.stderr.contains("acknowledged"))
        let text = try CLI.run("vitals", ["alerts", "--history", "--db", db])
        #expect(text.stdout.contains("ACKNOWLEDGED  CRITICAL  bp.hypertensive-crisis") && text.stdout.contains("    "), "\(text.stdout)")
        #expect(text.stdout.contains("acknowledged  critical"))
        let readings = try CLI.run("vitals", ["readings", "--json", "--db", db])
        #expect((try CLI.json(readings.stdout) as? [Any])?.count == 7)
        let mode = try FileManager.default.attributesOfItem(atPath: db)[.posixPermissions] as? Int
        #expect(mode == 0o600)
    }

    /// A meter result of LOW (below what the meter can measure) raises the level-2 hypoglycaemia alert in the
    /// running hub, printed and stored, and is stored censored (−inf), not as the meter's limit.
    @Test func aLowMeterResultRaisesLevel2InTheRunningHub() throws {
        let (hub, db, dir) = try CLI.simAndHub("meter-low")
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(hub.status == 0, "\(hub.stderr)")
        #expect(hub.stdout.contains("glucose LOW (below what the device can measure)"), "\(hub.stdout)")
        #expect(hub.stdout.contains("ALERT       CRITICAL: Glucose is LOW"), "\(hub.stdout)")
        let alerts = try #require(try CLI.json(try CLI.run("vitals", ["alerts", "--json", "--db", db]).stdout) as? [[String: Any]])
        #expect(alerts.map { "\($0["ruleID"] ?? "")/\($0["severity"] ?? "")/\($0["state"] ?? "")" } == ["glucose.hypoglycaemia-level-2/critical/raised"])
        let readings = try #require(try CLI.json(try CLI.run("vitals", ["readings", "--json", "--db", db]).stdout) as? [[String: Any]])
        let low = try #require(readings.first { ($0["flags"] as? [String])?.contains("glucose.result-below-device-range") == true })
        let obs = try #require((low["observations"] as? [[String: Any]])?.first)
        #expect(obs["state"] as? String == "-inf" && obs["value"] == nil)
    }

    /// Devices keep local time. A meter set to India's time (UTC+5:30) read by a hub told its zone is on time:
    /// no drift flag, no clock set, the right instant; the same meter read by a hub that assumes UTC looks 330
    /// minutes fast.
    @Test func aDeviceInLocalTimeIsNotFlaggedAsDrifting() throws {
        let zone = ["TZ": "Asia/Kolkata"]
        let (told, db, dir) = try CLI.simAndHub("quiet", simEnv: zone, hubArgs: ["--device-time-zone", "Asia/Kolkata"], hubEnv: ["TZ": "UTC"])
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(told.status == 0, "\(told.stderr)")
        #expect(!told.stdout.contains("clock "), "\(told.stdout)")
        let readings = try #require(try CLI.json(try CLI.run("vitals", ["readings", "--json", "--db", db]).stdout) as? [[String: Any]])
        #expect(readings.count == 1)
        let flags = (readings.first?["flags"] as? [String]) ?? []
        #expect(flags.contains("time.device-clock-drift") == false, "\(flags)")
        let measured = try #require(ISO8601DateFormatter().date(from: readings.first?["effectiveAt"] as? String ?? ""))
        #expect(abs(measured.timeIntervalSinceNow + 60) < 120, "measured a minute ago, not hours off: \(measured)")

        let (assumed, _, dir2) = try CLI.simAndHub("quiet", simEnv: zone, hubEnv: ["TZ": "UTC"])
        defer { try? FileManager.default.removeItem(at: dir2) }
        // 5 h 30 min, less the seconds between the meter's clock and the hub's read of it.
        #expect(assumed.stdout.contains("device clock ahead by 329 min") || assumed.stdout.contains("device clock ahead by 330 min"), "\(assumed.stdout)")

        // A CGM's Session Start Time carries its zone and DST offset: read by a hub in UTC, its records are still
        // placed at the right instants (within the last two hours, none in the future).
        let (cgm, cgmDB, dir3) = try CLI.simAndHub("cgm-bad-crc", simEnv: zone, hubEnv: ["TZ": "UTC"])
        defer { try? FileManager.default.removeItem(at: dir3) }
        #expect(cgm.status == 0, "\(cgm.stderr)")
        let records = try #require(try CLI.json(try CLI.run("vitals", ["readings", "--json", "--db", cgmDB]).stdout) as? [[String: Any]])
        let times = records.compactMap { ($0["effectiveAt"] as? String).flatMap(ISO8601DateFormatter().date(from:)) }
        #expect(times.count == 11 && times.allSatisfy { $0.timeIntervalSinceNow < 60 && $0.timeIntervalSinceNow > -7200 }, "\(times)")

        let bad = try CLI.run("vitals", ["run", "--sim", "/nonexistent.sock", "--device-time-zone", "Mars/Olympus"])
        #expect(bad.status != 0 && bad.stderr.contains("Mars/Olympus"))
    }

    @Test func runWithoutATransportSaysSo() throws {
        let r = try CLI.run("vitals", ["run"])
        #expect(r.status != 0)
        #expect(r.stderr.contains("--sim"))
    }

    /// `vitals run` on a file that is not a database refuses to start, says why and what to do, and leaves the file as it was.
    @Test func runRefusesADamagedDatabaseAndLeavesItAlone() throws {
        let db = FileManager.default.temporaryDirectory.appendingPathComponent("cli-damaged-\(UUID().uuidString.prefix(8)).sqlite")
        defer { try? FileManager.default.removeItem(at: db) }
        let text = Data(String(repeating: "these are notes, not a SQLite database\n", count: 20).utf8)
        try text.write(to: db)
        let r = try CLI.run("vitals", ["run", "--sim", "/nonexistent.sock", "--db", db.path])
        #expect(r.status != 0)
        #expect(r.stderr.contains(db.path) && r.stderr.contains("file is not a database") && r.stderr.contains("from a backup"), "\(r.stderr)")
        #expect(try Data(contentsOf: db) == text, "the file was changed")
        #expect(!FileManager.default.fileExists(atPath: db.path + "-wal"))
    }

    @Test func firmwareSimListsScenariosAndRefusesUnknownOnes() throws {
        let list = try CLI.run("firmware-sim", ["list"])
        #expect(list.status == 0)
        #expect(list.stdout.contains("demo:"))
        let bad = try CLI.run("firmware-sim", ["run", "no-such-scenario", "--socket", "/tmp/unused.sock"])
        #expect(bad.status == 2)
        #expect(bad.stderr.contains("no-such-scenario"))
    }
}

struct ScanCommandTests {
    @Test func scanListsSimulatedDevicesWithTheirProfiles() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cli-scan-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let socket = dir.appendingPathComponent("sim.sock").path
        let sim = Process()
        sim.executableURL = try CLI.binary("firmware-sim")
        sim.arguments = ["run", "demo", "--socket", socket, "--hubs", "1"]
        sim.standardOutput = Pipe()
        try sim.run()
        let r = try CLI.run("vitals", ["scan", "--sim", socket, "--seconds", "0.5", "--json"])
        sim.waitUntilExit()
        #expect(r.status == 0, "\(r.stderr)")
        let list = try #require(try CLI.json(r.stdout) as? [[String: Any]])
        #expect(list.map { $0["address"] as? String } == ["C0:FF:EE:00:01:01", "C0:FF:EE:00:02:01"])
        #expect(list.map { $0["profile"] as? String } == ["sim-bp-cuff", "sim-glucose-meter"])
        #expect(list.first?["services"] as? [String] == ["1810"])
    }

    /// Passkey options are checked before any adapter is touched, and a refused PIN is never echoed.
    @Test func passkeyOptionsAreCheckedWithoutRepeatingThePin() throws {
        let bad = try CLI.run("vitals", ["run", "--ble", "--ble-passkey", "00:AA:01:01:00:01=12x456"])
        #expect(bad.status != 0 && bad.stderr.contains("00:AA:01:01:00:01") && !bad.stderr.contains("12x456"), "\(bad.stderr)")
        let noAgent = try CLI.run("vitals", ["run", "--ble", "--no-pairing-agent", "--ble-passkey", "00:AA:01:01:00:01=123456"])
        #expect(noAgent.status != 0 && noAgent.stderr.contains("pairing agent"), "\(noAgent.stderr)")
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cli-pins-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: dir) }
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let file = dir.appendingPathComponent("pins")
        try Data("00:AA:01:01:00:01=123456\n".utf8).write(to: file)
        try FileManager.default.setAttributes([.posixPermissions: 0o640], ofItemAtPath: file.path)
        let open = try CLI.run("vitals", ["run", "--ble", "--ble-passkey-file", file.path])
        #expect(open.status != 0 && open.stderr.contains("chmod 600") && !open.stderr.contains("123456"), "\(open.stderr)")
    }

    @Test func bleWithoutAnAdapterSaysSo() throws {
        let r = try CLI.run("vitals", ["scan", "--ble", "--seconds", "0.1"])
        if r.status == 0 { return }  // a machine with an adapter: nothing to check here
        #expect(r.stderr.contains("Bluetooth adapter") || r.stderr.contains("hci"))
    }
}

/// Every characteristic the BLE issue covers is reachable through `vitals decode`.
struct DecodeEveryCharacteristicTests {
    func decode(_ uuid: String, _ hex: String, _ extra: [String] = []) throws -> (Int32, [String: Any]?, [Any]?, String) {
        let r = try CLI.run("vitals", ["decode", "--uuid", uuid, "--hex", hex] + extra)
        let obj = try? CLI.json(r.stdout)
        return (r.status, obj as? [String: Any], obj as? [Any], r.stderr)
    }

    @Test func cgmRecordsAndTheirCRC() throws {
        // The record from CGMTests: 120 mg/dL at 1440 min, CRC 0xC721.
        let good = "0F E3 7800 A005 02 04 01 F1FF 5F00 21C7"
        let (status, _, list, err) = try decode("2AA7", good + " " + good)
        #expect(status == 0, "\(err)")
        #expect(list?.count == 2, "two records in one notification")
        let bad = "0F E3 7800 A005 02 04 01 F1FF 5F00 21C8"
        let (badStatus, _, _, badErr) = try decode("2AA7", bad)
        #expect(badStatus == 2)
        #expect(badErr.contains("E2E-CRC") && badErr.contains("byte offset 13"))
    }

    @Test(arguments: [
        ("2A37", "10 48 0004 0002"),  // flags: RR present; 72 bpm; RR 1.0 s and 0.5 s
        ("2A38", "01"),  // chest
        ("2A19", "5A"),  // 90 %
        ("2A36", "00 8C00 FF07 FF07"),  // current cuff pressure 140, unused fields NaN
        ("2A29", "4F 70 65 6E 56 69 74 61 6C 73"),  // "OpenVitals"
        ("FB005C81-02E7-F387-1CAD-8ACD2D8DF0C8", "02 00 00 01 82 00 01 01 0E 00"),  // Polar H10 ECG start
    ])
    func decodesToJSON(uuid: String, hex: String) throws {
        let (status, obj, _, err) = try decode(uuid, hex)
        #expect(status == 0, "\(uuid): \(err)")
        #expect(obj != nil)
    }

    @Test func batteryLevelAboveOneHundredIsMalformed() throws {
        let (status, _, _, err) = try decode("2A19", "65")
        #expect(status == 2)
        #expect(err.contains("offset 0"))
    }
}

struct ValidateCommandTests {
    func validate(_ profile: String, _ uuid: String, _ hex: String) throws -> (Int32, [[String: Any]]?, String) {
        let r = try CLI.run("vitals", ["validate", "--profile", profile, "--uuid", uuid, "--hex", hex])
        return (r.status, try? CLI.json(r.stdout) as? [[String: Any]], r.stderr)
    }

    /// The same crisis-level reading: advisory from a consumer wrist monitor, critical from a validated cuff.
    @Test func gradeDecidesTheSeverity() throws {
        let crisis = "00 BA00 7C00 9400"  // 186/124, MAP 148 mmHg
        let (s1, wrist, e1) = try validate("sim-wrist-bp", "2A35", crisis)
        #expect(s1 == 0, "\(e1)")
        let wristAlert = (wrist?.first?["alerts"] as? [[String: Any]])?.first
        #expect(wrist?.first?["grade"] as? String == "consumer")
        #expect(wristAlert?["severity"] as? String == "advisory")
        #expect((wristAlert?["message"] as? String)?.contains("confirm with a validated device") == true)
        let (_, cuff, _) = try validate("sim-bp-cuff", "2A35", crisis)
        #expect(((cuff?.first?["alerts"] as? [[String: Any]])?.first)?["severity"] as? String == "critical")
    }

    @Test func flagsAndMalformedInput() throws {
        // 120/115: pulse pressure 5 mmHg is implausible.
        let (_, narrow, _) = try validate("sim-bp-cuff", "2A35", "00 7800 7300 7500")
        #expect((narrow?.first?["flags"] as? [String])?.contains("value.implausible") == true)
        let (status, _, err) = try validate("sim-bp-cuff", "2A35", "00 7800")
        #expect(status == 2)
        #expect(err.contains("Diastolic"))
        let (unknown, _, _) = try validate("no-such-profile", "2A35", "00 7800 5000 5D00")
        #expect(unknown == 1)
    }
}

struct ValidateAPDUTests {
    /// IEEE 11073-10407 annex: confirmed fixed scan report, BP {120, 80, 100} mmHg and pulse 60, 2007-12-06 12:10.
    static let bpScan = "E7 00 00 3E 00 3C 00 54 01 01 00 36 00 00 00 00 00 00 0D 1D 00 2C F0 00 00 00 00 02 00 24 00 01 00 12 00 03 00 06 00 78 00 50 00 64 20 07 12 06 12 10 00 00 00 02 00 0A F2 58 20 07 12 06 12 10 00 00"
    /// IEEE 11073-10417 annex: glucose 85.0 mg/dL.
    static let glucoseScan = "E7 00 00 28 00 26 12 36 01 01 00 20 00 00 00 00 00 00 0D 1D 00 16 F0 00 00 00 00 01 00 0E 00 01 00 0A F3 52 20 07 12 06 12 10 00 00"

    @Test func anAgentsReportIsValidatedLikeACharacteristic() throws {
        let r = try CLI.run("vitals", ["validate", "--profile", "sim-phd-bp", "--config", "0x02BC", "--apdu", Self.bpScan])
        #expect(r.status == 0, "\(r.stderr)")
        let out = try CLI.json(r.stdout) as? [[String: Any]]
        let obs = out?.first?["observations"] as? [[String: Any]]
        #expect(obs?.map { $0["metric"] as? String } == ["bp.systolic", "bp.diastolic", "bp.mean", "bp.pulse"])
        #expect(obs?.map { $0["value"] as? Double } == [120, 80, 100, 60])
        #expect(out?.first?["grade"] as? String == "medical")
        // The annex's clock says 2007: before 2010, read as a reset device clock.
        #expect((out?.first?["flags"] as? [String])?.contains("time.device-clock-reset") == true)
        // Without --config the profile's kind chooses the standard configuration (10417: 0x06A4).
        let g = try CLI.run("vitals", ["validate", "--profile", "sim-phd-glucose", "--apdu", Self.glucoseScan])
        #expect(g.stderr.contains("0x6A4"), "\(g.stderr)")
        let gl = ((try CLI.json(g.stdout) as? [[String: Any]])?.first?["observations"] as? [[String: Any]])?.first
        #expect(gl?["value"] as? Double == 85 && gl?["unit"] as? String == "mg/dL")
    }

    @Test func malformedOrWrongAPDUsExit2() throws {
        // Cut inside the scan report.
        let cut = String(Self.bpScan.prefix(3 * 40 - 1))
        let r = try CLI.run("vitals", ["validate", "--profile", "sim-phd-bp", "--config", "0x02BC", "--apdu", cut])
        #expect(r.status == 2 && r.stderr.contains("offset"), "\(r.stderr)")
        // An association request carries no measurements.
        let aarq = try CLI.run("vitals", ["validate", "--profile", "sim-phd-bp", "--config", "0x02BC", "--apdu", "E2 00 00 02 00 00"])
        #expect(aarq.status == 2)
        // The wrong configuration cannot lay the report out.
        let wrong = try CLI.run("vitals", ["validate", "--profile", "sim-phd-bp", "--config", "0x06A4", "--apdu", Self.bpScan])
        #expect(wrong.status == 2, "\(wrong.stdout)")
    }
}

struct AnalyzeCommandTests {
    @Test func glucoseMetricsPerIdAndMalformedFiles() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cli-analyze-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        // Two ids; "b" has 4 readings, one of them below 54.
        let csv = "id,time,gl\na,2020-01-01 00:00:00,100\na,2020-01-01 00:05:00,200\nb,1900-01-01 00:00:00,50\nb,1900-01-01 00:05:00,80\nb,1900-01-01 00:10:00,180\nb,1900-01-01 00:15:00,260\n"
        let file = dir.appendingPathComponent("g.csv")
        try Data(csv.utf8).write(to: file)
        let r = try CLI.run("vitals", ["analyze", "glucose", "--csv", file.path])
        #expect(r.status == 0, "\(r.stderr)")
        let list = try #require(try CLI.json(r.stdout) as? [[String: Any]])
        #expect(list.map { $0["id"] as? String } == ["a", "b"])
        #expect(list[0]["mean_mg_dl"] as? Double == 150)
        #expect(list[0]["tir_pct"] as? Double == 50 && list[0]["tar180_pct"] as? Double == 50)
        // b: 50 (<54 and <70), 80 and 180 in range, 260 above 250: 25 / 50 / 25 %.
        #expect(list[1]["tbr54_pct"] as? Double == 25 && list[1]["tir_pct"] as? Double == 50 && list[1]["tar250_pct"] as? Double == 25)
        for key in ["readings", "cv_pct", "gmi_pct", "sufficient", "hypo_episodes"] { #expect(list[0][key] != nil, "\(key)") }

        try Data("id,time\na,2020-01-01 00:00:00\n".utf8).write(to: file)
        let bad = try CLI.run("vitals", ["analyze", "glucose", "--csv", file.path])
        #expect(bad.status == 2)
        #expect(bad.stderr.contains("gl"))
    }

    @Test func bloodPressureCategoriesAndCrises() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cli-bp-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("bp.csv")
        try Data("time,sys,dia\n2024-05-01 08:00:00,118,76\n2024-05-01 20:00:00,186,124\n".utf8).write(to: file)
        let r = try CLI.run("vitals", ["analyze", "bp", "--csv", file.path])
        #expect(r.status == 0, "\(r.stderr)")
        let o = try #require(try CLI.json(r.stdout) as? [String: Any])
        let readings = try #require(o["readings"] as? [[String: Any]])
        #expect(readings.map { $0["acc_aha_2017"] as? String } == ["normal", "crisis"])
        #expect(readings.map { $0["esh_2023"] as? String } == ["optimal", "grade-3"])
        #expect((o["crises"] as? [Any])?.count == 1)
    }
}

struct USBCommandTests {
    @Test func scanUSBNeedsNoRadioAndListsWhatLibusbSees() throws {
        let r = try CLI.run("vitals", ["scan", "--usb"])
        #expect(r.status == 0, "\(r.stderr)")
        let lines = r.stdout.split(separator: "\n")
        #expect(lines == ["no USB devices"] || lines.allSatisfy { $0.hasPrefix("usb ") && $0.contains("match: ") })
    }

    @Test func firmwareSimUSBIPRejectsAnUnknownDevice() throws {
        let r = try CLI.run("firmware-sim", ["usbip", "--device", "toaster", "--port", "0"])
        #expect(r.status == 2)
        #expect(r.stderr.contains("unknown USB device 'toaster'"))
    }
}

struct DecodeAPDUCommandTests {
    /// `vitals decode --apdu`: the 10417 annex's glucose report, nested content with MDC codes and values.
    @Test func glucoseScanReportAsJSON() throws {
        let hex = "E7 00 00 28 00 26 12 36 01 01 00 20 00 00 00 00 00 00 0D 1D 00 16 F0 00 00 00 00 01 00 0E 00 01 00 0A F3 52 20 07 12 06 12 10 00 00"
        let r = try CLI.run("vitals", ["decode", "--apdu", hex, "--config", "0x06A4"])
        #expect(r.status == 0, "\(r.stderr)")
        let o = try #require(try CLI.json(r.stdout) as? [String: Any])
        #expect(o["apdu"] as? String == "PRST")
        let data = try #require(o["data"] as? [String: Any])
        #expect(data["invokeId"] as? Int == 0x1236 && data["message"] as? String == "roiv-cmip-confirmed-event-report")
        let content = try #require(data["content"] as? [String: Any])
        #expect(content["eventTypeName"] as? String == "MDC_NOTI_SCAN_REPORT_FIXED")
        let scan = try #require(content["scanReport"] as? [String: Any])
        let persons = try #require(scan["persons"] as? [[String: Any]])
        let obs = try #require(persons.first?["observations"] as? [[String: Any]])
        let type = try #require(obs.first?["type"] as? [String: Any])
        #expect(type["name"] as? String == "MDC_CONC_GLU_CAPILLARY_WHOLEBLOOD" && type["mdc"] as? Int == 160_184)
        let attrs = try #require(obs.first?["attributes"] as? [[String: Any]])
        #expect(attrs.first?["value"] as? Double == 85 && attrs.last?["value"] as? String == "2007-12-06T12:10:00.00")
    }

    @Test func associationRequestAndMalformedAPDUs() throws {
        let r = try CLI.run("vitals", ["decode", "--apdu", "E2000032 80000000 0001002A 5079 0026 80000000 8000 80000000 00000000 00800000 0008 4C4E494147454E54 4000 0001 0100 00000000"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("\"systemId\": \"4C4E494147454E54\"") && r.stdout.contains("\"devConfigKind\": \"extended\""))
        let cut = try CLI.run("vitals", ["decode", "--apdu", "E2000032 80000000 0001002A 5079"])
        #expect(cut.status == 2 && cut.stderr.contains("field 'APDU' at byte offset 4"), "\(cut.stderr)")
        let unknown = try CLI.run("vitals", ["decode", "--apdu", "E9 00 00 00"])
        #expect(unknown.status == 2 && unknown.stderr.contains("APDU choice") && unknown.stderr.contains("offset 0"), "\(unknown.stderr)")
    }
}

struct ECGCommandTests {
    /// A format-16 record with triangular QRS complexes every 0.8 s at 250 Hz.
    func writeRecord(samples: Int = 250 * 30, truncate: Bool = false) throws -> (String, [Int]) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ecg-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        var x = [Int16](repeating: 0, count: samples)
        var beats: [Int] = []
        var t = 100
        while t + 10 < samples {
            beats.append(t)
            for k in -5...5 { x[t + k] = Int16(200 * (5 - abs(k)) / 5) }
            t += 200
        }
        for i in 0..<samples { x[i] &+= Int16(truncatingIfNeeded: (i * 7919) % 5 - 2) + 100 }
        var bytes: [UInt8] = []
        for v in x { let u = UInt16(bitPattern: v); bytes += [UInt8(u & 0xFF), UInt8(u >> 8)] }
        if truncate { bytes.removeLast(101) }
        try Data(bytes).write(to: dir.appendingPathComponent("t.dat"))
        let checksum = Int16(truncatingIfNeeded: x.reduce(0) { $0 + Int($1) })
        try "t 1 250 \(samples)\nt.dat 16 200 16 0 \(x[0]) \(checksum) 0 I\n".write(to: dir.appendingPathComponent("t.hea"), atomically: true, encoding: .utf8)
        return (dir.appendingPathComponent("t").path, beats)
    }

    @Test func detectPrintsOneRPeakPerLine() throws {
        let (path, beats) = try writeRecord()
        let r = try CLI.run("vitals", ["ecg", "detect", "--record", path])
        #expect(r.status == 0, "\(r.stderr)")
        let found = r.stdout.split(separator: "\n").compactMap { Int($0) }
        // Every true beat after the 1-s start-up is found within 20 ms, and nothing else.
        let expected = beats.filter { $0 > 250 }
        #expect(expected.allSatisfy { b in found.contains { abs($0 - b) <= 5 } }, "\(found)")
        #expect(found.filter { $0 > 250 }.count == expected.count, "\(found)")
        let rhythm = try CLI.run("vitals", ["ecg", "rhythm", "--record", path])
        #expect(rhythm.status == 0 && rhythm.stdout.isEmpty, "a regular rhythm has no AF: \(rhythm.stdout)")
    }

    @Test func truncatedSignalFileExitsTwoNamingTheOffset() throws {
        let (path, _) = try writeRecord(truncate: true)
        let r = try CLI.run("vitals", ["ecg", "detect", "--record", path])
        #expect(r.status == 2)
        #expect(r.stderr.contains("t.dat") && r.stderr.contains("byte offset 14898"), "\(r.stderr)")
    }
}
