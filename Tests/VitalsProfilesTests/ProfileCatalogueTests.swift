import Foundation
import Testing
import VitalsCore
@testable import VitalsProfiles
import VitalsWire

import VitalsTestSupport

struct ProfileCatalogueTests {
    @Test func shippedProfilesLoadAndMatch() throws {
        let c = try ProfileCatalogue.load(directory: repoRoot.appendingPathComponent("device-profiles"))
        #expect(c.profiles.count >= 5)
        let cuff = AdvertisingData(services: [GATTAssigned.bloodPressureService], localName: "OV-SIM-BP-01")
        #expect(c.match(advertisement: cuff, transport: .simBLE)?.id == "sim-bp-cuff")
        #expect(c.match(advertisement: cuff, transport: .simBLE)?.grade == .medical)
        // A real radio never matches a simulated profile; an unknown cuff falls back to the generic, unverified one.
        #expect(c.match(advertisement: cuff, transport: .ble)?.id == "generic-bls")
        #expect(c.match(advertisement: cuff, transport: .ble)?.grade == .unverified)
        let wrist = AdvertisingData(services: [GATTAssigned.bloodPressureService], localName: "OV-SIM-WRIST-1")
        #expect(c.match(advertisement: wrist, transport: .simBLE)?.grade == .consumer)
        let nothing = AdvertisingData(services: [BluetoothUUID(0x180D)], localName: "HR")
        #expect(c.match(advertisement: nothing, transport: .ble) == nil)
    }

    func refuse(_ json: String) -> ProfileError? {
        do {
            _ = try ProfileCatalogue.parse(Data(json.utf8), file: "bad.json")
            return nil
        } catch { return error }
    }

    static let good = """
        {"id":"x","manufacturer":"M","model":"X","kind":"glucose-meter","transport":"ble","recognise":{"serviceUUIDs":["1808"]},"protocol":"gls","site":"finger","intendedUse":"home"
        """

    @Test func badFilesAreRefusedWithFileAndField() {
        #expect(refuse(Self.good + "}") == nil)
        #expect(refuse(Self.good + ",\"colour\":\"red\"}")?.field == "colour")
        #expect(refuse(Self.good.replacingOccurrences(of: "\"glucose-meter\"", with: "\"toaster\"") + "}")?.field == "kind")
        #expect(refuse(Self.good.replacingOccurrences(of: "\"1808\"", with: "\"zz\"") + "}")?.field == "recognise.serviceUUIDs[0]")
        #expect(refuse(Self.good.replacingOccurrences(of: "\"protocol\":\"gls\",", with: "") + "}")?.field == "protocol")
        #expect(refuse(Self.good + ",\"declaredGrade\":\"medical\"}")?.field == "declaredGrade")
        // A warm-up belongs to a CGM sensor, and is at most a day.
        #expect(refuse(Self.good + ",\"warmUpMinutes\":60}")?.field == "warmUpMinutes")
        let cgm = Self.good.replacingOccurrences(of: "\"glucose-meter\"", with: "\"cgm\"").replacingOccurrences(of: "\"gls\"", with: "\"cgm\"")
        #expect(refuse(cgm + ",\"warmUpMinutes\":60}") == nil)
        #expect(refuse(cgm + ",\"warmUpMinutes\":5000}")?.field == "warmUpMinutes")
        #expect(refuse(Self.good + ",\"regulatory\":[{\"type\":\"fda-510k\",\"reference\":\"K000000\",\"source\":\"\"}]}")?.field == "regulatory[0].source")
        let syntax = refuse("{\n\"id\": \n}")
        #expect(syntax?.file == "bad.json")
        #expect(syntax?.reason.contains("JSON") == true)
    }

