import Testing
@testable import VitalsWire

/// HCI LE Advertising Report, Core Specification Vol 4 Part E §7.7.65.2.
struct HCITests {
    // 04 (event packet) 3E (LE Meta) 1B (27 bytes follow) 02 (Advertising Report) 01 (one report)
    // 00 (ADV_IND) 00 (public) 01 02 03 EE FF C0 (address C0:FF:EE:03:02:01, little-endian)
    // 0F (15 bytes of AD) 02 01 06 | 03 03 10 18 | 07 09 4F 56 2D 42 50 31 ("OV-BP1") | C3 (RSSI -61)
    static let packet = "04 3E 1B 02 01 00 00 01 02 03 EE FF C0 0F 02 01 06 03 03 10 18 07 09 4F 56 2D 42 50 31 C3"

    @Test func decodesAReport() throws {
        let ev = try #require(try HCILEAdvertisingReport(packet: try Hex.parse(Self.packet)))
        #expect(ev.reports.count == 1)
        let r = ev.reports[0]
        #expect(r.eventType == 0 && r.addressType == 0)
        #expect(r.address.description == "C0:FF:EE:03:02:01")
        #expect(r.rssi == -61)
        let ad = try AdvertisingData(bytes: r.data)
        #expect(ad.localName == "OV-BP1")
        #expect(ad.serviceUUIDs == [GATTAssigned.bloodPressureService])
        #expect(ev.encodedPacket() == (try Hex.parse(Self.packet)))
    }

    @Test func otherEventsAreNotReports() throws {
        // Command Complete (0x0E) and an LE Connection Complete subevent (0x01).
        #expect(try HCILEAdvertisingReport(packet: [0x04, 0x0E, 0x04, 0x01, 0x0B, 0x20, 0x00]) == nil)
        #expect(try HCILEAdvertisingReport(packet: [0x04, 0x3E, 0x02, 0x01, 0x00]) == nil)
    }

    @Test func truncatedReportsNameTheField() throws {
        let full = try Hex.parse(Self.packet)
        #expect { try HCILEAdvertisingReport(packet: Array(full.prefix(20))) } throws: { ($0 as? WireError)?.field == "Parameter Total Length" }
        var lying = full
        lying[13] = 0x20  // Data_Length says 32
        #expect { try HCILEAdvertisingReport(packet: lying) } throws: { ($0 as? WireError)?.field == "Data_Length[0]" }
    }
}
