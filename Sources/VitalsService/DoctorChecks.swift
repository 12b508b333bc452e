import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// One line of `vitals doctor`: what was checked, how it stands, and what to do about it.
public struct Finding: Sendable, Equatable, CustomStringConvertible {
    public enum Status: String, Sendable, Comparable {
        case ok, warn, fail
        var rank: Int { self == .ok ? 0 : self == .warn ? 1 : 2 }
        public static func < (a: Status, b: Status) -> Bool { a.rank < b.rank }
    }

    public var status: Status
    /// What was checked (`database`, `token file`, …).
    public var subject: String
    public var detail: String
    /// What to do, for warn and fail.
    public var fix: String?

    public init(_ status: Status, _ subject: String, _ detail: String, fix: String? = nil) {
        (self.status, self.subject, self.detail, self.fix) = (status, subject, detail, fix)
    }

    public var description: String {
        "\(status.rawValue.padding(toLength: 5, withPad: " ", startingAt: 0))\(subject): \(detail)\(fix.map { " — \($0)" } ?? "")"
    }
}

/// The checks behind `vitals doctor` for a hub run as a service. Each takes what it looks at as arguments
/// (paths, the text of /proc/self/status, a probe for opening a device), so it can be tested on made-up cases.
public enum ServiceChecks {
    /// The udev rules file `packaging/60-openvitals.rules` installs.
    public static let udevRulesName = "60-openvitals.rules"
    /// Where udev reads rules from, the administrator's first.
    public static let udevRuleDirectories = ["/etc/udev/rules.d", "/run/udev/rules.d", "/usr/lib/udev/rules.d", "/lib/udev/rules.d"]

    /// CAP_NET_ADMIN and CAP_NET_RAW, bits 12 and 13 of the capability sets (linux/capability.h).
    public static let capNetAdmin = 12
    public static let capNetRaw = 13

    /// The configuration file parses and passes every check.
    public static func configuration(path: String) -> (Finding, HubConfiguration?) {
        do {
            let c = try HubConfiguration.load(path: path)
            return (Finding(.ok, "config", "\(path) parses; every key known"), c)
        } catch {
            return (Finding(.fail, "config", "\(error)", fix: "correct the file (packaging/vitals.toml documents every key)"), nil)
        }
    }

    /// A file that holds patient data or a secret: it must be a regular file, mode 0600 (or narrower), owned by
    /// the user the hub runs as. `required`: its absence is a failure, not a note.
    public static func privateFile(_ path: String, what: String, required: Bool, uid: uid_t = geteuid()) -> Finding {
        var st = stat()
        guard lstat(path, &st) == 0 else {
            return required
                ? Finding(.fail, what, "\(path) does not exist", fix: "create it (mode 0600) or correct the path")
                : Finding(.ok, what, "\(path) not there yet (created 0600 when first needed)")
        }
        guard st.st_mode & S_IFMT == S_IFREG else {
            return Finding(.fail, what, "\(path) is not a regular file", fix: "replace it with a regular file, mode 0600")
        }
        let mode = st.st_mode & 0o777
        let octal = String(mode, radix: 8)
        if mode & 0o077 != 0 {
            return Finding(.fail, what, "\(path) is mode \(octal): others can read it", fix: "chmod 600 \(path)")
        }
        if st.st_uid != uid {
            return Finding(.fail, what, "\(path) is owned by uid \(st.st_uid), the hub runs as uid \(uid)",
                           fix: "chown the file to the hub's user (openvitals when run as the service)")
        }
        return Finding(.ok, what, "\(path) mode \(octal), owned by uid \(uid)")
    }

    /// The database and the -wal and -shm files SQLite keeps beside it. A database not made yet is a warning:
    /// `vitals run` creates it (0600) when it first starts.
    public static func database(_ path: String, uid: uid_t = geteuid()) -> [Finding] {
        guard FileManager.default.fileExists(atPath: path) else {
            return [Finding(.warn, "database", "\(path) does not exist yet", fix: "vitals run creates it (mode 0600) at its first start; check again after it")]
        }
        var out = [privateFile(path, what: "database", required: true, uid: uid)]
        for suffix in ["-wal", "-shm"] where FileManager.default.fileExists(atPath: path + suffix) {
            out.append(privateFile(path + suffix, what: "database \(suffix)", required: false, uid: uid))
        }
        return out
    }

    /// Readings and blocks an uplink's server refuses for good (`uplink_parked`): the uplink went on without them,
    /// and they stay on the hub until someone sees to them. Each entry as its target and the server's status line.
    public static func parkedUplinkEntries(_ entries: [(target: String, reason: String)]) -> Finding {
        guard !entries.isEmpty else { return Finding(.ok, "uplink", "no entries refused for good by an uplink's server") }
        let byTarget = Dictionary(grouping: entries, by: \.target).sorted { $0.key < $1.key }.map { target, list in
            "\(list.count) at \(target) (\(Set(list.map(\.reason)).sorted().joined(separator: "; ")))"
        }
        return Finding(.warn, "uplink", "\(entries.count) readings or blocks refused for good, kept on the hub and not sent again: \(byTarget.joined(separator: ", "))",
                       fix: "run the hub with --log-level debug to see the server's own reasons, correct the cause; the entries stay until then")
    }

