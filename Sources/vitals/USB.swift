import ArgumentParser
import Foundation
import Logging
import VitalsCore
import VitalsProfiles
import VitalsTransport
import VitalsTransportLinux
import VitalsWire

/// `vitals scan --usb`: the USB devices libusb sees.
enum USBScan {
    /// Names what a USB device is to the hub: the device profile it matches (by VID:PID, interface class,
    /// product string) with its grade, or "phdc (unprofiled)" for a PHDC interface without a profile.
    static func match(_ device: USBDeviceSummary, catalogue: ProfileCatalogue?) -> String? {
        let phdc = device.interfaces.first { $0.isPHDC }
        if let catalogue,
            let p = catalogue.match(
                usbVendorID: device.vendorID, productID: device.productID, interfaceClass: phdc?.interfaceClass ?? device.interfaces.first?.interfaceClass ?? device.deviceClass,
                product: device.product ?? "", transport: .usb)
        {
            return "\(p.id) [\(p.protocol), grade: \(p.grade.rawValue)]"
        }
        return phdc != nil ? "phdc (unprofiled)" : nil
    }

    struct Listed: Encodable {
        var device: USBDeviceSummary
        var match: String?
    }

    static func run(json: Bool, catalogue: ProfileCatalogue?) throws {
        let devices: [USBDeviceSummary]
        do { devices = try LinuxUSB.devices() } catch {
            throw ValidationError("cannot enumerate USB devices: \(error)")
        }
        if json { return try printJSON(devices.map { Listed(device: $0, match: match($0, catalogue: catalogue)) }) }
        if devices.isEmpty { print("no USB devices") }
        for d in devices { print(line(d, catalogue: catalogue)) }
    }

    static func line(_ d: USBDeviceSummary, catalogue: ProfileCatalogue? = nil) -> String {
        let strings = [d.manufacturer, d.product, d.serialNumber.map { "serial \($0)" }].compactMap { $0 }
        let interfaces = d.interfaces.map { i in
            "if\(i.number) class 0x\(hex2(i.interfaceClass))/\(hex2(i.interfaceSubClass))/\(hex2(i.interfaceProtocol))"
                + (i.phdcSummary.map { " \($0)" } ?? "") + (i.phdcError.map { " (bad PHDC descriptors: \($0))" } ?? "")
        }
        return "usb \(d.location)  \(d.vidPid)  class 0x\(hex2(d.deviceClass))  \(strings.isEmpty ? "(no strings readable)" : strings.joined(separator: " / "))  "
            + "\(interfaces.joined(separator: ", "))  match: \(match(d, catalogue: catalogue) ?? "none")"
    }

    static func hex2(_ v: UInt8) -> String { v < 16 ? "0" + String(v, radix: 16) : String(v, radix: 16) }
}

/// `vitals usb-probe`: a diagnostic for the USB path. Finds the first PHDC 11073 device, claims it, and does
/// N bulk write/read round trips, expecting each message back (the firmware-sim loopback device echoes).
struct USBProbe: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "usb-probe",
        abstract: "Diagnostic: bulk round trips with a PHDC loopback device (firmware-sim usbip --device loopback).",
        shouldDisplay: false)
    @Option(help: "Round trips.") var count: Int = 20
    @Option(help: "Seconds to wait for the device to appear.") var wait: Double = 10
    @Option(help: "Seconds to wait for each echo.") var timeout: Double = 5
    @OptionGroup var loggingOptions: LoggingOptions

    func run() async throws {
        let logger = loggingOptions.bootstrap()
        let monitor = try LinuxUSBMonitor(logger: logger)
        defer { monitor.stop() }
        // The device may still be enumerating: take the first PHDC 11073 arrival within `wait`.
        let found: USBDeviceSummary? = try await withThrowingTaskGroup(of: USBDeviceSummary?.self) { group in
            group.addTask {
                for await e in monitor.events {
                    if case .arrived(let d) = e, d.phdc11073Interface != nil { return d }
                }
                return nil
            }
            group.addTask {
                try await Task.sleep(for: .milliseconds(Int(wait * 1000)))
                return nil
            }
            let first = try await group.next() ?? nil
            group.cancelAll()
            return first
        }
        guard let device = found else {
            print("usb-probe: FAILED: no PHDC 11073-20601 device appeared in \(wait) s (hot-plug \(monitor.usesHotplugCallbacks ? "callbacks" : "polling"))")
            throw ExitCode(1)
        }
        print("usb-probe: found \(USBScan.line(device))")
        let link = try LinuxUSBBulkLink(device: device, logger: logger)
        var ok = 0
        var failure: String?
        for i in 1...count {
            let message = Array("ov-usb-probe \(i) of \(count) ".utf8) + (0..<(i * 7 % 200)).map { UInt8(truncatingIfNeeded: $0 &+ i) }
            do {
                try await link.write(message)
                guard let echo = try await link.read(timeout: .milliseconds(Int(timeout * 1000))) else {
                    failure = "round trip \(i): no echo within \(timeout) s"
                    break
                }
                guard echo == message else {
                    failure = "round trip \(i): echo differs (\(echo.count) bytes back, \(message.count) sent)"
                    break
                }
                ok += 1
            } catch {
                failure = "round trip \(i): \(error)"
                break
            }
        }
        // An IN that times out is cancelled (a USB/IP unlink); check one so the path is exercised.
        let idle = try? await link.read(timeout: .milliseconds(300))
        link.close()
        print("usb-probe: loopback \(ok)/\(count) bulk round trips through libusb (\(device.vidPid) at \(device.location), interface \(link.interfaceNumber), endpoints OUT 0x\(USBScan.hex2(link.bulkOut)) IN 0x\(USBScan.hex2(link.bulkIn)))\(idle == nil ? "; idle read timed out cleanly" : "")")
        if let failure {
            print("usb-probe: FAILED: \(failure)")
            throw ExitCode(1)
        }
    }
}
