import Foundation

/// A block of waveform samples in integer ADC units: `physical = (sample - baseline) / gain`.
public struct SampleBlock: Hashable, Sendable, Codable {
    public var subject: SubjectID
    public var device: DeviceIdentity
    public var lead: Metric
    /// Time of the first sample (UTC).
    public var startTime: Date
    /// Samples per second.
    public var sampleRate: Double
    /// ADC units per `unit`.
    public var gain: Double
    public var baseline: Int32
    public var unit: UCUMUnit
    public var samples: [Int32]

    public init(
        subject: SubjectID, device: DeviceIdentity, lead: Metric, startTime: Date, sampleRate: Double, gain: Double,
        baseline: Int32, unit: UCUMUnit, samples: [Int32]
    ) {
        self.subject = subject
        self.device = device
        self.lead = lead
        self.startTime = startTime
        self.sampleRate = sampleRate
        self.gain = gain
        self.baseline = baseline
        self.unit = unit
        self.samples = samples
    }

    /// Duration covered by the block, in seconds.
    public var duration: Double { Double(samples.count) / sampleRate }
}
