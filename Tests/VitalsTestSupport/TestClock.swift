import Synchronization

/// A clock for tests whose time moves only when the test says so: a service that sleeps on it waits until
/// `advance(by:)` passes its deadline, so a test drives timers (ticks, polls, back-off) without sleeping.
/// It also keeps every duration asked for, so a test can check a schedule (a retry's back-off, say).
public final class TestClock: Clock, Sendable {
    public struct Instant: InstantProtocol, CustomStringConvertible {
        public var offset: Duration
        public init(offset: Duration) { self.offset = offset }
        public func advanced(by d: Duration) -> Instant { Instant(offset: offset + d) }
        public func duration(to other: Instant) -> Duration { other.offset - offset }
        public static func < (a: Instant, b: Instant) -> Bool { a.offset < b.offset }
        public var description: String { "\(offset)" }
    }

    private struct Sleeper {
        var id: Int
        var deadline: Instant
        var continuation: CheckedContinuation<Void, any Error>
    }

    private struct State {
        var now = Instant(offset: .zero)
        var nextID = 0
        var sleepers: [Sleeper] = []
        var requested: [Duration] = []
        /// Sleepers cancelled before they were registered.
        var cancelled: Set<Int> = []
        /// Tests waiting for this many sleepers.
        var waiters: [(count: Int, continuation: CheckedContinuation<Void, Never>)] = []
    }

    private let state = Mutex(State())
    private let advancesOnSleep: Bool

    /// With `advancesOnSleep`, a sleep moves time straight to its deadline and returns: for code whose
    /// waits are only to be recorded (a back-off schedule), not driven.
    public init(advancesOnSleep: Bool = false) { self.advancesOnSleep = advancesOnSleep }

    public var now: Instant { state.withLock { $0.now } }
    public var minimumResolution: Duration { .zero }

    /// Every duration a sleeper asked for, in order.
    public var requestedSleeps: [Duration] { state.withLock { $0.requested } }

    public func sleep(until deadline: Instant, tolerance: Duration? = nil) async throws {
        try Task.checkCancellation()
        let id = state.withLock { s in
            s.nextID += 1
            return s.nextID
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (c: CheckedContinuation<Void, any Error>) in
                let ready: [CheckedContinuation<Void, Never>] = state.withLock { s in
                    s.requested.append(s.now.duration(to: deadline))
                    if s.cancelled.remove(id) != nil {
                        c.resume(throwing: CancellationError())
                        return []
                    }
                    if deadline <= s.now || advancesOnSleep {
                        if deadline > s.now { s.now = deadline }
                        c.resume()
                        return []
                    }
                    s.sleepers.append(Sleeper(id: id, deadline: deadline, continuation: c))
                    let count = s.sleepers.count
                    let due = s.waiters.filter { $0.count <= count }.map(\.continuation)
                    s.waiters.removeAll { $0.count <= count }
                    return due
                }
                for w in ready { w.resume() }
            }
        } onCancel: {
            let cancelled = state.withLock { s -> Sleeper? in
                guard let i = s.sleepers.firstIndex(where: { $0.id == id }) else {
                    s.cancelled.insert(id)
                    return nil
                }
                return s.sleepers.remove(at: i)
            }
            cancelled?.continuation.resume(throwing: CancellationError())
        }
    }

    /// Moves time on and wakes every sleeper whose deadline has come, earliest first.
    public func advance(by d: Duration) {
        let due: [Sleeper] = state.withLock { s in
            s.now = s.now.advanced(by: d)
            let now = s.now
            let due = s.sleepers.filter { $0.deadline <= now }.sorted { $0.deadline < $1.deadline }
            s.sleepers.removeAll { $0.deadline <= now }
            return due
        }
        for s in due { s.continuation.resume() }
    }

    /// Returns once at least `count` sleepers are waiting on the clock (a service has reached its timer).
    public func sleepers(atLeast count: Int) async {
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let now: Bool = state.withLock { s in
                if s.sleepers.count >= count { return true }
                s.waiters.append((count, c))
                return false
            }
            if now { c.resume() }
        }
    }
}
