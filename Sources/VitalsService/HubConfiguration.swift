import Foundation
import TOMLKit

/// The hub's configuration file (TOML): what `vitals run` otherwise takes as flags, for running as a service
/// (`packaging/vitals.toml` is the documented example).
///
/// Every field is optional: a key left out keeps the command's default, and a flag given on the command line wins
/// over the file. The file is checked strictly, because a medical device must not run on a setting nobody meant:
/// an unknown section or key, a value of the wrong type and a value out of range are each an error that names
/// the key path and, where it can be found, the line.
public struct HubConfiguration: Sendable, Equatable {
    // [hub]
    public var database: String?
    public var subject: String?
    public var profiles: String?
    public var web: String?
    public var logLevel: String?
    public var quiet: Bool?
    // [devices]
    public var sim: String?
    public var ble: Bool?
    public var adapter: Int?
    public var pairingAgent: Bool?
    public var bleKeys: String?
    public var blePasskeyFile: String?
    public var ignoreBluetoothd: Bool?
    public var usb: Bool?
    public var acceptSimulatedDevices: Bool?
    public var deviceTimeZones: [String]?
    public var assign: [String]?
    // [alerts]
    public var liveHorizonMinutes: Double?
    public var escalateAfterMinutes: Double?
    public var webhook: String?
    // [http]
    public var httpListen: String?
    public var tokenFile: String?
    // [kiosk]
    public var kiosk: Bool?
    public var kioskRestSeconds: Double?
    public var kioskIntervalSeconds: Double?
    // [uplink]
    public var uplink: String?
    public var uplinkPasswordFile: String?
    public var hubID: String?
    // [fhir]
    public var fhirPush: String?
    public var fhirTokenFile: String?
    // [retention]
    public var retentionDays: Int?
    public var retentionWithoutUplink: Bool?
    public var retentionEveryHours: Double?

    public init() {}

    /// The log levels swift-log knows, as `hub.log_level` takes them.
    public static let logLevels = ["trace", "debug", "info", "notice", "warning", "error", "critical"]

