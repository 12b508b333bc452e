import ArgumentParser
import Foundation
import Logging
import Metrics
import Synchronization
import VitalsAnalytics
import VitalsCore
import VitalsPipeline
import VitalsStore

/// `vitals bench-analytics`: an in-process synthetic load for `make bench` (scripts/bench.sh, section "analytics").
/// Not a test: it prints figures and asserts nothing.
struct BenchAnalytics: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-analytics", abstract: "Benchmark the streaming analytics core and the alert path (synthetic devices).",
        shouldDisplay: false)

    @Option(help: "Simulated devices (half CGMs, half BP cuffs).") var devices = 100
    @Option(help: "Readings per device through the core.") var readings = 2000
    @Option(help: "Readings per device through the hub's store and analytics path.") var pathReadings = 20
    @Option(help: "Mean interval between one device's readings on the hub path, in milliseconds (jittered ±50 %).") var intervalMs = 1000

    func run() async throws {
        // 1. The pure core: events per second.
        let start = 1_800_000_000.0
        var inputs: [StreamInput] = []
        inputs.reserveCapacity(devices * readings)
        for i in 0..<readings {
            for d in 0..<devices {
                let t = Date(timeIntervalSince1970: start + Double(i) * 300)
                if d % 2 == 0 {
                    // A CGM with a daily dip below 54 (episodes at both levels).
                    let phase = Double((i + d) % 288) / 288 * 2 * .pi
                    let v = 120 + 75 * sin(phase)
                    inputs.append(StreamInput(key: StreamKey(subject: "p\(d)", metric: StreamInput.cgm), time: t, value: v, device: "cgm-\(d)",
                                              evidenceKey: "cgm-\(d)|glucose|seq:\(i)", medical: true, grade: "medical"))
                } else {
                    let sys = i % 50 == 0 ? 190.0 : 130
                    let crisis = sys > 180
                    let a = crisis ? [Alert(id: "bp.hypertensive-crisis/cuff-\(d)|blood-pressure|seq:\(i)", ruleID: "bp.hypertensive-crisis",
                                            subject: SubjectID("p\(d)"), device: DeviceID(rawValue: "cuff-\(d)"), severity: .critical, message: "crisis",
                                            citation: AlertRules.hypertensiveCrisis.citation, raisedAt: t, effectiveTime: t, evidenceKey: "cuff-\(d)|blood-pressure|seq:\(i)")] : []
                    inputs.append(StreamInput(key: StreamKey(subject: "p\(d)", metric: StreamInput.bloodPressure), time: t, value: sys, secondary: 85,
                                              device: "cuff-\(d)", evidenceKey: "cuff-\(d)|blood-pressure|seq:\(i)", medical: true, grade: "medical", spotAlerts: a))
                }
            }
        }
        var engine = StreamingAnalytics(configuration: StreamingConfiguration(liveHorizon: 1e12, escalateAfter: 1e12))
        let clock = ContinuousClock()
        var transitions = 0
        let elapsed = clock.measure {
            for chunk in stride(from: 0, to: inputs.count, by: devices) {
                let batch = Array(inputs[chunk..<min(chunk + devices, inputs.count)])
                transitions += engine.process(batch, now: batch[0].time).transitions.count
            }
        }
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        print(String(format: "analytics core: %d events from %d devices in %.3f s = %.0f events/s (%d alert transitions)",
                     inputs.count, devices, seconds, Double(inputs.count) / seconds, transitions))
        let state = try engine.serialized()
        print("analytics core: serialised state \(state.count / 1024) KiB for \(devices) streams")

        // 2. The hub path: a reading arrives (notification) → stored (synchronous=FULL) → analytics → alert persisted.
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vitals-bench-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let logger = Logger(label: "bench", factory: { _ in SwiftLogNoOpLogHandler() })
        let store = try VitalsStore(path: dir.appendingPathComponent("bench.sqlite").path, logger: logger)
        let stored = BoundedChannel<Reading>(capacity: 64)
        let events = BoundedChannel<PipelineEvent>(capacity: 64)
        let now = Date()
        let service = AnalyticsService(rules: AlertRules(), store: store, input: stored, events: events, metrics: NOOPMetricsHandler.instance,
                                       now: { Date() }, configuration: StreamingConfiguration(escalateAfter: 1e12), logger: logger)
        let running = Task { try await service.run() }
        let arrivals = ArrivalTimes()
        let cuffs = max(1, devices)
        let collector = Task { () -> [Double] in
            var latencies: [Double] = []
            while let e = await events.next() {
                if case .alert(let a) = e, let t0 = arrivals.take(a.evidenceKey) {
                    let d = ContinuousClock.now - t0
                    latencies.append(Double(d.components.seconds) * 1000 + Double(d.components.attoseconds) / 1e15)
                }
            }
            return latencies
        }
        let producers = (0..<cuffs).map { d in
            Task {
                for i in 0..<pathReadings {
                    // Every reading is a crisis followed by a normal one: each crisis raises a new live alert.
                    let crisis = i % 2 == 0
                    let r = Self.bpReading(device: d, seq: i, sys: crisis ? 192 : 125, at: now.addingTimeInterval(Double(i - pathReadings) * 30))
                    let t0 = ContinuousClock.now
                    if crisis { arrivals.put(Alert.evidenceKey(for: r), t0) }
                    _ = try await store.record([r], durability: .full)
                    await stored.send(r)
                    try await Task.sleep(for: .milliseconds(Int.random(in: (intervalMs / 2)...(intervalMs * 3 / 2))))
                }
            }
        }
        for p in producers { try await p.value }
        // The service drains its input, then finishes the events channel, which ends the collector.
        stored.finish()
        let lat = await collector.value.sorted()
        running.cancel()
        func pct(_ p: Double) -> Double { lat.isEmpty ? .nan : lat[min(lat.count - 1, Int((Double(lat.count - 1) * p).rounded()))] }
        print(String(format: "alert path: %d devices, one reading each per ~%d ms, %d crisis readings -> %d alerts persisted; notification -> alert persisted p50 %.2f ms, p99 %.2f ms (store at synchronous=FULL)",
                     cuffs, intervalMs, cuffs * ((pathReadings + 1) / 2), lat.count, pct(0.5), pct(0.99)))
    }

    static func bpReading(device d: Int, seq: Int, sys: Double, at t: Date) -> Reading {
        let w = WireValue(encoding: "sfloat", bits: 0, unit: "mmHg")
        return Reading(
            subject: SubjectID("p\(d)"), device: DeviceIdentity(transport: .simBLE, address: String(format: "C0:FF:EE:10:%02X:%02X", d / 256, d % 256), profileID: "sim-bp-cuff"),
            kind: .bloodPressure,
            observations: [Observation(metric: .systolic, value: sys, unit: .millimetreOfMercury, wire: w), Observation(metric: .diastolic, value: 90, unit: .millimetreOfMercury, wire: w)],
            effectiveTime: t, deviceTime: nil, receivedTime: t, sequence: UInt32(seq), grade: .medical, raw: RawFrame(source: "2A35", bytes: [0]))
    }
}

/// Arrival times by evidence key, shared by the producers and the collector.
final class ArrivalTimes: Sendable {
    private let m = Mutex<[String: ContinuousClock.Instant]>([:])
    func put(_ k: String, _ t: ContinuousClock.Instant) { m.withLock { $0[k] = t } }
    func take(_ k: String) -> ContinuousClock.Instant? { m.withLock { $0.removeValue(forKey: k) } }
    var count: Int { m.withLock { $0.count } }
}
