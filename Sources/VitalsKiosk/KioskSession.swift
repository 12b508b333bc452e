import Foundation
import VitalsCore
import VitalsValidation

/// One walk-in patient's measurement at a pharmacy kiosk, as an explicit state machine: consent, then the
/// guided protocol of the chosen test, then a result. The caller feeds it events (the patient's taps, the
/// device's readings, the clock) with the time they happened and shows `step`; nothing here does I/O.
///
/// Protocols:
/// - **Blood pressure:** seated rest (5 minutes by default), then three readings about one minute apart; the
///   result is the mean of the last two (ESH 2023 office measurement; ACC/AHA 2017 §4 "average of ≥ 2
///   readings"), classified by ACC/AHA 2017 and ESH 2023.
/// - **Glucose:** the patient says fasting, two hours after a meal, or neither; one finger-stick result,
///   classified by the ADA Standards of Care cut-offs for that context.
/// - **ECG:** a 30-second single-lead strip; heart rate and rhythm from the beats, or "inconclusive" when
///   the signal is poor.
///
/// Every session files its readings under its own subject (`kiosk/<id>`), so one patient's data never
/// appears in another's session.
public struct KioskSession: Sendable {
    public enum Test: String, Sendable, Codable, CaseIterable {
        case bloodPressure = "blood-pressure"
        case glucose
        case ecg
    }

    public enum MealContext: String, Sendable, Codable, CaseIterable {
        /// No calorie intake for at least 8 hours (ADA's fasting definition).
        case fasting
        /// Two hours after the start of a meal.
        case afterMeal = "after-meal"
        /// Neither: a random test.
        case random
    }

    public struct Configuration: Sendable {
        /// Seated rest before the first blood-pressure reading (ESH 2023 and ACC/AHA 2017: 5 minutes).
        public var restSeconds: Double = 300
        /// Between blood-pressure readings (ESH 2023: 1–2 minutes apart).
        public var readingIntervalSeconds: Double = 60
        /// A reading this much before its minute is up still counts (the patient pressed start a little early).
        public var earlyToleranceSeconds: Double = 10
        public var bloodPressureReadings = 3
        /// The ECG strip's length.
        public var ecgSeconds: Double = 30
        /// A session nobody touches for this long ends by itself, so an abandoned result never waits for the
        /// next patient.
        public var idleTimeoutSeconds: Double = 10 * 60
        public init() {}
    }

    /// What the screen shows, and what the session waits for.
    public enum Step: Sendable, Equatable, Codable {
        /// Waiting for the patient to agree to the measurement and to the processing of the result.
        case consent
        /// Glucose: waiting for the meal context.
        case mealContext
        /// Blood pressure: sit still until `until`.
        case resting(until: Date)
        /// Waiting for reading `number` of `of`; not before `notBefore` (the minute between readings).
        case measure(number: Int, of: Int, notBefore: Date?)
        /// ECG: recording the strip (the device streams; the strip comes whole).
        case recording(seconds: Double)
        /// The result is on the screen (`result`).
        case result
        /// The session is over; nothing of it is shown any more.
        case ended(reason: String)
    }

    public let id: String
    public let test: Test
    public let configuration: Configuration
    public let startedAt: Date
    public private(set) var step: Step
    public private(set) var consentedAt: Date?
    public private(set) var meal: MealContext?
    /// Readings counted towards the result, in order.
    public private(set) var counted: [Reading] = []
    /// What the patient is told besides the step (a reading that did not count, a crisis on the way).
    public private(set) var notices: [KioskNotice] = []
    public private(set) var result: KioskResult?
    public private(set) var lastActivity: Date

    /// The subject the session's readings are filed under.
    public var subject: SubjectID { SubjectID("kiosk/\(id)") }

    public init(id: String, test: Test, configuration: Configuration = Configuration(), now: Date) {
        self.id = id
        self.test = test
        self.configuration = configuration
        startedAt = now
        lastActivity = now
        step = .consent
    }

    public var isEnded: Bool { if case .ended = step { true } else { false } }

    /// The patient's answer to the consent screen. Refusing ends the session.
    public mutating func consent(_ given: Bool, now: Date) throws(KioskError) {
        try expect(.consent, "consent")
        lastActivity = now
        guard given else {
            step = .ended(reason: "consent refused")
            return
        }
        consentedAt = now
        switch test {
        case .bloodPressure: step = .resting(until: now.addingTimeInterval(configuration.restSeconds))
        case .glucose: step = .mealContext
        case .ecg: step = .recording(seconds: configuration.ecgSeconds)
        }
    }

    public mutating func mealContext(_ m: MealContext, now: Date) throws(KioskError) {
        try expect(.mealContext, "meal context")
        lastActivity = now
        meal = m
        step = .measure(number: 1, of: 1, notBefore: nil)
    }

    /// Moves the session on with time: the rest ends, an idle session ends. Returns whether the step changed.
    @discardableResult
    public mutating func tick(now: Date) -> Bool {
        if !isEnded, now.timeIntervalSince(lastActivity) >= configuration.idleTimeoutSeconds {
            step = .ended(reason: "no activity for \(Int(configuration.idleTimeoutSeconds / 60)) minutes")
            return true
        }
        if case .resting(let until) = step, now >= until {
            step = .measure(number: 1, of: configuration.bloodPressureReadings, notBefore: nil)
            return true
        }
        return false
    }

