import VitalsWire

/// The hub as the ASTM E1381 receiver, as an explicit state machine.
///
/// Neutral → (ENQ, answered with ACK) → Transfer → (EOT) → Neutral. In Transfer each frame is checked: a
/// good checksum and the expected frame number (1 first, then +1 modulo 8) get ACK and its text is kept; a
/// bad frame gets NAK and the sender sends it again. A repeat of the frame just accepted (our ACK was lost)
/// is acknowledged again and not kept twice. After six failures in a row the receiver gives up on the
/// transfer, as E1381 does. ETB frames continue the message; at EOT the text is decoded and delivered.
/// Bytes outside a frame (line noise) are skipped. Between frames the receiver waits at most 30 s
/// (E1381's receiver timeout); then it drops what it has and goes back to Neutral.
///
/// Some meters speak only when the host starts: the Contour USB meters answer any byte other than ACK or
/// NAK with ENQ (glucometerutils' Contour driver sends EOT to start). `Options.hostInitiates` sends that
/// byte at `start` and again every `wakeInterval` until ENQ comes.
///
/// It does no I/O: the caller sends what `.send` holds and passes its monotonic clock in as `now`.
public struct ASTMReceiverSession: Sendable {
    public enum State: Hashable, Sendable {
        /// Waiting for ENQ (and, when the host initiates, waking the meter).
        case neutral
        /// Receiving frames.
        case transfer
        /// `finish` was called.
        case closed
    }

    public struct Options: Sendable {
        /// E1381: the receiver waits 30 s for a frame or EOT.
        public var frameTimeout: Duration = .seconds(30)
        /// Failed frames in a row before the transfer is abandoned (E1381: 6).
        public var maxFailures = 6
        /// Send `wakeByte` at start and every `wakeInterval` while neutral.
        public var hostInitiates = false
        public var wakeByte: UInt8 = ASTMControl.eot
        public var wakeInterval: Duration = .seconds(1)
        /// Give up waking after this many tries (0: never).
        public var maxWakeAttempts = 15
        public init(hostInitiates: Bool = false) { self.hostInitiates = hostInitiates }
    }

    public enum Action: Hashable, Sendable {
        /// Send these bytes to the sender.
        case send([UInt8])
        /// A complete message (delivered at EOT).
        case message(ASTMMessage)
        /// Something went wrong; the text says what. The session goes on unless `.ended` follows.
        case protocolError(String)
        /// The transfer is over (EOT, timeout, abandoned, or the meter never answered).
        case ended
    }

    public private(set) var state: State = .neutral
    public let options: Options
    /// Frames accepted and rejected in this session, for logs.
    public private(set) var framesAccepted = 0
    public private(set) var framesRejected = 0
    /// Bytes skipped outside frames.
    public private(set) var noiseBytes = 0

    private var buffer: [UInt8] = []
    private var text: [UInt8] = []
    private var expected: UInt8 = 1
    private var lastAccepted: ASTMFrame?
    private var failures = 0
    private var deadline: Duration?
    private var nextWake: Duration?
    private var wakeAttempts = 0

    public init(options: Options = Options()) {
        self.options = options
    }

    /// Begins: when the host initiates, the first wake byte.
    public mutating func start(now: Duration) -> [Action] {
        guard options.hostInitiates, state == .neutral else { return [] }
        return wake(now: now)
    }