    /// Reads and checks the file at `path`.
    public static func load(path: String) throws(ConfigurationError) -> HubConfiguration {
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw ConfigurationError(file: path, line: nil, key: nil, message: "cannot read the file (\(error.localizedDescription))")
        }
        return try parse(text, file: path)
    }

    /// Parses and checks a TOML document; `file` names it in errors.
    public static func parse(_ text: String, file: String = "config") throws(ConfigurationError) -> HubConfiguration {
        let table: TOMLTable
        do { table = try TOMLTable(string: text) } catch let e as TOMLParseError {
            throw ConfigurationError(file: file, line: e.source.begin.line, key: nil, message: e.description)
        } catch {
            throw ConfigurationError(file: file, line: nil, key: nil, message: "\(error)")
        }
        var c = HubConfiguration()
        let sections = Dictionary(grouping: fields, by: \.section)
        for section in table.keys.sorted() {
            guard let fieldsOfSection = sections[section] else {
                throw ConfigurationError(file: file, line: TOMLLines.line(of: [section], in: text), key: section,
                                         message: "unknown section (known: \(sections.keys.sorted().joined(separator: ", ")))")
            }
            guard let sub = table[section]?.table else {
                throw ConfigurationError(file: file, line: TOMLLines.line(of: [section], in: text), key: section,
                                         message: "expected a table ([\(section)]), found \(table[section]?.type.description ?? "nothing")")
            }
            let byKey = Dictionary(uniqueKeysWithValues: fieldsOfSection.map { ($0.key, $0) })
            for key in sub.keys.sorted() {
                let path = [section, key]
                let at = TOMLLines.line(of: path, in: text)
                guard let field = byKey[key] else {
                    throw ConfigurationError(file: file, line: at, key: path.joined(separator: "."),
                                             message: "unknown key (known in [\(section)]: \(fieldsOfSection.map(\.key).joined(separator: ", ")))")
                }
                guard let value = sub[key] else { continue }
                do { try field.apply(&c, value) } catch {
                    throw ConfigurationError(file: file, line: at, key: path.joined(separator: "."), message: error.message)
                }
            }
        }
        try c.check(file: file, text: text)
        return c
    }

    /// Rules between keys.
    func check(file: String, text: String) throws(ConfigurationError) {
        func fail(_ path: [String], _ message: String) -> ConfigurationError {
            ConfigurationError(file: file, line: TOMLLines.line(of: path, in: text), key: path.joined(separator: "."), message: message)
        }
        if sim != nil && ble == true { throw fail(["devices", "ble"], "choose one of devices.sim and devices.ble") }
        if kiosk == true && httpListen == nil { throw fail(["kiosk", "enabled"], "the kiosk needs http.listen: the kiosk screen works through the API") }
        if kiosk == true && !(assign ?? []).isEmpty { throw fail(["devices", "assign"], "does not apply with kiosk.enabled: a kiosk files readings under the current walk-in session") }
        if tokenFile != nil && httpListen == nil { throw fail(["http", "token_file"], "applies only with http.listen") }
        if uplinkPasswordFile != nil && uplink == nil { throw fail(["uplink", "password_file"], "applies only with uplink.url") }
        if hubID != nil && uplink == nil && fhirPush == nil { throw fail(["uplink", "hub_id"], "applies only with uplink.url or fhir.push") }
        if fhirTokenFile != nil && fhirPush == nil { throw fail(["fhir", "token_file"], "applies only with fhir.push") }
        if (retentionWithoutUplink != nil || retentionEveryHours != nil) && retentionDays == nil {
            throw fail(["retention"], "without_uplink and every_hours apply only with retention.days")
        }
    }

    // MARK: The keys

    /// One key of the file: its section, its name, and how its value is checked and stored.
    struct Field {
        var section: String
        var key: String
        var apply: (inout HubConfiguration, any TOMLValueConvertible) throws(ValueError) -> Void
    }

    struct ValueError: Error {
        var message: String
    }

    static func found(_ v: any TOMLValueConvertible) -> String { v.type.description }

    static func string(_ section: String, _ key: String, _ path: WritableKeyPath<HubConfiguration, String?>,
                       check: @escaping (String) -> String? = { $0.isEmpty ? "must not be empty" : nil }) -> Field {
        Field(section: section, key: key) { (c: inout HubConfiguration, v: any TOMLValueConvertible) throws(ValueError) in
            guard v.type == .string, let s = v.string else { throw ValueError(message: "expected a string, found \(found(v))") }
            if let problem = check(s) { throw ValueError(message: problem) }
            c[keyPath: path] = s
        }
    }

    static func bool(_ section: String, _ key: String, _ path: WritableKeyPath<HubConfiguration, Bool?>) -> Field {
        Field(section: section, key: key) { (c: inout HubConfiguration, v: any TOMLValueConvertible) throws(ValueError) in
            guard v.type == .bool, let b = v.bool else { throw ValueError(message: "expected true or false, found \(found(v))") }
            c[keyPath: path] = b
        }
    }

    static func integer(_ section: String, _ key: String, _ path: WritableKeyPath<HubConfiguration, Int?>, _ range: ClosedRange<Int>) -> Field {
        Field(section: section, key: key) { (c: inout HubConfiguration, v: any TOMLValueConvertible) throws(ValueError) in
            guard v.type == .int, let i = v.int else { throw ValueError(message: "expected an integer, found \(found(v))") }
            guard range.contains(i) else { throw ValueError(message: "\(i) is out of range (\(range.lowerBound)…\(range.upperBound))") }
            c[keyPath: path] = i
        }
    }

    /// A number (integer or floating point) at least `minimum` (and above it when `exclusive`).
    static func number(_ section: String, _ key: String, _ path: WritableKeyPath<HubConfiguration, Double?>, minimum: Double, exclusive: Bool,
                       maximum: Double = .infinity) -> Field {
        Field(section: section, key: key) { (c: inout HubConfiguration, v: any TOMLValueConvertible) throws(ValueError) in
            let d: Double
            if v.type == .int, let i = v.int { d = Double(i) } else if v.type == .double, let x = v.double { d = x } else {
                throw ValueError(message: "expected a number, found \(found(v))")
            }
            guard d.isFinite, exclusive ? d > minimum : d >= minimum else {
                throw ValueError(message: "\(d) must be \(exclusive ? "greater than" : "at least") \(minimum == 0 ? "0" : "\(minimum)")")
            }
            guard d <= maximum else { throw ValueError(message: "\(d) must be at most \(maximum)") }
            c[keyPath: path] = d
        }
    }

    static func strings(_ section: String, _ key: String, _ path: WritableKeyPath<HubConfiguration, [String]?>) -> Field {
        Field(section: section, key: key) { (c: inout HubConfiguration, v: any TOMLValueConvertible) throws(ValueError) in
            guard v.type == .array, let a = v.array else { throw ValueError(message: "expected an array of strings, found \(found(v))") }
            var out: [String] = []
            for (i, e) in a.enumerated() {
                guard e.type == .string, let s = e.string, !s.isEmpty else {
                    throw ValueError(message: "element \(i + 1): expected a non-empty string, found \(e.type == .string ? "an empty string" : found(e))")
                }
                out.append(s)
            }
            c[keyPath: path] = out
        }
    }

    /// Every key the file may hold, in the order `packaging/vitals.toml` documents them.
    static var fields: [Field] {
        [
            string("hub", "database", \.database),
            string("hub", "subject", \.subject),
            string("hub", "profiles", \.profiles),
            string("hub", "web", \.web),
            string("hub", "log_level", \.logLevel) { logLevels.contains($0) ? nil : "'\($0)' is not a log level (\(logLevels.joined(separator: ", ")))" },
            bool("hub", "quiet", \.quiet),

            string("devices", "sim", \.sim),
            bool("devices", "ble", \.ble),
            integer("devices", "adapter", \.adapter, 0...1023),
            bool("devices", "pairing_agent", \.pairingAgent),
            string("devices", "ble_keys", \.bleKeys),
            string("devices", "ble_passkey_file", \.blePasskeyFile),
            bool("devices", "ignore_bluetoothd", \.ignoreBluetoothd),
            bool("devices", "usb", \.usb),
            bool("devices", "accept_simulated_devices", \.acceptSimulatedDevices),
            strings("devices", "time_zones", \.deviceTimeZones),
            strings("devices", "assign", \.assign),

            number("alerts", "live_horizon_minutes", \.liveHorizonMinutes, minimum: 0, exclusive: true),
            number("alerts", "escalate_after_minutes", \.escalateAfterMinutes, minimum: 0, exclusive: true),
            string("alerts", "webhook", \.webhook) { s in
                guard let scheme = URL(string: s)?.scheme, ["http", "https"].contains(scheme) else { return "must be an http(s) URL" }
                return nil
            },

            string("http", "listen", \.httpListen) { s in hostAndPort(s) == nil ? "expected HOST:PORT, e.g. 127.0.0.1:8080" : nil },
            string("http", "token_file", \.tokenFile),

            bool("kiosk", "enabled", \.kiosk),
            number("kiosk", "rest_seconds", \.kioskRestSeconds, minimum: 0, exclusive: false),
            number("kiosk", "interval_seconds", \.kioskIntervalSeconds, minimum: 0, exclusive: false),

            string("uplink", "url", \.uplink) { s in s.hasPrefix("postgres://") ? nil : "expected postgres://USER@HOST:PORT/DB" },
            string("uplink", "password_file", \.uplinkPasswordFile),
            string("uplink", "hub_id", \.hubID),

            string("fhir", "push", \.fhirPush) { s in
                guard let scheme = URL(string: s)?.scheme, ["http", "https"].contains(scheme) else { return "must be an http(s) URL" }
                return nil
            },
            string("fhir", "token_file", \.fhirTokenFile),

            integer("retention", "days", \.retentionDays, 1...36_500),
            bool("retention", "without_uplink", \.retentionWithoutUplink),
            // Once a minute at the most (each pass scans and truncates the log), once a year at the least.
            number("retention", "every_hours", \.retentionEveryHours, minimum: 1.0 / 60, exclusive: false, maximum: 8760),
        ]
    }

    /// Every key path the file may hold (`hub.database`, …).
    public static var keyPaths: [String] { fields.map { "\($0.section).\($0.key)" } }

    /// `HOST:PORT` (`[::1]:8080` for IPv6), or nil.
    public static func hostAndPort(_ text: String) -> (host: String, port: Int)? {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), (0...65_535).contains(port) else { return nil }
        var host = String(text[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        return host.isEmpty ? nil : (host, port)
    }
}

