import FirmwareSimKit
import Foundation
import Metrics
import Synchronization
import Testing
import VitalsTestSupport
import VitalsCore
@testable import VitalsPipeline
import VitalsProfiles
import VitalsStore

/// A device that advertises only a standard service is graded by the profile its Device Information model
/// number chooses after connecting, not by the generic fallback its advertisement matched.
struct DeviceIdentificationTests {
    static let scenario = """
        {
          "name": "identified-by-model",
          "devices": [
            { "type": "bp-cuff", "name": "CUFF-A", "address": "C0:FF:EE:00:07:01", "modelNumber": "SIM-BP-7",
              "readings": [ { "systolic": 121, "diastolic": 79, "pulse": 66, "minutesAgo": 5 } ] },
            { "type": "bp-cuff", "name": "CUFF-B", "address": "C0:FF:EE:00:07:02", "modelNumber": "SIM-BP-70",
              "readings": [ { "systolic": 133, "diastolic": 85, "pulse": 70, "minutesAgo": 4 } ] }
          ]
        }
        """

    @Test func theModelNumberChoosesTheProfileAndTheGrade() async throws {
        let start = Date(timeIntervalSince1970: 1_795_000_000)
        let store = try VitalsStore(path: ":memory:", logger: quiet)
        let (_, all, summary) = try await playScenario(try Scenario.parse(Data(Self.scenario.utf8), source: "test"), subject: "dora", store: store, start: start)
        #expect(summary?.finished == true)

        // Both connect as the generic cuff: the advertisement (0x1810, an unknown name) cannot tell them apart.
        let connected = all.compactMap { e -> (String, DeviceGrade)? in if case .deviceConnected(let d, _, let g) = e { (d.profileID ?? "-", g) } else { nil } }
        #expect(connected.map(\.0) == ["generic-bls", "generic-bls"] && connected.allSatisfy { $0.1 == .unverified })
        // Only the one whose model number matches a profile's pattern is identified.
        let identified = all.compactMap { e -> (String, String?, DeviceGrade)? in
            if case .deviceIdentified(let d, _, let g) = e { (d.address, d.profileID, g) } else { nil }
        }
        #expect(identified.count == 1)
        #expect(identified.first?.0 == "C0:FF:EE:00:07:01" && identified.first?.1 == "sim-bp-cuff-by-model" && identified.first?.2 == .medical)

        let readings = try await store.readings()
        let a = try #require(readings.first { $0.deviceID == "sim-ble:C0:FF:EE:00:07:01" })
        let b = try #require(readings.first { $0.deviceID == "sim-ble:C0:FF:EE:00:07:02" })
        #expect(a.grade == "medical" && a.observations.first?.value == 121)
        #expect(b.grade == "unverified" && b.observations.first?.value == 133)
        let devices = try await store.devices()
        #expect(devices.first { $0.id == a.deviceID }?.profileID == "sim-bp-cuff-by-model")
        #expect(devices.first { $0.id == a.deviceID }?.model == "SIM-BP-7")
        #expect(devices.first { $0.id == b.deviceID }?.profileID == "generic-bls")
    }
}
