import Foundation
import Testing
import VitalsCore

struct ReadingTests {
    func reading(sequence: UInt32? = nil, deviceTime: DeviceTime? = nil) -> Reading {
        Reading(
            subject: SubjectID("s"), device: DeviceIdentity(transport: .ble, address: "aa:bb:cc:dd:ee:ff", profileID: nil), kind: .glucose,
            observations: [], effectiveTime: Date(timeIntervalSince1970: 0), deviceTime: deviceTime,
            receivedTime: Date(timeIntervalSince1970: 1_700_000_000.1234), sequence: sequence, raw: RawFrame(source: "2A18", bytes: []))
    }

    @Test func naturalKeyPrefersSequenceThenDeviceTimeThenReceipt() {
        let t = DeviceTime(year: 2025, month: 1, day: 2, hour: 3, minute: 4, second: 5)
        #expect(reading(sequence: 9, deviceTime: t).naturalKey == "seq:9")
        #expect(reading(deviceTime: t).naturalKey == "dt:2025-01-02T03:04:05")
        #expect(reading().naturalKey == "rx:1700000000123.0")
        var burst = reading()
        burst.receiptIndex = 7
        #expect(burst.naturalKey == "rx:1700000000123.7", "readings in one millisecond stay apart")
    }

    @Test func deviceIdentityNormalisesAddress() {
        let d = DeviceIdentity(transport: .simBLE, address: "c0:ff:ee:00:00:01", profileID: "p")
        #expect(d.id.rawValue == "sim-ble:C0:FF:EE:00:00:01")
        #expect(d.address == "C0:FF:EE:00:00:01")
    }

    @Test func deviceTimeInZonesAndInvalidDates() {
        let t = DeviceTime(year: 2025, month: 3, day: 30, hour: 2, minute: 30, second: 0)
        #expect(t.date(in: TimeZone(identifier: "UTC")!) == ISO8601DateFormatter().date(from: "2025-03-30T02:30:00Z"))
        #expect(DeviceTime(year: 2025, month: 2, day: 30, hour: 0, minute: 0, second: 0).date(in: .gmt) == nil)
    }

    @Test func unitConversions() {
        #expect(abs(UnitConversion.glucoseMgPerDl(fromMmolPerL: 3.0) - 54.048) < 1e-9)
        #expect(abs(UnitConversion.mmHg(fromKilopascal: 16) - 120.0098) < 1e-3)
        #expect(UCUMUnit.named("mm[Hg]")?.mdc == 266_016)
        #expect(UCUMUnit.named("mmHg") == nil, "UCUM spells it mm[Hg]")
    }

    @Test func wireValueText() {
        #expect(WireValue(encoding: "sfloat", bits: 0x78, unit: "mmHg").description == "sfloat:0x0078 mmHg")
    }
}
