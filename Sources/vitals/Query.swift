import ArgumentParser
import Foundation
import Logging
import VitalsCore
import VitalsProfiles
import VitalsStore

struct Readings: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List stored readings.")
    @OptionGroup var database: DatabaseOptions
    @Option(help: "Only this person's readings.") var subject: String?
    @Flag(help: "JSON output.") var json = false

    func run() async throws {
        let store = try database.openForReading()
        let rows = try await store.readings(subject: subject)
        if json { return try printJSON(rows) }
        for r in rows {
            let values = r.observations.map { "\($0.metric)=\($0.value.map { ConsoleReporter.number($0) } ?? $0.state) \($0.unit)" }.joined(separator: " ")
            print("\(ConsoleReporter.time(r.effectiveAt))  \(r.kind)  \(values)  device=\(r.deviceID) grade=\(r.grade)\(r.flags.isEmpty ? "" : " flags=" + r.flags.joined(separator: ","))")
        }
    }
}

struct Devices: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List the devices the hub has seen, with what they said about themselves (certified classes, UDI, clock); with --clock-history DEVICE-ID, that device's clock checks.")
    @OptionGroup var database: DatabaseOptions
    @Option(help: "Print every clock check of this device (its id, as listed).") var clockHistory: String?
    @Flag(help: "JSON output.") var json = false

    struct Check: Encodable {
        var at: Date
        var offsetSeconds: Double
    }

    func run() async throws {
        let store = try database.openForReading()
        if let clockHistory {
            let checks = try await store.clockChecks(DeviceID(rawValue: clockHistory)).map { Check(at: $0.at, offsetSeconds: $0.offsetSeconds) }
            if json { return try printJSON(checks) }
            for c in checks { print("\(ConsoleReporter.time(c.at))  device clock \(c.offsetSeconds >= 0 ? "+" : "")\(ConsoleReporter.number(c.offsetSeconds)) s") }
            return
        }
        let rows = try await store.devices()
        if json { return try printJSON(rows) }
        for d in rows {
            var line = "\(d.id)  \(d.grade)  \(d.profileID ?? "no profile")"
            if let m = d.model { line += "  model=\(m)" }
            if let u = d.udiDeviceIdentifier { line += "  udi.di=\(u)" }
            if let c = d.certifiedClasses { line += "  certified=\(c)" }
            if let o = d.clockOffsetSeconds { line += "  clock=\(ConsoleReporter.number(o)) s (\(d.clockChecks) checks)" }
            print(line)
        }
    }
}

struct Alerts: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List stored alerts with their state, or acknowledge one.", subcommands: [AlertsList.self, AlertsAck.self],
        defaultSubcommand: AlertsList.self)
}

struct AlertsList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List stored alerts and backfill events with their state.")
    @OptionGroup var database: DatabaseOptions
    @Option(help: "Only this person's alerts.") var subject: String?
    @Flag(help: "Also print each alert's history (raised, updated, escalated, acknowledged, resolved).") var history = false
    @Flag(help: "Only the alert steps a delivery channel refused (parked, not retried): which, where, why.") var parked = false
    @Flag(help: "JSON output.") var json = false

    func run() async throws {
        let store = try database.openForReading()
        let refused = try await store.parkedAlertEvents(subject: subject)
        if parked {
            if json { return try printJSON(refused) }
            if refused.isEmpty { print("no parked alert steps") }
            for p in refused {
                print("\(ConsoleReporter.time(p.parkedAt))  PARKED  \(p.channel)  \(p.event.transition.rawValue) \(p.event.severity.rawValue)  \(p.event.alert.ruleID)  \(p.reason)  event=\(p.event.eventID)")
            }
            return
        }
        let alerts = try await store.alerts(subject: subject)
        if json { return try printJSON(alerts) }
        if alerts.isEmpty { print("no alerts") }
        let parkedByAlert = Dictionary(grouping: refused, by: \.event.alert.id)
        for a in alerts {
            let state = a.historical ? "historical" : a.state.rawValue
            let span = a.evidenceFrom.map { from in "  measured \(ConsoleReporter.time(from))\(a.evidenceTo.map { $0 > from ? "–" + ConsoleReporter.time($0) : "" } ?? "")" } ?? ""
            print("\(ConsoleReporter.time(a.raisedAt))  \(state.uppercased())  \(a.severity.rawValue.uppercased())  \(a.ruleID)  \(a.message)\(span)\(a.escalations > 0 ? "  escalated ×\(a.escalations)" : "")  id=\(a.id)")
            for p in parkedByAlert[a.id] ?? [] {
                print("    NOT DELIVERED on \(p.channel): the \(p.event.transition.rawValue) step (\(ConsoleReporter.time(p.event.at))) was parked: \(p.reason)")
            }
            if history {
                for e in try await store.alertEvents(alertID: a.id) {
                    print("    \(ConsoleReporter.time(e.at))  \(e.transition.rawValue)  \(e.severity.rawValue)\(e.detail.isEmpty ? "" : "  " + e.detail)")
                }
            }
        }
    }
}

