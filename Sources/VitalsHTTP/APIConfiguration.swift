import Foundation

/// Where the API listens and the bearer token it demands.
///
/// The rule: on a loopback address (127.0.0.0/8, ::1, localhost) a token is optional; on any other address it
/// is required, and `validate()` refuses to start without one. When a token is configured it is enforced on
/// every request except `GET /healthz`, whatever the address.
public struct APIConfiguration: Sendable {
    public var host: String
    public var port: Int
    public var token: APIToken?

    public init(host: String = "127.0.0.1", port: Int = 8080, token: APIToken? = nil) {
        self.host = host
        self.port = port
        self.token = token
    }

    /// Whether `host` names only this machine: an IPv4 address in 127.0.0.0/8, `::1`, or `localhost`.
    /// Anything else, including `0.0.0.0`, `::` and other host names, is reachable from elsewhere.
    public static func isLoopback(_ host: String) -> Bool {
        let h = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        if h.lowercased() == "localhost" { return true }
        var v4 = in_addr()
        if inet_pton(AF_INET, h, &v4) == 1 { return UInt32(bigEndian: v4.s_addr) >> 24 == 127 }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, h, &v6) == 1 {
            return withUnsafeBytes(of: &v6) { b in b.prefix(15).allSatisfy { $0 == 0 } && b[15] == 1 }
        }
        return false
    }

    public var isLoopback: Bool { Self.isLoopback(host) }

    /// Refuses a configuration that would serve patient data beyond this machine without a token.
    public func validate() throws(APIConfigurationError) {
        guard (0...65_535).contains(port) else { throw APIConfigurationError("port \(port) is not 0–65535") }
        guard !host.isEmpty else { throw APIConfigurationError("the bind host is empty") }
        if !isLoopback && token == nil {
            throw APIConfigurationError(
                "refusing to listen on \(host): it is not a loopback address, so an API token is required (--token-file FILE, mode 0600, or $\(APIToken.environmentVariable))")
        }
    }
}

/// A configuration the API refuses to start with, or a token it cannot use.
public struct APIConfigurationError: Error, CustomStringConvertible, Sendable, Equatable {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// The shared secret clients present as `Authorization: Bearer <token>`.
public struct APIToken: Sendable {
    /// The environment variable a token can come from when no token file is given.
    public static let environmentVariable = "VITALS_API_TOKEN"
    /// Shorter secrets are refused: a token guards patient data.
    public static let minimumLength = 16

    let bytes: [UInt8]

    /// A token from its text (surrounding white space, such as a file's final newline, is dropped).
    public init(_ text: String) throws(APIConfigurationError) {
        let t = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard t.utf8.count >= Self.minimumLength else {
            throw APIConfigurationError("the API token is \(t.utf8.count) characters; at least \(Self.minimumLength) are required")
        }
        guard t.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value < 0x7F }) else {
            throw APIConfigurationError("the API token must be printable ASCII without spaces")
        }
        bytes = Array(t.utf8)
    }

    /// Reads a token file, which must be a regular file that only its owner can read (mode 0600 or 0400).
    public static func load(file path: String) throws(APIConfigurationError) -> APIToken {
        var st = stat()
        guard stat(path, &st) == 0 else { throw APIConfigurationError("cannot read the token file \(path): \(String(cString: strerror(errno)))") }
        guard st.st_mode & 0o170000 == 0o100000 else { throw APIConfigurationError("the token file \(path) is not a regular file") }
        guard st.st_mode & 0o077 == 0 else {
            throw APIConfigurationError("the token file \(path) has mode \(String(st.st_mode & 0o777, radix: 8)); it must be readable by its owner only (chmod 600)")
        }
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw APIConfigurationError("cannot read the token file \(path)")
        }
        return try APIToken(text)
    }

    /// The token from `file` when given, else from `$VITALS_API_TOKEN` when set and not empty, else none.
    public static func resolve(file: String?, environment: [String: String]) throws(APIConfigurationError) -> APIToken? {
        if let file { return try load(file: file) }
        if let text = environment[environmentVariable], !text.isEmpty { return try APIToken(text) }
        return nil
    }

    /// Compares a presented token with this one in time that depends only on this token's length.
    public func matches(_ presented: some StringProtocol) -> Bool { Self.constantTimeEqual(bytes, Array(presented.utf8)) }

    /// Whether `presented` is Nightscout's `api-secret` for this token: the SHA-1 of it in hex (either case),
    /// compared in constant time.
    public func matchesNightscoutSecret(_ presented: some StringProtocol) -> Bool {
        Self.constantTimeEqual(Array(Nightscout.apiSecret(String(decoding: bytes, as: UTF8.self)).utf8), Array(presented.lowercased().utf8))
    }

    /// Whether `presented` equals `expected`, in time that depends only on `expected`'s length.
    static func constantTimeEqual(_ expected: [UInt8], _ presented: [UInt8]) -> Bool {
        var diff = UInt8(truncatingIfNeeded: presented.count ^ expected.count) | (presented.count == expected.count ? 0 : 1)
        for i in expected.indices { diff |= expected[i] ^ (i < presented.count ? presented[i] : 0) }
        return diff == 0
    }
}
