import Testing
import VitalsWire

/// Bluetooth management packets, laid out field by field from BlueZ doc/mgmt-api.txt
/// ("Packet Structures", User Confirmation Request event 0x000F, New Long Term Key event 0x000A,
/// User Confirmation Reply command 0x001C, Load Long Term Keys command 0x0013, New Identity Resolving Key
/// event 0x0018, Load Identity Resolving Keys command 0x0030, User Passkey Reply command 0x001E).
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

    /// A static random identity (two top bits 0b11) and a resolvable private address (0b01).
    let identity = MgmtAddress(address: BLEAddress(string: "C0:11:22:33:44:55")!, type: 2)
    let rpa = BLEAddress(string: "70:81:94:0D:FB:AA")!

    @Test func newIdentityResolvingKeyFromTheLayout() throws {
        // Code 0x0018, index 0, length 30: Store_Hint 1; Random_Address (6, little-endian); Address (6,
        // little-endian); Address_Type 2 (LE random); Value (16).
        let bytes = try Hex.parse("""
            18 00 00 00 1E 00  01  AA FB 0D 94 81 70  55 44 33 22 11 C0  02
            00 01 02 03 04 05 06 07 08 09 0A 0B 0C 0D 0E 0F
            """)
        let event = try MgmtEvent(MgmtPacket(bytes: bytes))
        guard case .newIdentityResolvingKey(let hint, let random, let key) = event else { Issue.record("not a New IRK: \(event)"); return }
        #expect(hint == 1 && random == rpa)
        #expect(key.device == identity && key.value == Array(0x00...0x0F))
        #expect(event.packet(index: 0).encoded() == bytes)
        // A device that paired from its identity address: Random_Address all zero.
        let plain = try Hex.parse("18 00 00 00 1E 00  00  00 00 00 00 00 00  01 00 01 01 AA 00  01  " + String(repeating: "5A ", count: 16))
        #expect(try MgmtEvent(MgmtPacket(bytes: plain)) == .newIdentityResolvingKey(
            storeHint: 0, randomAddress: BLEAddress(bytes: [0, 0, 0, 0, 0, 0]),
            key: MgmtIdentityResolvingKey(device: device, value: [UInt8](repeating: 0x5A, count: 16))))
    }

    @Test func loadIdentityResolvingKeysAndPasskeyReplyAsTheKernelExpectsThem() throws {
        let key = MgmtIdentityResolvingKey(device: identity, value: Array(0x00...0x0F))
        // Code 0x0030, index 1, length 2 + 23; Key_Count 1; Address, Address_Type, Value.
        let load = try Hex.parse("""
            30 00 01 00 19 00  01 00  55 44 33 22 11 C0  02  00 01 02 03 04 05 06 07 08 09 0A 0B 0C 0D 0E 0F
            """)
        #expect(MgmtCommand.loadIdentityResolvingKeys([key]).packet(index: 1).encoded() == load)
        #expect(try MgmtCommand(MgmtPacket(bytes: load)) == .loadIdentityResolvingKeys([key]))
        // None at all: Key_Count 0 (what tells the kernel to ask devices for their IRKs).
        #expect(MgmtCommand.loadIdentityResolvingKeys([]).packet(index: 0).encoded() == (try Hex.parse("30 00 00 00 02 00 00 00")))
        // Code 0x001E, index 1, length 11: Address, Address_Type 1, Passkey 123456 = 0x0001E240 little-endian.
        let reply = try Hex.parse("1E 00 01 00 0B 00  01 00 01 01 AA 00  01  40 E2 01 00")
        #expect(MgmtCommand.userPasskeyReply(device, passkey: 123456).packet(index: 1).encoded() == reply)
        #expect(try MgmtCommand(MgmtPacket(bytes: reply)) == .userPasskeyReply(device, passkey: 123456))
    }

    @Test func badIdentityKeysAndPasskeysNameFieldAndOffset() throws {
        func fails(_ hex: String, _ field: String, _ offset: Int, command: Bool = false) throws {
            let packet = try MgmtPacket(bytes: try Hex.parse(hex))
            if command {
                #expect { try MgmtCommand(packet) } throws: { ($0 as? WireError)?.field == field && ($0 as? WireError)?.offset == offset }
            } else {
                #expect { try MgmtEvent(packet) } throws: { ($0 as? WireError)?.field == field && ($0 as? WireError)?.offset == offset }
            }
        }
        let value = String(repeating: "00 ", count: 16)
        // Address_Type 0 (BR/EDR) is no LE identity: offset 13 (Store_Hint 1 + Random_Address 6 + Address 6).
        try fails("18 00 00 00 1E 00  01  00 00 00 00 00 00  01 00 01 01 AA 00  00  " + value, "Address_Type", 13)
        // A random identity that is not static (top bits 0b01: a resolvable private address): offset 7.
        try fails("18 00 00 00 1E 00  01  00 00 00 00 00 00  AA FB 0D 94 81 70  02  " + value, "Address", 7)
        // Truncated Value.
        try fails("18 00 00 00 1D 00  01  00 00 00 00 00 00  01 00 01 01 AA 00  01  " + String(repeating: "00 ", count: 15), "Value", 14)
        // Load with Key_Count 2 but one key.
        try fails("30 00 00 00 19 00  02 00  01 00 01 01 AA 00  01  " + value, "Key_Count", 0, command: true)
        // Passkey 1,000,000 (0x000F4240) has seven digits.
        try fails("1E 00 01 00 0B 00  01 00 01 01 AA 00  01  40 42 0F 00", "Passkey", 7, command: true)
    }
}
