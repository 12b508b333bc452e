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
    @Option(help: "Seconds between saves of the analytics state on the hub path (the hub's default unless given).") var snapshotSeconds: Double?
    @Option(help: "SQLite's automatic WAL checkpoint, in pages (its default 1000; 0 turns it off), for finding what the tail is.") var walAutocheckpoint: Int?

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
        let seconds = elapsed.inSeconds
        print(String(format: "analytics core: %d events from %d devices in %.3f s = %.0f events/s (%d alert transitions)",
                     inputs.count, devices, seconds, Double(inputs.count) / seconds, transitions))
        var state = Data()
        let serialising = try clock.measure { for _ in 0..<20 { state = try engine.serialized() } }
        print(String(format: "analytics core: whole state %d KiB for %d streams, %.2f ms to serialise (saved every %.0f s, off the reading-to-alert path)",
                     state.count / 1024, devices, Self.ms(serialising) / 20, snapshotSeconds ?? AnalyticsService.defaultSnapshotInterval))

        // 2. The hub path, through the hub's own stages: a reading arrives (the central hands it on, as a notification
        // would be) → RecordService stores it (group commit at synchronous=FULL) and acknowledges it → AnalyticsService
        // runs the rules and persists the alert step (synchronous=FULL) → the alert is announced. Every reading is
        // measured now, so each normal reading resolves the cuff's alert and each crisis raises a new one.
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vitals-bench-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let logger = Logger(label: "bench", factory: { _ in SwiftLogNoOpLogHandler() })
        let store = try VitalsStore(path: dir.appendingPathComponent("bench.sqlite").path, logger: logger)
        if let walAutocheckpoint { try await store.unsafeExecute("PRAGMA wal_autocheckpoint = \(walAutocheckpoint)") }
        let validated = BoundedChannel<IngestItem>(capacity: HubPipeline.Configuration.defaultChannelCapacity)
        let stored = BoundedChannel<Reading>(capacity: HubPipeline.Configuration.defaultChannelCapacity)
        let events = BoundedChannel<PipelineEvent>(capacity: HubPipeline.Configuration.defaultChannelCapacity)
        let record = RecordService(store: store, input: validated, output: stored, events: events, logger: logger, metrics: NOOPMetricsHandler.instance)
        let service = AnalyticsService(rules: AlertRules(), store: store, input: stored, events: events, metrics: NOOPMetricsHandler.instance,
                                       now: { Date() }, configuration: StreamingConfiguration(escalateAfter: 1e12),
                                       snapshotInterval: snapshotSeconds ?? AnalyticsService.defaultSnapshotInterval, logger: logger)
        let recording = Task { try await record.run() }
        let running = Task { try await service.run() }
        let arrivals = ArrivalTimes()
        let acks = Latencies()
        let cuffs = max(1, devices)
        let collector = Task { () -> [Double] in
            var latencies: [Double] = []
            while let e = await events.next() {
                if case .alert(let a) = e, let t0 = arrivals.take(a.evidenceKey) { latencies.append(Self.ms(ContinuousClock.now - t0)) }
            }
            return latencies
        }
        let interval = max(2, intervalMs)
        let producers = (0..<cuffs).map { d in
            Task {
                // Devices are not in step: each starts at a random point of its first interval.
                try await Task.sleep(for: .milliseconds(Int.random(in: 0..<interval)))
                for i in 0..<pathReadings {
                    let crisis = i % 2 == 0
                    let r = Self.bpReading(device: d, seq: i, sys: crisis ? 192 : 125, at: Date())
                    let t0 = ContinuousClock.now
                    if crisis { arrivals.put(Alert.evidenceKey(for: r), t0) }
                    await validated.send(.reading(r, ack: { acks.add(Self.ms(ContinuousClock.now - t0)) }))
                    try await Task.sleep(for: .milliseconds(Int.random(in: (interval / 2)...(interval * 3 / 2))))
                }
            }
        }
        for p in producers { try await p.value }
        // Each stage drains its input, then finishes its output: the collector ends after the last alert.
        validated.finish()
        let lat = await collector.value.sorted()
        // Outside a service group the stages wait for a shutdown that never comes: cancel them once drained.
        recording.cancel()
        running.cancel()
        let ackLat = acks.sorted()
        print(String(format: "alert path: %d devices, one reading each per ~%d ms, %d crisis readings -> %d alerts persisted",
                     cuffs, interval, cuffs * ((pathReadings + 1) / 2), lat.count))
        print(String(format: "alert path: notification -> alert persisted p50 %.2f ms, p99 %.2f ms, max %.2f ms (goal p99 <= 5 ms)",
                     Self.pct(lat, 0.5), Self.pct(lat, 0.99), lat.last ?? .nan))
        print(String(format: "alert path: notification -> reading durable and acknowledged p50 %.2f ms, p99 %.2f ms (%d readings, synchronous=FULL)",
                     Self.pct(ackLat, 0.5), Self.pct(ackLat, 0.99), ackLat.count))
        // The disk's own sync latency in the same run: no commit at synchronous=FULL can be faster.
        let probe = try Self.syncLatency(dir: dir, rounds: 300)
        print(String(format: "alert path: this disk's fdatasync of a 4 KiB write (what SQLite does at each commit) p50 %.2f ms, p99 %.2f ms; fsync p50 %.2f ms, p99 %.2f ms",
                     Self.pct(probe.fdatasync, 0.5), Self.pct(probe.fdatasync, 0.99), Self.pct(probe.fsync, 0.5), Self.pct(probe.fsync, 0.99)))
    }

    static func ms(_ d: Duration) -> Double { d.inSeconds * 1000 }

    /// The value at fraction `p` of sorted samples (nearest rank).
    static func pct(_ sorted: [Double], _ p: Double) -> Double {
        sorted.isEmpty ? .nan : sorted[min(sorted.count - 1, Int((Double(sorted.count - 1) * p).rounded()))]
    }

    /// Writes 4 KiB and syncs it, `rounds` times each with fdatasync and with fsync, in `dir`: sorted milliseconds.
    static func syncLatency(dir: URL, rounds: Int) throws -> (fdatasync: [Double], fsync: [Double]) {
        let path = dir.appendingPathComponent("sync-probe").path
        let fd = open(path, O_CREAT | O_WRONLY | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw ValidationError("cannot create \(path): \(String(cString: strerror(errno)))") }
        defer {
            close(fd)
            unlink(path)
        }
        let page = [UInt8](repeating: 0x5A, count: 4096)
        let clock = ContinuousClock()
        var out: ([Double], [Double]) = ([], [])
        for round in 0..<(2 * rounds) {
            // Appending, as a WAL grows, then wrapping: a write that changes the file's size needs its metadata synced too.
            let n = page.withUnsafeBytes { pwrite(fd, $0.baseAddress, 4096, off_t((round % 64) * 4096)) }
            guard n == 4096 else { throw ValidationError("write to \(path) failed") }
            let t0 = clock.now
            if round < rounds { fdatasync(fd) } else { fsync(fd) }
            let d = ms(clock.now - t0)
            if round < rounds { out.0.append(d) } else { out.1.append(d) }
        }
        return (out.0.sorted(), out.1.sorted())
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

/// Latencies in milliseconds, added from any task.
final class Latencies: Sendable {
    private let m = Mutex<[Double]>([])
    func add(_ v: Double) { m.withLock { $0.append(v) } }
    func sorted() -> [Double] { m.withLock { $0.sorted() } }
}

/// Arrival times by evidence key, shared by the producers and the collector.
final class ArrivalTimes: Sendable {
    private let m = Mutex<[String: ContinuousClock.Instant]>([:])
    func put(_ k: String, _ t: ContinuousClock.Instant) { m.withLock { $0[k] = t } }
    func take(_ k: String) -> ContinuousClock.Instant? { m.withLock { $0.removeValue(forKey: k) } }
    var count: Int { m.withLock { $0.count } }
}

extension Duration {
    /// The duration in seconds, as the benchmarks print it.
    var inSeconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
