import Foundation
import Logging
import ServiceLifecycle
import VitalsStore

/// Applies the retention policy (`retention.days` in the configuration file) while the hub runs: at start and
/// then every `policy.every`, `VitalsStore.applyRetention` deletes readings and waveform blocks older than the
/// policy's days that every uplink has acknowledged. Alerts, and the readings they cite, are kept.
public struct RetentionService: Service {
    public struct Policy: Sendable, Equatable {
        public var days: Int
        /// Delete by age alone when no uplink has ever acknowledged anything (a hub that sends nowhere).
        public var withoutUplink: Bool
        public var every: Duration

        public init(days: Int, withoutUplink: Bool = false, every: Duration = .seconds(24 * 3600)) {
            (self.days, self.withoutUplink, self.every) = (days, withoutUplink, every)
        }
    }

    let store: VitalsStore
    let policy: Policy
    let logger: Logger
    let now: @Sendable () -> Date

    public init(store: VitalsStore, policy: Policy, logger: Logger, now: @escaping @Sendable () -> Date = { Date() }) {
        (self.store, self.policy, self.logger, self.now) = (store, policy, logger, now)
    }

    /// One pass: what `run` does each period.
    @discardableResult
    public func applyOnce() async throws -> RetentionOutcome {
        let t = now()
        let outcome = try await store.applyRetention(
            olderThan: t.addingTimeInterval(-Double(policy.days) * 86_400), withoutUplink: policy.withoutUplink, by: "hub retention", at: t)
        if outcome.noUplink && outcome.keptUnsent > 0 {
            logger.warning("retention: nothing deleted, no uplink has acknowledged anything (retention.without_uplink = true deletes by age alone)",
                           metadata: ["retention.kept": "\(outcome.keptUnsent)"])
        }
        return outcome
    }

    /// Runs until the hub shuts down (or the task is cancelled), then returns without an error.
    public func run() async throws {
        do {
            try await cancelWhenGracefulShutdown {
                while !Task.isCancelled {
                    do { try await applyOnce() } catch is CancellationError { return } catch {
                        logger.error("retention failed; tried again next period", metadata: ["error": "\(error)"])
                    }
                    try await Task.sleep(for: policy.every)
                }
            }
        } catch is CancellationError {
            return
        }
    }
}
