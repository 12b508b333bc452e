import Foundation
import VitalsCore
import VitalsWire

/// Sends the acknowledgement back to the device (an ATT Handle Value Confirmation). Called only after what
/// it acknowledges is durable.
public typealias Acknowledge = @Sendable () -> Void

/// What the driver stage hands on.
public enum IngestItem: Sendable {
    /// A decoded reading; `ack`, when present, is called once it is durable.
    case reading(Reading, ack: Acknowledge?)
    /// Bytes that could not be decoded; kept with the reason, then acknowledged.
    case rejected(device: DeviceIdentity, source: String, bytes: [UInt8], error: String, received: Date, ack: Acknowledge?)
    /// Acknowledge once everything before this item is durable (e.g. the end of a record transfer).
    case barrier(ack: Acknowledge)
    /// A device event, kept in order with the readings around it.
    case event(PipelineEvent)
    /// A block of waveform samples (ECG), stored in stream batches.
    case waveform(SampleBlock)
    /// What a device said about itself at a connection.
    /// What a device said about itself: certified classes (0x2A2A / MDS), clock offset (device − hub, s), UDI (0x2BFF).
    case deviceFacts(DeviceIdentity, certifiedClasses: [String]?, clockOffset: Double?, udi: UDIForMedicalDevices? = nil, at: Date)
}

/// What surfaces (console, live views) are told.
public enum PipelineEvent: Sendable {
    case deviceConnected(DeviceIdentity, profileName: String, grade: DeviceGrade)
    /// What the device said about itself after connecting (its Device Information model number or manufacturer)
    /// chose a more specific profile than its advertisement did: readings from now on are graded by it.
    case deviceIdentified(DeviceIdentity, profileName: String, grade: DeviceGrade)
    case deviceDisconnected(DeviceIdentity, reason: String)
    case transferComplete(DeviceIdentity, detail: String)
    /// Records received so far of those the device announced.
    case transferProgress(DeviceIdentity, received: Int, expected: Int)
    case stored(Reading)
    case duplicate(Reading)
    case rejected(DeviceIdentity, source: String, error: String)
    /// A new alert (live), or a new backfill event (historical).
    case alert(Alert)
    /// A later step of an alert: updated, escalated, acknowledged, resolved, or a backfill event's final span.
    case alertUpdate(AlertTransition)
    /// The device's clock was read at connection: how far ahead of the hub it is, and whether the hub set it.
    case deviceClock(DeviceIdentity, offsetSeconds: Double, set: Bool)
    /// A waveform block is stored.
    case waveformStored(SampleBlock)
    case scenarioEnded
}

/// Counts a run leaves behind, for summaries and tests.
public struct PipelineTotals: Sendable, Equatable {
    public var received = 0
    public var stored = 0
    public var duplicates = 0
    public var rejected = 0
    public var alerts = 0
    public var waveformSamples = 0
    public init() {}
}