    @Test func anAmbiguousMatchNeverPromotesTheGrade() throws {
        let reg = ",\"regulatory\":[{\"type\":\"fda-510k\",\"reference\":\"K1\",\"source\":\"https://example.org\"}]"
        let val = ",\"validation\":[{\"type\":\"iso-15197\",\"reference\":\"paper\",\"source\":\"https://example.org\"}]"
        let medical = try ProfileCatalogue.parse(Data((Self.good.replacingOccurrences(of: "\"id\":\"x\"", with: "\"id\":\"aaa-meter\"") + reg + val + "}").utf8), file: "a")
        let generic = try ProfileCatalogue.parse(Data((Self.good.replacingOccurrences(of: "\"id\":\"x\"", with: "\"id\":\"zzz-generic\"") + "}").utf8), file: "z")
        let c = ProfileCatalogue(profiles: [medical, generic])
        let meter = AdvertisingData(services: [GATTAssigned.glucoseService], localName: "Meter")
        #expect(c.match(advertisement: meter, transport: .ble)?.id == "zzz-generic", "service alone cannot tell models apart")
    }

    @Test func gradeRule() throws {
        func grade(_ extra: String) throws -> DeviceGrade { try ProfileCatalogue.parse(Data((Self.good + extra + "}").utf8), file: "f").grade }
        let reg = ",\"regulatory\":[{\"type\":\"fda-510k\",\"reference\":\"K1\",\"source\":\"https://example.org\"}]"
        let val = ",\"validation\":[{\"type\":\"iso-15197\",\"reference\":\"paper\",\"source\":\"https://example.org\"}]"
        #expect(try grade("") == .unverified)
        #expect(try grade(reg) == .medicalUnvalidated)
        #expect(try grade(reg + val) == .medical)
        #expect(try grade(val) == .unverified)
        #expect(try ProfileCatalogue.parse(Data((Self.good.replacingOccurrences(of: "\"home\"", with: "\"wellness\"") + reg + val + "}").utf8), file: "f").grade == .consumer)
    }

    @Test func anUnsupportedProfileIsRecognisedButNotDriveable() throws {
        let ecg = """
            {"id":"handheld-ecg","manufacturer":"M","model":"E","kind":"ecg","transport":"ble","recognise":{"namePattern":"^ECG-"},"protocol":"unsupported","site":"other","intendedUse":"home"}
            """
        let p = try ProfileCatalogue.parse(Data(ecg.utf8), file: "e")
        #expect(!p.isSupported)
        #expect(p.grade == .unverified)
        let c = ProfileCatalogue(profiles: [p])
        let ad = AdvertisingData(services: [], localName: "ECG-0001")
        #expect(c.match(advertisement: ad, transport: .ble)?.id == "handheld-ecg", "recognised, so the hub can say why it does not connect")
        // With no public recognition data it still loads (documentation only) and never matches.
        let blind = try ProfileCatalogue.parse(Data(ecg.replacingOccurrences(of: "{\"namePattern\":\"^ECG-\"}", with: "{}").utf8), file: "b")
        #expect(ProfileCatalogue(profiles: [blind]).match(advertisement: ad, transport: .ble) == nil)
        // A profile with a protocol the hub speaks still needs recognition data, and unknown protocols are refused.
        #expect(refuse(Self.good.replacingOccurrences(of: "{\"serviceUUIDs\":[\"1808\"]}", with: "{}") + "}")?.field == "recognise")
        #expect(refuse(Self.good.replacingOccurrences(of: "\"gls\"", with: "\"kardia\"") + "}")?.field == "protocol")
        #expect(try ProfileCatalogue.parse(Data((Self.good + "}").utf8), file: "g").isSupported)
    }

    @Test func checkReportsEveryBadFileAndDuplicateIDs() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("profiles-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try Data((Self.good + "}").utf8).write(to: dir.appendingPathComponent("a.json"))
        try Data((Self.good + "}").utf8).write(to: dir.appendingPathComponent("b.json"))
        try Data("{".utf8).write(to: dir.appendingPathComponent("c.json"))
        let (ok, errors) = ProfileCatalogue.check(directory: dir)
        #expect(ok.count == 1)
        #expect(errors.count == 2)
        #expect(errors.contains { $0.file.hasSuffix("b.json") && $0.field == "id" })
        #expect(errors.contains { $0.file.hasSuffix("c.json") })
        #expect(throws: ProfileError.self) { try ProfileCatalogue.load(directory: dir) }
    }
}
