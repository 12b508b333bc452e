import Foundation
import Logging
import ServiceLifecycle
import VitalsStore

/// What one drain did.
public struct UplinkPass: Sendable, Equatable {
    public var batches = 0
    /// Outbox entries acknowledged (readings, and the alert and waveform entries passed over).
    public var entries = 0
    /// What the far side was sent: observation rows (PostgreSQL) or Bundle entries (FHIR).
    public var rows = 0
    /// Of those, how many were new there; the rest were already there (a replay).
    public var inserted = 0
    /// Entries the far side refused for good, parked (acknowledged, kept, not sent again).
    public var parked = 0
    public init() {}
}

/// What the far side did with one batch.
public struct SentBatch: Sendable, Equatable {
    /// What was sent: observation rows (PostgreSQL) or Bundle entries (FHIR).
    public var rows: Int
    /// Of those, how many were new there.
    public var inserted: Int
    /// Entries the far side refuses for good, whenever they are sent: acknowledged with the batch and parked.
    public var parked: [UplinkParkedEntry]

    public init(rows: Int, inserted: Int, parked: [UplinkParkedEntry] = []) { (self.rows, self.inserted, self.parked) = (rows, inserted, parked) }
}

/// Outbox entries a sink has read and is about to send: their last seq (the watermark once sent), counts, and the
/// sink's own form of them (observation rows, or readings and blocks).
public struct PendingBatch<Payload: Sendable>: Sendable {
    public var lastSeq: Int64
    public var entries: Int
    /// Entries the sink does not carry (acknowledged with the rest, so they are not read again).
    public var skipped: Int
    public var payload: Payload

    public init(lastSeq: Int64, entries: Int, skipped: Int, payload: Payload) {
        (self.lastSeq, self.entries, self.skipped, self.payload) = (lastSeq, entries, skipped, payload)
    }
}

/// A destination the outbox drains to: the central PostgreSQL (`PostgresUplink`) or a FHIR server (`FHIRUplink`).
/// Reading and sending are separate steps so the forwarder can read the next batch from the hub's store while the
/// far side is still working on the current one.
public protocol OutboxSink: Sendable {
    associatedtype Payload: Sendable
    /// The name the hub acknowledges this destination under (no secrets): its watermark's key in `uplink_acks`.
    var target: String { get }
    /// Up to `limit` outbox entries after `seq`, in the sink's form (nil when nothing is pending).
    func read(after seq: Int64, limit: Int, from store: VitalsStore) async throws -> PendingBatch<Payload>?
    /// Sends a batch; returns only once the far side has committed it. Sending the same entries again must change
    /// nothing there.
    func send(_ batch: PendingBatch<Payload>) async throws -> SentBatch
    /// Drops any session, so the next batch starts a fresh one.
    func disconnect() async
}

/// How often and how hard an uplink tries.
public struct ForwardingSchedule: Sendable {
    /// Outbox entries per batch.
    public var batchSize: Int
    /// How long to wait when the outbox is empty.
    public var pollInterval: Duration
    /// The first wait after a failure; it doubles per failure up to `maxBackoff`, and a success resets it.
    public var initialBackoff: Duration
    public var maxBackoff: Duration
    /// At a graceful shutdown, how long the last pass may take.
    public var finalDrainTimeout: Duration

    public init(batchSize: Int, pollInterval: Duration = .seconds(1), initialBackoff: Duration = .milliseconds(500),
                maxBackoff: Duration = .seconds(30), finalDrainTimeout: Duration = .seconds(10)) {
        (self.batchSize, self.pollInterval, self.initialBackoff, self.maxBackoff, self.finalDrainTimeout) =
            (batchSize, pollInterval, initialBackoff, maxBackoff, finalDrainTimeout)
    }
}

/// Drains the hub's outbox to one destination. The store is the queue: the service reads the outbox entries after
/// this target's acknowledged seq, has the sink send them as one transaction on the far side, and only after that
/// committed records the new acknowledged seq in the hub's store. A failure (server down, connection cut mid-batch,
/// a refused transaction) leaves the batch unacknowledged; it is sent again after a backoff that doubles up to
/// `maxBackoff`, and the far side's natural keys make the replay change nothing. The pipeline never waits for an
/// uplink: it only writes the outbox in its own transactions, and each uplink reads it in short batches.
public struct OutboxForwarder<Sink: OutboxSink>: Service, CustomStringConvertible {
    let store: VitalsStore
    public let sink: Sink
    let schedule: ForwardingSchedule
    let clock: any Clock<Duration>
    let logger: Logger
    /// A test's fault point: after the far side committed, before the hub records the acknowledgement.
    let afterCommit: (@Sendable () async throws -> Void)?

    public init(store: VitalsStore, sink: Sink, schedule: ForwardingSchedule, clock: any Clock<Duration> = ContinuousClock(),
                afterCommit: (@Sendable () async throws -> Void)? = nil, logger: Logger) {
        (self.store, self.sink, self.schedule, self.clock, self.afterCommit, self.logger) = (store, sink, schedule, clock, afterCommit, logger)
    }

    public var description: String { "OutboxForwarder(\(sink.target))" }

