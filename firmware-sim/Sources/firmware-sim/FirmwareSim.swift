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
        subcommands: [List.self, Run.self, USBIP.self])

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
            print("usb devices (firmware-sim usbip --device NAME): loopback: PHDC class 0x0F (11073-20601 data code), bulk OUT echoed on bulk IN")
            print("  astm-meter: CDC Data class 0x0A, bulk OUT 0x01 / IN 0x82, a Contour-style glucose meter speaking ASTM E1381/E1394 (write any byte to start; --astm-bad-checksum-frame K, --astm-garbage)")
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

    struct USBIP: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "usbip",
            abstract: "Export a simulated USB device over USB/IP, for `usbip attach` on a Linux host (see docs/usb-linux.md).")
        @Option(help: "The simulated device: loopback, astm-meter, or an IEEE 11073 agent phd-bp, phd-glucose, phd-scale, phd-thermometer, phd-pulse-oximeter, phd-ecg (its measurements from --scenario).") var device: String = "loopback"
        @Option(help: "For phd-* devices: the scenario whose first device of that type is played.") var scenario: String = "usb-agents"
        @Option(help: "astm-meter fault: send frame K (from 1) with a bad checksum once.") var astmBadChecksumFrame: Int?
        @Flag(help: "astm-meter fault: send line noise before every frame.") var astmGarbage = false
        @Option(help: "Address to listen on.") var host: String = "127.0.0.1"
        @Option(help: "TCP port (USB/IP's is 3240).") var port: UInt16 = USBIPServer.defaultPort
        @Option(help: "Bus id the device is exported as.") var busid: String = "1-1"
        @Option(help: "Fault: halt this endpoint (e.g. 0x81) once --stall-after bulk transfers have completed.") var stallEndpoint: String?
        @Option(help: "Fault: bulk transfers before the stall.") var stallAfter: Int = 0
        @Option(help: "Fault: drop the device after this many bulk transfers.") var disconnectAfter: Int?
        @Option(help: "Exit after this many imports have ended.") var imports: Int = .max
        @Option(help: "Log level on standard error.") var logLevel: String = "notice"

        func run() throws {
            let level = Logger.Level(rawValue: logLevel) ?? .notice
            LoggingSystem.bootstrap { label in
                var h = StreamLogHandler.standardError(label: label)
                h.logLevel = level
                return h
            }
            let function: any SimulatedUSBFunction
            if device == "loopback" {
                function = USBLoopbackFunction()
            } else if device == "astm-meter" {
                let faults = ASTMMeter.Faults(badChecksumOnFrame: astmBadChecksumFrame, garbageBetweenFrames: astmGarbage ? [0x00, 0xFF, 0x7E] : [])
                function = ASTMMeterUSBFunction(meter: ASTMMeterUSBFunction.demoMeter(faults: faults))
            } else if Scenario.phdTypes[device] != nil {
                let s: Scenario
                do { s = try Scenario.load(scenario) } catch {
                    FileHandle.standardError.write(Data("error: \(error)\n".utf8))
                    throw ExitCode(2)
                }
                guard let f = PHDAgentUSBFunction.fromScenario(s, type: device) else {
                    FileHandle.standardError.write(Data("error: scenario '\(s.name)' has no '\(device)' device\n".utf8))
                    throw ExitCode(2)
                }
                function = f
            } else {
                FileHandle.standardError.write(Data("error: unknown USB device '\(device)' (known: loopback, astm-meter, \(Scenario.phdTypes.keys.sorted().joined(separator: ", ")))\n".utf8))
                throw ExitCode(2)
            }
            var stall: UInt8?
            if let stallEndpoint {
                let text = stallEndpoint.lowercased().hasPrefix("0x") ? String(stallEndpoint.dropFirst(2)) : stallEndpoint
                guard let v = UInt8(text, radix: 16) else { throw ValidationError("--stall-endpoint: '\(stallEndpoint)' is not an endpoint address like 0x81") }
                stall = v
            }
            let faults = USBIPFaults(stallEndpoint: stall, stallAfterTransfers: stallAfter, disconnectAfterTransfers: disconnectAfter)
            let server = try USBIPServer(function: function, host: host, port: port, busID: busid, faults: faults, logger: Logger(label: "firmware-sim"))
            // Unbuffered, so a script waiting for this line sees it at once.
            FileHandle.standardOutput.write(Data("firmware-sim: usbip device '\(device)' listening on \(host):\(server.port) bus id \(busid)\n".utf8))
            server.run(maxImports: imports)
            print("firmware-sim: usbip served \(server.importsServed) import(s)")
            if let agent = function as? PHDAgentUSBFunction {
                print("firmware-sim: agent '\(device)' had \(agent.acknowledged) measurement(s) acknowledged\(agent.isFinished ? ", released" : ", not finished")")
            }
        }
    }
}
