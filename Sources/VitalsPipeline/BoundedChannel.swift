import Synchronization

/// A bounded hand-off between two pipeline stages: many producers, one consumer.
///
/// `send` suspends while `capacity` elements are waiting, so a flood pushes back on the producer instead of
/// growing memory. `finish` ends the stream after everything already sent has been taken: nothing is dropped.
public final class BoundedChannel<Element: Sendable>: Sendable {
    struct State {
        var buffer: [Element] = []
        var head = 0
        var finished = false
        /// Producers that have not said `finish()` yet; the channel ends when the last one does.
        var openProducers = 1
        var consumer: CheckedContinuation<Element?, Never>?
        var producers: [(Element, CheckedContinuation<Void, Never>)] = []
        var count: Int { buffer.count - head }
        mutating func pop() -> Element? {
            guard head < buffer.count else { return nil }
            let e = buffer[head]
            head += 1
            if head > 64 && head * 2 > buffer.count {
                buffer.removeFirst(head)
                head = 0
            }
            return e
        }
    }

    enum SendStep { case done, resume(CheckedContinuation<Element?, Never>), wait }
    enum ParkStep { case resumeConsumer(CheckedContinuation<Element?, Never>), resumeSelf, parked }
    enum NextStep { case value(Element?, CheckedContinuation<Void, Never>?), wait }

    public let capacity: Int
    private let state = Mutex(State())

    /// `producers`: how many stages send into this channel; each calls `finish()` once, and the consumer
    /// sees the end only after the last of them.
    public init(capacity: Int, producers: Int = 1) {
        precondition(capacity > 0 && producers > 0)
        self.capacity = capacity
        state.withLock { $0.openProducers = producers }
    }

    /// Sends one element, waiting for room. Sending after `finish` is a programming error and is ignored.
    public func send(_ element: Element) async {
        let step: SendStep = state.withLock { s in
            if s.finished { return .done }
            if let c = s.consumer {
                s.consumer = nil
                return .resume(c)
            }
            if s.count < capacity {
                s.buffer.append(element)
                return .done
            }
            return .wait
        }
        switch step {
        case .done: return
        case .resume(let c): c.resume(returning: element)
        case .wait:
            await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
                let then: ParkStep = state.withLock { s in
                    if let waiting = s.consumer {
                        s.consumer = nil
                        return .resumeConsumer(waiting)
                    }
                    if s.finished { return .resumeSelf }
                    if s.count < capacity {
                        s.buffer.append(element)
                        return .resumeSelf
                    }
                    s.producers.append((element, c))
                    return .parked
                }
                switch then {
                case .resumeConsumer(let consumer):
                    consumer.resume(returning: element)
                    c.resume()
                case .resumeSelf: c.resume()
                case .parked: break
                }
            }
        }
    }

    /// The next element, or nil once finished and empty. One consumer only.
    public func next() async -> Element? {
        let step: NextStep = state.withLock { s in
            if let e = s.pop() {
                var resumed: CheckedContinuation<Void, Never>?
                if !s.producers.isEmpty {
                    let (pe, pc) = s.producers.removeFirst()
                    s.buffer.append(pe)
                    resumed = pc
                }
                return .value(e, resumed)
            }
            if !s.producers.isEmpty {
                let (pe, pc) = s.producers.removeFirst()
                return .value(pe, pc)
            }
            if s.finished { return .value(nil, nil) }
            return .wait
        }
        switch step {
        case .value(let e, let producer):
            producer?.resume()
            return e
        case .wait:
            return await withCheckedContinuation { (c: CheckedContinuation<Element?, Never>) in
                let immediate: Element?? = state.withLock { s in
                    if let e = s.pop() { return .some(e) }
                    if s.finished { return .some(nil) }
                    s.consumer = c
                    return .none
                }
                if let immediate { c.resume(returning: immediate) }
            }
        }
    }

    /// Takes up to `max` elements already waiting, without suspending.
    public func drainAvailable(max: Int) -> [Element] {
        var out: [Element] = []
        var resumed: [CheckedContinuation<Void, Never>] = []
        state.withLock { s in
            while out.count < max, let e = s.pop() {
                out.append(e)
                if !s.producers.isEmpty {
                    let (pe, pc) = s.producers.removeFirst()
                    s.buffer.append(pe)
                    resumed.append(pc)
                }
            }
        }
        for c in resumed { c.resume() }
        return out
    }

    /// No more elements will be sent; the consumer gets what is left, then nil. Waiting producers' elements are kept.
    public func finish() {
        let (consumer, producers): (CheckedContinuation<Element?, Never>?, [CheckedContinuation<Void, Never>]) = state.withLock { s in
            s.openProducers -= 1
            if s.openProducers > 0 { return (nil, []) }
            s.finished = true
            let ps = s.producers
            s.producers = []
            for (e, _) in ps { s.buffer.append(e) }
            let c = s.count == 0 ? s.consumer : nil
            if c != nil { s.consumer = nil }
            return (c, ps.map(\.1))
        }
        consumer?.resume(returning: nil)
        for p in producers { p.resume() }
    }

    /// Elements waiting now (for metrics).
    public var depth: Int { state.withLock { $0.count + $0.producers.count } }
}
