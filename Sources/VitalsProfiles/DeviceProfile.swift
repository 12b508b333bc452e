import Foundation
import VitalsCore
import VitalsWire

/// One device model, as described by a file in `device-profiles/`.
public struct DeviceProfile: Hashable, Sendable, Codable {
    public enum Kind: String, Hashable, Sendable, Codable, CaseIterable {
        case bloodPressureMonitor = "blood-pressure-monitor"
        case glucoseMeter = "glucose-meter"
        case continuousGlucoseMonitor = "cgm"
        case ecg
        case pulseOximeter = "pulse-oximeter"
        case heartRateMonitor = "heart-rate-monitor"
        case thermometer
        case weighingScale = "weighing-scale"
    }

    public enum Site: String, Hashable, Sendable, Codable, CaseIterable {
        case upperArm = "upper-arm"
        case wrist
        case finger
        case chest
        case abdomen
        case arm
        case other
    }

    public enum IntendedUse: String, Hashable, Sendable, Codable, CaseIterable {
        case professional
        case home
        case wellness
    }

    /// How to recognise the device before connecting.
    public struct Recognition: Hashable, Sendable, Codable {
        /// BLE service UUIDs the device advertises (all must be present).
        public var serviceUUIDs: [String]?
        /// A regular expression the advertised local name must match.
        public var namePattern: String?
        /// USB vendor and product id, hex (`"0x0590"`).
        public var usbVendorID: String?
        public var usbProductID: String?
        /// USB interface class, e.g. 15 (0x0F, Personal Healthcare).
        public var usbInterfaceClass: Int?
        /// BLE, after connecting: a regular expression the Device Information Model Number String (0x2A24) must
        /// match. A profile with it is never chosen from an advertisement alone, only by
        /// `ProfileCatalogue.refine` once the device has said what it is.
        public var modelNumberPattern: String?
        /// BLE, after connecting: a regular expression the Manufacturer Name String (0x2A29) must match.
        public var manufacturerNamePattern: String?

        /// Whether the profile asks what the device says about itself after connecting (Device Information).
        public var needsDeviceInformation: Bool { modelNumberPattern != nil || manufacturerNamePattern != nil }
    }

    /// A fact with the public source it comes from.
    public struct Evidence: Hashable, Sendable, Codable {
        /// What kind of fact: `fda-510k`, `eu-mdr`, `iso-81060-2`, `esh-ip`, `iso-15197`, `validated-device-listing` …
        public var type: String
        public var reference: String
        public var source: String
    }

    public var id: String
    public var manufacturer: String
    public var model: String
    public var kind: Kind
    public var transport: TransportKind
    public var recognise: Recognition
    /// The protocol the driver speaks, e.g. `bls`, `gls`; `unsupported` for a device whose link is proprietary
    /// and undocumented (the profile documents the model and its grade; no driver talks to it).
    public var `protocol`: String
    public var site: Site
    public var intendedUse: IntendedUse
    /// A firmware-sim device standing in for a model of the declared grade.
    public var simulated: Bool?
    /// Only simulated profiles declare their grade; real ones derive it from `regulatory` and `validation`.
    public var declaredGrade: DeviceGrade?
    public var regulatory: [Evidence]?
    public var validation: [Evidence]?
    public var quirks: [String]?
    public var notes: String?
    /// CGM: minutes after a sensor session starts during which its values are not reliable (the
    /// manufacturer's warm-up). Records from that time are flagged `cgm.warm-up`.
    public var warmUpMinutes: Int?

    /// The `protocol` value of a profile that only documents a device: it is recognised but never connected.
    public static let unsupportedProtocol = "unsupported"

    /// Whether a driver may connect to the device. False for `"protocol": "unsupported"`.
    public var isSupported: Bool { self.protocol != Self.unsupportedProtocol }

    /// The grade, by the documented rule (docs/ARCHITECTURE.md, "Device grade").
    public var grade: DeviceGrade {
        if simulated == true, let declaredGrade { return declaredGrade }
        if intendedUse == .wellness { return .consumer }
        let cleared = !(regulatory ?? []).isEmpty
        let validated = !(validation ?? []).isEmpty
        switch (cleared, validated) {
        case (true, true): return .medical
        case (true, false): return .medicalUnvalidated
        default: return .unverified
        }
    }
}

/// A profile file that could not be loaded: which file, which field, and why.
public struct ProfileError: Error, Hashable, Sendable, CustomStringConvertible {
    public var file: String
    public var field: String
    public var reason: String
    public var description: String { "\(file): \(field): \(reason)" }
}
