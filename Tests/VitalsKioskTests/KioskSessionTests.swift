import Foundation
import Testing
import VitalsCore
import VitalsECG
import VitalsKiosk
import VitalsTestSupport

let t0 = Date(timeIntervalSince1970: 1_800_000_000)

func cuff(_ sys: Double, _ dia: Double, pulse: Double = 70, at seconds: Double, flags: Set<QualityFlag> = []) -> Reading {
    var r = bp(sys, dia, profile: "sim-bp-cuff", flags: flags)
    r.observations.append(Observation(metric: .pulseRateNonInvasive, value: pulse, unit: .perMinute, wire: WireValue(encoding: "sfloat", bits: 0, unit: "bpm")))
    (r.effectiveTime, r.receivedTime) = (t0.addingTimeInterval(seconds), t0.addingTimeInterval(seconds))
    return r
}

func meter(_ mgdl: Double?, low: Bool = false, at seconds: Double = 400, flags: Set<QualityFlag> = []) -> Reading {
    var r = mgdl.map { glucose($0, flags: flags) } ?? censoredGlucose(low: low)
    (r.effectiveTime, r.receivedTime) = (t0.addingTimeInterval(seconds), t0.addingTimeInterval(seconds))
    return r
}

struct KioskBloodPressureTests {
    @Test func restThenThreeReadingsAMinuteApartGiveTheMeanOfTheLastTwo() throws {
        var s = KioskSession(id: "a1", test: .bloodPressure, now: t0)
        #expect(s.step == .consent && s.subject == SubjectID("kiosk/a1"))
        let step1 = s.reading(cuff(150, 95, at: 1), now: t0.addingTimeInterval(1))
        #expect(!step1, "nothing counts before consent")
        try s.consent(true, now: t0)
        #expect(s.step == .resting(until: t0.addingTimeInterval(300)))
        // A reading during the rest does not count, and says why.
        let step2 = s.reading(cuff(150, 95, at: 120), now: t0.addingTimeInterval(120))
        #expect(!step2)
        #expect(s.notices.last?.kind == .tooEarly)
        let step3 = s.tick(now: t0.addingTimeInterval(299))
        #expect(!step3)
        let step4 = s.tick(now: t0.addingTimeInterval(300))
        #expect(step4)
        #expect(s.step == .measure(number: 1, of: 3, notBefore: nil))
        let step5 = s.reading(cuff(152, 96, at: 310), now: t0.addingTimeInterval(310))
        #expect(step5)
        #expect(s.step == .measure(number: 2, of: 3, notBefore: t0.addingTimeInterval(370)))
        // Thirty seconds later is too soon; fifty-five (within the tolerance) is fine.
        let step6 = s.reading(cuff(140, 90, at: 340), now: t0.addingTimeInterval(340))
        #expect(!step6)
        #expect(s.notices.last?.kind == .tooEarly)
        let step7 = s.reading(cuff(138, 88, pulse: 72, at: 365), now: t0.addingTimeInterval(365))
        #expect(step7)
        // A doubtful reading (the cuff saw movement) asks for another, and does not count.
        let step8 = s.reading(cuff(120, 70, at: 430, flags: [.bodyMovement]), now: t0.addingTimeInterval(430))
        #expect(!step8)
        #expect(s.notices.last?.kind == .doubtful)
        let step9 = s.reading(cuff(133, 85, pulse: 69, at: 431), now: t0.addingTimeInterval(431))
        #expect(step9)
        #expect(s.step == .result)
        guard case .bloodPressure(let r)? = s.result else { Issue.record("no BP result"); return }
        #expect(r.readings.count == 3)
        // (138 + 133) / 2 = 135.5 → 136; (88 + 85) / 2 = 86.5 → 87 (rounded half away from zero).
        #expect(r.systolic == 136 && r.diastolic == 87 && r.pulse == 71)
        #expect(r.accAHA2017 == "stage-1" && r.esh2023 == "high-normal")
        #expect(r.headline.hasPrefix("136/87 mmHg"))
        #expect(r.advice[0].contains("ACC/AHA 2017") && r.advice.contains { $0.contains("ESH 2023 office grade: high-normal") })
        #expect(r.citations.count == 2 && !r.crisis)
    }

