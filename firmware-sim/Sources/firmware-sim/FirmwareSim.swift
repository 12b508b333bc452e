import ArgumentParser
import FirmwareSimKit
import Foundation
import Logging
import VitalsTransport

@main
struct FirmwareSim: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "firmware-sim",
        abstract: "Play simulated medical devices, byte for byte, to a hub over the simulator link or a real Bluetooth adapter.",
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
            print("  bp-cuff: Blood Pressure Service 0x1810, Measurement 0x2A35 by indication, Feature 0x2A49, Current Time 0x2A2B")
            print("  glucose-meter: Glucose Service 0x1808, Measurement 0x2A18 by notification, RACP 0x2A52")
            print("  cgm: CGM Service 0x181F, Measurement 0x2AA7 with E2E-CRC, Feature 0x2AA8, Session Start Time 0x2AAA")
            print("  heart-rate: Heart Rate Service 0x180D, Measurement 0x2A37 with RR intervals, Battery 0x2A19")
            print("  pulse-oximeter: Pulse Oximeter Service 0x1822, spot-check 0x2A5E by indication, Features 0x2A60")
            print("  polar-ecg: Polar Measurement Data service, ECG at 130 Hz on start")
            print("faults: disconnectAfterRecords, ignoreRequests, badCRCRecords, attErrorOnce, malformedFirst, malformedPDU, clockOffsetMinutes; scenario linkLatencyMs")
        }
    }

    struct Run: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Serve a scenario (a built-in name or a JSON file) until every device has delivered its data.")
        @Argument(help: "Scenario name or path.") var scenario: String
        @Option(help: "Socket to listen on.") var socket: String = SimLinkPath.defaultPath
        @Option(help: "Stop after this many hub connections even if devices still hold data.") var hubs: Int = .max
        @Option(help: "Log level on standard error.") var logLevel: String = "notice"
        @Option(help: "Play one device on this real Bluetooth adapter (hciN) instead of the simulator link.") var hci: Int32?
        @Option(help: "With --hci: which device of the scenario, by advertised name (default: the first).") var device: String?

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
            if let hci {
                let devices = SimulatorCore(scenario: s, now: Date()).devices
                let index = device.flatMap { name in s.devices.firstIndex { $0.name == name } } ?? 0
                guard device == nil || s.devices.indices.contains(index) && s.devices[index].name == device else {
                    FileHandle.standardError.write(Data("error: no device named \(device ?? "") in scenario '\(s.name)'\n".utf8))
                    throw ExitCode(2)
                }
                let summary = try RadioPeripheralServer(adapter: hci, logger: Logger(label: "firmware-sim")).serve(devices[index], maxConnections: hubs)
                print("firmware-sim: device '\(s.devices[index].name)' on hci\(hci) \(summary.finished ? "finished" : "not finished") after \(summary.connections) connection(s)")
                return
            }
            let server = SimulatorServer(scenario: s, path: socket, logger: Logger(label: "firmware-sim"))
            let summary = try server.run(maxHubs: hubs)
            print("firmware-sim: scenario '\(s.name)' \(summary.finished ? "finished" : "not finished") after \(summary.hubsServed) hub connection(s)")
        }
    }
}
