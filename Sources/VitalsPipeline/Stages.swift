import Foundation
import Logging
import Metrics
import ServiceLifecycle
import VitalsAnalytics
import VitalsCore
import VitalsStore
import VitalsValidation

/// Grades and flags each reading. Drains its input to the end, so a shutdown loses nothing received.
public struct ValidationService: Service {
    let validator: ReadingValidator
    let input: BoundedChannel<IngestItem>
    let output: BoundedChannel<IngestItem>

    public init(validator: ReadingValidator, input: BoundedChannel<IngestItem>, output: BoundedChannel<IngestItem>) {
        self.validator = validator
        self.input = input
        self.output = output
    }

    public func run() async {
        defer { output.finish() }
        while let item = await input.next() {
            switch item {
            case .reading(let r, let ack): await output.send(.reading(validator.validate(r), ack: ack))
            case .rejected, .barrier, .event, .waveform, .deviceFacts: await output.send(item)
            }
        }
        output.finish()
        await waitForGroupShutdown()
    }
}

/// Makes readings durable, then acknowledges them to the device, then passes the new ones on.
/// Whatever is waiting is committed in one transaction (group commit) at synchronous=FULL.
public struct RecordService: Service {
    let store: VitalsStore
    let input: BoundedChannel<IngestItem>
    let output: BoundedChannel<Reading>
    let events: BoundedChannel<PipelineEvent>
    let logger: Logger
    let stored: Counter
    let duplicates: Counter
    let rejected: Counter
    let batchLimit: Int

    public init(store: VitalsStore, input: BoundedChannel<IngestItem>, output: BoundedChannel<Reading>, events: BoundedChannel<PipelineEvent>, logger: Logger, metrics: any MetricsFactory, batchLimit: Int = 256) {
        self.store = store
        self.input = input
        self.output = output
        self.events = events
        self.logger = logger
        self.batchLimit = batchLimit
        stored = Counter(label: "vitals_readings_stored_total", factory: metrics)
        duplicates = Counter(label: "vitals_readings_duplicate_total", factory: metrics)
        rejected = Counter(label: "vitals_frames_rejected_total", factory: metrics)
    }

    public func run() async throws {
        defer { output.finish() }
        while let first = await input.next() {
            let batch = [first] + input.drainAvailable(max: batchLimit - 1)
            // Readings up to each barrier or rejected frame go in one transaction; acks follow the commit.
            var readings: [(Reading, Acknowledge?)] = []
            for item in batch {
                switch item {
                case .reading(let r, let ack): readings.append((r, ack))
                case .barrier(let ack):
                    try await flush(&readings)
                    ack()
                case .rejected(let device, let source, let bytes, let error, let received, let ack):
                    try await flush(&readings)
                    try await store.record(rejectedFrame: bytes, source: source, device: device, received: received, error: error)
                    rejected.increment()
                    ack?()
                    await events.send(.rejected(device, source: source, error: error))
                case .event(let e):
                    try await flush(&readings)
                    await events.send(e)
                case .deviceFacts(let device, let classes, let offset, let at):
                    try await flush(&readings)
                    try await store.record(deviceFacts: device, certifiedClasses: classes, clockOffset: offset, at: at)
                case .waveform(let block):
                    // Streams are batched at synchronous=NORMAL: the device can send again what a crash loses.
                    if try await store.record(block: block) {
                        await events.send(.waveformStored(block.device, samples: block.samples.count))
                    }
                }
            }
            try await flush(&readings)
        }
        output.finish()
        await waitForGroupShutdown()
    }

