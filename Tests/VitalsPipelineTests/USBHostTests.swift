import FirmwareSimKit
import Foundation
import Metrics
import Synchronization
import Testing
import VitalsTestSupport
import VitalsCore
@testable import VitalsPipeline
import VitalsProfiles
import VitalsStore
import VitalsTransport
import VitalsWire

/// A bulk link wired straight to a simulated USB function: what the host writes goes to the function's
/// bulk OUT; what it queues comes back on reads. The descriptors the host sees are the function's own.
final class InProcessUSBLink: USBBulkLink {
    let function: any SimulatedUSBFunction
    let device: USBDeviceSummary
    let queue = Mutex<[[UInt8]]>([])

    init(_ function: any SimulatedUSBFunction, bus: UInt8, address: UInt8) {
        self.function = function
        let d = function.usbDescriptor
        device = USBDeviceSummary(
            bus: bus, address: address, vendorID: d.vendorID, productID: d.productID, manufacturer: d.manufacturer, product: d.product,
            serialNumber: d.serialNumber, interfaces: d.configurationDescriptor.interfaces.map(USBInterfaceSummary.init))
        let first = function.configured()
        queue.withLock { $0 = first }
    }

    func write(_ bytes: [UInt8]) async throws {
        let out = function.bulkOut(bytes)
        queue.withLock { $0 += out }
    }

    func read(timeout: Duration) async throws -> [UInt8]? {
        if let next = queue.withLock({ $0.isEmpty ? nil : $0.removeFirst() }) { return next }
        try await Task.sleep(for: min(timeout, .milliseconds(20)))
        return nil
    }

    func readInterrupt(timeout: Duration) async throws -> [UInt8]? { nil }
    func close() {}
}

/// An agent whose own release request is lost on the way (so the hub still sees it associated when it
/// stops); records what the host sends it.
final class ReleaseHoldingFunction: SimulatedUSBFunction {
    let inner: PHDAgentUSBFunction
    let fromHost = Mutex<[[UInt8]]>([])
    let dropped = Mutex(false)
    /// Yields once, when the agent's own release request has been dropped.
    let droppedRelease: AsyncStream<Void>
    private let signal: AsyncStream<Void>.Continuation
    init(_ inner: PHDAgentUSBFunction) {
        self.inner = inner
        (droppedRelease, signal) = AsyncStream<Void>.makeStream()
    }
    var usbDescriptor: SimulatedUSBDescriptor { inner.usbDescriptor }
    func configured() -> [[UInt8]] { filter(inner.configured()) }
    func bulkOut(_ data: [UInt8]) -> [[UInt8]] {
        fromHost.withLock { $0.append(data) }
        return filter(inner.bulkOut(data))
    }
    /// Drops the agent's first RLRQ (APDU choice 0xE4).
    func filter(_ out: [[UInt8]]) -> [[UInt8]] {
        out.filter { apdu in
            guard apdu.first == 0xE4 else { return true }
            let keep = dropped.withLock { d in defer { d = true }; return d }
            if !keep { signal.yield() }
            return keep
        }
    }
}

