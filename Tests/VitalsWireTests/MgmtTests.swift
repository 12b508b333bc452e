import Testing
import VitalsWire

/// Bluetooth management packets, laid out field by field from BlueZ doc/mgmt-api.txt
/// ("Packet Structures", User Confirmation Request event 0x000F, New Long Term Key event 0x000A,
/// User Confirmation Reply command 0x001C, Load Long Term Keys command 0x0013).
struct MgmtTests {
    let device = MgmtAddress(address: BLEAddress(string: "00:AA:01:01:00:01")!, type: 1)

    @Test func userConfirmationRequestFromTheLayout() throws {
        // Code 0x000F, index 1, length 12; address little-endian; LE public; Confirm_Hint 1; Value 0.
        let bytes = try Hex.parse("0F 00 01 00 0C 00  01 00 01 01 AA 00  01  01  00 00 00 00")
        let packet = try MgmtPacket(bytes: bytes)
        #expect(packet.code == 0x000F && packet.index == 1)
        let event = try MgmtEvent(packet)
        #expect(event == .userConfirmationRequest(device, confirmHint: 1, value: 0))
        #expect(event.packet(index: 1).encoded() == bytes)
    }

    @Test func newLongTermKeyFromTheLayout() throws {
        let bytes = try Hex.parse("""
            0A 00 00 00 25 00  01  01 00 01 01 AA 00 01  00 01 10 34 12
            11 12 13 14 15 16 17 18  20 21 22 23 24 25 26 27 28 29 2A 2B 2C 2D 2E 2F
            """)
        let event = try MgmtEvent(MgmtPacket(bytes: bytes))
        guard case .newLongTermKey(let hint, let key) = event else { Issue.record("not a New Long Term Key: \(event)"); return }
        #expect(hint == 1)
        #expect(key.device == device && key.keyType == 0 && key.central == 1 && key.encryptionSize == 16)
        #expect(key.diversifier == 0x1234)
        #expect(key.random == Array(0x11...0x18) && key.value == Array(0x20...0x2F))
        #expect(event.packet(index: 0).encoded() == bytes)
    }

    @Test func commandsAsTheKernelExpectsThem() throws {
        #expect(MgmtCommand.userConfirmationReply(device).packet(index: 1).encoded()
                == (try Hex.parse("1C 00 01 00 07 00  01 00 01 01 AA 00  01")))
        #expect(MgmtCommand.setIOCapability(3).packet(index: 0).encoded() == (try Hex.parse("18 00 00 00 01 00 03")))
        #expect(MgmtCommand.setBondable(true).packet(index: 1).encoded() == (try Hex.parse("09 00 01 00 01 00 01")))
        #expect(try MgmtCommand(MgmtPacket(bytes: try Hex.parse("09 00 01 00 01 00 00"))) == .setBondable(false))
        let key = MgmtLongTermKey(device: device, keyType: 0, central: 1, encryptionSize: 16, diversifier: 0x1234,
                                  random: Array(0x11...0x18), value: Array(0x20...0x2F))
        let load = MgmtCommand.loadLongTermKeys([key]).packet(index: 2)
        #expect(load.encoded().prefix(8) == [0x13, 0x00, 0x02, 0x00, 38, 0x00, 0x01, 0x00])
        #expect(try MgmtCommand(load) == .loadLongTermKeys([key]))
    }

    @Test func badPacketsNameFieldAndOffset() throws {
        // Parameter Length says 12, 11 bytes follow.
        let short = try Hex.parse("0F 00 01 00 0C 00  01 00 01 01 AA 00  01  01  00 00 00")
        #expect { try MgmtPacket(bytes: short) } throws: { ($0 as? WireError)?.field == "Parameter Length" && ($0 as? WireError)?.offset == 4 }
        // A Long Term Key for a BR/EDR address (type 0) is not an LE key.
        let brEdr = try Hex.parse("0A 00 00 00 25 00  01  01 00 01 01 AA 00 00  00 01 10 34 12 " + String(repeating: "00 ", count: 24))
        #expect { try MgmtEvent(MgmtPacket(bytes: brEdr)) } throws: { ($0 as? WireError)?.field == "Address_Type" && ($0 as? WireError)?.offset == 7 }
        // Encryption size outside 7...16.
        let size = try Hex.parse("0A 00 00 00 25 00  01  01 00 01 01 AA 00 01  00 01 05 34 12 " + String(repeating: "00 ", count: 24))
        #expect { try MgmtEvent(MgmtPacket(bytes: size)) } throws: { ($0 as? WireError)?.field == "Encryption_Size" && ($0 as? WireError)?.offset == 10 }
        // An event this agent does not know is kept, not refused.
        let other = try MgmtEvent(MgmtPacket(bytes: try Hex.parse("06 00 00 00 04 00 01 02 00 00")))
        #expect(other == .other(code: 6, parameters: [1, 2, 0, 0]))
    }
}
