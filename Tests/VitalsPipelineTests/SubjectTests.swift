import Foundation
import Testing
import VitalsAnalytics
import VitalsCore
import VitalsDrivers
import VitalsWire
import VitalsTestSupport

/// Two people sharing a multi-user cuff are two people: each reading is filed under its User ID's subject, so
/// one person's normal reading never ends the other's crisis alert.
struct SubjectTests {
    /// Blood Pressure Measurement (0x2A35) bytes as the BLS specification lays them out: flags 0x08 (mmHg, User
    /// ID present), systolic, diastolic and MAP as SFLOAT (MAP 0x07FF: NaN), then the User ID.
    static func measurement(sys: UInt8, dia: UInt8, user: UInt8) -> [UInt8] { [0x08, sys, 0x00, dia, 0x00, 0xFF, 0x07, user] }

    @Test func oneUsersReadingNeverEndsAnothersAlert() throws {
        let device = DeviceIdentity(transport: .simBLE, address: "C0:FF:EE:00:01:09", profileID: "sim-bp-cuff")
        let t0 = Date(timeIntervalSince1970: 1_800_000_000)
        let subjects = SubjectAssignment(defaultSubject: SubjectID("home"))
        func reading(_ bytes: [UInt8], at minutes: Double) throws -> Reading {
            let c = ObservationMapper.Context(subject: SubjectID("home"), device: device, received: t0.addingTimeInterval(minutes * 60))
            var r = try #require(try ObservationMapper.reading(characteristic: GATTAssigned.bloodPressureMeasurement, value: bytes, context: c))
            r.subject = subjects.subject(device: device.id, user: r.deviceUser)
            r.grade = .medical
            r.receiptIndex = UInt64(minutes)
            return r
        }
        let crisis = try reading(Self.measurement(sys: 186, dia: 124, user: 1), at: 0)
        let normal = try reading(Self.measurement(sys: 118, dia: 76, user: 2), at: 5)
        #expect(crisis.deviceUser == 1 && normal.deviceUser == 2)
        #expect(crisis.subject == SubjectID("home/user-1") && normal.subject == SubjectID("home/user-2"))

        var engine = StreamingAnalytics(configuration: StreamingConfiguration(liveHorizon: 1e12, escalateAfter: 1e12))
        let raised = engine.process([try #require(StreamInput.from(crisis, now: crisis.receivedTime))], now: crisis.receivedTime).transitions
        #expect(raised.map(\.kind) == [.raised] && raised[0].alert.subject == SubjectID("home/user-1"))
        let after = engine.process([try #require(StreamInput.from(normal, now: normal.receivedTime))], now: normal.receivedTime).transitions
        #expect(after.isEmpty, "user 2's normal reading leaves user 1's crisis open")
        #expect(engine.openLiveAlerts.map(\.subject) == [SubjectID("home/user-1")])

        // An assignment names the people; an unknown user (0xFF) goes to the device's subject.
        var named = SubjectAssignment(defaultSubject: SubjectID("home"))
        try named.add("\(device.id.rawValue)#1=alice")
        try named.add("\(device.id.rawValue)=bob")
        #expect(named.subject(device: device.id, user: 1) == SubjectID("alice"))
        #expect(named.subject(device: device.id, user: 2) == SubjectID("bob/user-2"))
        #expect(named.subject(device: device.id, user: 0xFF) == SubjectID("bob"))
        #expect(throws: SubjectAssignment.ParseError.self) { try named.add("no-equals-sign") }
        #expect(throws: SubjectAssignment.ParseError.self) { try named.add("dev#255=x") }
    }
}
