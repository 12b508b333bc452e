import Foundation
import VitalsWire

/// Whether bluetoothd manages an adapter, so that the hub's pairing agent must stay off it: Load Long Term
/// Keys and Load Identity Resolving Keys replace the adapter's whole list, bluetoothd's bonds included, and
/// two agents would answer the same pairing requests.
///
/// bluetoothd takes every controller the kernel's management interface reports, unless `MaxControllers`
/// (BlueZ 5.64 and later, `[General]` in main.conf) limits how many it takes; there is no per-adapter
/// exclusion. The check is a heuristic over what the host shows, without D-Bus:
/// 1. no process named `bluetoothd` in `/proc/*/comm`: not managed;
/// 2. bluetoothd runs and keeps state for the adapter (`/var/lib/bluetooth/<adapter address>/`): managed
///    (or once managed: a stale directory from before a `MaxControllers` split gives a false alarm);
/// 3. bluetoothd runs and main.conf sets no `MaxControllers` (or 0): it manages every adapter, so managed;
/// 4. otherwise (a `MaxControllers` limit and no state for this adapter): taken as not managed.
public struct BluetoothdCheck: Sendable {
    public var procRoot: String
    public var stateRoot: String
    public var configPath: String

    public init(procRoot: String = "/proc", stateRoot: String = "/var/lib/bluetooth", configPath: String = "/etc/bluetooth/main.conf") {
        self.procRoot = procRoot
        self.stateRoot = stateRoot
        self.configPath = configPath
    }

    public enum Verdict: Equatable, Sendable {
        case notRunning
        /// bluetoothd runs; `reason` says why it is taken to manage the adapter.
        case manages(pid: Int, reason: String)
        /// bluetoothd runs, limited to `maxControllers`, with no state for this adapter.
        case limitedElsewhere(pid: Int, maxControllers: Int)
    }

    public func verdict(adapter: BLEAddress) -> Verdict {
        guard let pid = bluetoothdPID() else { return .notRunning }
        let state = "\(stateRoot)/\(adapter.description)"
        // bluetoothd's state folder is normally root's alone (0700): a hub running as its own user cannot look
        // inside, and "cannot see it" must not read as "bluetoothd keeps nothing for this adapter".
        if FileManager.default.fileExists(atPath: stateRoot), !FileManager.default.isReadableFile(atPath: stateRoot)
            || !FileManager.default.isExecutableFile(atPath: stateRoot) {
            return .manages(pid: pid, reason: "\(stateRoot) cannot be read by this user, so whether bluetoothd keeps this adapter is unknown")
        }
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: state, isDirectory: &isDirectory), isDirectory.boolValue {
            return .manages(pid: pid, reason: "it keeps state for this adapter in \(state)")
        }
        let limit = maxControllers()
        guard let limit, limit > 0 else {
            return .manages(pid: pid, reason: "\(configPath) sets no MaxControllers, so it takes every adapter")
        }
        return .limitedElsewhere(pid: pid, maxControllers: limit)
    }

    /// The pid of a process whose `comm` is `bluetoothd`.
    func bluetoothdPID() -> Int? {
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: procRoot) else { return nil }
        for entry in entries {
            guard let pid = Int(entry),
                  let data = FileManager.default.contents(atPath: "\(procRoot)/\(entry)/comm"),
                  String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines) == "bluetoothd"
            else { continue }
            return pid
        }
        return nil
    }

    /// `MaxControllers` from main.conf's `[General]` section, if set.
    func maxControllers() -> Int? {
        guard let data = FileManager.default.contents(atPath: configPath) else { return nil }
        var section = ""
        for raw in String(decoding: data, as: UTF8.self).split(separator: "\n") {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.hasPrefix("#") || line.hasPrefix(";") || line.isEmpty { continue }
            if line.hasPrefix("[") { section = line; continue }
            guard section == "[General]", let eq = line.firstIndex(of: "=") else { continue }
            if line[..<eq].trimmingCharacters(in: .whitespaces) == "MaxControllers" {
                return Int(line[line.index(after: eq)...].trimmingCharacters(in: .whitespaces))
            }
        }
        return nil
    }
}
