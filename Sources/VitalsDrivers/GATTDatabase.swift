import VitalsWire

/// A primary service found by discovery.
public struct GATTService: Hashable, Sendable {
    public var uuid: BluetoothUUID
    public var startHandle: UInt16
    public var endHandle: UInt16
}

/// A characteristic found by discovery, with the handle range it owns and its CCCD once found.
public struct GATTCharacteristic: Hashable, Sendable {
    public struct Properties: OptionSet, Hashable, Sendable {
        public let rawValue: UInt8
        public init(rawValue: UInt8) { self.rawValue = rawValue }
        public static let broadcast = Properties(rawValue: 0x01)
        public static let read = Properties(rawValue: 0x02)
        public static let writeWithoutResponse = Properties(rawValue: 0x04)
        public static let write = Properties(rawValue: 0x08)
        public static let notify = Properties(rawValue: 0x10)
        public static let indicate = Properties(rawValue: 0x20)
    }

    public var service: BluetoothUUID
    public var uuid: BluetoothUUID
    public var declarationHandle: UInt16
    public var valueHandle: UInt16
    public var properties: Properties
    /// Last handle that belongs to this characteristic (its descriptors lie in valueHandle+1...endHandle).
    public var endHandle: UInt16
    public var cccdHandle: UInt16?
}

/// What a protocol driver needs from the peer's GATT database.
public struct GATTRequirements: Hashable, Sendable {
    public enum Subscription: Hashable, Sendable {
        case notify
        case indicate

        /// Client Characteristic Configuration value: bit 0 notifications, bit 1 indications.
        public var cccdValue: [UInt8] { self == .notify ? [0x01, 0x00] : [0x02, 0x00] }
    }

    public struct Wanted: Hashable, Sendable {
        public var service: BluetoothUUID
        public var characteristic: BluetoothUUID
        public var subscription: Subscription?
        public var read: Bool
        public var required: Bool
        public init(service: BluetoothUUID, characteristic: BluetoothUUID, subscription: Subscription? = nil, read: Bool = false, required: Bool) {
            self.service = service
            self.characteristic = characteristic
            self.subscription = subscription
            self.read = read
            self.required = required
        }
    }

    public var wanted: [Wanted]
    public var services: [BluetoothUUID] {
        var seen: [BluetoothUUID] = []
        for w in wanted where !seen.contains(w.service) { seen.append(w.service) }
        return seen
    }
}
