import Foundation
import Testing
import VitalsService
import VitalsTestSupport

/// The hub's TOML configuration: the shipped example parses to what it documents, and every mistake is an error
/// that names the key and the line.
struct HubConfigurationTests {
    static let example = repoRoot.appendingPathComponent("packaging/vitals.toml").path

    func error(_ text: String) -> ConfigurationError? {
        do {
            _ = try HubConfiguration.parse(text, file: "t.toml")
            return nil
        } catch {
            return error
        }
    }

    @Test func theShippedExampleParses() throws {
        let c = try HubConfiguration.load(path: Self.example)
        #expect(c.database == "/var/lib/openvitals/vitals.sqlite")
        #expect(c.subject == "default" && c.logLevel == "notice" && c.quiet == true)
        #expect(c.ble == true && c.sim == nil && c.adapter == 0 && c.pairingAgent == true && c.usb == true)
        #expect(c.bleKeys == "/var/lib/openvitals/ble-keys.json")
        #expect(c.deviceTimeZones == nil && c.assign == [], "the example leaves device clocks in this machine's zone")
        #expect(c.liveHorizonMinutes == 60 && c.escalateAfterMinutes == 15 && c.webhook == nil)
        #expect(c.httpListen == "127.0.0.1:8080" && c.tokenFile == nil)
        #expect(c.kiosk == false && c.kioskRestSeconds == 300 && c.kioskIntervalSeconds == 60)
        #expect(c.uplink == nil && c.fhirPush == nil && c.fhirTokenFile == nil && c.retentionDays == 365 && c.retentionWithoutUplink == false && c.retentionEveryHours == 24)
    }

    @Test func theExampleDocumentsEveryKey() throws {
        let text = try String(contentsOfFile: Self.example, encoding: .utf8)
        for path in HubConfiguration.keyPaths {
            let parts = path.split(separator: ".")
            let section = "[\(parts[0])]"
            let key = String(parts[1])
            guard let s = text.range(of: section) else { Issue.record("\(section) missing from the example"); continue }
            let rest = text[s.upperBound...]
            let body = rest[..<(rest.range(of: "\n[")?.lowerBound ?? rest.endIndex)]
            // Written as a setting or as a commented-out one, with a comment line above it.
            let lines = body.split(separator: "\n").map(String.init)
            guard let i = lines.firstIndex(where: { $0.hasPrefix("\(key) =") || $0.hasPrefix("# \(key) =") }) else {
                Issue.record("\(path) is not in the example")
                continue
            }
            #expect(i > 0 && lines[i - 1].hasPrefix("#"), "\(path) has no comment above it")
        }
    }

    @Test func anEmptyFileChangesNothing() throws {
        #expect(try HubConfiguration.parse("# nothing\n") == HubConfiguration())
    }

    @Test func anUnknownKeyNamesItAndItsLine() throws {
        let e = try #require(error("[hub]\ndatabase = \"/x\"\n\n[devices]\nusb = true\nbel = true\n"))
        #expect(e.key == "devices.bel")
        #expect(e.line == 6)
        #expect(e.description.hasPrefix("t.toml:6: devices.bel: unknown key"))
        #expect(e.message.contains("ble"), "the known keys are listed")
    }

    @Test func anUnknownSectionIsRefused() throws {
        let e = try #require(error("[hub]\nsubject = \"a\"\n[retension]\ndays = 3\n"))
        #expect(e.key == "retension" && e.line == 3)
    }

    @Test func aDottedKeyIsFoundToo() throws {
        let e = try #require(error("hub.subject = \"a\"\nhub.datbase = \"b\"\n"))
        #expect(e.key == "hub.datbase" && e.line == 2)
    }