    /// Bytes from the sender, in any chunking.
    public mutating func received(_ bytes: [UInt8], now: Duration) -> [Action] {
        guard state != .closed else { return [] }
        buffer += bytes
        var actions: [Action] = []
        while !buffer.isEmpty {
            switch state {
            case .closed: buffer = []
            case .neutral:
                // Everything up to an ENQ is ignored (an EOT or stray bytes from an earlier transfer).
                guard let i = buffer.firstIndex(of: ASTMControl.enq) else {
                    noiseBytes += buffer.count
                    buffer = []
                    break
                }
                noiseBytes += i
                buffer.removeFirst(i + 1)
                beginTransfer(now: now)
                actions.append(.send([ASTMControl.ack]))
            case .transfer:
                deadline = now + options.frameTimeout
                let b = buffer[0]
                if b == ASTMControl.eot {
                    buffer.removeFirst()
                    actions += endOfTransmission()
                } else if b == ASTMControl.enq {
                    // A new ENQ inside a transfer: the sender started over; what it had sent is dropped.
                    buffer.removeFirst()
                    if !text.isEmpty { actions.append(.protocolError("ENQ during a transfer: \(text.count) bytes of message text dropped")) }
                    beginTransfer(now: now)
                    actions.append(.send([ASTMControl.ack]))
                } else if b == ASTMControl.stx {
                    guard let n = ASTMFrame.length(in: buffer[...]) else { return actions }  // wait for the rest
                    let frame = Array(buffer[0..<n])
                    buffer.removeFirst(n)
                    actions += handleFrame(frame)
                    if state != .transfer { return actions }
                } else {
                    noiseBytes += 1
                    buffer.removeFirst()
                }
            }
        }
        return actions
    }

    /// Lets timeouts fire (and wakes a meter that has not answered yet).
    public mutating func tick(now: Duration) -> [Action] {
        switch state {
        case .transfer:
            if let d = deadline, now >= d {
                let had = text.count
                reset()
                return [.protocolError("no frame or EOT within \(options.frameTimeout) (receiver timeout); \(had) bytes of message text dropped"), .ended]
            }
        case .neutral:
            if options.hostInitiates, let w = nextWake, now >= w {
                if options.maxWakeAttempts > 0 && wakeAttempts >= options.maxWakeAttempts {
                    nextWake = nil
                    return [.protocolError("the meter did not answer \(wakeAttempts) wake-ups with ENQ"), .ended]
                }
                return wake(now: now)
            }
        case .closed: break
        }
        return []
    }

    /// The link is gone or the caller is done: nothing more is sent.
    public mutating func finish() -> [Action] {
        let wasTransfer = state == .transfer && !text.isEmpty
        reset()
        state = .closed
        return wasTransfer ? [.protocolError("transfer cut off before EOT"), .ended] : []
    }

    // MARK: internals

    private mutating func wake(now: Duration) -> [Action] {
        wakeAttempts += 1
        nextWake = now + options.wakeInterval
        return [.send([options.wakeByte])]
    }

    private mutating func beginTransfer(now: Duration) {
        state = .transfer
        text = []
        expected = 1
        lastAccepted = nil
        failures = 0
        nextWake = nil
        deadline = now + options.frameTimeout
    }

    private mutating func reset() {
        state = .neutral
        text = []
        buffer = []
        lastAccepted = nil
        failures = 0
        deadline = nil
        nextWake = nil
    }

    private mutating func handleFrame(_ bytes: [UInt8]) -> [Action] {
        let frame: ASTMFrame
        do {
            frame = try ASTMFrame(bytes: bytes)
        } catch {
            return reject("\(error)")
        }
        if frame.number == expected {
            text += frame.text
            lastAccepted = frame
            expected = (expected + 1) % 8
            failures = 0
            framesAccepted += 1
            return [.send([ASTMControl.ack])]
        }
        if let last = lastAccepted, frame == last {
            // Our ACK was lost and the sender repeated the frame: acknowledge, keep it once.
            return [.send([ASTMControl.ack])]
        }
        return reject("frame number \(frame.number) out of sequence (expected \(expected))")
    }

    private mutating func reject(_ why: String) -> [Action] {
        failures += 1
        framesRejected += 1
        if failures >= options.maxFailures {
            let had = text.count
            reset()
            return [.send([ASTMControl.nak]), .protocolError("\(why); \(options.maxFailures) failures in a row, transfer abandoned (\(had) bytes of message text dropped)"), .ended]
        }
        return [.send([ASTMControl.nak]), .protocolError(why)]
    }

    private mutating func endOfTransmission() -> [Action] {
        let body = text
        reset()
        guard !body.isEmpty else { return [.ended] }
        do {
            return try ASTMMessage.messages(text: body).map { .message($0) } + [.ended]
        } catch {
            return [.protocolError("message does not decode: \(error)"), .ended]
        }
    }
}