    /// Sends batches until the outbox has nothing after the acknowledged seq. Throws on the first failure; what was
    /// acknowledged before it stays acknowledged. While one batch is with the far side, the next is read from the
    /// store (reading commits nothing: if the send fails, the read-ahead batch is dropped and read again later).
    @discardableResult
    public func drain(maxBatches: Int = .max) async throws -> UplinkPass {
        var pass = UplinkPass()
        let target = sink.target
        let acked = try await store.uplinkAcknowledged(target: target)
        var next = try await sink.read(after: acked, limit: schedule.batchSize, from: store)
        while let batch = next, pass.batches < maxBatches {
            let readAhead = pass.batches + 1 < maxBatches
            async let following = readAhead ? sink.read(after: batch.lastSeq, limit: schedule.batchSize, from: store) : nil
            let sent = try await sink.send(batch)
            if let afterCommit { try await afterCommit() }
            try await store.acknowledgeUplink(target: target, through: batch.lastSeq, rows: sent.rows, at: Date(), parking: sent.parked)
            pass.batches += 1
            pass.entries += batch.entries
            pass.rows += sent.rows
            pass.inserted += sent.inserted
            pass.parked += sent.parked.count
            if !sent.parked.isEmpty {
                // The reasons are the far side's status lines, without its diagnostics; the entries are ids only.
                logger.warning("uplink: the far side refuses some entries for good; they are parked and kept on the hub", metadata: [
                    "uplink.target": "\(target)", "uplink.parked": "\(sent.parked.count)",
                    "uplink.reasons": "\(Set(sent.parked.map(\.reason)).sorted().joined(separator: "; "))",
                ])
            }
            logger.info("uplink batch committed", metadata: [
                "uplink.target": "\(target)", "uplink.entries": "\(batch.entries)", "uplink.rows": "\(sent.rows)",
                "uplink.inserted": "\(sent.inserted)", "uplink.skipped": "\(batch.skipped)", "uplink.through": "\(batch.lastSeq)",
            ])
            next = try await following
        }
        return pass
    }

    public func run() async throws {
        logger.notice("uplink started", metadata: ["uplink.target": "\(sink.target)"])
        // Retention must wait for this target even before its first batch (the hub registers it at start too).
        do { try await store.registerUplink(target: sink.target, at: Date()) } catch {
            logger.error("uplink: cannot record this target in the store", metadata: ["uplink.target": "\(sink.target)", "error": "\(error)"])
        }
        // A graceful shutdown cancels whatever is in flight: an unfinished batch was not acknowledged, so the next
        // run sends it again.
        let failing = try? await cancelWhenGracefulShutdown { try await self.loop() }
        // The hub is stopping and everything upstream has drained: one last pass for what arrived since, unless the
        // far side was failing (then the outbox keeps it for the next run), bounded in time.
        if !Task.isCancelled, failing == false {
            do {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask { try await self.drain() }
                    group.addTask { try await self.clock.sleep(for: self.schedule.finalDrainTimeout); throw CancellationError() }
                    _ = try await group.next()
                    group.cancelAll()
                }
            } catch {
                await warnPending("uplink: the last pass before stopping did not finish; the outbox keeps the rest for the next run", error)
            }
        } else if failing == true {
            await warnPending("uplink stopping while the far side fails; the outbox keeps the rest for the next run", nil)
        }
        await sink.disconnect()
        logger.notice("uplink stopped", metadata: ["uplink.target": "\(sink.target)"])
    }

    /// Drains, waits, and retries with backoff until cancelled; returns whether the last attempt failed.
    func loop() async throws -> Bool {
        var backoff = schedule.initialBackoff
        var failing = false
        while !Task.isCancelled {
            do {
                let pass = try await drain()
                if failing {
                    logger.notice("uplink reconnected", metadata: ["uplink.target": "\(sink.target)"])
                    failing = false
                }
                backoff = schedule.initialBackoff
                if pass.batches == 0 { try await clock.sleep(for: schedule.pollInterval) }
            } catch {
                if Task.isCancelled || error is CancellationError { break }
                await warnPending("uplink failed; will retry", error, ["uplink.retry_in": "\(backoff)"])
                failing = true
                await sink.disconnect()
                try? await clock.sleep(for: backoff)
                backoff = min(backoff * 2, schedule.maxBackoff)
            }
        }
        return failing
    }

    /// A warning with the target, the error (without patient data or secrets) and how many entries are not yet sent.
    func warnPending(_ message: Logger.Message, _ error: (any Error)?, _ extra: Logger.Metadata = [:]) async {
        let pending = (try? await store.outboxPending(after: store.uplinkAcknowledged(target: sink.target))) ?? -1
        var metadata: Logger.Metadata = ["uplink.target": "\(sink.target)", "uplink.pending": "\(pending)"]
        if let error { metadata["error"] = "\(UplinkError.describe(error))" }
        logger.warning(message, metadata: metadata.merging(extra) { a, _ in a })
        // The far side's own words (a FHIR server's diagnostics can quote what was sent) only at debug level.
        if let error, logger.logLevel <= .debug { logger.debug("uplink failure in full", metadata: ["uplink.target": "\(sink.target)", "error": "\(error)"]) }
    }
}

/// The PostgreSQL uplink as a service (`vitals run --uplink`).
public typealias UplinkService = OutboxForwarder<PostgresUplink>

extension OutboxForwarder where Sink == PostgresUplink {
    public init(store: VitalsStore, configuration: UplinkConfiguration, clock: any Clock<Duration> = ContinuousClock(),
                faults: UplinkFaults = UplinkFaults(), logger: Logger) {
        self.init(store: store, sink: PostgresUplink(configuration: configuration, faults: faults, logger: logger), schedule: configuration.schedule,
                  clock: clock, afterCommit: faults.afterCommit, logger: logger)
    }

    /// The PostgreSQL session.
    public var uplink: PostgresUplink { sink }
}
