import Foundation
import Testing
import VitalsProfiles
import VitalsTestSupport

/// The files `make install` puts on a hub: the systemd unit keeps its hardening, and the udev rules are well
/// formed and cover every USB device the profile catalogue knows.
struct PackagingTests {
    static let unitPath = repoRoot.appendingPathComponent("packaging/openvitals.service")
    static let rulesPath = repoRoot.appendingPathComponent("packaging/60-openvitals.rules")

    /// `[Section]` → key → values (a key may be repeated), as systemd reads a unit file.
    static func unit() throws -> [String: [String: [String]]] {
        var out: [String: [String: [String]]] = [:]
        var section = ""
        for raw in try String(contentsOf: unitPath, encoding: .utf8).split(separator: "\n") {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix(";") { continue }
            if line.hasPrefix("[") && line.hasSuffix("]") {
                section = String(line.dropFirst().dropLast())
                continue
            }
            let kv = line.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            #expect(kv.count == 2, "not KEY=VALUE: \(line)")
            guard kv.count == 2 else { continue }
            out[section, default: [:]][kv[0], default: []].append(kv[1])
        }
        return out
    }

    @Test func theUnitIsHardened() throws {
        let s = try #require(try Self.unit()["Service"])
        func one(_ key: String) -> String? {
            #expect(s[key]?.count == 1, "\(key) set once")
            return s[key]?.first
        }
        #expect(one("User") == "openvitals" && one("Group") == "openvitals")
        #expect(s["DynamicUser"] == nil, "a hub keeps its database: a fixed user owns it")
        #expect(Set(one("CapabilityBoundingSet")?.split(separator: " ").map(String.init) ?? []) == ["CAP_NET_RAW", "CAP_NET_ADMIN"])
        #expect(Set(one("AmbientCapabilities")?.split(separator: " ").map(String.init) ?? []) == ["CAP_NET_RAW", "CAP_NET_ADMIN"])
        #expect(one("NoNewPrivileges") == "yes")
        #expect(one("ProtectSystem") == "strict")
        #expect(one("ProtectHome") == "yes")
        #expect(one("PrivateTmp") == "yes")
        #expect(one("StateDirectory") == "openvitals")
        #expect(one("StateDirectoryMode") == "0700")
        #expect(one("ReadWritePaths") == "/var/lib/openvitals", "only the state directory is writable")
        #expect(one("UMask") == "0077")
        #expect(one("Restart") == "on-failure")
        #expect(Set(one("RestrictAddressFamilies")?.split(separator: " ").map(String.init) ?? [])
                == ["AF_UNIX", "AF_INET", "AF_INET6", "AF_BLUETOOTH", "AF_NETLINK"])
        for key in ["ProtectKernelTunables", "ProtectKernelModules", "ProtectKernelLogs", "ProtectControlGroups", "ProtectClock",
                    "ProtectHostname", "RestrictNamespaces", "RestrictRealtime", "RestrictSUIDSGID", "LockPersonality", "MemoryDenyWriteExecute"] {
            #expect(one(key) == "yes", "\(key)")
        }
        #expect(one("SystemCallFilter") == "@system-service")
        #expect(one("SystemCallArchitectures") == "native")
        #expect(one("DevicePolicy") == "closed")
        #expect(s["DeviceAllow"] == ["char-usb_device rw"])
        let exec = try #require(one("ExecStart"))
        #expect(exec.hasSuffix("/vitals run --config /etc/openvitals/vitals.toml"))
        #expect(try Self.unit()["Install"]?["WantedBy"] == ["multi-user.target"])
    }

    /// systemd's own reading of the unit, where systemd-analyze is installed (it is on the project's machines);
    /// the binary is swapped for /bin/true, since the test does not install vitals.
    @Test func systemdAcceptsTheUnit() throws {
        let analyze = "/usr/bin/systemd-analyze"
        guard FileManager.default.isExecutableFile(atPath: analyze) else { return }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("unit-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let text = try String(contentsOf: Self.unitPath, encoding: .utf8).replacingOccurrences(of: "/usr/local/bin/vitals", with: "/bin/true")
        let copy = dir.appendingPathComponent("openvitals.service")
        try text.write(to: copy, atomically: true, encoding: .utf8)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: analyze)
        p.arguments = ["verify", copy.path]
        let err = Pipe()
        p.standardError = err
        p.standardOutput = err
        try p.run()
        let output = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        // Lines about this unit only (the host's other units may have their own complaints).
        let ours = output.split(separator: "\n").filter { $0.contains("openvitals.service") }
        #expect(p.terminationStatus == 0 && ours.isEmpty, "\(output)")
    }

    /// One rule line: `KEY=="value"` tokens, comma separated.
    struct Rule {
        var matches: [String: String] = [:]
        var assignments: [String: String] = [:]
    }

    static func rules() throws -> [Rule] {
        let keys = try Regex(#"^(ACTION|SUBSYSTEM|ENV\{[A-Z_]+\}|ATTR\{[A-Za-z]+\}|GOTO|LABEL|GROUP|MODE|TAG)(==|!=|=|\+=)"(.*)"$"#)
        var out: [Rule] = []
        for raw in try String(contentsOf: rulesPath, encoding: .utf8).split(separator: "\n") {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            var rule = Rule()
            for token in line.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) {
                guard let m = try keys.wholeMatch(in: token), m.output.count == 4,
                      let key = m.output[1].substring, let op = m.output[2].substring, let value = m.output[3].substring else {
                    Issue.record("not a udev key/value: \(token) in \(line)")
                    continue
                }
                #expect(!value.contains("\""), "\(token)")
                if op == "==" || op == "!=" { rule.matches[String(key) + String(op)] = String(value) } else { rule.assignments[String(key)] = String(value) }
            }
            out.append(rule)
        }
        return out
    }

    @Test func theUdevRulesAreWellFormedAndGrantOnlyTheGroup() throws {
        let rules = try Self.rules()
        #expect(rules.count >= 4)
        let labels = rules.compactMap { $0.assignments["LABEL"] }
        #expect(labels == ["openvitals_end"])
        for r in rules where r.assignments["GOTO"] != nil { #expect(labels.contains(r.assignments["GOTO"]!)) }
        for r in rules where r.assignments["GROUP"] != nil || r.assignments["MODE"] != nil {
            #expect(r.assignments["GROUP"] == "openvitals" && r.assignments["MODE"] == "0660", "never world access: \(r)")
            #expect(!r.matches.isEmpty)
        }
        // Only USB devices (not their interfaces) reach the grants.
        #expect(rules.contains { $0.matches["SUBSYSTEM!="] == "usb" && $0.assignments["GOTO"] == "openvitals_end" })
        #expect(rules.contains { $0.matches["ENV{DEVTYPE}!="] == "usb_device" && $0.assignments["GOTO"] == "openvitals_end" })
    }

    @Test func theUdevRulesCoverEveryUSBProfile() throws {
        let rules = try Self.rules().filter { $0.assignments["GROUP"] == "openvitals" }
        // Any PHDC interface (class 0x0f).
        #expect(rules.contains { $0.matches["ENV{ID_USB_INTERFACES}=="] == "*:0f????:*" })
        let catalogue = try ProfileCatalogue.load(directory: repoRoot.appendingPathComponent("device-profiles"))
        let usb = catalogue.profiles.filter { $0.recognise.usbVendorID != nil }
        #expect(usb.count >= 12)
        for p in usb {
            let vendor = try #require(p.recognise.usbVendorID).lowercased().replacingOccurrences(of: "0x", with: "")
            let product = p.recognise.usbProductID.map { $0.lowercased().replacingOccurrences(of: "0x", with: "") }
            let covered = rules.contains { r in
                r.matches["ATTR{idVendor}=="] == vendor && (r.matches["ATTR{idProduct}=="] == nil || r.matches["ATTR{idProduct}=="] == product)
            } || (p.recognise.usbInterfaceClass == 15 && product == nil)
            #expect(covered, "\(p.id) (\(vendor):\(product ?? "*")) has no udev rule")
        }
        // sysfs writes ids in lower-case hex, and udev compares them as written.
        for r in rules {
            for key in ["ATTR{idVendor}==", "ATTR{idProduct}=="] {
                if let v = r.matches[key] { #expect(v == v.lowercased() && v.count == 4 && UInt16(v, radix: 16) != nil, "\(key)\(v)") }
            }
        }
    }
}
