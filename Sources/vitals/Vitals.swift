import ArgumentParser
import Foundation
import Logging
import VitalsCore
import VitalsHTTP
import VitalsProfiles
import VitalsStore
import VitalsTransport
import VitalsTransportLinux
import VitalsWire

@main
struct Vitals: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vitals",
        abstract: "OpenVitals hub: medical-device readings to standard data and alerts.",
        subcommands: [Run.self, Serve.self, Scan.self, USBProbe.self, Readings.self, Devices.self, Alerts.self, Decode.self, Validate.self, Profiles.self, Doctor.self, SubjectCommand.self, Retention.self, Analyze.self, ECG.self, Export.self, BenchAnalytics.self, BenchIngest.self, BenchUplink.self])

    static func main() async {
        MemoryTuning.apply()
        await main(nil)
    }
}

/// Exit code for malformed input (bad bytes, a bad profile file).
let exitMalformed: Int32 = 2

struct LoggingOptions: ParsableArguments {
    @Option(name: .long, help: "Log level on standard error: trace, debug, info, notice, warning, error, critical (default: notice). Patient values are logged only at debug or below.")
    var logLevel: Logger.Level?

    func bootstrap() -> Logger {
        let level = logLevel ?? .notice
        LoggingSystem.bootstrap { label in
            var h = StreamLogHandler.standardError(label: label)
            h.logLevel = level
            return h
        }
        return Logger(label: "vitals")
    }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}

struct DatabaseOptions: ParsableArguments {
    @Option(name: .long, help: "The SQLite database file (vitals run creates it, mode 0600, if missing).")
    var db: String = "vitals.sqlite"

    /// Opens an existing database for queries; nothing is created or migrated.
    func openForReading() throws -> VitalsStore {
        guard FileManager.default.fileExists(atPath: db) else { throw ValidationError("no database at \(db)") }
        return try VitalsStore(readingFrom: db, logger: Logger(label: "vitals", factory: { _ in SwiftLogNoOpLogHandler() }))
    }
}

struct ProfileOptions: ParsableArguments {
    @Option(name: .long, help: "Directory of device-profile files. Default: $VITALS_PROFILES, ./device-profiles, or the one beside the build.")
    var profiles: String?

    func directory() throws -> URL {
        if let profiles { return URL(fileURLWithPath: profiles) }
        if let env = ProcessInfo.processInfo.environment["VITALS_PROFILES"], !env.isEmpty { return URL(fileURLWithPath: env) }
        let cwd = URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent("device-profiles")
        if FileManager.default.fileExists(atPath: cwd.path) { return cwd }
        // .build/<triple>/debug/vitals → the package root.
        var dir = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<5 {
            let candidate = dir.appendingPathComponent("device-profiles")
            if FileManager.default.fileExists(atPath: candidate.path) { return candidate }
            dir = dir.deletingLastPathComponent()
        }
        throw ValidationError("no device-profiles directory found; pass --profiles DIR")
    }
}

/// Where the web UI's files are (`web/`: the dashboard and the kiosk screen), found like the device profiles.
struct WebOptions: ParsableArguments {
    @Option(name: .long, help: "Directory of the web UI (dashboard and kiosk screen). Default: $VITALS_WEB, ./web, or the one beside the build.")
    var web: String?

    /// The UI, or nil when none is found (the API then answers 404 on the pages).
    func ui() -> WebUI? {
        if let web { return WebUI(root: URL(fileURLWithPath: web)) }
        if let env = ProcessInfo.processInfo.environment["VITALS_WEB"], !env.isEmpty { return WebUI(root: URL(fileURLWithPath: env)) }
        let cwd = URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent("web")
        if WebUI.isUI(cwd) { return WebUI(root: cwd) }
        // .build/<triple>/debug/vitals → the package root.
        var dir = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<5 {
            let candidate = dir.appendingPathComponent("web")
            if WebUI.isUI(candidate) { return WebUI(root: candidate) }
            dir = dir.deletingLastPathComponent()
        }
        return nil
    }
}

func printJSON<T: Encodable>(_ value: T) throws {
    let enc = JSONEncoder()
    enc.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    enc.dateEncodingStrategy = .iso8601
    FileHandle.standardOutput.write(try enc.encode(value))
    print()
}

struct Decode: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Decode a characteristic value or an IEEE 11073-20601 APDU and print it as JSON.",
        discussion: "Characteristics: \(CharacteristicDecoder.supported.map { "\($0.0) \($0.1)" }.joined(separator: ", ")). APDUs: AARQ, AARE, RLRQ, RLRE, ABRT, PRST with every DataApdu message. Malformed input exits 2 naming the field and byte offset.")

    @Option(help: "Characteristic UUID, e.g. 2A35.") var uuid: String?
    @Option(help: "The characteristic value's bytes in hex, e.g. \"00 7800 5000 5D00\".") var hex: String?
    @Option(help: "An IEEE 11073-20601 APDU in hex, e.g. \"E4 00 00 02 00 00\".") var apdu: String?
    @Option(help: "With --apdu: interpret fixed scan reports with this standard configuration (e.g. 0x02BC blood pressure, 0x06A4 glucose).")
    var config: String?
    @Flag(inversion: .prefixedNo, help: "CGM values: the CGM Feature says an E2E-CRC follows (default: decide from each record's Size).") var crc: Bool?

    func validate() throws {
        if apdu == nil && (uuid == nil || hex == nil) { throw ValidationError("give --uuid and --hex for a characteristic, or --apdu for an IEEE 11073-20601 APDU") }
        if apdu != nil && (uuid != nil || hex != nil) { throw ValidationError("--apdu cannot be combined with --uuid/--hex") }
    }

    func fail(_ message: String) -> ExitCode {
        FileHandle.standardError.write(Data("error: \(message)\n".utf8))
        return ExitCode(exitMalformed)
    }

    func run() throws {
        if let apdu {
            var objects: [ConfigReport.ConfigObject]?
            if let config { objects = StandardConfiguration.objects(configID: try standardConfigID(config)) }
            do {
                let bytes = try Hex.parse(apdu)
                print(try PHDAPDU(bytes: bytes).json(configuration: objects).serialized(pretty: true))
            } catch {
                throw fail("\(error)")
            }
            return
        }
        guard let uuid, let hex, let u = BluetoothUUID(string: uuid) else { throw fail("'\(uuid ?? "")' is not a Bluetooth UUID") }
        do {
            let bytes = try Hex.parse(hex)
            print(try CharacteristicDecoder.decode(uuid: u, bytes: bytes, options: .init(cgmCRC: crc)).serialized(pretty: true))
        } catch {
            throw fail("\(error)")
        }
    }
}

/// A `--config` value (`0x02BC` or `700`) naming a standard IEEE 11073-20601 configuration this build knows.
func standardConfigID(_ text: String) throws -> UInt16 {
    let hex = text.lowercased().hasPrefix("0x")
    guard let id = UInt16(hex ? String(text.dropFirst(2)) : text, radix: hex ? 16 : 10), StandardConfiguration.objects(configID: id) != nil else {
        let known = StandardConfiguration.specializations.flatMap(\.configIDs).map { "0x" + String($0, radix: 16, uppercase: true) }
        throw ValidationError("--config \(text) is not a standard configuration this build knows (\(known.joined(separator: ", ")))")
    }
    return id
}
