import Testing
@testable import VitalsWire

/// ATT PDUs as laid out in Core Specification Vol 3 Part F §3.4.
struct ATTTests {
    @Test func exchangeMTU() throws {
        #expect(try ATTPDU(bytes: [0x02, 0x17, 0x00]) == .exchangeMTURequest(ATTExchangeMTU(mtu: 23)))
        #expect(ATTPDU.exchangeMTUResponse(ATTExchangeMTU(mtu: 247)).encoded() == [0x03, 0xF7, 0x00])
    }

    @Test func primaryServiceDiscovery() throws {
        // Read By Group Type Request, handles 0x0001–0xFFFF, type 0x2800 (Primary Service).
        let req = try ATTPDU(bytes: [0x10, 0x01, 0x00, 0xFF, 0xFF, 0x00, 0x28])
        guard case .readByGroupTypeRequest(let q) = req else { Issue.record("wrong case"); return }
        #expect(q.startHandle == 1 && q.endHandle == 0xFFFF && q.type == GATTAssigned.primaryService)
        // Response: length 6, service 0x1810 at handles 1–5, service 0x180A at 6–8.
        let rsp = try ATTPDU(bytes: [0x11, 0x06, 0x01, 0x00, 0x05, 0x00, 0x10, 0x18, 0x06, 0x00, 0x08, 0x00, 0x0A, 0x18])
        guard case .readByGroupTypeResponse(let g) = rsp else { Issue.record("wrong case"); return }
        #expect(g.entries.map(\.handle) == [1, 6])
        #expect(g.entries.map(\.endGroupHandle) == [5, 8])
        #expect(g.entries.map { BluetoothUUID(littleEndian: $0.value) } == [BluetoothUUID(0x1810), BluetoothUUID(0x180A)])
        #expect(rsp.encoded() == [0x11, 0x06, 0x01, 0x00, 0x05, 0x00, 0x10, 0x18, 0x06, 0x00, 0x08, 0x00, 0x0A, 0x18])
    }

    @Test func characteristicDeclarationsAndDescriptors() throws {
        // Read By Type Response: length 7; declaration at 0x0002: properties 0x20 (indicate), value handle 0x0003, UUID 0x2A35.
        let rsp = try ATTPDU(bytes: [0x09, 0x07, 0x02, 0x00, 0x20, 0x03, 0x00, 0x35, 0x2A])
        guard case .readByTypeResponse(let r) = rsp else { Issue.record("wrong case"); return }
        #expect(r.entries == [.init(handle: 2, value: [0x20, 0x03, 0x00, 0x35, 0x2A])])
        // Find Information Response: format 1, handle 0x0004 is a CCCD (0x2902).
        let fi = try ATTPDU(bytes: [0x05, 0x01, 0x04, 0x00, 0x02, 0x29])
        guard case .findInformationResponse(let f) = fi else { Issue.record("wrong case"); return }
        #expect(f.entries.first?.handle == 4 && f.entries.first?.type == GATTAssigned.clientCharacteristicConfiguration)
    }

    @Test func writeIndicateConfirm() throws {
        // Enable indications: write 0x0002 to the CCCD at handle 0x0004.
        #expect(try ATTPDU(bytes: [0x12, 0x04, 0x00, 0x02, 0x00]) == .writeRequest(ATTHandleValue(handle: 4, value: [0x02, 0x00])))
        #expect(try ATTPDU(bytes: [0x13]) == .writeResponse)
        #expect(try ATTPDU(bytes: [0x1D, 0x03, 0x00, 0x00, 0x78, 0x00]) == .handleValueIndication(ATTHandleValue(handle: 3, value: [0x00, 0x78, 0x00])))
        #expect(try ATTPDU(bytes: [0x1E]) == .handleValueConfirmation)
    }

    @Test func errorResponseKeepsRawCode() throws {
        let e = try ATTPDU(bytes: [0x01, 0x10, 0x06, 0x00, 0x0A])
        #expect(e == .errorResponse(ATTErrorResponse(requestOpcode: .readByGroupTypeRequest, handle: 6, error: .attributeNotFound)))
        let app = try ATTPDU(bytes: [0x01, 0x12, 0x09, 0x00, 0x81])
        guard case .errorResponse(let r) = app else { Issue.record("wrong case"); return }
        #expect(r.error.rawValue == 0x81)
    }

    @Test func malformedPDUsNameTheField() {
        #expect { try ATTPDU(bytes: [0x01, 0x10, 0x06]) } throws: { ($0 as? WireError)?.field == "Attribute Handle In Error" }
        #expect { try ATTPDU(bytes: [0x05, 0x03, 0x04, 0x00]) } throws: { ($0 as? WireError)?.field == "Format" && ($0 as? WireError)?.offset == 1 }
        #expect { try ATTPDU(bytes: []) } throws: { ($0 as? WireError)?.field == "Opcode" }
        #expect { try ATTPDU(bytes: [0x1E, 0x00]) } throws: { ($0 as? WireError)?.reason == .trailingBytes(1) }
    }

    @Test func unknownOpcodeIsKept() throws {
        #expect(try ATTPDU(bytes: [0x20, 0x01]) == .unsupported(opcode: ATTOpcode(rawValue: 0x20), parameters: [0x01]))
    }
}

struct AdvertisingAndSimFrameTests {
    @Test func advertisingDataStructures() throws {
        // Flags 0x06; complete list of 16-bit UUIDs: 0x1810; complete local name "BP"; TX power -4 dBm.
        let ad = try AdvertisingData(bytes: [0x02, 0x01, 0x06, 0x03, 0x03, 0x10, 0x18, 0x03, 0x09, 0x42, 0x50, 0x02, 0x0A, 0xFC])
        #expect(ad.flags == 0x06)
        #expect(ad.serviceUUIDs == [GATTAssigned.bloodPressureService])
        #expect(ad.localName == "BP")
        #expect(ad.txPowerLevel == -4)
        #expect { try AdvertisingData(bytes: [0x05, 0x09, 0x41]) } throws: { ($0 as? WireError)?.field == "AD Structure.Data" }
    }

    @Test func simFramesRoundTrip() throws {
        let a = BLEAddress(string: "C0:FF:EE:00:00:01")!
        let frames: [SimFrame] = [
            .hello(role: .hub, version: 1), .advertisement(address: a, addressType: 1, rssi: -60, data: [2, 1, 6]), .scanStart,
            .scanStop, .connectRequest(address: a), .connected(address: a, link: 0x40), .disconnect(link: 0x40, reason: 0x13),
            .connectFailed(address: a, reason: 0x3E), .att(link: 0x40, pdu: [0x1E]), .usbTransfer(link: 2, endpoint: 0x81, data: [1]),
            .scenarioEnd,
        ]
        for f in frames { #expect(try SimFrame(bytes: f.encoded()) == f) }
        #expect(SimFrame.connected(address: a, link: 0x0040).encoded() == [0x21, 0xC0, 0xFF, 0xEE, 0x00, 0x00, 0x01, 0x40, 0x00])
        #expect { try SimFrame(bytes: [0x99]) } throws: { ($0 as? WireError)?.field == "Frame Type" }
        #expect { try SimFrame(bytes: [0x22, 0x40]) } throws: { ($0 as? WireError)?.field == "Link" }
    }
}
