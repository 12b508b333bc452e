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

struct Alerts: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List stored alerts.")
    @OptionGroup var database: DatabaseOptions
    @Option(help: "Only this person's alerts.") var subject: String?
    @Flag(help: "JSON output.") var json = false

    func run() async throws {
        let store = try database.openForReading()
        let alerts = try await store.alerts(subject: subject)
        if json { return try printJSON(alerts) }
        if alerts.isEmpty { print("no alerts") }
        for a in alerts {
            print("\(ConsoleReporter.time(a.raisedAt))  \(a.severity.rawValue.uppercased())  \(a.ruleID)  \(a.message)")
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
