import Foundation
import Logging
import VitalsWire

/// The hub's or the simulator's end of the simulator link: frames in as an async sequence, frames out by `send`.
///
/// A dedicated thread blocks in `recv` and hands frames over through a bounded buffer: when the consumer
/// falls behind, the thread stops reading, the kernel buffer fills, and the sender is held back.
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
    }

    /// Call once for each frame or malformed event taken from `events`, to free its slot (ticks hold none).
    public func consumed() { slots.signal() }

    /// Puts a `.tick` into `events`.
    public func tick() { continuation.yield(.tick) }

    public func send(_ frame: SimFrame) throws(SocketError) {
        try socket.send(frame.encoded())
    }

    /// Closes the link; `events` finishes.
    public func close() {
        socket.shutdown()
        // Free a slot so a reader waiting for space sees the shutdown.
        slots.signal()
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
