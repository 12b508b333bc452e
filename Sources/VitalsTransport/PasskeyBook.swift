import Foundation
#if canImport(Glibc)
import Glibc
#endif
import VitalsWire

/// The fixed PINs (six-digit passkeys) of devices that pair with passkey entry, by device address.
///
/// A passkey is a secret: this type never prints one (its description names only the addresses), parse
/// errors do not repeat it, and a passkey file must be readable by its owner only (0600 or stricter).
public struct PasskeyBook: Sendable, Equatable, CustomStringConvertible {
    var entries: [BLEAddress: UInt32] = [:]

    public init() {}

    public var isEmpty: Bool { entries.isEmpty }
    public var devices: [BLEAddress] { entries.keys.sorted { $0.bytes.lexicographicallyPrecedes($1.bytes) } }
    public var description: String { "passkeys for \(devices.map(\.description).joined(separator: ", "))" }

    public func passkey(for device: BLEAddress) -> UInt32? { entries[device] }

    public struct BookError: Error, CustomStringConvertible {
        public var description: String
    }

    /// Adds one `ADDRESS=PIN` entry (the PIN: 1 to 6 decimal digits, as the device's label or manual gives it;
    /// `000123` is 123).
    public mutating func add(_ entry: String) throws(BookError) {
        guard let eq = entry.firstIndex(of: "=") else {
            throw BookError(description: "a passkey entry is ADDRESS=PIN (a device address, =, up to six digits); this one has no '='")
        }
        let addressText = entry[..<eq].trimmingCharacters(in: .whitespaces)
        let pin = entry[entry.index(after: eq)...].trimmingCharacters(in: .whitespaces)
        guard let address = BLEAddress(string: addressText.uppercased()) else {
            throw BookError(description: "'\(addressText)' is not a device address like 00:AA:01:00:00:01")
        }
        guard (1...6).contains(pin.count), pin.allSatisfy({ $0.isASCII && $0.isNumber }), let value = UInt32(pin) else {
            throw BookError(description: "the passkey for \(address) is not 1 to 6 decimal digits")
        }
        entries[address] = value
    }

    /// Reads `ADDRESS=PIN` lines (blank lines and lines starting with `#` are skipped) from a file that only
    /// its owner may read or write; a file open to group or others is refused, naming its mode.
    public mutating func load(path: String) throws(BookError) {
        var st = stat()
        guard stat(path, &st) == 0 else {
            throw BookError(description: "passkey file \(path): \(String(cString: strerror(errno)))")
        }
        guard st.st_mode & 0o077 == 0 else {
            throw BookError(description: "passkey file \(path) is open to other users (mode \(String(st.st_mode & 0o777, radix: 8))): passkeys are secrets, chmod 600 it")
        }
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw BookError(description: "passkey file \(path) cannot be read as UTF-8 text")
        }
        for (n, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            do { try add(line) } catch {
                throw BookError(description: "passkey file \(path) line \(n + 1): \(error.description)")
            }
        }
    }
}
