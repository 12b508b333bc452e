import Foundation
import Testing
import VitalsTransport
import VitalsWire

struct PairingTests {
    let device = MgmtAddress(address: BLEAddress(string: "00:AA:01:01:00:01")!, type: 1)
    func key(_ last: UInt8, central: UInt8 = 1) -> MgmtLongTermKey {
        MgmtLongTermKey(device: device, keyType: 0, central: central, encryptionSize: 16, diversifier: 7,
                        random: [UInt8](repeating: last, count: 8), value: [UInt8](repeating: last, count: 16))
    }

    @Test func justWorksIsAcceptedNumericComparisonAndPasskeysAreRefused() {
        #expect(PairingPolicy.answer(to: .userConfirmationRequest(device, confirmHint: 1, value: 0)) == .reply(.userConfirmationReply(device)))
        #expect(PairingPolicy.answer(to: .userConfirmationRequest(device, confirmHint: 0, value: 123456)) == .reply(.userConfirmationNegativeReply(device)))
        #expect(PairingPolicy.answer(to: .userPasskeyRequest(device)) == .reply(.userPasskeyNegativeReply(device)))
    }

    @Test func onlyKeysMeantToBeStoredAreStored() {
        #expect(PairingPolicy.answer(to: .newLongTermKey(storeHint: 1, key: key(1))) == .store(key(1)))
        #expect(PairingPolicy.answer(to: .newLongTermKey(storeHint: 0, key: key(1))) == .none)
        #expect(PairingPolicy.answer(to: .authenticationFailed(device, status: 5)) == .failed(device, status: 5))
        #expect(PairingPolicy.answer(to: .commandComplete(command: 0x13, status: 0x0D, returnParameters: [])) == .commandFailed(0x13, status: 0x0D))
        #expect(PairingPolicy.answer(to: .commandComplete(command: 0x1C, status: 0, returnParameters: [])) == .none)
    }

    @Test func keyFileIsPrivateKeepsOneKeyPerDeviceAndRoleAndReloads() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("keys-\(UUID().uuidString).json")
        defer { try? FileManager.default.removeItem(at: url) }
        let adapter = BLEAddress(string: "00:AA:01:00:00:01")!
        let other = BLEAddress(string: "00:AA:01:00:00:02")!
        let file = BondKeyFile(url: url)
        #expect(try file.keys(adapter: adapter).isEmpty)
        try file.store(key(1), adapter: adapter)
        try file.store(key(2), adapter: adapter)               // the same device and role: replaces key 1
        try file.store(key(3, central: 0), adapter: adapter)   // the other role: kept beside it
        try file.store(key(4), adapter: other)
        let mode = try FileManager.default.attributesOfItem(atPath: url.path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        let reread = BondKeyFile(url: url)
        #expect(try reread.keys(adapter: adapter) == [key(2), key(3, central: 0)])
        #expect(try reread.keys(adapter: other) == [key(4)])
    }

    @Test func aDamagedKeyFileIsAnErrorNamingTheFile() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("keys-\(UUID().uuidString).json")
        defer { try? FileManager.default.removeItem(at: url) }
        try Data("{\"adapters\": {\"00:AA:01:00:00:01\": [{\"address\": \"zz\"}]}}".utf8).write(to: url)
        let adapter = BLEAddress(string: "00:AA:01:00:00:01")!
        #expect { try BondKeyFile(url: url).keys(adapter: adapter) } throws: { "\($0)".contains(url.path) }
        // The next bond sets the damaged file aside and starts a new one (those devices pair again).
        defer { try? FileManager.default.removeItem(atPath: url.path + ".damaged") }
        try BondKeyFile(url: url).store(key(5), adapter: adapter)
        #expect(try BondKeyFile(url: url).keys(adapter: adapter) == [key(5)])
        #expect(FileManager.default.fileExists(atPath: url.path + ".damaged"))
        #expect(try FileManager.default.attributesOfItem(atPath: url.path)[.posixPermissions] as? Int == 0o600)
    }
}
