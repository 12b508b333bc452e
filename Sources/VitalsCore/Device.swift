/// How the hub reaches a device.
public enum TransportKind: String, Hashable, Sendable, Codable, CaseIterable {
    case ble
    case usb
    /// A firmware-sim device over the simulator link, speaking BLE.
    case simBLE = "sim-ble"
    /// A firmware-sim device over the simulator link, speaking USB.
    case simUSB = "sim-usb"
}

/// A stable identity for one physical (or simulated) device: transport plus address or serial.
public struct DeviceID: Hashable, Sendable, Codable, CustomStringConvertible, Comparable {
    public var rawValue: String

    public init(rawValue: String) { self.rawValue = rawValue }

    public init(transport: TransportKind, address: String) {
        self.rawValue = "\(transport.rawValue):\(address.uppercased())"
    }

    public var description: String { rawValue }
    public static func < (a: DeviceID, b: DeviceID) -> Bool { a.rawValue < b.rawValue }

    public init(from decoder: any Decoder) throws { rawValue = try decoder.singleValueContainer().decode(String.self) }
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(rawValue)
    }
}

/// What the hub knows about a device when a reading arrives.
public struct DeviceIdentity: Hashable, Sendable, Codable {
    public var id: DeviceID
    public var transport: TransportKind
    /// BLE address (`AA:BB:CC:DD:EE:FF`) or USB bus path / serial.
    public var address: String
    /// The device-profile that matched, if any.
    public var profileID: String?
    public var manufacturer: String?
    public var model: String?
    public var serial: String?

    public init(
        transport: TransportKind, address: String, profileID: String?, manufacturer: String? = nil,
        model: String? = nil, serial: String? = nil
    ) {
        self.id = DeviceID(transport: transport, address: address)
        self.transport = transport
        self.address = address.uppercased()
        self.profileID = profileID
        self.manufacturer = manufacturer
        self.model = model
        self.serial = serial
    }
}

/// How far a device's readings can be trusted, from what is publicly known about the model.
public enum DeviceGrade: String, Hashable, Sendable, Codable, CaseIterable {
    /// Regulatory clearance for the measurement and a published clinical validation.
    case medical
    /// Cleared as a medical device but no published validation to the relevant standard.
    case medicalUnvalidated = "medical-unvalidated"
    /// A consumer or wellness product.
    case consumer
    /// Nothing is known: the default for any device without a profile. Never medical.
    case unverified

    /// Whether readings from this grade may raise clinical alerts above advisory.
    public var isMedical: Bool { self == .medical }
}

/// The person a reading belongs to.
public struct SubjectID: Hashable, Sendable, Codable, CustomStringConvertible {
    public var rawValue: String
    public init(_ rawValue: String) { self.rawValue = rawValue }
    public var description: String { rawValue }

    public init(from decoder: any Decoder) throws { rawValue = try decoder.singleValueContainer().decode(String.self) }
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(rawValue)
    }
}
