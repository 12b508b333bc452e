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

    // MARK: passkey entry

    @Test func aConfiguredPinAnswersPasskeyEntryAndOnlyForThatDevice() throws {
        var book = PasskeyBook()
        try book.add("00:aa:01:01:00:01=012345")
        let other = MgmtAddress(address: BLEAddress(string: "00:AA:01:01:00:02")!, type: 1)
        #expect(PairingPolicy.answer(to: .userPasskeyRequest(device), passkeys: book) == .reply(.userPasskeyReply(device, passkey: 12345)))
        #expect(PairingPolicy.answer(to: .userPasskeyRequest(other), passkeys: book) == .reply(.userPasskeyNegativeReply(other)))
        // A PIN changes nothing for numeric comparison (no display) or Just Works.
        #expect(PairingPolicy.answer(to: .userConfirmationRequest(device, confirmHint: 0, value: 12345), passkeys: book) == .reply(.userConfirmationNegativeReply(device)))
        #expect(PairingPolicy.answer(to: .userConfirmationRequest(device, confirmHint: 1, value: 0), passkeys: book) == .reply(.userConfirmationReply(device)))
        // KeyboardOnly only when some PIN is configured.
        #expect(PairingPolicy.ioCapability(passkeys: PasskeyBook()) == 3)
        #expect(PairingPolicy.ioCapability(passkeys: book) == 2)
    }

    @Test func passkeyEntriesAreCheckedAndNeverRepeated() throws {
        var book = PasskeyBook()
        for bad in ["00:AA:01:01:00:01", "00:AA:01:01:00:01=1234567", "00:AA:01:01:00:01=12a456", "00:AA:01:01:00=123456", "00:AA:01:01:00:01="] {
            #expect { try book.add(bad) } throws: { error in
                let text = "\(error)"
                return !text.contains("1234567") && !text.contains("12a456") && !text.contains("123456")
            }
        }
        try book.add("00:AA:01:01:00:01 = 999999")
        #expect(book.passkey(for: device.address) == 999_999)
        #expect("\(book)" == "passkeys for 00:AA:01:01:00:01")
    }

    @Test func aPasskeyFileMustBePrivate() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("pins-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Data("# meters\n00:AA:01:01:00:01=654321\n\n00:AA:01:01:00:02=000001\n".utf8).write(to: URL(fileURLWithPath: path))
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: path)
        var book = PasskeyBook()
        #expect { try book.load(path: path) } throws: { "\($0)".contains("mode 644") }
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path)
        try book.load(path: path)
        #expect(book.passkey(for: device.address) == 654_321)
        #expect(book.passkey(for: BLEAddress(string: "00:AA:01:01:00:02")!) == 1)
        try Data("00:AA:01:01:00:01=65x321\n".utf8).write(to: URL(fileURLWithPath: path))
        var bad = PasskeyBook()
        #expect { try bad.load(path: path) } throws: { "\($0)".contains("line 1") && !"\($0)".contains("65x321") }
    }

    // MARK: identity resolving keys

    let identity = MgmtAddress(address: BLEAddress(string: "C0:11:22:33:44:55")!, type: 2)
    func irk(_ last: UInt8) -> MgmtIdentityResolvingKey { MgmtIdentityResolvingKey(device: identity, value: [UInt8](repeating: last, count: 15) + [last]) }

    @Test func identityKeysAreStoredWhenTheKernelSaysSo() {
        let rpa = BLEAddress(string: "70:81:94:0D:FB:AA")!
        #expect(PairingPolicy.answer(to: .newIdentityResolvingKey(storeHint: 1, randomAddress: rpa, key: irk(1))) == .storeIdentity(irk(1), randomAddress: rpa))
        #expect(PairingPolicy.answer(to: .newIdentityResolvingKey(storeHint: 0, randomAddress: rpa, key: irk(1))) == .none)
    }

    @Test func keyFileKeepsIdentityKeysBesideLongTermKeys() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("keys-\(UUID().uuidString).json")
        defer { try? FileManager.default.removeItem(at: url) }
        let adapter = BLEAddress(string: "00:AA:01:00:00:01")!
        // A file from before IRKs were kept: only "adapters". It still loads, with no IRKs.
        try Data("""
            {"adapters": {"00:AA:01:00:00:01": [{"address": "00:AA:01:01:00:01", "addressType": 1, "keyType": 0, "central": 1,
             "encryptionSize": 16, "diversifier": 7, "random": "0101010101010101", "value": "01010101010101010101010101010101"}]}}
            """.utf8).write(to: url)
        let file = BondKeyFile(url: url)
        #expect(try file.keys(adapter: adapter) == [key(1)])
        #expect(try file.identityKeys(adapter: adapter).isEmpty)
        try file.store(irk(1), adapter: adapter)
        try file.store(irk(2), adapter: adapter)   // the same identity: replaces
        #expect(try BondKeyFile(url: url).identityKeys(adapter: adapter) == [irk(2)])
        #expect(try BondKeyFile(url: url).keys(adapter: adapter) == [key(1)])
        #expect(try FileManager.default.attributesOfItem(atPath: url.path)[.posixPermissions] as? Int == 0o600)
        let text = try String(contentsOf: url, encoding: .utf8)
        #expect(text.contains("\"identityKeys\"") && text.contains("C0:11:22:33:44:55"))
    }

    @Test func resolvablePrivateAddressesResolveToTheIdentity() throws {
        // Core Vol 3 Part H Appendix D.7 (ah): k = EC0234A3 57C8AD05 341010A6 0A397D9B, r = 708194 → 0DFBAA,
        // most significant octet first; the management interface carries the key least significant first.
        let k = try Hex.parse("EC0234A357C8AD05341010A60A397D9B")
        #expect(IdentityResolver.ah(irk: k.reversed(), prand: [0x70, 0x81, 0x94]) == [0x0D, 0xFB, 0xAA])
        let key = MgmtIdentityResolvingKey(device: identity, value: k.reversed())
        let resolver = IdentityResolver(keys: [irk(9), key])
        #expect(resolver.identity(of: BLEAddress(string: "70:81:94:0D:FB:AA")!, random: true) == identity)
        // One bit of the hash off; the same bytes as a public address; a static random address: none.
        #expect(resolver.identity(of: BLEAddress(string: "70:81:94:0D:FB:AB")!, random: true) == nil)
        #expect(resolver.identity(of: BLEAddress(string: "70:81:94:0D:FB:AA")!, random: false) == nil)
        #expect(resolver.identity(of: BLEAddress(string: "F0:81:94:0D:FB:AA")!, random: true) == nil)
        #expect(IdentityResolver.isResolvable(BLEAddress(string: "70:81:94:0D:FB:AA")!))
        #expect(!IdentityResolver.isResolvable(BLEAddress(string: "C0:11:22:33:44:55")!))
    }

    // MARK: bluetoothd

    @Test func bluetoothdIsFoundAndJudgedPerAdapter() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("bt-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let fm = FileManager.default
        let proc = root.appendingPathComponent("proc"), state = root.appendingPathComponent("state")
        try fm.createDirectory(at: proc.appendingPathComponent("12"), withIntermediateDirectories: true)
        try Data("bash\n".utf8).write(to: proc.appendingPathComponent("12/comm"))
        try fm.createDirectory(at: state, withIntermediateDirectories: true)
        let config = root.appendingPathComponent("main.conf")
        let check = BluetoothdCheck(procRoot: proc.path, stateRoot: state.path, configPath: config.path)
        let mine = BLEAddress(string: "00:AA:01:00:00:02")!
        #expect(check.verdict(adapter: mine) == .notRunning)
        try fm.createDirectory(at: proc.appendingPathComponent("345"), withIntermediateDirectories: true)
        try Data("bluetoothd\n".utf8).write(to: proc.appendingPathComponent("345/comm"))
        // Running, no MaxControllers: every adapter is its.
        guard case .manages(345, _) = check.verdict(adapter: mine) else { Issue.record("not managed: \(check.verdict(adapter: mine))"); return }
        // Limited to one controller, with state for another adapter only.
        try Data("[General]\n#MaxControllers=0\nMaxControllers = 1\n[LE]\nMaxControllers=7\n".utf8).write(to: config)
        try fm.createDirectory(at: state.appendingPathComponent("00:AA:01:00:00:01"), withIntermediateDirectories: true)
        #expect(check.verdict(adapter: mine) == .limitedElsewhere(pid: 345, maxControllers: 1))
        // Its state for this adapter: managed.
        try fm.createDirectory(at: state.appendingPathComponent(mine.description), withIntermediateDirectories: true)
        guard case .manages(345, let reason) = check.verdict(adapter: mine) else { Issue.record("not managed"); return }
        #expect(reason.contains(mine.description))
    }
}
