/// IEEE 11073-20601 RlrqApdu (0xE400): a release request, carrying a ReleaseRequestReason uint16
/// (0 normal, 1 no-more-configurations, 2 configuration-changed).
public struct ReleaseReason: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }
    public static let normal = Self(rawValue: 0)
    public static let noMoreConfigurations = Self(rawValue: 1)
    public static let configurationChanged = Self(rawValue: 2)
    public var description: String {
        ["normal", "no-more-configurations", "configuration-changed"].indices.contains(Int(rawValue))
            ? ["normal", "no-more-configurations", "configuration-changed"][Int(rawValue)] : "reason-\(rawValue)"
    }
}

/// IEEE 11073-20601 RlreApdu (0xE500): the release response, carrying a ReleaseResponseReason uint16 with its own
/// table: 0 normal; every other value is reserved (not the request's reasons).
public struct ReleaseResponseReason: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }
    public static let normal = Self(rawValue: 0)
    public var description: String { rawValue == 0 ? "normal" : "reserved-\(rawValue)" }
}

/// IEEE 11073-20601 AbrtApdu (0xE600): abort, with a reason uint16 (0 undefined, 1 buffer-overflow,
/// 2 response-timeout, 3 configuration-timeout).
public struct AbortReason: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }
    public static let undefined = Self(rawValue: 0)
    public static let bufferOverflow = Self(rawValue: 1)
    public static let responseTimeout = Self(rawValue: 2)
    public static let configurationTimeout = Self(rawValue: 3)
    public var description: String {
        let names = ["undefined", "buffer-overflow", "response-timeout", "configuration-timeout"]
        return names.indices.contains(Int(rawValue)) ? names[Int(rawValue)] : "reason-\(rawValue)"
    }
}
