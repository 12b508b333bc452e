import Foundation
#if canImport(Glibc)
import Glibc
#endif
import VitalsWire

/// The Long Term Keys and Identity Resolving Keys of bonded devices, per adapter, in a JSON file readable
/// only by its owner (0600).
///
/// Schema: `{"adapters": {ADAPTER: [LTK…]}, "identityKeys": {ADAPTER: [IRK…]}}`. `identityKeys` came later:
/// a file without it loads, with no IRKs.
public struct BondKeyFile: Sendable {
    public let url: URL

    public init(url: URL) { self.url = url }

    struct Contents: Codable {
        /// Adapter address → Long Term Keys.
        var adapters: [String: [MgmtLongTermKey]] = [:]
        /// Adapter address → Identity Resolving Keys.
        var identityKeys: [String: [MgmtIdentityResolvingKey]] = [:]

        init() {}

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            adapters = try c.decodeIfPresent([String: [MgmtLongTermKey]].self, forKey: .adapters) ?? [:]
            identityKeys = try c.decodeIfPresent([String: [MgmtIdentityResolvingKey]].self, forKey: .identityKeys) ?? [:]
        }
    }

    public struct KeyFileError: Error, CustomStringConvertible {
        public var description: String
    }

    func read() throws -> Contents {
        guard FileManager.default.fileExists(atPath: url.path) else { return Contents() }
        do {
            return try JSONDecoder().decode(Contents.self, from: Data(contentsOf: url))
        } catch {
            throw KeyFileError(description: "bond key file \(url.path): \(error)")
        }
    }

    public func keys(adapter: BLEAddress) throws -> [MgmtLongTermKey] {
        try read().adapters[adapter.description] ?? []
    }

    public func identityKeys(adapter: BLEAddress) throws -> [MgmtIdentityResolvingKey] {
        try read().identityKeys[adapter.description] ?? []
    }

    /// Adds `key`, replacing an older key for the same device and role; written atomically and durably
    /// (a new 0600 file, fsync, rename, directory fsync), so the key is never readable by others, not even
    /// for a moment. A damaged file is set aside (`.damaged`) and a new one begun: those devices pair again.
    public func store(_ key: MgmtLongTermKey, adapter: BLEAddress) throws {
        try update { contents in
            var list = contents.adapters[adapter.description] ?? []
            list.removeAll { $0.device == key.device && $0.central == key.central }
            list.append(key)
            contents.adapters[adapter.description] = list
        }
    }

    /// Adds an Identity Resolving Key, replacing an older one for the same identity; written as `store(_:adapter:)`.
    public func store(_ key: MgmtIdentityResolvingKey, adapter: BLEAddress) throws {
        try update { contents in
            var list = contents.identityKeys[adapter.description] ?? []
            list.removeAll { $0.device == key.device }
            list.append(key)
            contents.identityKeys[adapter.description] = list
        }
    }

    func update(_ change: (inout Contents) -> Void) throws {
        var contents: Contents
        do { contents = try read() } catch {
            _ = rename(url.path, url.path + ".damaged")
            contents = Contents()
        }
        change(&contents)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let data = try encoder.encode(contents)
        let tmp = url.path + ".tmp"
        _ = unlink(tmp)  // a leftover from a crash
        let fd = open(tmp, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw KeyFileError(description: "cannot create \(tmp): \(String(cString: strerror(errno)))") }
        // The umask cannot widen 0600, but make sure of the mode before any secret is written.
        guard fchmod(fd, 0o600) == 0 else {
            let e = errno
            close(fd)
            _ = unlink(tmp)
            throw KeyFileError(description: "cannot make \(tmp) private: \(String(cString: strerror(e)))")
        }
        let bytes = [UInt8](data)
        var written = 0
        while written < bytes.count {
            let n = bytes[written...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else {
                let e = errno
                close(fd)
                _ = unlink(tmp)
                throw KeyFileError(description: "cannot write \(tmp): \(String(cString: strerror(e)))")
            }
            written += n
        }
        guard fsync(fd) == 0, close(fd) == 0 else {
            _ = unlink(tmp)
            throw KeyFileError(description: "cannot flush \(tmp): \(String(cString: strerror(errno)))")
        }
        guard rename(tmp, url.path) == 0 else {
            throw KeyFileError(description: "cannot replace \(url.path): \(String(cString: strerror(errno)))")
        }
        let dir = open(url.deletingLastPathComponent().path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if dir >= 0 {
            _ = fsync(dir)
            close(dir)
        }
    }
}
