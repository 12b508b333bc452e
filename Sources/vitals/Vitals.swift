import ArgumentParser
import Foundation
import Logging
import VitalsCore
import VitalsProfiles
import VitalsStore
import VitalsTransportLinux
import VitalsWire

@main
struct Vitals: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vitals",
        abstract: "OpenVitals hub: medical-device readings to standard data and alerts.",
        subcommands: [Run.self, Scan.self, Readings.self, Alerts.self, Decode.self, Validate.self, Profiles.self, Doctor.self, Analyze.self, ECG.self])
}

/// Exit code for malformed input (bad bytes, a bad profile file).
let exitMalformed: Int32 = 2

struct LoggingOptions: ParsableArguments {
    @Option(name: .long, help: "Log level on standard error: trace, debug, info, notice, warning, error, critical. Patient values are logged only at debug or below.")
    var logLevel: Logger.Level = .notice

    func bootstrap() -> Logger {
        let level = logLevel
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

func printJSON<T: Encodable>(_ value: T) throws {
    let enc = JSONEncoder()
    enc.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    enc.dateEncodingStrategy = .iso8601
    FileHandle.standardOutput.write(try enc.encode(value))
    print()
}

struct Decode: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Decode a characteristic value and print it as JSON.",
        discussion: "Supported: \(CharacteristicDecoder.supported.map { "\($0.0) \($0.1)" }.joined(separator: ", ")). Malformed input exits 2 naming the field and byte offset.")

    @Option(help: "Characteristic UUID, e.g. 2A35.") var uuid: String
    @Option(help: "The value's bytes in hex, e.g. \"00 7800 5000 5D00\".") var hex: String
    @Flag(inversion: .prefixedNo, help: "CGM values: the CGM Feature says an E2E-CRC follows (default: decide from each record's Size).") var crc: Bool?

    func run() throws {
        guard let u = BluetoothUUID(string: uuid) else {
            FileHandle.standardError.write(Data("error: '\(uuid)' is not a Bluetooth UUID\n".utf8))
            throw ExitCode(exitMalformed)
        }
        do {
            let bytes = try Hex.parse(hex)
            print(try CharacteristicDecoder.decode(uuid: u, bytes: bytes, options: .init(cgmCRC: crc)).serialized(pretty: true))
        } catch {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode(exitMalformed)
        }
    }
}

struct Doctor: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Report the host libraries and adapters the hub can use.")

    func run() {
        print("libusb: \(HostLibraries.libusbVersion())")
        if let id = HostLibraries.firstBluetoothAdapter() {
            print("bluetooth: adapter hci\(id) present")
        } else {
            print("bluetooth: no HCI adapter (use --sim, or see docs/sim-link.md)")
        }
    }
}
