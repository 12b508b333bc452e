import Foundation
import Synchronization
import VitalsCore

/// The kiosk's one walk-in session at a time, shared by the hub (which files readings and feeds them in) and
/// the screen's API (which starts, answers and ends sessions). What the screen may see is only the current
/// session's `KioskView`; an ended session is gone from it, so the next patient sees nothing of the last.
///
/// Filing: a reading or ECG block goes under the current session's subject only if the session has consent
/// and the measurement was taken after it (a cuff's memory of earlier patients, or a reading that arrives
/// after its session ended, never lands in the next one); everything else goes under `unfiled`.
public final class KioskDesk: SubjectFiling, Sendable {
    /// Where readings taken outside any consented session are filed: stored, never shown on the kiosk.
    public static let unfiled = SubjectID("kiosk/no-session")
    /// A device clock may be this far behind the hub and its reading still belong to the session.
    public static let clockTolerance: TimeInterval = 60

    public let configuration: KioskSession.Configuration
    private struct State {
        var session: KioskSession?
        /// ECG samples of the current session's strip, in order, and how they were recorded.
        var strip: [Int32] = []
        var stripRate: Double?
        var stripGain: Double?
    }
    private let state = Mutex(State())
    private let makeID: @Sendable () -> String

    public init(configuration: KioskSession.Configuration = .init(), makeID: @escaping @Sendable () -> String = { KioskDesk.randomID() }) {
        self.configuration = configuration
        self.makeID = makeID
    }

    /// 16 random hex digits: a session id that says nothing about the patient or the time.
    public static func randomID() -> String {
        var g = SystemRandomNumberGenerator()
        return String(format: "%016llx", g.next() as UInt64)
    }

    public enum DeskError: Error, Equatable, CustomStringConvertible {
        /// A session is open: it must be ended first.
        case sessionOpen(id: String)
        /// No open session has this id (it ended, or never was).
        case noSession(id: String)
        case refused(String)
        public var description: String {
            switch self {
            case .sessionOpen(let id): "a session is open (\(id)): end it first"
            case .noSession(let id): "no open kiosk session \(id)"
            case .refused(let why): why
            }
        }
    }

    /// The current session as the screen shows it, after moving it on with time (rest over, idle timeout).
    public func current(now: Date) -> KioskView? {
        state.withLock { s in
            guard var session = s.session else { return nil }
            session.tick(now: now)
            if session.isEnded {
                s = State()
                return nil
            }
            s.session = session
            return KioskView(session)
        }
    }

    public func start(test: KioskSession.Test, now: Date) throws(DeskError) -> KioskView {
        let id = makeID()
        return try state.withLock { (s: inout State) throws(DeskError) -> KioskView in
            if var open = s.session {
                open.tick(now: now)
                if !open.isEnded { throw DeskError.sessionOpen(id: open.id) }
            }
            let session = KioskSession(id: id, test: test, configuration: configuration, now: now)
            s = State(session: session)
            return KioskView(session)
        }
    }

    /// Applies the patient's or pharmacist's action to the open session `id`.
    public func update(id: String, now: Date, _ action: (inout KioskSession) throws(KioskError) -> Void) throws(DeskError) -> KioskView {
        try state.withLock { (s: inout State) throws(DeskError) -> KioskView in
            guard var session = s.session, session.id == id else { throw DeskError.noSession(id: id) }
            session.tick(now: now)
            guard !session.isEnded else {
                s = State()
                throw DeskError.noSession(id: id)
            }
            do { try action(&session) } catch { throw DeskError.refused("\(error)") }
            s.session = session
            return KioskView(session)
        }
    }

    /// Ends the open session `id`: the screen is wiped (nothing of it is returned again).
    public func end(id: String, now: Date) throws(DeskError) {
        try state.withLock { (s: inout State) throws(DeskError) in
            guard s.session?.id == id else { throw DeskError.noSession(id: id) }
            s = State()
        }
    }

    public func subject(device: DeviceID, user: UInt8?, measuredAt: Date) -> SubjectID {
        state.withLock { s in
            guard let session = s.session, !session.isEnded, let consented = session.consentedAt,
                measuredAt >= consented.addingTimeInterval(-Self.clockTolerance)
            else { return Self.unfiled }
            return session.subject
        }
    }

    /// A stored reading: counted if it is the open session's.
    public func take(_ r: Reading, now: Date) {
        state.withLock { s in
            guard var session = s.session, r.subject == session.subject else { return }
            session.reading(r, now: now)
            s.session = session
        }
    }

    /// A stored ECG block: collected while the session records its strip; the strip is analysed once long enough.
    public func take(_ block: SampleBlock, now: Date) {
        state.withLock { s in
            guard var session = s.session, block.subject == session.subject, case .recording(let seconds) = session.step else { return }
            if s.stripRate != block.sampleRate {
                s.strip = []
                s.stripRate = block.sampleRate
            }
            s.stripGain = block.unit == .microvolt ? block.gain * 1000 : block.gain
            s.strip += block.samples
            guard Double(s.strip.count) >= seconds * block.sampleRate else { return }
            let samples = Array(s.strip.prefix(Int(seconds * block.sampleRate)))
            try? session.ecgStrip(samples: samples, sampleRate: block.sampleRate, adcGain: s.stripGain, now: now)
            s.session = session
            s.strip = []
        }
    }
}

/// What the kiosk screen shows of the current session: its step, notices and result. Nothing from any other
/// session, and no subject or device identity.
public struct KioskView: Sendable, Equatable, Codable {
    public struct StepView: Sendable, Equatable, Codable {
        /// `consent`, `meal-context`, `resting`, `measure`, `recording`, `result`.
        public var name: String
        /// Resting: when the rest ends; measure: not before this time.
        public var until: Date?
        public var number: Int?
        public var of: Int?
        /// Recording: the strip's length.
        public var seconds: Double?
    }
    public var id: String
    public var test: KioskSession.Test
    public var step: StepView
    public var consented: Bool
    public var meal: KioskSession.MealContext?
    /// The readings counted so far: systolic/diastolic/pulse or glucose, in order.
    public var counted: [[String: Double]]
    public var notices: [KioskNotice]
    /// The result, once there is one: one of the three, by the session's test.
    public var bloodPressure: BloodPressureResult?
    public var glucose: GlucoseResult?
    public var ecg: ECGStripResult?

    public init(_ s: KioskSession) {
        id = s.id
        test = s.test
        consented = s.consentedAt != nil
        meal = s.meal
        notices = s.notices
        switch s.result {
        case .bloodPressure(let r)?: bloodPressure = r
        case .glucose(let r)?: glucose = r
        case .ecg(let r)?: ecg = r
        case nil: break
        }
        counted = s.counted.map { r in
            var v: [String: Double] = [:]
            for o in r.observations { if let x = o.value { v[o.metric.key] = x } }
            return v
        }
        switch s.step {
        case .consent: step = StepView(name: "consent")
        case .mealContext: step = StepView(name: "meal-context")
        case .resting(let until): step = StepView(name: "resting", until: until)
        case .measure(let n, let of, let notBefore): step = StepView(name: "measure", until: notBefore, number: n, of: of)
        case .recording(let seconds): step = StepView(name: "recording", seconds: seconds)
        case .result: step = StepView(name: "result")
        case .ended: step = StepView(name: "ended")
        }
    }
}
