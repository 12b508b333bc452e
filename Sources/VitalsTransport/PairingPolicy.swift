import Foundation
import VitalsWire

/// What the agent does with an event: a pure function, so it is tested without a kernel.
public enum PairingPolicy {
    public enum Answer: Equatable, Sendable {
        case reply(MgmtCommand)
        case store(MgmtLongTermKey)
        case failed(MgmtAddress, status: UInt8)
        case commandFailed(UInt16, status: UInt8)
        case none
    }

    public static func answer(to event: MgmtEvent) -> Answer {
        switch event {
        case .userConfirmationRequest(let device, let hint, _):
            // Hint 1 is a plain yes/no (Just Works). Hint 0 asks a person to compare two six-digit numbers:
            // accepting that unseen would defeat the protection it gives, so it is refused.
            return .reply(hint == 1 ? .userConfirmationReply(device) : .userConfirmationNegativeReply(device))
        case .userPasskeyRequest(let device):
            return .reply(.userPasskeyNegativeReply(device))
        case .newLongTermKey(let hint, let key):
            return hint == 1 ? .store(key) : .none
        case .authenticationFailed(let device, let status):
            return .failed(device, status: status)
        case .commandComplete(let command, let status, _) where status != 0:
            return .commandFailed(command, status: status)
        case .commandStatus(let command, let status) where status != 0:
            return .commandFailed(command, status: status)
        default:
            return .none
        }
    }
}

/// The Long Term Keys of bonded devices, per adapter, in a JSON file readable only by its owner (0600).
public struct BondKeyFile: Sendable {
    public let url: URL

    public init(url: URL) { self.url = url }

    struct Contents: Codable {
        /// Adapter address → keys.
        var adapters: [String: [MgmtLongTermKey]] = [:]
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

    /// Adds `key`, replacing an older key for the same device and role; written atomically, mode 0600.
    public func store(_ key: MgmtLongTermKey, adapter: BLEAddress) throws {
        var contents = try read()
        var list = contents.adapters[adapter.description] ?? []
        list.removeAll { $0.device == key.device && $0.central == key.central }
        list.append(key)
        contents.adapters[adapter.description] = list
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let data = try encoder.encode(contents)
        let tmp = url.appendingPathExtension("tmp")
        guard FileManager.default.createFile(atPath: tmp.path, contents: data, attributes: [.posixPermissions: 0o600]) else {
            throw KeyFileError(description: "cannot write \(tmp.path)")
        }
        guard rename(tmp.path, url.path) == 0 else {
            throw KeyFileError(description: "cannot replace \(url.path): \(String(cString: strerror(errno)))")
        }
    }
}
