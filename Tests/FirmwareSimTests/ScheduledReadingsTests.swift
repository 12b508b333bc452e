import Foundation
import FirmwareSimKit
import Testing
import VitalsWire

/// A cuff measured after the start (`atSeconds`): silent until its reading is taken, then it advertises.
struct ScheduledReadingsTests {
    let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    func advertisements(_ frames: [SimFrame]) -> Int {
        frames.filter { if case .advertisement = $0 { true } else { false } }.count
    }

    @Test func theCuffAdvertisesOnlyOnceAReadingIsMeasured() throws {
        var core = SimulatorCore(scenario: try Scenario.load("kiosk-bp"), now: t0)
        // Scenario time starts at t0 and runs with real time: tick with real times from now.
        let real = Date()
        func at(_ s: Double) -> Date { real.addingTimeInterval(s) }
        _ = core.tick(now: at(0))
        _ = core.hubConnected()
        #expect(advertisements(core.receive(.scanStart)) == 0, "nothing measured yet")
        #expect(core.nextMeasurement == t0.addingTimeInterval(40))
        #expect(!core.allFinished)
        #expect(advertisements(core.tick(now: at(39))) == 0)
        #expect(advertisements(core.tick(now: at(40.5))) == 1)
        #expect(core.nextMeasurement == t0.addingTimeInterval(48))
        #expect(advertisements(core.tick(now: at(41))) == 0, "advertised once")
    }

    @Test func atSecondsAndMinutesAgoTogetherAreRefused() {
        let json = #"{"name":"x","devices":[{"type":"bp-cuff","name":"OV-SIM-BP-9","address":"C0:FF:EE:00:01:09","readings":[{"systolic":120,"diastolic":80,"minutesAgo":1,"atSeconds":5}]}]}"#
        #expect(throws: Scenario.ScenarioError.self) { try Scenario.parse(Data(json.utf8), source: "test") }
    }

    @Test func theLiveScenarioHasItsDevices() throws {
        let s = try Scenario.load("live")
        #expect(s.devices.map(\.type) == ["cgm", "polar-ecg", "bp-cuff"])
        let core = SimulatorCore(scenario: s, now: t0)
        #expect(core.nextMeasurement == t0.addingTimeInterval(20))
    }
}
