import Foundation
import VitalsCore
import VitalsWire

/// The set of device profiles loaded at start, and the matching of devices against them.
public struct ProfileCatalogue: Sendable {
    public private(set) var profiles: [DeviceProfile]

    public init(profiles: [DeviceProfile]) { self.profiles = profiles.sorted { $0.id < $1.id } }

    private static let allowedKeys: Set<String> = [
        "id", "manufacturer", "model", "kind", "transport", "recognise", "protocol", "site", "intendedUse", "simulated",
        "declaredGrade", "regulatory", "validation", "quirks", "notes", "warmUpMinutes",
    ]
    private static let recogniseKeys: Set<String> = [
        "serviceUUIDs", "namePattern", "usbVendorID", "usbProductID", "usbInterfaceClass", "modelNumberPattern", "manufacturerNamePattern",
    ]
    /// Protocols a profile may declare: the ones this build speaks, and `unsupported` (documented, never connected).
    public static let knownProtocols: Set<String> = [
        "bls", "gls", "cgm", "polar-pmd", "hrs", "plxs", "phd-20601", "astm-e1394", DeviceProfile.unsupportedProtocol,
    ]

    /// Loads every `*.json` file in `directory`; the first bad file stops the load with its error.
    public static func load(directory: URL) throws(ProfileError) -> ProfileCatalogue {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".json") }.sorted()
        } catch {
            throw ProfileError(file: directory.path, field: "-", reason: "cannot list directory: \(error.localizedDescription)")
        }
        var result = ProfileCatalogue(profiles: [])
        var seen: [String: String] = [:]
        for name in names {
            let url = directory.appendingPathComponent(name)
            let p = try loadFile(url)
            if let other = seen[p.id] {
                throw ProfileError(file: url.path, field: "id", reason: "'\(p.id)' is already used by \(other)")
            }
            seen[p.id] = name
            result.profiles.append(p)
        }
        result.profiles.sort { $0.id < $1.id }
        return result
    }

    /// Checks every file in `directory` and returns all errors, not just the first.
    public static func check(directory: URL) -> (profiles: [DeviceProfile], errors: [ProfileError]) {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []).filter { $0.hasSuffix(".json") }.sorted()
        var ok: [DeviceProfile] = []
        var errors: [ProfileError] = []
        var seen: [String: String] = [:]
        for name in names {
            let url = directory.appendingPathComponent(name)
            do {
                let p = try loadFile(url)
                if let other = seen[p.id] {
                    errors.append(ProfileError(file: url.path, field: "id", reason: "'\(p.id)' is already used by \(other)"))
                } else {
                    seen[p.id] = name
                    ok.append(p)
                }
            } catch {
                errors.append(error)
            }
        }
        return (ok, errors)
    }

    public static func loadFile(_ url: URL) throws(ProfileError) -> DeviceProfile {
        let file = url.path
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw ProfileError(file: file, field: "-", reason: "cannot read: \(error.localizedDescription)")
        }
        return try parse(data, file: file)
    }

    public static func parse(_ data: Data, file: String) throws(ProfileError) -> DeviceProfile {
        let object: Any
        do { object = try JSONSerialization.jsonObject(with: data) } catch {
            throw ProfileError(file: file, field: "-", reason: "not valid JSON (\(lineHint(data, error)))")
        }
        guard let dict = object as? [String: Any] else {
            throw ProfileError(file: file, field: "-", reason: "the top level must be an object")
        }
        if let unknown = Set(dict.keys).subtracting(allowedKeys).sorted().first {
            throw ProfileError(file: file, field: unknown, reason: "unknown field (allowed: \(allowedKeys.sorted().joined(separator: ", ")))")
        }
        if let rec = dict["recognise"] as? [String: Any], let unknown = Set(rec.keys).subtracting(recogniseKeys).sorted().first {
            throw ProfileError(file: file, field: "recognise.\(unknown)", reason: "unknown field")
        }
        let p: DeviceProfile
        do { p = try JSONDecoder().decode(DeviceProfile.self, from: data) } catch let e as DecodingError {
            throw describe(e, file: file)
        } catch {
            throw ProfileError(file: file, field: "-", reason: "\(error)")
        }
        try validate(p, file: file)
        return p
    }

    static func validate(_ p: DeviceProfile, file: String) throws(ProfileError) {
        func fail(_ field: String, _ why: String) -> ProfileError { ProfileError(file: file, field: field, reason: why) }
        if p.id.isEmpty || p.id.contains(where: { !($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == ".") }) {
            throw fail("id", "must be non-empty letters, digits, '-', '_' or '.'")
        }
        if p.manufacturer.isEmpty { throw fail("manufacturer", "must not be empty") }
        if p.model.isEmpty { throw fail("model", "must not be empty") }
        if !knownProtocols.contains(p.protocol) {
            throw fail("protocol", "'\(p.protocol)' is not one this build speaks (\(knownProtocols.sorted().joined(separator: ", ")))")
        }
        let r = p.recognise
        if r.needsDeviceInformation {
            let field = r.modelNumberPattern != nil ? "recognise.modelNumberPattern" : "recognise.manufacturerNamePattern"
            // Device Information is read over BLE after connecting; the device must first be found by what it advertises.
            guard p.transport == .ble || p.transport == .simBLE else { throw fail(field, "only a BLE profile can match Device Information") }
            guard r.serviceUUIDs != nil || r.namePattern != nil else {
                throw fail(field, "needs serviceUUIDs or namePattern too: Device Information is read only after the advertisement matched")
            }
        }
        // A profile that is only documentation may have no recognition data (none may be public); it then never matches.
        if p.isSupported && r.serviceUUIDs == nil && r.namePattern == nil && r.usbVendorID == nil && r.usbInterfaceClass == nil {
            throw fail("recognise", "needs at least one of serviceUUIDs, namePattern, usbVendorID, usbInterfaceClass (only an 'unsupported' profile may have none)")
        }
        for (i, u) in (r.serviceUUIDs ?? []).enumerated() where BluetoothUUID(string: u) == nil {
            throw fail("recognise.serviceUUIDs[\(i)]", "'\(u)' is not a 16-bit or 128-bit UUID")
        }
        for (field, pattern) in [("namePattern", r.namePattern), ("modelNumberPattern", r.modelNumberPattern), ("manufacturerNamePattern", r.manufacturerNamePattern)] {
            guard let pattern else { continue }
            do { _ = try Regex(pattern) } catch { throw fail("recognise.\(field)", "not a valid regular expression: \(error)") }
        }
        if let w = p.warmUpMinutes {
            guard p.kind == .continuousGlucoseMonitor else { throw fail("warmUpMinutes", "only a CGM has a sensor warm-up") }
            guard (0...1440).contains(w) else { throw fail("warmUpMinutes", "\(w) is outside 0...1440 minutes") }
        }
        if p.declaredGrade != nil && p.simulated != true {
            throw fail("declaredGrade", "only simulated profiles may declare a grade; real profiles derive it from regulatory and validation evidence")
        }
        for (name, list) in [("regulatory", p.regulatory), ("validation", p.validation)] {
            for (i, e) in (list ?? []).enumerated() {
                if e.type.isEmpty { throw fail("\(name)[\(i)].type", "must not be empty") }
                if e.reference.isEmpty { throw fail("\(name)[\(i)].reference", "must not be empty") }
                if e.source.isEmpty { throw fail("\(name)[\(i)].source", "every fact needs its public source") }
            }
        }
    }

    static func describe(_ e: DecodingError, file: String) -> ProfileError {
        func path(_ c: [any CodingKey]) -> String {
            c.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined().trimmingCharacters(in: CharacterSet(charactersIn: "."))
        }
        switch e {
        case .keyNotFound(let key, let ctx):
            let p = path(ctx.codingPath + [key])
            return ProfileError(file: file, field: p, reason: "required field is missing")
        case .typeMismatch(_, let ctx), .valueNotFound(_, let ctx):
            return ProfileError(file: file, field: path(ctx.codingPath), reason: ctx.debugDescription)
        case .dataCorrupted(let ctx):
            var reason = ctx.debugDescription
            if reason.contains("Cannot initialize") {
                reason = "value is not one of the allowed values"
            }
            return ProfileError(file: file, field: path(ctx.codingPath), reason: reason)
        @unknown default:
            return ProfileError(file: file, field: "-", reason: "\(e)")
        }
    }

    static func lineHint(_ data: Data, _ error: any Error) -> String {
        let ns = error as NSError
        if let index = ns.userInfo["NSJSONSerializationErrorIndex"] as? Int {
            let prefix = data.prefix(index)
            let line = prefix.filter { $0 == UInt8(ascii: "\n") }.count + 1
            return "line \(line)"
        }
        return ns.localizedDescription
    }

    public func profile(id: String) -> DeviceProfile? { profiles.first { $0.id == id } }

    static func trustRank(_ g: DeviceGrade) -> Int {
        switch g {
        case .unverified: 0
        case .consumer: 1
        case .medicalUnvalidated: 2
        case .medical: 3
        }
    }

    /// Whether `p` with `score` replaces `best`: more specific wins; on a tie the least-trusted profile wins, since
    /// a match that cannot tell models apart must never promote a device to a better grade than the evidence allows.
    static func beats(_ p: DeviceProfile, score: Int, _ best: (profile: DeviceProfile, score: Int)?) -> Bool {
        guard let best else { return true }
        return score > best.score || (score == best.score && trustRank(p.grade) < trustRank(best.profile.grade))
    }

    /// Whether `text` matches the regular expression `pattern` (a pattern that does not compile matches nothing;
    /// `check` refuses such a profile).
    static func matches(_ pattern: String, _ text: String?) -> Bool {
        guard let text, let re = try? Regex(pattern) else { return false }
        return (try? re.firstMatch(in: text)) != nil
    }

    /// A BLE profile fits the radio's transport; a simulated radio may play any BLE model, a real radio never
    /// matches a simulated profile.
    static func fitsBLE(_ p: DeviceProfile, _ transport: TransportKind) -> Bool {
        p.transport == transport || (transport == .simBLE && p.transport == .ble)
    }

    /// The best profile for a USB device: vendor and product id beat the interface class alone; a name
    /// pattern, when the profile has one, must match the product string. Ties go to the least-trusted profile.
    public func match(usbVendorID vendor: UInt16, productID product: UInt16, interfaceClass: UInt8, product name: String, transport: TransportKind) -> DeviceProfile? {
        var best: (profile: DeviceProfile, score: Int)?
        for p in profiles {
            let transportFits = p.transport == transport || (transport == .simUSB && p.transport == .usb)
            guard transportFits else { continue }
            var score = 0
            let r = p.recognise
            if let v = r.usbVendorID {
                guard Self.hexID(v) == vendor else { continue }
                if let pid = r.usbProductID {
                    guard Self.hexID(pid) == product else { continue }
                    score += 4
                } else {
                    score += 2
                }
            }
            if let c = r.usbInterfaceClass {
                guard c == Int(interfaceClass) else { continue }
                score += 1
            }
            if let pattern = r.namePattern {
                guard Self.matches(pattern, name) else { continue }
                score += 2
            }
            guard score > 0, Self.beats(p, score: score, best) else { continue }
            best = (p, score)
        }
        return best?.profile
    }

    /// `"0x1209"` or `"1209"` → 0x1209.
    static func hexID(_ s: String) -> UInt16? {
        UInt16(s.hasPrefix("0x") || s.hasPrefix("0X") ? String(s.dropFirst(2)) : s, radix: 16)
    }

    /// The best profile for an advertisement: every listed service must be advertised and the name pattern must
    /// match; a profile that checks both beats one that checks only services.
    public func match(advertisement ad: AdvertisingData, transport: TransportKind) -> DeviceProfile? {
        let services = Set(ad.serviceUUIDs)
        let name = ad.localName
        var best: (profile: DeviceProfile, score: Int)?
        // A profile that also needs the device's Device Information is left to `refine`, after connecting.
        for p in profiles where !p.recognise.needsDeviceInformation {
            guard Self.fitsBLE(p, transport) else { continue }
            var score = 0
            if let uuids = p.recognise.serviceUUIDs {
                let wanted = Set(uuids.compactMap(BluetoothUUID.init(string:)))
                guard !wanted.isEmpty, wanted.isSubset(of: services) else { continue }
                score += 1
            }
            if let pattern = p.recognise.namePattern {
                guard Self.matches(pattern, name) else { continue }
                score += 2
            }
            guard score > 0, Self.beats(p, score: score, best) else { continue }
            best = (p, score)
        }
        return best?.profile
    }

    /// After connecting: a more specific profile than `current` (the advertisement's match) chosen by what the
    /// device's Device Information says, its model number (0x2A24) and manufacturer name (0x2A29).
    ///
    /// A candidate must speak `current`'s protocol, fit the transport as `match` requires, have a
    /// `modelNumberPattern` or `manufacturerNamePattern` and match every one it has, and ask nothing of the
    /// advertisement that `current`'s match did not already establish: its `serviceUUIDs` a subset of
    /// `current`'s, and no `namePattern` other than `current`'s. Scores add to the advertisement's (service +1,
    /// name +2): model number +4, manufacturer name +1. The best score wins, a tie goes to the least-trusted
    /// profile, and `current` stays unless a candidate beats it.
    public func refine(current: DeviceProfile, manufacturer: String?, model: String?, transport: TransportKind) -> DeviceProfile {
        func advertisementScore(_ p: DeviceProfile) -> Int { (p.recognise.serviceUUIDs != nil ? 1 : 0) + (p.recognise.namePattern != nil ? 2 : 0) }
        /// The Device Information part of a profile's score, or nil when a pattern it has does not match.
        func informationScore(_ p: DeviceProfile) -> Int? {
            var score = 0
            if let m = p.recognise.modelNumberPattern {
                guard Self.matches(m, model) else { return nil }
                score += 4
            }
            if let m = p.recognise.manufacturerNamePattern {
                guard Self.matches(m, manufacturer) else { return nil }
                score += 1
            }
            return score
        }
        let established = Set((current.recognise.serviceUUIDs ?? []).compactMap(BluetoothUUID.init(string:)))
        var best = (profile: current, score: advertisementScore(current) + (informationScore(current) ?? 0))
        for p in profiles where p.id != current.id && p.recognise.needsDeviceInformation && p.protocol == current.protocol && p.isSupported {
            guard Self.fitsBLE(p, transport) else { continue }
            let wanted = Set((p.recognise.serviceUUIDs ?? []).compactMap(BluetoothUUID.init(string:)))
            guard wanted.isSubset(of: established) else { continue }
            if let name = p.recognise.namePattern, name != current.recognise.namePattern { continue }
            guard let info = informationScore(p) else { continue }
            let score = advertisementScore(p) + info
            if Self.beats(p, score: score, best) { best = (p, score) }
        }
        return best.profile
    }
}