    /// A validated reading from the kiosk's device. Returns whether it counted; when it did not, `notices`
    /// says why (too early, doubtful, not the test's kind, not a measurement).
    @discardableResult
    public mutating func reading(_ r: Reading, now: Date) -> Bool {
        guard consentedAt != nil, !isEnded else { return false }  // before consent or after the end: not this patient's
        lastActivity = now
        if case .resting(let until) = step {
            notice(.tooEarly, "The rest is not over: sit still, feet flat, back supported, until \(Self.clock(until)), then measure.")
            return false
        }
        guard case .measure(let number, let of, let notBefore) = step else { return false }
        guard r.kind == (test == .bloodPressure ? .bloodPressure : .glucose) else {
            notice(.wrongDevice, "That reading is not a \(test == .bloodPressure ? "blood pressure" : "glucose") measurement; it was not counted.")
            return false
        }
        guard r.isAnalysable else {
            notice(.notAMeasurement, "The device could not measure properly (\(r.flags.map(\.rawValue).sorted().joined(separator: ", "))). Please measure again.")
            return false
        }
        if test == .bloodPressure {
            let doubts = AlertPolicy.doubtfulBloodPressure.filter { r.flags.contains($0.0) }.map(\.1)
            if !doubts.isEmpty {
                notice(.doubtful, "The cuff reported \(doubts.joined(separator: " and ")). Sit still with the cuff snug on the bare upper arm at heart level, and measure again.")
                return false
            }
            if let notBefore, r.effectiveTime < notBefore.addingTimeInterval(-configuration.earlyToleranceSeconds) {
                notice(.tooEarly, "Readings need about a minute between them. Wait until \(Self.clock(notBefore)) and measure again.")
                return false
            }
            if let sys = r.observation(.systolic)?.value, let dia = r.observation(.diastolic)?.value,
                BloodPressureAdvice.isCrisis(systolic: sys, diastolic: dia)
            {
                notice(.urgent, BloodPressureAdvice.crisisAdvice)
            }
        }
        counted.append(r)
        if number < of {
            step = .measure(number: number + 1, of: of, notBefore: r.effectiveTime.addingTimeInterval(configuration.readingIntervalSeconds))
        } else {
            result = test == .bloodPressure ? .bloodPressure(BloodPressureAdvice.result(counted)) : .glucose(GlucoseAdvice.result(r, meal: meal ?? .random))
            step = .result
        }
        return true
    }

    /// ECG: the recorded strip (ADC samples of one lead) and how it was recorded.
    public mutating func ecgStrip(samples: [Int32], sampleRate: Double, adcGain: Double?, now: Date) throws(KioskError) {
        guard case .recording = step else { throw KioskError(step: step, action: "ECG strip") }
        lastActivity = now
        let needed = Int(configuration.ecgSeconds * sampleRate * 0.95)
        guard samples.count >= needed else {
            notice(.tooShort, "The recording was too short (\(Int(Double(samples.count) / sampleRate)) s of \(Int(configuration.ecgSeconds)) s). Keep your fingers on the electrodes and record again.")
            return
        }
        result = .ecg(ECGStripAnalysis.analyse(samples: samples, sampleRate: sampleRate, adcGain: adcGain))
        step = .result
    }

    /// The session ends (the patient is done, the pharmacist ends it, or it timed out): nothing of it is shown any more.
    public mutating func end(reason: String = "ended", now: Date) {
        lastActivity = now
        step = .ended(reason: reason)
    }

    private mutating func notice(_ kind: KioskNotice.Kind, _ text: String) {
        notices.append(KioskNotice(kind: kind, text: text))
    }

    private func expect(_ wanted: Step, _ action: String) throws(KioskError) {
        guard step == wanted else { throw KioskError(step: step, action: action) }
    }

    static func clock(_ d: Date) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_GB")
        f.dateFormat = "HH:mm:ss"
        return f.string(from: d)
    }
}

/// Something the patient is told besides the current step.
public struct KioskNotice: Sendable, Equatable, Codable {
    public enum Kind: String, Sendable, Codable {
        case tooEarly = "too-early"
        case doubtful
        case notAMeasurement = "not-a-measurement"
        case wrongDevice = "wrong-device"
        case tooShort = "too-short"
        /// Act now (a crisis-level blood pressure, a severe low).
        case urgent
    }
    public var kind: Kind
    public var text: String
}

/// An action the session's current step does not allow.
public struct KioskError: Error, Sendable, CustomStringConvertible {
    public var step: KioskSession.Step
    public var action: String
    public var description: String { "\(action) is not possible now: the session is at \(step)" }
}

/// The result of a kiosk test.
public enum KioskResult: Sendable, Equatable, Codable {
    case bloodPressure(BloodPressureResult)
    case glucose(GlucoseResult)
    case ecg(ECGStripResult)
}
