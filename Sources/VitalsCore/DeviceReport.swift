import Foundation

/// What a device said about itself on the connection a reading came over. Drivers and mappers record it;
/// `ReadingValidator` (VitalsValidation) judges it: clock drift, unchecked cuff conditions, certification.
/// It is not stored: the flags the validator derives from it are.
public struct DeviceReport: Hashable, Sendable, Codable {
    /// How far the device clock was ahead of the hub's (seconds), measured at this connection, when the
    /// reading's time came from that clock. The effective time is already corrected by it.
    public var clockOffset: TimeInterval?
    /// Blood pressure: the measurement-status conditions the cuff says it detects (its Blood Pressure Feature)
    /// and reported on this measurement; empty when the measurement had no status; nil when the device's
    /// protocol has no such report.
    public var checkedConditions: Set<BloodPressureCheck>?
    /// IEEE 11073-20601 certified device classes (16-bit: transport code << 13 | specialization), as read.
    public var certifiedClasses: [UInt16]?
    /// The IEEE 11073-104xx specialization the device is used as (7 for 10407), when known.
    public var specialization: UInt16?

    public init(
        clockOffset: TimeInterval? = nil, checkedConditions: Set<BloodPressureCheck>? = nil, certifiedClasses: [UInt16]? = nil,
        specialization: UInt16? = nil
    ) {
        self.clockOffset = clockOffset
        self.checkedConditions = checkedConditions
        self.certifiedClasses = certifiedClasses
        self.specialization = specialization
    }
}

/// The measurement-status conditions a blood pressure monitor can detect (BLS Blood Pressure Feature).
public enum BloodPressureCheck: String, CaseIterable, Hashable, Sendable, Codable {
    case bodyMovement = "body-movement"
    case cuffFit = "cuff-fit"
    case irregularPulse = "irregular-pulse"
    case pulseRateRange = "pulse-rate-range"
    case measurementPosition = "measurement-position"
}