struct USBHostTests {
    /// A hub that stops while an agent is still associated releases the association (RLRQ) and takes the
    /// agent's answer, instead of leaving it to time out.
    @Test(.timeLimit(.minutes(1))) func stoppingTheHubReleasesAssociatedAgents() async throws {
        let catalogue = try ProfileCatalogue.load(directory: repoRoot.appendingPathComponent("device-profiles"))
        let bp = ReleaseHoldingFunction(try #require(PHDAgentUSBFunction.fromScenario(try Scenario.load("usb-agents"), type: "phd-bp")))
        let link = InProcessUSBLink(bp, bus: 1, address: 2)
        let (events, cont) = AsyncStream<USBHotplugEvent>.makeStream()
        cont.yield(.arrived(link.device))
        let source = USBHostService.Source(events: { events }, open: { _ in link }, stop: { cont.finish() })
        let store = try VitalsStore(path: ":memory:", logger: quiet)
        let pipeline = HubPipeline(
            configuration: .init(central: .init(subject: SubjectID("kiosk"))), radio: nil, usb: source,
            catalogue: catalogue, store: store, logger: quiet, metrics: NOOPMetricsHandler.instance
        ) { _ in }
        let run = Task { try await pipeline.run(signals: []) }
        // The agent sends its measurements, then its own release, which is lost on the way.
        for await _ in bp.droppedRelease { break }
        #expect(bp.dropped.withLock { $0 }, "the agent's own release was dropped")
        // The hub stops (as on SIGTERM the USB source stops).
        cont.finish()
        try await run.value
        let sent = bp.fromHost.withLock { $0 }
        #expect(sent.contains { $0.first == 0xE4 }, "the hub sent a release request")
        #expect(bp.inner.isFinished, "the agent answered it and is done")
        #expect(try await store.readings().count == 2)
    }

    /// The USB side of the hub with its transport replaced by in-process links: two PHDC agents (BP and
    /// glucose) are found by their descriptors, associate, measure, release; the service ends when idle.
    @Test func phdcAgentsThroughTheUSBHostService() async throws {
        let catalogue = try ProfileCatalogue.load(directory: repoRoot.appendingPathComponent("device-profiles"))
        let scenario = try Scenario.load("usb-agents")
        let bp = try #require(PHDAgentUSBFunction.fromScenario(scenario, type: "phd-bp"))
        let glucose = try #require(PHDAgentUSBFunction.fromScenario(scenario, type: "phd-glucose"))
        let links = [InProcessUSBLink(bp, bus: 1, address: 2), InProcessUSBLink(glucose, bus: 1, address: 3)]
        let (events, cont) = AsyncStream<USBHotplugEvent>.makeStream()
        for l in links { cont.yield(.arrived(l.device)) }
        // A device that is not PHDC is left alone.
        cont.yield(.arrived(USBDeviceSummary(bus: 1, address: 4, vendorID: 0x046D, productID: 0xC52B, interfaces: [
            USBInterfaceSummary(number: 0, interfaceClass: 3, endpoints: []),
        ])))
        let source = USBHostService.Source(
            events: { events },
            open: { d in
                guard let l = links.first(where: { $0.device.address == d.address }) else { throw USBLinkError.disconnected }
                return l
            },
            stop: { cont.finish() })
        let store = try VitalsStore(path: ":memory:", logger: quiet)
        let pipeline = HubPipeline(
            configuration: .init(central: .init(subject: SubjectID("kiosk")), usbExitWhenIdle: .milliseconds(300)), radio: nil, usb: source,
            catalogue: catalogue, store: store, logger: quiet, metrics: NOOPMetricsHandler.instance
        ) { _ in }
        try await pipeline.run(signals: [])

        #expect(bp.isFinished && glucose.isFinished)
        #expect(bp.acknowledged == 2 && glucose.acknowledged == 3, "every measurement acknowledged once durable")
        let readings = try await store.readings()
        #expect(readings.filter { $0.kind == "blood-pressure" }.count == 2)
        #expect(readings.filter { $0.kind == "glucose" }.compactMap { $0.observations.first?.value }.sorted() == [52, 88, 104])
        // Over a real USB bus the simulated agents are just USB devices: the generic PHDC profile, unverified.
        #expect(readings.allSatisfy { $0.deviceID.hasPrefix("usb:") && $0.grade == "unverified" })
        let alerts = try await store.alerts()
        #expect(!alerts.isEmpty && alerts.allSatisfy { $0.severity == .advisory }, "an unverified device raises advisories only")
    }

    /// A device lab's rig (simulated devices on the bus accepted): an ASTM meter (Contour-style, woken by
    /// the host, frames ACKed, one bad checksum NAKed and resent) and an 11073 agent, both coded and stored.
    @Test func astmMeterAndAgentOnALabRig() async throws {
        let catalogue = try ProfileCatalogue.load(directory: repoRoot.appendingPathComponent("device-profiles"))
        let meter = ASTMMeterUSBFunction(meter: ASTMMeterUSBFunction.demoMeter(faults: .init(badChecksumOnFrame: 3)))
        let agent = try #require(PHDAgentUSBFunction.fromScenario(try Scenario.load("usb-agents"), type: "phd-thermometer"))
        // The same meter as the Contour family ships it: a HID interface, bytes in 64-byte reports.
        let hidMeter = ASTMMeterUSBFunction(meter: ASTMMeterUSBFunction.demoMeter(), serialNumber: "OV-HID-1", hid: true)
        let links = [InProcessUSBLink(meter, bus: 2, address: 5), InProcessUSBLink(agent, bus: 2, address: 6), InProcessUSBLink(hidMeter, bus: 2, address: 7)]
        let (events, cont) = AsyncStream<USBHotplugEvent>.makeStream()
        for l in links { cont.yield(.arrived(l.device)) }
        let source = USBHostService.Source(
            events: { events },
            open: { d in
                guard let l = links.first(where: { $0.device.address == d.address }) else { throw USBLinkError.disconnected }
                return l
            },
            stop: { cont.finish() })
        let store = try VitalsStore(path: ":memory:", logger: quiet)
        let pipeline = HubPipeline(
            configuration: .init(central: .init(subject: SubjectID("lab")), usbExitWhenIdle: .milliseconds(300), usbAcceptSimulatedProfiles: true),
            radio: nil, usb: source, catalogue: catalogue, store: store, logger: quiet, metrics: NOOPMetricsHandler.instance
        ) { _ in }
        try await pipeline.run(signals: [])

        let readings = try await store.readings()
        let glucose = readings.filter { $0.kind == "glucose" && $0.deviceID.hasPrefix("sim-usb:1209:7100") }.sorted { ($0.sequence ?? 0) < ($1.sequence ?? 0) }
        #expect(glucose.count == 7, "every result once, the NAKed frame resent")
        #expect(glucose.allSatisfy { $0.grade == "medical" && $0.deviceID.hasPrefix("sim-usb:1209:7100") })
        #expect(glucose.map(\.sequence) == [1, 2, 3, 4, 5, 6, 7])
        #expect(glucose[3].flags.contains("glucose.control-solution"))
        #expect(glucose[4].observations.first?.value == nil && glucose[4].flags.contains("glucose.result-above-device-range"))
        #expect(abs((glucose[6].observations.first?.value ?? 0) - 100.9) < 0.05, "5.6 mmol/L stored as mg/dL")
        #expect(readings.filter { $0.kind == "temperature" }.map { $0.observations.first?.value } == [37.4])
        let hid = readings.filter { $0.deviceID.hasPrefix("sim-usb:1209:7101") }
        #expect(hid.count == 7 && Set(hid.compactMap(\.sequence)) == Set(1...7), "the HID meter's results, unwrapped from their reports")
    }
}
