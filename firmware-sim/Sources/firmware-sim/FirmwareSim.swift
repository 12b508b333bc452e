import ArgumentParser
import FirmwareSimKit
import Foundation
import Logging
import VitalsTransport

@main
struct FirmwareSim: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "firmware-sim",
        abstract: "Play simulated medical devices, byte for byte, to a hub over the simulator link.",
        subcommands: [List.self, Run.self])

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List built-in scenarios and device types.")
        func run() throws {
            print("scenarios:")
            for name in BuiltinScenarios.all.keys.sorted() {
                let s = try Scenario.load(name)
                print("  \(name): \(s.description ?? "")")
            }
            print("device types:")
            print("  bp-cuff: Blood Pressure Service 0x1810, Measurement 0x2A35 by indication, Feature 0x2A49")
            print("  glucose-meter: Glucose Service 0x1808, Measurement 0x2A18 by notification, RACP 0x2A52")
        }
    }

    struct Run: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Serve a scenario (a built-in name or a JSON file) until every device has delivered its data.")
        @Argument(help: "Scenario name or path.") var scenario: String
        @Option(help: "Socket to listen on.") var socket: String = SimLinkPath.defaultPath
        @Option(help: "Stop after this many hub connections even if devices still hold data.") var hubs: Int = .max
        @Option(help: "Log level on standard error.") var logLevel: String = "notice"

        func run() throws {
            let level = Logger.Level(rawValue: logLevel) ?? .notice
            LoggingSystem.bootstrap { label in
                var h = StreamLogHandler.standardError(label: label)
                h.logLevel = level
                return h
            }
            let s: Scenario
            do { s = try Scenario.load(scenario) } catch {
                FileHandle.standardError.write(Data("error: \(error)\n".utf8))
                throw ExitCode(2)
            }
            let server = SimulatorServer(scenario: s, path: socket, logger: Logger(label: "firmware-sim"))
            let summary = try server.run(maxHubs: hubs)
            print("firmware-sim: scenario '\(s.name)' \(summary.finished ? "finished" : "not finished") after \(summary.hubsServed) hub connection(s)")
        }
    }
}
