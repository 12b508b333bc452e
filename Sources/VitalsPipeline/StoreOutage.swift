import Foundation
import Logging
import Metrics
import ServiceLifecycle
import Synchronization
import VitalsStore

/// The store could not write and the hub is shutting down (or the task was cancelled), so it stopped trying:
/// what it was writing is not stored and was not acknowledged; the devices keep it.
public struct StoreUnavailable: Error, CustomStringConvertible, Sendable {
    public var cause: StoreFailureCause
    public var underlying: StoreError
    public var description: String { "the store cannot write (\(cause.rawValue)): \(underlying)" }
}

/// What a stage does when the store cannot write (disk full, an I/O error, a damaged file, a lock held
/// elsewhere): nothing is acknowledged, the error is logged plainly with the database path and counted, the
/// stage holds its work and tries the same write again (0.25 s, doubling to 5 s) until the store takes it. The
/// stage's input backs up meanwhile, so transports slow down and devices keep what they were not acknowledged.
/// A refusal of the data itself (a constraint) is not an outage: it is rethrown at once.
final class StoreOutage: Sendable {
    let path: String
    let logger: Logger
    let stage: String
    /// What waits meanwhile, for the log line ("nothing is acknowledged until it is stored").
    let holding: String
    private let failures: [StoreFailureCause: Counter]
    private let writable: Gauge
    private let firstDelay: Duration
    private let maxDelay: Duration
    /// While failing, the error is logged again this often (at error level: someone must act).
    private let remindEvery: Duration
    private struct State {
        var since: ContinuousClock.Instant?
        var lastLogged: ContinuousClock.Instant?
        var attempts = 0
    }
    private let state = Mutex(State())

    /// How long a stage keeps trying after a graceful shutdown began. Zero for what a device will send again (a
    /// reading not acknowledged); some seconds for what nothing would bring back (alert steps of readings already
    /// stored and acknowledged).
    private let shutdownGrace: Duration

    init(path: String, stage: String, holding: String, logger: Logger, metrics: any MetricsFactory,
         firstDelay: Duration = .milliseconds(250), maxDelay: Duration = .seconds(5), remindEvery: Duration = .seconds(60),
         shutdownGrace: Duration = .zero) {
        self.shutdownGrace = shutdownGrace
        self.path = path
        self.stage = stage
        self.holding = holding
        self.logger = logger
        self.firstDelay = firstDelay
        self.maxDelay = maxDelay
        self.remindEvery = remindEvery
        var failures: [StoreFailureCause: Counter] = [:]
        for cause in StoreFailureCause.allCases {
            failures[cause] = Counter(label: "vitals_store_write_failures_total", dimensions: [("cause", cause.metricLabel)], factory: metrics)
        }
        self.failures = failures
        writable = Gauge(label: "vitals_store_writable", factory: metrics)
        writable.record(1)
    }

    /// True while the store is failing writes.
    var failing: Bool { state.withLock { $0.since != nil } }

    /// Runs `write` until it succeeds. A write the store cannot do now is tried again after a pause; the data's
    /// own refusal is rethrown. On cancellation, or once a graceful shutdown has gone on for `shutdownGrace`, it stops
    /// trying and throws `StoreUnavailable`.
    /// `pending` says how many readings wait on this write (for the log; no values are logged).
    func durably<T>(_ what: String, pending: Int, _ write: () async throws -> T) async throws -> T {
        var delay = firstDelay
        let clock = ContinuousClock()
        var stoppingSince: ContinuousClock.Instant?
        func givingUp() -> Bool {
            if Task.isCancelled { return true }
            guard Task.isShuttingDownGracefully else { return false }
            let since = stoppingSince ?? clock.now
            stoppingSince = since
            return since.duration(to: clock.now) >= shutdownGrace
        }
        while true {
            do {
                let result = try await write()
                recovered(what)
                return result
            } catch let error as StoreError where error.storeCannotWrite {
                failed(error, what: what, pending: pending)
                if givingUp() {
                    throw StoreUnavailable(cause: error.cause, underlying: error)
                }
                // Sleep in slices so a graceful shutdown (or the end of its grace) is noticed within a quarter of a second.
                let until = clock.now.advanced(by: delay)
                while clock.now < until, !givingUp() {
                    try? await clock.sleep(for: min(.milliseconds(250), clock.now.duration(to: until)))
                }
                delay = min(delay * 2, maxDelay)
            }
        }
    }

    private func failed(_ error: StoreError, what: String, pending: Int) {
        failures[error.cause]?.increment()
        let now = ContinuousClock.now
        let (first, remind, attempts, since) = state.withLock { s -> (Bool, Bool, Int, ContinuousClock.Instant) in
            s.attempts += 1
            let first = s.since == nil
            if first { s.since = now }
            let remind = !first && (s.lastLogged.map { $0.duration(to: now) >= remindEvery } ?? true)
            if first || remind { s.lastLogged = now }
            return (first, remind, s.attempts, s.since ?? now)
        }
        if first { writable.record(0) }
        guard first || remind else { return }
        var metadata: Logger.Metadata = [
            "store.path": "\(path)", "store.cause": "\(error.cause.rawValue)", "store.stage": "\(stage)", "store.write": "\(what)",
            "store.pending": "\(pending)", "error": "\(error)",
        ]
        if !first {
            metadata["store.attempts"] = "\(attempts)"
            metadata["store.failing_for_s"] = "\(Int(since.duration(to: now).components.seconds))"
        }
        logger.error("cannot store to \(path): \(error.cause.rawValue)\(first ? "" : ", still"); \(holding); trying again", metadata: metadata)
    }

    private func recovered(_ what: String) {
        let now = ContinuousClock.now
        let ended = state.withLock { s -> (since: ContinuousClock.Instant, attempts: Int)? in
            guard let since = s.since else { return nil }
            defer { s = State() }
            return (since, s.attempts)
        }
        guard let ended else { return }
        writable.record(1)
        logger.notice("store \(path) writable again; what was held is stored", metadata: [
            "store.path": "\(path)", "store.stage": "\(stage)", "store.write": "\(what)", "store.failed_attempts": "\(ended.attempts)",
            "store.failing_for_s": "\(Int(ended.since.duration(to: now).components.seconds))",
        ])
    }
}
