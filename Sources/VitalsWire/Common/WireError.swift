/// A decode failure that says which entity, which field and at which byte offset.
///
/// Open to new reasons without breaking callers: `Reason` is a struct with static members.
public struct WireError: Error, Hashable, Sendable, CustomStringConvertible {
    public struct Reason: Hashable, Sendable, CustomStringConvertible {
        fileprivate enum Base: Hashable, Sendable {
            case truncated(needed: Int, available: Int)
            case invalidValue(String)
            case trailingBytes(Int)
        }
        fileprivate var base: Base

        /// The field needs `needed` bytes but only `available` remain.
        public static func truncated(needed: Int, available: Int) -> Reason {
            Reason(base: .truncated(needed: needed, available: available))
        }
        /// The bytes are there but their value is not allowed here.
        public static func invalidValue(_ why: String) -> Reason { Reason(base: .invalidValue(why)) }
        /// Bytes were left over after the last field.
        public static func trailingBytes(_ count: Int) -> Reason { Reason(base: .trailingBytes(count)) }

        public var isTruncation: Bool {
            if case .truncated = base { return true }
            return false
        }

        public var description: String {
            switch base {
            case .truncated(let needed, let available):
                "truncated: needs \(needed) byte\(needed == 1 ? "" : "s"), \(available) left"
            case .invalidValue(let why): "invalid value: \(why)"
            case .trailingBytes(let n): "\(n) unexpected trailing byte\(n == 1 ? "" : "s")"
            }
        }
    }

    /// The specification entity being decoded, e.g. `Blood Pressure Measurement (0x2A35)`.
    public var entity: String
    /// The field, named as in the specification.
    public var field: String
    /// Byte offset of the field from the start of the value.
    public var offset: Int
    public var reason: Reason

    public init(entity: String, field: String, offset: Int, reason: Reason) {
        self.entity = entity
        self.field = field
        self.offset = offset
        self.reason = reason
    }

    public var description: String { "\(entity): field '\(field)' at byte offset \(offset): \(reason)" }
}
