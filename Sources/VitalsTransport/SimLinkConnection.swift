import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Logging
import VitalsWire

/// The hub's or the simulator's end of the simulator link: frames in as an async sequence, frames out by `send`.
///
/// A dedicated thread blocks in `recv` and hands frames over through a bounded buffer: when the consumer
/// falls behind, the thread stops reading, the kernel buffer fills, and the sender is held back.
///
/// Sending never blocks the caller: frames go to a second thread that blocks in `send`. Otherwise a consumer that
/// sends while it handles events (the hub's central connects as it reads advertisements) could wait on a peer that
/// is itself blocked sending to it while the reader holds off: with 1,000 simulated devices the simulator's burst
/// of advertisements filled the socket both ways and neither side moved.
public final class SimLinkConnection: Sendable {
    public enum Event: Sendable {
        case frame(SimFrame)
        /// A record that is not a valid frame; the link keeps going.
        case malformed(WireError, bytes: [UInt8])
        /// A timer tick put in by `tick()`, so the consumer can check its deadlines in the same loop.
        case tick
    }

    public let socket: SeqPacketSocket
    public let events: AsyncThrowingStream<Event, any Error>
    private let slots: Slots
    private let logger: Logger
    private let continuation: AsyncThrowingStream<Event, any Error>.Continuation
    private let outbound: Outbound

    /// - Parameter capacity: how many frames may wait for the consumer before reading stops.
    public init(socket: SeqPacketSocket, capacity: Int = 64, logger: Logger) {
        self.socket = socket
        self.logger = logger
        let slots = Slots(capacity)
        self.slots = slots
        let (stream, continuation) = AsyncThrowingStream<Event, any Error>.makeStream()
        self.events = stream
        self.continuation = continuation
        let thread = Thread {
            while true {
                slots.wait()
                do {
                    let bytes: [UInt8]
                    switch try socket.receiveRecord() {
                    case .end:
                        continuation.finish()
                        return
                    case .oversized(let n):
                        let e = WireError(entity: SimFrame.entity, field: "frame", offset: SeqPacketSocket.maxFrame, reason: .invalidValue("a \(n)-byte record exceeds the \(SeqPacketSocket.maxFrame)-byte limit; discarded"))
                        continuation.yield(.malformed(e, bytes: []))
                        continue
                    case .frame(let b): bytes = b
                    }
                    do throws(WireError) {
                        continuation.yield(.frame(try SimFrame(bytes: bytes)))
                    } catch {
                        continuation.yield(.malformed(error, bytes: bytes))
                    }
                } catch {
                    continuation.finish(throwing: error)
                    return
                }
            }
        }
        thread.name = "sim-link-reader"
        thread.start()
        let outbound = Outbound()
        self.outbound = outbound
        let writer = Thread {
            while let record = outbound.next() {
                do throws(SocketError) { try socket.send(record) } catch {
                    // The reader sees the link end; later sends throw this error.
                    outbound.fail(error)
                    return
                }
            }
        }
        writer.name = "sim-link-writer"
        writer.start()
    }

    /// Call once for each frame or malformed event taken from `events`, to free its slot (ticks hold none).
    public func consumed() { slots.signal() }

    /// Puts a `.tick` into `events`.
    public func tick() { continuation.yield(.tick) }

    /// Queues a frame for the writer thread, in order; throws the error that ended the link, if it has ended.
    public func send(_ frame: SimFrame) throws(SocketError) {
        try outbound.put(frame.encoded())
    }

    /// Frames queued and not yet written to the socket.
    public var pendingSends: Int { outbound.count }

    /// Closes the link; `events` finishes.
    public func close() {
        outbound.close()
        socket.shutdown()
        // Free a slot so a reader waiting for space sees the shutdown.
        slots.signal()
    }
}

/// The writer thread's queue. It holds what the consumer sent and the peer has not taken yet; the consumer sends in
/// answer to the frames it reads, so it grows only while the peer is itself busy sending.
final class Outbound: @unchecked Sendable {
    private let condition = NSCondition()
    private var queue: [[UInt8]] = []
    private var head = 0
    private var closed = false
    private var failure: SocketError?

    func put(_ record: [UInt8]) throws(SocketError) {
        condition.lock()
        defer { condition.unlock() }
        if let failure { throw failure }
        if closed { throw SocketError(call: "send", errno: EPIPE, path: nil) }
        queue.append(record)
        condition.signal()
    }

    /// The next record to write, waiting for one; nil once closed (what was queued before is still written).
    func next() -> [UInt8]? {
        condition.lock()
        defer { condition.unlock() }
        while head == queue.count && !closed { condition.wait() }
        guard head < queue.count else { return nil }
        let r = queue[head]
        head += 1
        if head == queue.count {
            queue.removeAll(keepingCapacity: true)
            head = 0
        }
        return r
    }

    func fail(_ e: SocketError) {
        condition.lock()
        failure = e
        closed = true
        queue.removeAll()
        head = 0
        condition.unlock()
    }

    func close() {
        condition.lock()
        closed = true
        condition.signal()
        condition.unlock()
    }

    var count: Int {
        condition.lock()
        defer { condition.unlock() }
        return queue.count - head
    }
}

/// A counting semaphore the reader thread waits on. (DispatchSemaphore traps when released below its
/// starting value, which a link closed mid-flow does.)
public final class Slots: @unchecked Sendable {
    private let condition = NSCondition()
    private var free: Int

    public init(_ capacity: Int) { free = capacity }

    public func wait() {
        condition.lock()
        while free <= 0 { condition.wait() }
        free -= 1
        condition.unlock()
    }

    public func signal() {
        condition.lock()
        free += 1
        condition.signal()
        condition.unlock()
    }
}