    @Test func wrongTypesNameTheKey() throws {
        let cases: [(String, String, Int, String)] = [
            ("[devices]\nusb = \"yes\"\n", "devices.usb", 2, "expected true or false, found string"),
            ("[devices]\nadapter = 1.5\n", "devices.adapter", 2, "expected an integer, found floating-point number"),
            ("[alerts]\nlive_horizon_minutes = \"60\"\n", "alerts.live_horizon_minutes", 2, "expected a number, found string"),
            ("[devices]\nassign = \"a=b\"\n", "devices.assign", 2, "expected an array of strings, found string"),
            ("[devices]\nassign = [\"a=b\", 3]\n", "devices.assign", 2, "element 2: expected a non-empty string, found integer"),
            ("[retention]\ndays = 30.5\n", "retention.days", 2, "expected an integer, found floating-point number"),
            ("hub = 3\n", "hub", 1, "expected a table ([hub]), found integer"),
        ]
        for (text, key, line, message) in cases {
            let e = try #require(error(text), "\(text)")
            #expect(e.key == key && e.line == line && e.message == message, "\(e)")
        }
    }

    @Test func valuesOutOfRangeAreRefused() throws {
        let cases: [(String, String)] = [
            ("[retention]\ndays = 0\n", "retention.days"),
            ("[alerts]\nescalate_after_minutes = 0\n", "alerts.escalate_after_minutes"),
            ("[kiosk]\nrest_seconds = -1\n", "kiosk.rest_seconds"),
            ("[hub]\nlog_level = \"verbose\"\n", "hub.log_level"),
            ("[hub]\nsubject = \"\"\n", "hub.subject"),
            ("[http]\nlisten = \"8080\"\n", "http.listen"),
            ("[alerts]\nwebhook = \"ftp://x\"\n", "alerts.webhook"),
            ("[uplink]\nurl = \"mysql://x\"\n", "uplink.url"),
            ("[fhir]\npush = \"fhir.example.org\"\n", "fhir.push"),
            // Retention passes at most once a minute and at least once a year (0.0001 h would spin; 1e300 would trap).
            ("[retention]\ndays = 30\nevery_hours = 0.0001\n", "retention.every_hours"),
            ("[retention]\ndays = 30\nevery_hours = 1e300\n", "retention.every_hours"),
        ]
        for (text, key) in cases {
            #expect(error(text)?.key == key, "\(text)")
        }
        #expect(try HubConfiguration.parse("[alerts]\nlive_horizon_minutes = 90\n[http]\nlisten = \"[::1]:0\"\n").liveHorizonMinutes == 90)
        #expect(try HubConfiguration.parse("[retention]\ndays = 30\nevery_hours = 8760\n").retentionEveryHours == 8760)
    }

    @Test func settingsThatContradictEachOtherAreRefused() throws {
        #expect(error("[devices]\nsim = \"/s\"\nble = true\n")?.key == "devices.ble")
        #expect(error("[kiosk]\nenabled = true\n")?.key == "kiosk.enabled")
        #expect(error("[http]\ntoken_file = \"/t\"\n")?.key == "http.token_file")
        #expect(error("[uplink]\npassword_file = \"/p\"\n")?.key == "uplink.password_file")
        #expect(error("[uplink]\nhub_id = \"h\"\n")?.key == "uplink.hub_id")
        #expect(try HubConfiguration.parse("[uplink]\nhub_id = \"h\"\n[fhir]\npush = \"https://f/r4\"\n").hubID == "h", "hub_id serves the FHIR push too")
        #expect(error("[fhir]\ntoken_file = \"/t\"\n")?.key == "fhir.token_file")
        #expect(error("[retention]\nwithout_uplink = true\n")?.key == "retention")
    }

    @Test func aSyntaxErrorGivesTheLine() throws {
        let e = try #require(error("[hub]\nsubject = \"a\"\ndatabase = \n"))
        #expect(e.line == 3 && e.key == nil)
        #expect(throws: ConfigurationError.self) { try HubConfiguration.load(path: "/nonexistent/vitals.toml") }
    }
}
