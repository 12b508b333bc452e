import Foundation
import Testing
import VitalsAnalytics
import VitalsCore
import VitalsProfiles
import VitalsTestSupport
import VitalsValidation

let profilesDir = repoRoot.appendingPathComponent("device-profiles")

struct ValidationAndRulesTests {
    let validator: ReadingValidator
    let rules = AlertRules()
    let now = Date(timeIntervalSince1970: 200)

    init() throws { validator = ReadingValidator(catalogue: try ProfileCatalogue.load(directory: profilesDir)) }

    @Test func gradeComesFromTheProfileAndUnknownDevicesAreNeverMedical() {
        #expect(validator.validate(bp(120, 80, profile: "sim-bp-cuff")).grade == .medical)
        #expect(validator.validate(bp(120, 80, profile: "sim-wrist-bp")).grade == .consumer)
        let unknown = validator.validate(bp(120, 80, profile: nil))
        #expect(unknown.grade == .unverified)
        #expect(unknown.flags.contains(.unknownDevice))
        #expect(validator.validate(bp(120, 80, profile: "no-such-profile")).grade == .unverified)
    }

    @Test func implausibleValuesAreFlaggedNotDropped() {
        #expect(validator.validate(bp(80, 120, profile: "sim-bp-cuff")).flags.contains(.systolicNotAboveDiastolic))
        #expect(validator.validate(bp(320, 80, profile: "sim-bp-cuff")).flags.contains(.implausible))
        #expect(validator.validate(bp(120, 80, profile: "sim-bp-cuff")).flags.isEmpty)
        #expect(validator.validate(glucose(5)).flags.contains(.implausible))
    }

    @Test(arguments: [(180.0, 120.0, false), (181, 80, true), (150, 121, true), (181, 121, true), (120, 80, false)])
    func hypertensiveCrisisThresholds(sys: Double, dia: Double, alerts: Bool) {
        let a = rules.evaluate(validator.validate(bp(sys, dia, profile: "sim-bp-cuff")), now: now)
        #expect(a.isEmpty == !alerts)
        if alerts {
            #expect(a.first?.severity == .critical)
            #expect(a.first?.ruleID == "bp.hypertensive-crisis")
        }
    }

    @Test func crisisFromConsumerDeviceIsAdvisoryAndSaysToConfirm() {
        let a = rules.evaluate(validator.validate(bp(186, 124, profile: "sim-wrist-bp")), now: now)
        #expect(a.count == 1)
        #expect(a.first?.severity == .advisory)
        #expect(a.first?.message.contains("confirm with a validated device") == true)
        let unknown = rules.evaluate(validator.validate(bp(186, 124, profile: nil)), now: now)
        #expect(unknown.first?.severity == .advisory)
    }

    @Test(arguments: [(53.9, "glucose.hypoglycaemia-level-2"), (48, "glucose.hypoglycaemia-level-2"), (54, "glucose.hypoglycaemia-level-1"), (69, "glucose.hypoglycaemia-level-1")])
    func hypoglycaemiaLevels(mgdl: Double, rule: String) {
        let a = rules.evaluate(validator.validate(glucose(mgdl)), now: now)
        #expect(a.map(\.ruleID) == [rule])
        #expect(a.first?.severity == (rule.hasSuffix("2") ? .critical : .urgent))
    }

    @Test func noAlertAtSeventyOrForControlSolution() {
        #expect(rules.evaluate(validator.validate(glucose(70)), now: now).isEmpty)
        #expect(rules.evaluate(validator.validate(glucose(40, flags: [.controlSolution])), now: now).isEmpty)
    }

    @Test func alertIdsAreStableForTheSameEvidence() {
        let r = validator.validate(glucose(40))
        #expect(rules.evaluate(r, now: now).map(\.id) == rules.evaluate(r, now: now.addingTimeInterval(60)).map(\.id))
    }
}

struct CensoredGlucoseRuleTests {
    /// A LOW glucose (censored −INF with the below-range flag) raises the level-2 alert; a HIGH one does not.
    @Test func lowIsLevelTwoHypoglycaemia() {
        var low = glucose(40, flags: [.resultBelowDeviceRange])
        low.observations[0].value = nil
        low.observations[0].state = .negativeInfinity
        low.grade = .medical
        let alerts = AlertRules().evaluate(low, now: Date(timeIntervalSince1970: 200))
        #expect(alerts.map(\.ruleID) == ["glucose.hypoglycaemia-level-2"] && alerts.first?.message.contains("LOW") == true)
        var high = glucose(400, flags: [.resultAboveDeviceRange])
        high.observations[0].value = nil
        high.observations[0].state = .positiveInfinity
        high.grade = .medical
        #expect(AlertRules().evaluate(high, now: Date(timeIntervalSince1970: 200)).isEmpty)
    }
}