    @Test(arguments: [
        (118.0, 76.0, "normal", "optimal"), (125, 78, "elevated", "normal"), (135, 82, "stage-1", "high-normal"),
        (145, 85, "stage-2", "isolated-systolic"), (165, 102, "stage-2", "grade-2"), (185, 100, "crisis", "grade-3"),
    ])
    func categoriesOfTheMean(sys: Double, dia: Double, acc: String, esh: String) throws {
        let r = BloodPressureAdvice.result([cuff(200, 130, at: 0), cuff(sys, dia, at: 60), cuff(sys, dia, at: 120)])
        #expect(r.accAHA2017 == acc && r.esh2023 == esh)
        #expect(r.crisis, "the first reading was at crisis level, whatever the mean")
    }

    @Test func aCrisisReadingWarnsAtOnce() throws {
        var s = KioskSession(id: "b", test: .bloodPressure, now: t0)
        try s.consent(true, now: t0)
        s.tick(now: t0.addingTimeInterval(300))
        let step10 = s.reading(cuff(190, 110, at: 310), now: t0.addingTimeInterval(310))
        #expect(step10)
        #expect(s.notices.last?.kind == .urgent && s.notices.last?.text.contains("180/120") == true)
    }

    @Test func consentRefusedEndsTheSessionAndWrongStepsAreRefused() throws {
        var s = KioskSession(id: "c", test: .bloodPressure, now: t0)
        #expect(throws: KioskError.self) { try s.mealContext(.fasting, now: t0) }
        try s.consent(false, now: t0)
        #expect(s.isEnded && s.consentedAt == nil)
        #expect(throws: KioskError.self) { try s.consent(true, now: t0) }
        let step11 = s.reading(cuff(120, 80, at: 10), now: t0)
        #expect(!step11, "an ended session takes nothing")
    }

    @Test func anAbandonedSessionEndsByItself() throws {
        var s = KioskSession(id: "d", test: .bloodPressure, now: t0)
        try s.consent(true, now: t0)
        s.tick(now: t0.addingTimeInterval(300))
        let step12 = s.tick(now: t0.addingTimeInterval(300 + 600))
        #expect(step12)
        #expect(s.isEnded)
    }
}

struct KioskGlucoseTests {
    func run(_ meal: KioskSession.MealContext, _ r: Reading) throws -> GlucoseResult? {
        var s = KioskSession(id: "g", test: .glucose, now: t0)
        try s.consent(true, now: t0)
        #expect(s.step == .mealContext)
        try s.mealContext(meal, now: t0)
        let step13 = s.reading(r, now: t0.addingTimeInterval(400))
        #expect(step13)
        guard case .glucose(let g)? = s.result else { return nil }
        return g
    }

    @Test(arguments: [
        (KioskSession.MealContext.fasting, 99.0, "normal"), (.fasting, 100, "prediabetes-range"), (.fasting, 125, "prediabetes-range"),
        (.fasting, 126, "diabetes-range"), (.afterMeal, 139, "normal"), (.afterMeal, 140, "above-usual"), (.afterMeal, 200, "diabetes-range"),
        (.random, 199, "within-usual"), (.random, 200, "high"), (.random, 69, "level-1-hypoglycaemia"), (.fasting, 53, "level-2-hypoglycaemia"),
        (.afterMeal, 54, "level-1-hypoglycaemia"),
    ])
    func adaCutOffsByMealContext(meal: KioskSession.MealContext, mgdl: Double, category: String) throws {
        let g = try #require(try run(meal, meter(mgdl)))
        #expect(g.category == category)
        #expect(g.urgent == (mgdl < 70))
        #expect(g.citations.first?.contains("Standards of Care") == true)
    }

    @Test func lowAndHighAreCensoredAndUrgent() throws {
        let low = try #require(try run(.random, meter(nil, low: true)))
        #expect(low.category == "level-2-hypoglycaemia" && low.urgent && low.censored == "below-range" && low.mgPerDL == nil && low.headline.hasPrefix("LOW"))
        let high = try #require(try run(.fasting, meter(nil, low: false)))
        #expect(high.category == "high" && high.urgent && high.headline.hasPrefix("HIGH"))
    }

