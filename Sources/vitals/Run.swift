import ArgumentParser
import Foundation
import Logging
import Metrics
import VitalsCore
import VitalsPipeline
import VitalsProfiles
import VitalsStore
import VitalsTransport

struct Run: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the hub: connect to devices, store their readings, raise alerts.",
        discussion: "Today the hub reaches devices through the simulator link (--sim). Readings and alerts are printed as they arrive; SIGINT or SIGTERM stop it without losing what was received.")

    @Option(help: "Simulator link socket (firmware-sim run … --socket).") var sim: String?
    @Option(help: "The person readings are filed under.") var subject: String = "default"
    @Flag(help: "Exit when the simulator says its scenario is over.") var exitWhenDone = false
    @Flag(help: "Print no per-reading lines, only the summary.") var quiet = false
    @OptionGroup var database: DatabaseOptions
    @OptionGroup var profileOptions: ProfileOptions
    @OptionGroup var logging: LoggingOptions

    func validate() throws {
        if sim == nil {
            throw ValidationError("no transport given: pass --sim SOCKET (the Linux BLE and USB transports are not built yet)")
        }
        if subject.isEmpty { throw ValidationError("--subject must not be empty") }
    }

    func run() async throws {
        let logger = logging.bootstrap()
        let catalogue: ProfileCatalogue
        do { catalogue = try ProfileCatalogue.load(directory: try profileOptions.directory()) } catch let e as ProfileError {
            FileHandle.standardError.write(Data("error: device profile refused: \(e)\n".utf8))
            throw ExitCode(exitMalformed)
        }
        let store = try VitalsStore(path: database.db, logger: logger)
        let console = ConsoleReporter(quiet: quiet)
        let pipeline = HubPipeline(
            configuration: .init(central: .init(subject: SubjectID(subject), exitWhenScenarioEnds: exitWhenDone)),
            radio: { [sim] in try await SimRadio.connect(path: sim!, timeout: .seconds(10), logger: logger) },
            catalogue: catalogue, store: store, logger: logger
        ) { event in console.report(event) }
        try await pipeline.run()
        let t = pipeline.totals.value
        print("summary: \(t.received) readings received, \(t.stored) stored, \(t.duplicates) duplicates ignored, \(t.rejected) rejected, \(t.alerts) alerts raised")
    }
}

/// Plain-words lines for a person watching the hub.
struct ConsoleReporter: Sendable {
    var quiet: Bool

    static func time(_ d: Date) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "yyyy-MM-dd HH:mm 'UTC'"
        return f.string(from: d)
    }

    static func number(_ v: Double?) -> String {
        guard let v else { return "—" }
        return v == v.rounded() ? String(Int(v)) : String(format: "%.1f", v)
    }

    /// `[#####     ] 400/1000`
    static func bar(_ done: Int, of total: Int) -> String {
        let width = 20
        let filled = total == 0 ? width : min(width, done * width / total)
        return "[" + String(repeating: "#", count: filled) + String(repeating: " ", count: width - filled) + "] \(done)/\(total) records"
    }

    static func describe(_ r: Reading) -> String {
        switch r.kind {
        case .bloodPressure:
            var s = "blood pressure \(number(r.observation(.systolic)?.value))/\(number(r.observation(.diastolic)?.value)) mmHg"
            if let p = r.observation(.pulseRateNonInvasive) { s += ", pulse \(number(p.value))/min" }
            return s
        case .glucose:
            let o = r.observations.first
            var s = "glucose \(number(o?.value)) mg/dL"
            if let seq = r.sequence { s += " (record \(seq))" }
            return s
        default:
            return r.kind.rawValue
        }
    }

    func report(_ e: PipelineEvent) {
        switch e {
        case .deviceConnected(let d, let name, let grade):
            if !quiet { print("connected   \(d.address)  \(name)  [grade: \(grade.rawValue)]") }
        case .deviceDisconnected(let d, let reason):
            if !quiet { print("disconnected \(d.address)  (\(reason))") }
        case .transferComplete(let d, let detail):
            if !quiet { print("transfer    \(d.address)  \(detail)") }
        case .transferProgress(let d, let received, let expected):
            if !quiet { print("download    \(d.address)  \(Self.bar(received, of: expected))") }
        case .stored(let r):
            if quiet { return }
            let flags = r.flags.isEmpty ? "" : "  flags: " + r.flags.sorted().map(\.rawValue).joined(separator: ", ")
            print("reading     \(Self.describe(r)), measured \(Self.time(r.effectiveTime)), saved\(flags)")
        case .duplicate(let r):
            if !quiet { print("duplicate   \(Self.describe(r)) already stored; ignored") }
        case .rejected(let d, let source, let error):
            print("rejected    \(d.address) \(source): \(error) (raw bytes kept)")
        case .alert(let a):
            print("ALERT       \(a.severity.rawValue.uppercased()): \(a.message)")
        case .scenarioEnded:
            if !quiet { print("simulator   scenario finished") }
        }
    }
}
