import Foundation
import Logging
import VitalsCore
import VitalsStore

/// What the test targets share: a logger that prints nothing, the repository and its reference data, an
/// in-memory store, and readings to feed the rules.

/// A logger that discards everything (tests assert on results, not on log lines).
public let quiet = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })

/// The repository root (this file is Tests/VitalsTestSupport/TestSupport.swift).
public let repoRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// The shared reference recordings: `../shared/data` beside the repository, as CI and every developer have it.
public enum SharedData {
    public static let directory = repoRoot.appendingPathComponent("../shared/data").standardizedFileURL

    public static func url(_ relative: String) -> URL { directory.appendingPathComponent(relative) }

    /// Whether a test that needs `relative` runs: when the file is there, and always in CI (`CI` set), where
    /// missing data must fail the test, not skip it.
    public static func runs(_ relative: String) -> Bool {
        FileManager.default.fileExists(atPath: url(relative).path) || ProcessInfo.processInfo.environment["CI"] != nil
    }
}

/// A fresh store in memory, migrated to this build's schema.
public func memoryStore() throws -> VitalsStore { try VitalsStore(path: ":memory:", logger: quiet) }

/// A blood-pressure reading (systolic, diastolic) from the simulated cuff, or the device's profile given.
public func bp(_ sys: Double, _ dia: Double, profile: String?, flags: Set<QualityFlag> = []) -> Reading {
    let w = WireValue(encoding: "sfloat", bits: 0, unit: "mmHg")
    return Reading(
        subject: SubjectID("s"), device: DeviceIdentity(transport: .simBLE, address: "C0:FF:EE:00:01:01", profileID: profile), kind: .bloodPressure,
        observations: [Observation(metric: .systolic, value: sys, unit: .millimetreOfMercury, wire: w), Observation(metric: .diastolic, value: dia, unit: .millimetreOfMercury, wire: w)],
        effectiveTime: Date(timeIntervalSince1970: 100), deviceTime: nil, receivedTime: Date(timeIntervalSince1970: 100), sequence: nil, flags: flags,
        raw: RawFrame(source: "2A35", bytes: []))
}

/// A meter glucose reading in mg/dL (sequence 3, the simulated meter's profile).
public func glucose(_ mgdl: Double, flags: Set<QualityFlag> = []) -> Reading {
    Reading(
        subject: SubjectID("s"), device: DeviceIdentity(transport: .simBLE, address: "C0:FF:EE:00:02:01", profileID: "sim-glucose-meter"), kind: .glucose,
        observations: [Observation(metric: .glucoseCapillaryWholeBlood, value: mgdl, unit: .milligramPerDecilitre, wire: WireValue(encoding: "sfloat", bits: 0, unit: "kg/L"))],
        effectiveTime: Date(timeIntervalSince1970: 100), deviceTime: nil, receivedTime: Date(timeIntervalSince1970: 100), sequence: 3, flags: flags, raw: RawFrame(source: "2A18", bytes: []))
}

/// A meter result the device could not measure: LOW (below its range) or HIGH, censored as ±∞ with its flag.
public func censoredGlucose(low: Bool) -> Reading {
    var r = glucose(0, flags: [low ? .resultBelowDeviceRange : .resultAboveDeviceRange])
    r.observations[0].value = nil
    r.observations[0].state = low ? .negativeInfinity : .positiveInfinity
    return r
}

/// A seeded random number generator (SplitMix64): the same numbers on every run, so a test built on random data
/// fails or passes the same way each time.
public struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