    /// The directory the database lives in: nobody but its owner may list or enter it.
    public static func stateDirectory(_ path: String) -> Finding {
        var st = stat()
        guard stat(path, &st) == 0 else {
            return Finding(.warn, "state directory", "\(path) does not exist yet",
                           fix: "systemd creates /var/lib/openvitals (StateDirectory=) when the service starts; by hand: mkdir -m 700 \(path)")
        }
        let mode = st.st_mode & 0o777
        if mode & 0o002 != 0 {
            return Finding(.fail, "state directory", "\(path) is mode \(String(mode, radix: 8)): anyone can write to it", fix: "chmod 700 \(path)")
        }
        if mode & 0o007 != 0 {
            return Finding(.warn, "state directory", "\(path) is mode \(String(mode, radix: 8)): others can list it", fix: "chmod 700 \(path)")
        }
        return Finding(.ok, "state directory", "\(path) mode \(String(mode, radix: 8))")
    }

    /// Whether the udev rules are installed in one of `directories`.
    public static func udevRules(directories: [String] = udevRuleDirectories) -> Finding {
        for d in directories {
            let p = (d as NSString).appendingPathComponent(udevRulesName)
            if FileManager.default.fileExists(atPath: p) { return Finding(.ok, "udev rules", "\(p) installed") }
        }
        return Finding(.warn, "udev rules", "\(udevRulesName) not found in \(directories.joined(separator: ", "))",
                       fix: "install packaging/\(udevRulesName) to /etc/udev/rules.d and run 'udevadm control --reload && udevadm trigger' (without it USB meters need root)")
    }

    /// USB devices with a PHDC interface or a known meter's ids: can this process open their device nodes?
    /// `canOpen` tries one (read and write); `devices` are (description, /dev/bus/usb/BBB/DDD).
    public static func usbAccess(_ devices: [(name: String, node: String)], canOpen: (String) -> Bool) -> [Finding] {
        if devices.isEmpty { return [Finding(.ok, "usb access", "no PHDC device or known meter attached")] }
        return devices.map { d in
            canOpen(d.node)
                ? Finding(.ok, "usb access", "\(d.name) at \(d.node) can be opened")
                : Finding(.fail, "usb access", "\(d.name) at \(d.node) cannot be opened by this user",
                          fix: "install the udev rules and add the hub's user to group openvitals (then replug the device)")
        }
    }

    /// Whether `path` can be opened for reading and writing by this process.
    public static func canOpenReadWrite(_ path: String) -> Bool {
        let fd = open(path, O_RDWR | O_CLOEXEC)
        guard fd >= 0 else { return false }
        close(fd)
        return true
    }

    /// The effective capabilities (`CapEff` of /proc/self/status). `needed`: whether the configuration uses the
    /// host's Bluetooth adapter, which needs CAP_NET_RAW and CAP_NET_ADMIN.
    public static func capabilities(status: String, needed: Bool) -> Finding {
        guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix("CapEff:") }),
              let bits = UInt64(line.dropFirst("CapEff:".count).trimmingCharacters(in: .whitespaces), radix: 16) else {
            return Finding(.warn, "capabilities", "CapEff not found in /proc/self/status")
        }
        let admin = bits & (1 << UInt64(capNetAdmin)) != 0
        let raw = bits & (1 << UInt64(capNetRaw)) != 0
        let others = bits & ~(UInt64(1) << UInt64(capNetAdmin) | UInt64(1) << UInt64(capNetRaw))
        let have = [admin ? "CAP_NET_ADMIN" : nil, raw ? "CAP_NET_RAW" : nil].compactMap { $0 }
        let haveText = have.isEmpty ? "neither CAP_NET_ADMIN nor CAP_NET_RAW" : have.joined(separator: " and ")
        if needed && !(admin && raw) {
            return Finding(.fail, "capabilities", "Bluetooth needs CAP_NET_RAW and CAP_NET_ADMIN; this process has \(haveText)",
                           fix: "run as the service (AmbientCapabilities in packaging/openvitals.service) or grant them: setcap cap_net_raw,cap_net_admin+ep vitals")
        }
        if others != 0 {
            return Finding(.warn, "capabilities", "\(haveText) and more (CapEff \(String(bits, radix: 16))): running as root?",
                           fix: "run the hub as the service's user with only CAP_NET_RAW and CAP_NET_ADMIN")
        }
        return Finding(.ok, "capabilities", needed ? haveText : "\(haveText) (no Bluetooth configured: none needed)")
    }

    /// The worst status among the findings: what `vitals doctor` exits on.
    public static func worst(_ findings: [Finding]) -> Finding.Status { findings.map(\.status).max() ?? .ok }
}
