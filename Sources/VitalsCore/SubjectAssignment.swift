import Foundation

/// Files what a device measured under a person: by the device, its user, and when it was measured.
public protocol SubjectFiling: Sendable {
    func subject(device: DeviceID, user: UInt8?, measuredAt: Date) -> SubjectID
}

/// Which person a device's readings belong to.
///
/// A device may be assigned to a subject, and a multi-user device (a BLS cuff that files each measurement
/// under a User ID) per user. What is not assigned goes to the hub's default subject, except readings a
/// device filed under a known user: those go to `<default>/user-<N>`, one subject per user, so two people
/// sharing a cuff are never one stream (one person's normal reading must never end the other's alert).
public struct SubjectAssignment: Hashable, Sendable, SubjectFiling {
    public var defaultSubject: SubjectID
    /// Device id (as `vitals devices` prints it) → subject.
    public var devices: [String: SubjectID]
    /// `device id#user` → subject.
    public var deviceUsers: [String: SubjectID]

    /// The User ID a device sends when it does not know who measured.
    public static let unknownUser: UInt8 = 0xFF

    public init(defaultSubject: SubjectID, devices: [String: SubjectID] = [:], deviceUsers: [String: SubjectID] = [:]) {
        self.defaultSubject = defaultSubject
        self.devices = devices
        self.deviceUsers = deviceUsers
    }

    /// A home hub's assignment does not change with time.
    public func subject(device: DeviceID, user: UInt8?, measuredAt: Date) -> SubjectID { subject(device: device, user: user) }

    public func subject(device: DeviceID, user: UInt8?) -> SubjectID {
        if let user, user != Self.unknownUser {
            if let s = deviceUsers["\(device.rawValue)#\(user)"] { return s }
            return SubjectID("\((devices[device.rawValue] ?? defaultSubject).rawValue)/user-\(user)")
        }
        return devices[device.rawValue] ?? defaultSubject
    }

    public enum ParseError: Error, Equatable, CustomStringConvertible {
        case malformed(String)
        public var description: String {
            switch self {
            case .malformed(let s): "assignment '\(s)' is not DEVICE=SUBJECT or DEVICE#USER=SUBJECT (USER 0–254)"
            }
        }
    }

    /// Adds `DEVICE=SUBJECT` or `DEVICE#USER=SUBJECT` (the device id may itself contain ':' and '#'-free text).
    public mutating func add(_ text: String) throws(ParseError) {
        guard let eq = text.lastIndex(of: "="), eq != text.startIndex else { throw .malformed(text) }
        let lhs = String(text[..<eq]), subject = String(text[text.index(after: eq)...])
        guard !subject.isEmpty else { throw .malformed(text) }
        if let hash = lhs.lastIndex(of: "#") {
            let device = String(lhs[..<hash])
            guard !device.isEmpty, let user = UInt8(lhs[lhs.index(after: hash)...]), user != Self.unknownUser else { throw .malformed(text) }
            deviceUsers["\(device)#\(user)"] = SubjectID(subject)
        } else {
            devices[lhs] = SubjectID(subject)
        }
    }
}
