import Foundation
import Logging
import Metrics
import ServiceLifecycle
import Synchronization
import VitalsAnalytics
import VitalsCore
import VitalsStore
import VitalsWire
import VitalsValidation

/// Files each reading and waveform block under its person (`SubjectAssignment`: the device's, or the
/// multi-user device's user's), then grades and flags each reading. Drains its input to the end, so a
/// shutdown loses nothing received.
public struct ValidationService: Service {
    let validator: ReadingValidator
    let subjects: (any SubjectFiling)?
    let input: BoundedChannel<IngestItem>
    let output: BoundedChannel<IngestItem>

    /// `subjects` nil keeps the subject each transport gave.
    public init(validator: ReadingValidator, subjects: (any SubjectFiling)? = nil, input: BoundedChannel<IngestItem>, output: BoundedChannel<IngestItem>) {
        self.validator = validator
        self.subjects = subjects
        self.input = input
        self.output = output
    }

    public func run() async {
        defer { output.finish() }
        while let item = await input.next() {
            switch item {
            case .reading(var r, let ack):
                if let subjects { r.subject = subjects.subject(device: r.device.id, user: r.deviceUser, measuredAt: r.effectiveTime) }
                await output.send(.reading(validator.validate(r), ack: ack))
            case .waveform(var block):
                if let subjects { block.subject = subjects.subject(device: block.device.id, user: nil, measuredAt: block.startTime) }
                await output.send(.waveform(block))
            case .rejected, .barrier, .event, .deviceFacts: await output.send(item)
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
    /// While the store cannot write (disk full…): hold, log, count, try again; acknowledge nothing meanwhile.
    let outage: StoreOutage
    /// Stored ECG blocks go on here, to the rhythm analysis.
    var waveforms: BoundedChannel<SampleBlock>?

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
        outage = StoreOutage(path: store.path, stage: "record", holding: "nothing is acknowledged to a device until it is stored", logger: logger, metrics: metrics)
    }

    public func run() async throws {
        defer {
            output.finish()
            waveforms?.finish()
        }
        while let first = await input.next() {
            let batch = [first] + input.drainAvailable(max: batchLimit - 1)
            do {
                try await record(batch)
            } catch let error as StoreUnavailable {
                // Only at shutdown (or cancellation) while the store still cannot write: what was not stored is
                // dropped unacknowledged, so the devices keep it; the rest of the input is drained the same way.
                // (Readings of the batch stored before the failure are not acknowledged either: sent again, they are
                // duplicates.)
                let readings = batch.filter { if case .reading = $0 { true } else { false } }.count
                logger.error("stopping with the store unable to write: up to \(readings) readings not stored, none of them acknowledged (the devices keep them)", metadata: [
                    "store.path": "\(store.path)", "store.cause": "\(error.cause.rawValue)", "store.pending": "\(readings)",
                ])
            }
        }
        output.finish()
        await waitForGroupShutdown()
    }

    /// Records one batch in order: readings up to each barrier or rejected frame go in one transaction; acks follow
    /// the commit. While the store cannot write, this waits (StoreOutage) and acknowledges nothing.
    func record(_ batch: [IngestItem]) async throws {
        var readings: [(Reading, Acknowledge?)] = []
        for item in batch {
            switch item {
            case .reading(let r, let ack): readings.append((r, ack))
            case .barrier(let ack):
                try await flush(&readings)
                ack()
            case .rejected(let device, let source, let bytes, let error, let received, let ack):
                try await flush(&readings)
                try await outage.durably("rejected frame", pending: 0) {
                    try await store.record(rejectedFrame: bytes, source: source, device: device, received: received, error: error)
                }
                rejected.increment()
                ack?()
                await events.send(.rejected(device, source: source, error: error))
            case .event(let e):
                try await flush(&readings)
                await events.send(e)
            case .deviceFacts(let device, let classes, let offset, let udi, let at):
                try await flush(&readings)
                try await outage.durably("device facts", pending: 0) {
                    try await store.record(deviceFacts: device, certifiedClasses: classes, clockOffset: offset,
                                           udi: udi.map { ($0.label, $0.deviceIdentifier) }, at: at)
                }
            case .waveform(let block):
                // Streams are batched at synchronous=NORMAL: the device can send again what a crash loses.
                if try await outage.durably("waveform block", pending: 0, { try await store.record(block: block) }) {
                    await events.send(.waveformStored(block))
                    await waveforms?.send(block)
                }
            }
        }
        try await flush(&readings)
    }

    func flush(_ readings: inout [(Reading, Acknowledge?)]) async throws {
        guard !readings.isEmpty else { return }
        var outcomes: [RecordOutcome?]
        let batch = readings.map(\.0)
        do {
            // A store that cannot write (disk full, I/O error) holds the batch here until it can: nothing is acknowledged.
            outcomes = try await outage.durably("readings", pending: batch.count) { try await store.record(batch, durability: .full) }
        } catch let error as StoreUnavailable {
            throw error
        } catch {
            // One reading the store refuses (a constraint it breaks) must not take the batch, or the hub,
            // down: store the others one by one and keep a refused one raw, with the reason. A store that cannot
            // write at all is not a refusal: `durably` waits it out, and nothing is acknowledged meanwhile.
            logger.error("store refused a batch; recording its readings one by one", metadata: ["error": "\(error)"])
            outcomes = []
            for (r, _) in readings {
                do { outcomes.append(try await outage.durably("reading", pending: 1) { try await store.record([r], durability: .full) }.first) } catch let error as StoreUnavailable {
                    throw error
                } catch {
                    let why = "the store refused the reading: \(error)"
                    try await outage.durably("rejected frame", pending: 1) {
                        try await store.record(rejectedFrame: r.raw.bytes, source: r.raw.source, device: r.device, received: r.receivedTime, error: why)
                    }
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
            case .inserted(let id):
                stored.increment()
                var r = r
                r.storedID = id
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

/// Runs the streaming analytics core on each newly stored reading: per-reading rules for meters and cuffs,
/// episodes for CGM streams, the alert lifecycle (raise, update, escalate, resolve) and backfill as historical
/// events. Every transition is stored (`alert_events`) before it is passed on. A ticker escalates alerts nobody
/// acknowledged.
///
/// The core's state is saved every `snapshotInterval` (and at shutdown) with the row id of the last reading it took
/// in, off the path from a reading to its alert. At start the readings stored after that position are taken in
/// again, each as of the time it was received: a crash loses neither the state's progress nor the alert steps of a
/// reading that was stored and acknowledged just before it. Steps already stored are recognised by their
/// idempotent id and not announced twice.
public struct AnalyticsService: Service {
    let rules: AlertRules
    let store: VitalsStore
    let input: BoundedChannel<Reading>
    let events: BoundedChannel<PipelineEvent>
    let now: @Sendable () -> Date
    let raised: Counter
    let configuration: StreamingConfiguration
    let tickInterval: Duration
    let snapshotInterval: TimeInterval
    /// What the ticker sleeps on (tests drive it by hand).
    let clock: any Clock<Duration>
    let feed: AlertFeed?
    let logger: Logger
    /// While the store cannot write: hold the alert steps, try again.
    let outage: StoreOutage
    public static let stateName = "analytics.streaming"
    /// Seconds between saves of the state: what a crash makes the next start take in again.
    public static let defaultSnapshotInterval: TimeInterval = 5

    public init(rules: AlertRules, store: VitalsStore, input: BoundedChannel<Reading>, events: BoundedChannel<PipelineEvent>, metrics: any MetricsFactory,
                now: @escaping @Sendable () -> Date = { Date() }, configuration: StreamingConfiguration = StreamingConfiguration(),
                tickInterval: Duration = .seconds(30), snapshotInterval: TimeInterval = defaultSnapshotInterval, clock: any Clock<Duration> = ContinuousClock(),
                feed: AlertFeed? = nil, logger: Logger = Logger(label: "vitals.analytics")) {
        self.rules = rules
        self.store = store
        self.input = input
        self.events = events
        self.now = now
        self.configuration = configuration
        self.tickInterval = tickInterval
        self.snapshotInterval = snapshotInterval
        self.clock = clock
        self.feed = feed
        self.logger = logger
        raised = Counter(label: "vitals_alerts_raised_total", factory: metrics)
        // The readings behind these steps are stored and acknowledged: a step given up is lost until the next start
        // takes its reading in again, so a stopping hub keeps trying a while.
        outage = StoreOutage(path: store.path, stage: "analytics", holding: "alert steps wait until they are stored", logger: logger, metrics: metrics,
                             shutdownGrace: .seconds(20))
    }

    enum Work: Sendable {
        case readings([Reading], CheckedContinuation<Void, Never>)
        case tick
    }

    public func run() async throws {
        // This stage says finish() on `events` once: the ECG analysis also sends there.
        var eventsFinished = false
        defer { if !eventsFinished { events.finish() } }
        var engine = try await Self.loadEngine(store: store, configuration: configuration, logger: logger)
        // Without a saved position (a new hub, or a state saved before positions were kept) the readings stored
        // before this run are history, not analysed again; those this run stored before now are taken in.
        let caughtUpTo = await catchUp(&engine, from: engine.inputPosition ?? store.readingsAtOpen)
        // Readings up to `caughtUpTo` that also come down the channel are skipped.
        var skipping = true
        var snapshots = Snapshots(service: self, position: caughtUpTo, at: now())
        // A position from the first moment, so a crash before the first periodic save takes in what followed.
        await snapshots.save(engine, at: now())
        let (work, continuation) = AsyncStream<Work>.makeStream()
        let input = self.input
        let interval = tickInterval
        let clock = self.clock
        // One consumer orders everything: a batch of readings is handed over and waited for (one in flight),
        // ticks come from a timer. Nothing queues without bound.
        let reader = Task {
            while let first = await input.next() {
                let batch = [first] + input.drainAvailable(max: 255)
                await withCheckedContinuation { c in continuation.yield(.readings(batch, c)) }
            }
            continuation.finish()
        }
        let ticker = Task {
            while !Task.isCancelled {
                try? await clock.sleep(for: interval)
                if Task.isCancelled { break }
                continuation.yield(.tick)
            }
        }
        defer {
            ticker.cancel()
            reader.cancel()
        }
        for await item in work {
            let t = now()
            switch item {
            case .readings(var batch, let done):
                if skipping { batch = await withoutCaughtUp(batch, through: caughtUpTo, skipping: &skipping) }
                let inputs = batch.compactMap { StreamInput.from($0, rules: rules, now: t) }
                let out = engine.process(inputs, now: t)
                do {
                    // Only the batch's alert steps are stored here (one small transaction, none when there are no
                    // steps), and announced once it has committed; the state follows in the next snapshot.
                    try await publish(out.transitions, at: t)
                } catch let error as StoreUnavailable {
                    // Only at shutdown with the store still unable to write: the readings are stored, their alert
                    // steps are not; the next start takes the readings in again (the snapshot stays behind them).
                    logger.error("stopping with the store unable to write: alert steps not saved", metadata: [
                        "store.path": "\(store.path)", "store.cause": "\(error.cause.rawValue)", "store.pending": "\(batch.count)",
                    ])
                    snapshots.frozen = true
                }
                if let last = batch.last { snapshots.took(last) }
                done.resume()
                await snapshots.maybeStart(engine, at: t)
            case .tick:
                // Someone may have acknowledged (vitals alerts ack) or resolved an alert outside the hub.
                let openIDs = engine.openLiveAlerts.map(\.id)
                if !openIDs.isEmpty {
                    for id in try await store.settledAlertIDs(among: openIDs) { _ = engine.acknowledge(id, at: t) }
                }
                let out = engine.tick(now: t)
                guard !out.transitions.isEmpty else { continue }
                do {
                    // An escalation is stamped with the time it happens and is not taken in again from readings: a
                    // restart whose state missed it would escalate again under a new id. So these steps go in one
                    // transaction with the state (ticks are not on a reading's path to its alert).
                    try await publish(out.transitions, state: await snapshots.stateWithSteps(engine, at: t), at: t)
                } catch let error as StoreUnavailable {
                    logger.error("stopping with the store unable to write: escalation steps not saved", metadata: [
                        "store.path": "\(store.path)", "store.cause": "\(error.cause.rawValue)",
                    ])
                    snapshots.frozen = true
                }
            }
        }
        ticker.cancel()
        // The last state, with everything taken in (unless steps could not be stored: then the saved state stays
        // behind their readings, and the next start takes them in again).
        await snapshots.save(engine, at: now())
        events.finish()
        eventsFinished = true
        await waitForGroupShutdown()
    }

    static func loadEngine(store: VitalsStore, configuration: StreamingConfiguration, logger: Logger) async throws -> StreamingAnalytics {
        if let bytes = try await store.streamState(name: stateName) {
            do {
                var e = try StreamingAnalytics(serialized: Data(bytes))
                e.configuration = configuration
                return e
            } catch {
                logger.warning("streaming state could not be read; starting afresh", metadata: ["error": "\(error)"])
            }
        }
        return StreamingAnalytics(configuration: configuration)
    }

    /// Takes in the readings stored after row id `from` and returns the last row id taken in. They are replayed as
    /// the live path met them: in runs of readings received within a second of each other (up to 256, the most
    /// the live path takes at once), each run at once and as of its last reading's receipt. The steps they cause
    /// are stored; those already stored are recognised by id and not announced again. A store error stops the
    /// catch-up where it is (logged): analytics runs on without the rest rather than not at all.
    func catchUp(_ engine: inout StreamingAnalytics, from: Int64) async -> Int64 {
        var position = from
        let end: Int64
        do { end = try await store.lastReadingID() } catch {
            logger.error("analytics cannot read where the store stands; nothing taken in again", metadata: ["store.path": "\(store.path)", "error": "\(error)"])
            return from
        }
        // Rows deleted since the state was saved (erasure while the hub was stopped): the newest row is the position.
        guard position < end else { return end }
        var taken = 0
        do {
            while position < end {
                let chunk = try await store.readings(after: position, limit: 512).filter { $0.id <= end }
                guard let lastID = chunk.last?.id else { break }
                var runs: [[Reading]] = []
                for case let (_, reading?) in chunk {
                    if let first = runs.last?.first, runs[runs.count - 1].count < 256,
                       abs(reading.receivedTime.timeIntervalSince(first.receivedTime)) <= 1 {
                        runs[runs.count - 1].append(reading)
                    } else {
                        runs.append([reading])
                    }
                }
                var transitions: [AlertTransition] = []
                for run in runs {
                    let at = run.map(\.receivedTime).max()!
                    let inputs = run.compactMap { StreamInput.from($0, rules: rules, now: at) }
                    transitions += engine.process(inputs, now: at).transitions
                    taken += inputs.count
                }
                try await publish(transitions, at: now())
                position = lastID
            }
        } catch {
            logger.error("analytics stopped taking in stored readings again after a store error; the rest are not analysed", metadata: [
                "store.path": "\(store.path)", "analytics.through": "\(position)", "error": "\(error)",
            ])
            return position
        }
        logger.notice("analytics took in the readings stored after its saved state", metadata: [
            "analytics.readings": "\(taken)", "analytics.from": "\(from)", "analytics.to": "\(end)",
        ])
        return end
    }

    /// The batch without the readings `catchUp` already took in (row id at or before `through`). Row ids grow in the
    /// order readings are stored and sent on, so once one is past `through` the rest are too.
    func withoutCaughtUp(_ batch: [Reading], through: Int64, skipping: inout Bool) async -> [Reading] {
        var kept: [Reading] = []
        for r in batch {
            if skipping, let id = await rowID(of: r) {
                if id <= through { continue }
                skipping = false
            }
            kept.append(r)
        }
        return kept
    }

    /// A reading's row id: the one the store stage gave it, or looked up by its natural key (nil if not found).
    func rowID(of r: Reading) async -> Int64? {
        if let id = r.storedID { return id }
        return try? await store.readingID(of: r)
    }

    /// Stores the transitions (with the engine's state when given, in the same transaction; a store that cannot
    /// write now is tried again: `StoreOutage`), then passes the new steps on; a step the store already had (same
    /// idempotent id) is not passed on again.
    func publish(_ transitions: [AlertTransition], state: [UInt8]? = nil, at t: Date) async throws {
        guard !transitions.isEmpty else { return }
        let seqs: [Int64?] = try await outage.durably("alert steps", pending: 0) {
            if let state { return try await store.apply(transitions, savingState: state, name: Self.stateName, at: t) }
            return try await store.apply(transitions)
        }
        for (tr, seq) in zip(transitions, seqs) where seq != nil {
            feed?.publish(tr)
            if tr.isNewAlert {
                raised.increment()
                await events.send(.alert(tr.alert))
            } else {
                await events.send(.alertUpdate(tr))
            }
        }
    }

    /// The saved state: the core, serialised off the reading-to-alert path, with the row id of the last reading it
    /// took in. One save at a time, in order; saved at synchronous=NORMAL (the next synced commit makes it durable,
    /// and a lost one only means taking a few more readings in again at start).
    struct Snapshots {
        let service: AnalyticsService
        var position: Int64
        var savedAt: Date
        /// The last reading taken in since the last save, whose row id the next save records (nil: nothing to save).
        var lastReading: Reading?
        /// Alert steps could not be stored: no more saves, so the next start takes their readings in again.
        var frozen = false
        var running: Task<Void, Never>?

        init(service: AnalyticsService, position: Int64, at: Date) {
            (self.service, self.position, self.savedAt) = (service, position, at)
        }

        mutating func took(_ r: Reading) { lastReading = r }

        /// Starts a save in the background when one is due and none is running.
        mutating func maybeStart(_ engine: StreamingAnalytics, at t: Date) async {
            guard lastReading != nil, !frozen, t.timeIntervalSince(savedAt) >= service.snapshotInterval else { return }
            // Still saving the last one (a slow disk): wait for it rather than pile saves up.
            await running?.value
            let copy = await prepared(engine)
            savedAt = t
            let service = self.service
            running = Task { await service.save(copy, at: t) }
        }

        /// Saves now and waits (at start and at shutdown).
        mutating func save(_ engine: StreamingAnalytics, at t: Date) async {
            await running?.value
            running = nil
            guard !frozen else { return }
            let copy = await prepared(engine)
            savedAt = t
            await service.save(copy, at: t)
        }

        /// The state, serialised, for saving with alert steps in their transaction (nil when it cannot be: the steps
        /// are then stored alone).
        mutating func stateWithSteps(_ engine: StreamingAnalytics, at t: Date) async -> [UInt8]? {
            await running?.value
            running = nil
            guard !frozen, let bytes = try? await prepared(engine).serialized() else { return nil }
            savedAt = t
            return Array(bytes)
        }

        /// The state to save, with its position.
        mutating func prepared(_ engine: StreamingAnalytics) async -> StreamingAnalytics {
            // Not found only if it was deleted meanwhile: the older position stays (more taken in again, not less).
            if let r = lastReading, let id = await service.rowID(of: r) { position = id }
            lastReading = nil
            var copy = engine
            copy.inputPosition = position
            return copy
        }
    }

    func save(_ state: StreamingAnalytics, at t: Date) async {
        do {
            let bytes = try state.serialized()
            try await store.saveStreamState(Array(bytes), name: Self.stateName, at: t, durability: .normal)
        } catch {
            logger.warning("analytics state not saved; a restart takes in again the readings since the last save", metadata: [
                "store.path": "\(store.path)", "error": "\(error)",
            ])
        }
    }
}

/// Live views: every stored alert transition, to each subscriber's AsyncStream (the newest 256 are kept for a
/// slow subscriber; the store keeps everything).
public final class AlertFeed: Sendable {
    private let subscribers = Mutex<[UUID: AsyncStream<AlertTransition>.Continuation]>([:])
    public init() {}

    public func subscribe() -> AsyncStream<AlertTransition> {
        let (stream, c) = AsyncStream<AlertTransition>.makeStream(bufferingPolicy: .bufferingNewest(256))
        let id = UUID()
        subscribers.withLock { $0[id] = c }
        c.onTermination = { [weak self] _ in _ = self?.subscribers.withLock { $0.removeValue(forKey: id) } }
        return stream
    }

    public func publish(_ t: AlertTransition) {
        for c in subscribers.withLock({ Array($0.values) }) { c.yield(t) }
    }

    public func finish() {
        for c in subscribers.withLock({ Array($0.values) }) { c.finish() }
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