struct AlertsAck: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "ack", abstract: "Acknowledge an open alert: it is no longer escalated.")
    @OptionGroup var database: DatabaseOptions
    @Argument(help: "The alert id (as vitals alerts prints it).") var id: String
    @Option(help: "Who acknowledges it, kept in the audit record (default: the login name, $USER).") var by: String?

    func validate() throws {
        if let by, by.trimmingCharacters(in: .whitespaces).isEmpty { throw ValidationError("--by must not be empty") }
    }

    func run() async throws {
        let actor = by ?? ProcessInfo.processInfo.environment["USER"].flatMap { $0.isEmpty ? nil : $0 } ?? "cli"
        guard FileManager.default.fileExists(atPath: database.db) else { throw ValidationError("no database at \(database.db)") }
        let store = try VitalsStore(path: database.db, logger: Logger(label: "vitals", factory: { _ in SwiftLogNoOpLogHandler() }))
        if let a = try await store.acknowledge(alertID: id, by: actor, at: Date()) {
            print("acknowledged \(a.id) (\(a.severity.rawValue), \(a.ruleID))")
        } else if let a = try await store.alert(id: id) {
            FileHandle.standardError.write(Data("error: alert \(id) is \(a.historical ? "a historical event" : a.state.rawValue); only a raised or updated alert can be acknowledged\n".utf8))
            throw ExitCode(1)
        } else {
            FileHandle.standardError.write(Data("error: no alert \(id)\n".utf8))
            throw ExitCode(1)
        }
    }
}

struct Profiles: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Device profiles.", subcommands: [List.self, Check.self])

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the loaded device profiles.")
        @OptionGroup var profileOptions: ProfileOptions
        @Flag(help: "JSON output.") var json = false

        struct Entry: Encodable {
            var id, manufacturer, model, kind, transport, grade, site, intendedUse, `protocol`: String
            var simulated: Bool
        }

        func run() throws {
            let catalogue: ProfileCatalogue
            do { catalogue = try ProfileCatalogue.load(directory: try profileOptions.directory()) } catch let e as ProfileError {
                FileHandle.standardError.write(Data("error: \(e)\n".utf8))
                throw ExitCode(1)
            }
            let entries = catalogue.profiles.map {
                Entry(id: $0.id, manufacturer: $0.manufacturer, model: $0.model, kind: $0.kind.rawValue, transport: $0.transport.rawValue,
                      grade: $0.grade.rawValue, site: $0.site.rawValue, intendedUse: $0.intendedUse.rawValue, protocol: $0.protocol, simulated: $0.simulated ?? false)
            }
            if json { return try printJSON(entries) }
            for e in entries { print("\(e.id)  \(e.manufacturer) \(e.model)  [\(e.kind), \(e.transport), \(e.site), grade \(e.grade)]") }
        }
    }

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Validate every profile file; exit 1 naming file and field on error.")
        @OptionGroup var profileOptions: ProfileOptions

        func run() throws {
            let (ok, errors) = ProfileCatalogue.check(directory: try profileOptions.directory())
            for e in errors { FileHandle.standardError.write(Data("error: \(e)\n".utf8)) }
            print("\(ok.count) profile(s) valid, \(errors.count) refused")
            if !errors.isEmpty { throw ExitCode(1) }
        }
    }
}