    @Test func aControlSolutionTestDoesNotCount() throws {
        var s = KioskSession(id: "g", test: .glucose, now: t0)
        try s.consent(true, now: t0)
        try s.mealContext(.fasting, now: t0)
        let step14 = s.reading(meter(100, flags: [.controlSolution]), now: t0)
        #expect(!step14)
        #expect(s.notices.last?.kind == .notAMeasurement && s.result == nil)
        let step15 = s.reading(cuff(120, 80, at: 10), now: t0)
        #expect(!step15, "a cuff reading is not a glucose test")
        #expect(s.notices.last?.kind == .wrongDevice)
    }
}

@Suite(.enabled(if: MITBIH.available, "needs ../shared/data/mitdb; skipped on a clone without it"))
struct KioskECGTests {
    /// 30 s of channel 0 starting at `second`.
    static func strip(_ record: String, from second: Double) throws -> (samples: [Int32], rate: Double, gain: Double) {
        let (header, signals, _) = try MITBIH.load(record)
        let fs = header.sampleRate
        let a = Int(second * fs)
        return (Array(signals[0][a..<(a + Int(30 * fs))]), fs, header.signals[0].gain)
    }

    /// The first 30 s after minute 5 that lie wholly inside a rhythm span of `rhythm`.
    static func window(_ record: String, rhythm: String) throws -> Double {
        let (header, _, ann) = try MITBIH.load(record)
        let fs = header.sampleRate
        let spans = WFDBAnnotationFile.rhythmSpans(ann, rhythm: rhythm, recordEnd: header.sampleCount)
        let span = try #require(spans.first { Double($0.end - max($0.start, Int(300 * fs))) / fs >= 40 })
        return Double(max(span.start, Int(300 * fs))) / fs + 5
    }

    func analyse(_ record: String, rhythm: String) throws -> (ECGStripResult, Double) {
        let start = try Self.window(record, rhythm: rhythm)
        let (samples, fs, gain) = try Self.strip(record, from: start)
        var s = KioskSession(id: "e", test: .ecg, now: t0)
        try s.consent(true, now: t0)
        #expect(s.step == .recording(seconds: 30))
        try s.ecgStrip(samples: samples, sampleRate: fs, adcGain: gain, now: t0.addingTimeInterval(40))
        let r = try #require({ if case .ecg(let r)? = s.result { r } else { nil } }())
        // The reference beats in the strip give its true rate.
        let (_, _, ann) = try MITBIH.load(record)
        let a = Int(start * fs), b = a + samples.count
        let ref = ann.filter { $0.isBeat && $0.sample >= a && $0.sample < b }.map(\.sample)
        let refRate = 60 * Double(ref.count - 1) / (Double(ref.last! - ref.first!) / fs)
        return (r, refRate)
    }

    @Test func atrialFibrillationOn201() throws {
        let (r, refRate) = try analyse("201", rhythm: "(AFIB")
        #expect(r.rhythm == "possible-atrial-fibrillation", "\(r.headline)")
        #expect(abs((r.heartRate ?? 0) - refRate) <= max(5, refRate * 0.1), "EC13 accuracy: ±10 % or ±5 bpm (\(String(describing: r.heartRate)) vs \(refRate))")
    }

    @Test func sinusRhythmOn115IsRegular() throws {
        let (r, refRate) = try analyse("115", rhythm: "(N")
        #expect(r.rhythm == "regular", "\(r.headline)")
        #expect(abs((r.heartRate ?? 0) - refRate) <= max(5, refRate * 0.1))
        #expect(r.usableSeconds >= 20 && r.beats.count >= 20)
    }

    @Test func noiseIsInconclusiveAndAShortStripIsRecordedAgain() throws {
        var rng = SystemRandomNumberGenerator()
        let noise = (0..<(30 * 360)).map { _ in Int32.random(in: -400...400, using: &rng) }
        let r = ECGStripAnalysis.analyse(samples: noise, sampleRate: 360, adcGain: 200)
        #expect(r.rhythm == "inconclusive")
        var s = KioskSession(id: "e2", test: .ecg, now: t0)
        try s.consent(true, now: t0)
        try s.ecgStrip(samples: Array(noise.prefix(10 * 360)), sampleRate: 360, adcGain: 200, now: t0)
        #expect(s.result == nil && s.notices.last?.kind == .tooShort && s.step == .recording(seconds: 30))
    }
}
