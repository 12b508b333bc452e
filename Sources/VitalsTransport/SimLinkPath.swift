import Foundation

/// Where the simulator link socket lives when none is given.
public enum SimLinkPath {
    /// `$XDG_RUNTIME_DIR/openvitals-sim.sock`, else a per-user path in /tmp.
    public static var defaultPath: String {
        if let dir = ProcessInfo.processInfo.environment["XDG_RUNTIME_DIR"], !dir.isEmpty {
            return dir + "/openvitals-sim.sock"
        }
        return "/tmp/openvitals-sim-\(getuid()).sock"
    }
}