/// A configuration file that cannot be used: where, which key, and why.
public struct ConfigurationError: Error, CustomStringConvertible, Equatable {
    public var file: String
    /// 1-based; nil when the key could not be found in the text (an inline table, say).
    public var line: Int?
    /// The key path (`http.listen`), or nil for an error in the document as a whole.
    public var key: String?
    public var message: String

    public var description: String {
        "\(file)\(line.map { ":\($0)" } ?? ""): \(key.map { "\($0): " } ?? "")\(message)"
    }
}

/// Finds the line a key is written on, for error messages (TOMLKit gives positions only for syntax errors).
/// It follows `[table]` headers and `key = value` lines, with dotted and quoted keys; a key inside an inline
/// table is not found.
enum TOMLLines {
    static func line(of path: [String], in text: String) -> Int? {
        var table: [String] = []
        var inMultiline: String?
        for (n, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if let quote = inMultiline {
                if line.contains(quote) { inMultiline = nil }
                continue
            }
            if line.isEmpty || line.hasPrefix("#") { continue }
            if line.hasPrefix("[") {
                let inner = line.drop { $0 == "[" }.prefix { $0 != "]" }
                table = keyParts(String(inner))
                if table == path { return n + 1 }
                continue
            }
            guard let eq = line.firstIndex(of: "=") else { continue }
            let full = table + keyParts(String(line[..<eq]))
            if full.starts(with: path) || path.starts(with: full) {
                return n + 1
            }
            let value = line[line.index(after: eq)...].trimmingCharacters(in: .whitespaces)
            for q in ["\"\"\"", "'''"] where value.hasPrefix(q) && !value.dropFirst(3).contains(q) { inMultiline = q }
        }
        return nil
    }

    /// `a."b.c".d` → `["a", "b.c", "d"]`.
    static func keyParts(_ key: String) -> [String] {
        var parts: [String] = []
        var current = ""
        var quote: Character?
        for ch in key {
            if let q = quote {
                if ch == q { quote = nil } else { current.append(ch) }
            } else if ch == "\"" || ch == "'" {
                quote = ch
            } else if ch == "." {
                parts.append(current.trimmingCharacters(in: .whitespaces))
                current = ""
            } else {
                current.append(ch)
            }
        }
        parts.append(current.trimmingCharacters(in: .whitespaces))
        return parts
    }
}
