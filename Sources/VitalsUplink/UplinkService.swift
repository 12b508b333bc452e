import Foundation
import Logging
import ServiceLifecycle
import VitalsStore

/// What one drain did.
public struct UplinkPass: Sendable, Equatable {
    public var batches = 0
    /// Outbox entries acknowledged (readings, and the alert and waveform entries passed over).
    public var entries = 0
    public var rows = 0
    public var inserted = 0
    public init() {}
}

/// Drains the hub's outbox to a central PostgreSQL. The store is the queue: the service reads the outbox entries
/// after this target's acknowledged seq, sends their readings' observations as one server transaction per batch,
/// and only after the server committed records the new acknowledged seq in the hub's store. A failure (server
/// down, connection cut mid-batch) leaves the batch unacknowledged; it is sent again after a backoff that doubles
/// up to `maxBackoff`, and the natural key on the server makes the replay change nothing. The pipeline never waits
/// for the server: it only writes the outbox in its own transactions, and the uplink reads it in short batches.
public struct UplinkService: Service, CustomStringConvertible {
    let store: VitalsStore
    public let uplink: PostgresUplink
    let configuration: UplinkConfiguration
    let clock: any Clock<Duration>
    let logger: Logger
    let faults: UplinkFaults

    public init(store: VitalsStore, configuration: UplinkConfiguration, clock: any Clock<Duration> = ContinuousClock(),
                faults: UplinkFaults = UplinkFaults(), logger: Logger) {
        self.store = store
        self.configuration = configuration
        self.clock = clock
        self.logger = logger
        self.faults = faults
        uplink = PostgresUplink(configuration: configuration, faults: faults, logger: logger)
    }

    public var description: String { "UplinkService(\(configuration.target))" }

    /// Sends batches until the outbox has nothing after the acknowledged seq. Throws on the first failure; what was
    /// acknowledged before it stays acknowledged.
    @discardableResult
    public func drain(maxBatches: Int = .max) async throws -> UplinkPass {
        var pass = UplinkPass()
        let target = configuration.target
        while pass.batches < maxBatches {
            let acked = try await store.uplinkAcknowledged(target: target)
            let batch = try await store.outbox(after: acked, limit: configuration.batchSize)
            guard let last = batch.lastSeq else { break }
            let result = try await uplink.send(rows: batch.rows, lastSeq: last)
            if let f = faults.afterCommit { try await f() }
            try await store.acknowledgeUplink(target: target, through: last, rows: batch.rows.count, at: Date())
            pass.batches += 1
            pass.entries += batch.entries
            pass.rows += result.copied
            pass.inserted += result.inserted
            logger.info("uplink batch committed", metadata: [
                "uplink.entries": "\(batch.entries)", "uplink.rows": "\(result.copied)", "uplink.inserted": "\(result.inserted)",
                "uplink.skipped": "\(batch.skipped)", "uplink.through": "\(last)",
            ])
        }
        return pass
    }

    public func run() async throws {
        logger.notice("uplink started", metadata: ["uplink.target": "\(configuration.target)", "uplink.hub": "\(configuration.hubID)"])
        // A graceful shutdown cancels whatever is in flight: an unfinished batch was not acknowledged, so the next
        // run sends it again.
        let failing = try? await cancelWhenGracefulShutdown { try await self.loop() }
        // The hub is stopping and everything upstream has drained: one last pass for what arrived since, unless the
        // server was failing (then the outbox keeps it for the next run), bounded in time.
        if !Task.isCancelled, failing == false {
            try? await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await self.drain() }
                group.addTask { try await self.clock.sleep(for: self.configuration.finalDrainTimeout); throw CancellationError() }
                _ = try await group.next()
                group.cancelAll()
            }
        }
        await uplink.disconnect()
        logger.notice("uplink stopped", metadata: ["uplink.target": "\(configuration.target)"])
    }

    /// Drains, waits, and retries with backoff until cancelled; returns whether the last attempt failed.
    func loop() async throws -> Bool {
        var backoff = configuration.initialBackoff
        var failing = false
        while !Task.isCancelled {
            do {
                let pass = try await drain()
                if failing {
                    logger.notice("uplink reconnected", metadata: ["uplink.target": "\(configuration.target)"])
                    failing = false
                }
                backoff = configuration.initialBackoff
                if pass.batches == 0 { try await clock.sleep(for: configuration.pollInterval) }
            } catch {
                if Task.isCancelled || error is CancellationError { break }
                let pending = (try? await store.outboxPending(after: store.uplinkAcknowledged(target: configuration.target))) ?? -1
                logger.warning("uplink failed; will retry", metadata: [
                    "uplink.target": "\(configuration.target)", "error": "\(UplinkError.describe(error))",
                    "uplink.retry_in": "\(backoff)", "uplink.pending": "\(pending)",
                ])
                failing = true
                await uplink.disconnect()
                try? await clock.sleep(for: backoff)
                backoff = min(backoff * 2, configuration.maxBackoff)
            }
        }
        return failing
    }
}