    func flush(_ readings: inout [(Reading, Acknowledge?)]) async throws {
        guard !readings.isEmpty else { return }
        var outcomes: [RecordOutcome?]
        do {
            outcomes = try await store.record(readings.map(\.0), durability: .full)
        } catch {
            // One reading the store refuses (a constraint it breaks) must not take the batch, or the hub,
            // down: store the others one by one and keep a refused one raw, with the reason. If even that
            // fails the store itself is failing: stop without acknowledging, so the devices keep their data.
            logger.error("store refused a batch; recording its readings one by one", metadata: ["error": "\(error)"])
            outcomes = []
            for (r, _) in readings {
                do { outcomes.append(try await store.record([r], durability: .full).first) } catch {
                    let why = "the store refused the reading: \(error)"
                    try await store.record(rejectedFrame: r.raw.bytes, source: r.raw.source, device: r.device, received: r.receivedTime, error: why)
                    rejected.increment()
                    await events.send(.rejected(r.device, source: r.raw.source, error: why))
                    outcomes.append(nil)
                }
            }
        }
        // Durable now (stored, or kept raw): acknowledge to the devices, then tell analytics and surfaces.
        for (_, ack) in readings { ack?() }
        for ((r, _), outcome) in zip(readings, outcomes) {
            guard let outcome else { continue }
            switch outcome {
            case .inserted:
                stored.increment()
                await output.send(r)
                await events.send(.stored(r))
            case .duplicate:
                duplicates.increment()
                logger.debug("duplicate reading ignored", metadata: ["device.id": "\(r.device.id)", "reading.key": "\(r.naturalKey)"])
                await events.send(.duplicate(r))
            }
        }
        readings.removeAll()
    }
}

/// Runs the alert rules on each newly stored reading and stores the alerts (idempotently).
public struct AnalyticsService: Service {
    let rules: AlertRules
    let store: VitalsStore
    let input: BoundedChannel<Reading>
    let events: BoundedChannel<PipelineEvent>
    let now: @Sendable () -> Date
    let raised: Counter

    public init(rules: AlertRules, store: VitalsStore, input: BoundedChannel<Reading>, events: BoundedChannel<PipelineEvent>, metrics: any MetricsFactory, now: @escaping @Sendable () -> Date = { Date() }) {
        self.rules = rules
        self.store = store
        self.input = input
        self.events = events
        self.now = now
        raised = Counter(label: "vitals_alerts_raised_total", factory: metrics)
    }

    public func run() async throws {
        defer { events.finish() }
        while let r = await input.next() {
            let alerts = rules.evaluate(r, now: now())
            guard !alerts.isEmpty else { continue }
            let fresh = try await store.record(alerts: alerts)
            for (a, isNew) in zip(alerts, fresh) where isNew {
                raised.increment()
                await events.send(.alert(a))
            }
        }
        events.finish()
        await waitForGroupShutdown()
    }
}

/// Hands every event to a surface (the console, a live view) and keeps the totals.
public struct ReporterService: Service {
    let input: BoundedChannel<PipelineEvent>
    let sink: @Sendable (PipelineEvent) async -> Void
    let totals: TotalsBox

    public init(input: BoundedChannel<PipelineEvent>, totals: TotalsBox, sink: @escaping @Sendable (PipelineEvent) async -> Void) {
        self.input = input
        self.sink = sink
        self.totals = totals
    }

    public func run() async {
        while let e = await input.next() {
            totals.count(e)
            await sink(e)
        }
        await waitForGroupShutdown()
    }
}

/// Totals shared between the reporter and whoever reads them after the run.
public final class TotalsBox: Sendable {
    private let box = SynchronizedTotals()
    public init() {}
    func count(_ e: PipelineEvent) { box.update(e) }
    public var value: PipelineTotals { box.value }
}

/// A drain stage returns only after its input has ended *and* the group is shutting down, so the group never
/// sees a stage end on its own; the transport's end (or a signal) starts the shutdown, and each stage then
/// finishes what it was handed.
func waitForGroupShutdown() async {
    try? await gracefulShutdown()
}

// Services describe themselves by name: the service group prints them, and reflecting over their
// channels (which hold locks) would be both noisy and unsafe.
extension ValidationService: CustomStringConvertible { public var description: String { "ValidationService" } }
extension RecordService: CustomStringConvertible { public var description: String { "RecordService" } }
extension AnalyticsService: CustomStringConvertible { public var description: String { "AnalyticsService" } }
extension ReporterService: CustomStringConvertible { public var description: String { "ReporterService" } }
extension BLECentralService: CustomStringConvertible { public var description: String { "BLECentralService" } }
extension BoundedChannel: CustomStringConvertible { public var description: String { "BoundedChannel(capacity: \(capacity))" } }
extension TotalsBox: CustomStringConvertible { public var description: String { "TotalsBox" } }
