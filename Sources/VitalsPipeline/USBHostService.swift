import Foundation
import Logging
import Metrics
import ServiceLifecycle
import Synchronization
import VitalsCore
import VitalsDrivers
import VitalsProfiles
import VitalsStore
import VitalsTransport
import VitalsWire

/// The hub's USB side: watches devices arrive and leave, and runs an IEEE 11073-20601 manager for every
/// Personal Healthcare (PHDC) device, reading bulk IN, writing bulk OUT in order, acknowledging what the
/// agent sent only once it is durable. The transport (libusb on Linux) is injected, so this service does
/// no device I/O of its own.
public final class USBHostService: Service, Sendable {
    public struct Source: Sendable {
        /// Devices arriving and leaving (present ones arrive first).
        public var events: @Sendable () throws -> any AsyncSequence<USBHotplugEvent, Never> & Sendable
        /// Opens a bulk link on a device's PHDC interface.
        public var open: @Sendable (USBDeviceSummary) throws -> any USBBulkLink
        /// Stops the event stream (shutdown).
        public var stop: @Sendable () -> Void
        public init(
            events: @escaping @Sendable () throws -> any AsyncSequence<USBHotplugEvent, Never> & Sendable,
            open: @escaping @Sendable (USBDeviceSummary) throws -> any USBBulkLink, stop: @escaping @Sendable () -> Void
        ) {
            self.events = events
            self.open = open
            self.stop = stop
        }
    }

    public struct Configuration: Sendable {
        public var central: BLECentralService.Configuration
        /// End the service once every agent that associated has released and nothing happened for this long
        /// (tests and the real-kernel tier); nil: run until shutdown.
        public var exitWhenIdle: Duration?
        /// A device lab's rig: devices on the bus may match simulated profiles (firmware-sim over USB/IP).
        /// Off by default: a real bus never matches a simulated profile.
        public var acceptSimulatedProfiles: Bool
        public init(central: BLECentralService.Configuration, exitWhenIdle: Duration? = nil, acceptSimulatedProfiles: Bool = false) {
            self.central = central
            self.exitWhenIdle = exitWhenIdle
            self.acceptSimulatedProfiles = acceptSimulatedProfiles
        }
    }

    let config: Configuration
    let source: Source
    let catalogue: ProfileCatalogue
    let store: VitalsStore
    let output: BoundedChannel<IngestItem>
    let logger: Logger
    let now: @Sendable () -> Date
    let received: Counter
    let malformed: Counter
    /// Devices with a manager running, by bus and address, and whether each has associated and is done.
    let active = Mutex<[String: (associated: Bool, finished: Bool)]>([:])
    let lastActivity = Mutex(ContinuousClock.now)

    public init(
        config: Configuration, source: Source, catalogue: ProfileCatalogue, store: VitalsStore, output: BoundedChannel<IngestItem>,
        logger: Logger, metrics: any MetricsFactory, now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.config = config
        self.source = source
        self.catalogue = catalogue
        self.store = store
        self.output = output
        self.logger = logger
        self.now = now
        self.received = Counter(label: "vitals_usb_transfers_received_total", factory: metrics)
        self.malformed = Counter(label: "vitals_usb_malformed_total", factory: metrics)
    }

    public func run() async throws {
        defer { output.finish() }
        let events = try source.events()
        await withGracefulShutdownHandler {
            await withThrowingTaskGroup(of: Void.self) { group in
                if let idle = config.exitWhenIdle {
                    group.addTask {
                        while !Task.isCancelled {
                            try await Task.sleep(for: .milliseconds(200))
                            let done = self.active.withLock { a in !a.isEmpty && a.values.allSatisfy { $0.finished || !$0.associated } && a.values.contains { $0.associated } }
                            if done, ContinuousClock.now - self.lastActivity.withLock({ $0 }) >= idle {
                                self.logger.info("every USB agent has released; USB service ending")
                                self.source.stop()
                                return
                            }
                        }
                    }
                }
                for await event in events {
                    switch event {
                    case .arrived(let d):
                        let key = "\(d.bus)-\(d.address)"
                        guard self.active.withLock({ $0[key] == nil }) else { continue }
                        let profile = self.catalogue.match(
                            usbVendorID: d.vendorID, productID: d.productID,
                            interfaceClass: d.phdc11073Interface?.interfaceClass ?? d.interfaces.first?.interfaceClass ?? d.deviceClass,
                            product: d.product ?? "", transport: self.config.acceptSimulatedProfiles ? .simUSB : .usb)
                        if let profile, !profile.isSupported {
                            self.logger.info(
                                "USB device recognised but not connected: its protocol is proprietary and not supported",
                                metadata: ["usb.id": "\(d.vidPid)", "profile": "\(profile.id)"])
                        } else if d.phdc11073Interface != nil {
                            self.active.withLock { $0[key] = (false, false) }
                            group.addTask { await self.serve(d, key: key) }
                        } else if let profile, profile.protocol == "astm-e1394" {
                            self.active.withLock { $0[key] = (false, false) }
                            group.addTask { await self.serveASTM(d, profile: profile, key: key) }
                        } else {
                            self.logger.debug("USB device is neither an IEEE 11073 agent nor a profiled meter; not handled here", metadata: ["usb.id": "\(d.vidPid)"])
                        }
                    case .left(let bus, let address):
                        self.logger.info("USB device left", metadata: ["usb.location": "\(bus)-\(address)"])
                    }
                }
                // The event stream ended (idle, or shutdown): the agents' loops stop.
                group.cancelAll()
            }
        } onGracefulShutdown: {
            self.source.stop()
        }
    }

    /// One agent: a manager session over the device's bulk endpoints until it leaves or the hub stops.
    func serve(_ d: USBDeviceSummary, key: String) async {
        let link: any USBBulkLink
        do { link = try source.open(d) } catch {
            logger.warning("cannot open USB device", metadata: ["usb.id": "\(d.vidPid)", "error": "\(error)"])
            active.withLock { $0[key]?.finished = true }
            return
        }
        defer { link.close() }
        // Writes go out in order through one queue: acknowledgements are sent from the store's side.
        let (writes, writer) = AsyncStream<[UInt8]>.makeStream()
        let host = await PHDHost(
            config: config.central, catalogue: catalogue, store: store, output: output, logger: logger, now: now,
            transport: config.acceptSimulatedProfiles ? .simBLE : .usb,
            send: { _, bytes in writer.yield(bytes) }, onMalformed: { [malformed] in malformed.increment() })
        await host.attached(link: 1, vendorID: d.vendorID, productID: d.productID, interfaceClass: 0x0F, product: d.product ?? "")
        // The writer is not a child task: when the hub stops (this task cancelled) it must still carry the
        // release request and the last acknowledgements out. It ends when `writes` is finished.
        let writing = Task {
            for await bytes in writes {
                do { try await link.write(bytes) } catch {
                    self.logger.warning("USB write failed", metadata: ["usb.id": "\(d.vidPid)", "error": "\(error)"])
                }
            }
        }
        do {
            defer { writer.finish() }
            var gone = false
            while !Task.isCancelled && !gone {
                do {
                    if let bytes = try await link.read(timeout: .milliseconds(250)) {
                        received.increment()
                        lastActivity.withLock { $0 = .now }
                        await host.data(link: 1, bytes: bytes)
                    }
                    // PHDC sends low-latency APDUs on the optional interrupt IN endpoint.
                    if let bytes = try await link.readInterrupt(timeout: .milliseconds(1)) {
                        received.increment()
                        lastActivity.withLock { $0 = .now }
                        await host.data(link: 1, bytes: bytes)
                    }
                    await host.tick()
                    let state = host.links[1]?.session.state
                    active.withLock {
                        if state == .operating { $0[key]?.associated = true }
                        if $0[key]?.associated == true && state == .unassociated { $0[key]?.finished = true }
                    }
                } catch is CancellationError {
                    break  // the hub is stopping: release below
                } catch USBLinkError.stalled(let endpoint) {
                    // The link has cleared the halt; the agent is still there.
                    logger.warning("USB endpoint stalled and cleared", metadata: ["usb.id": "\(d.vidPid)", "usb.endpoint": "\(endpoint)"])
                } catch {
                    logger.info("USB agent gone", metadata: ["usb.id": "\(d.vidPid)", "reason": "\(error)"])
                    await host.detached(link: 1)
                    gone = true
                    break
                }
            }
            // The hub is stopping with the agent still attached: release the association, as the standard has a
            // manager do, and wait briefly for the agent's answer (the session's release timeout ends it too).
            // This task is cancelled, and a cancelled read gives up at once: the exchange runs in a task of its
            // own, paced by the link's read timeout.
            if !gone, await host.release(link: 1) {
                let released = await Task { await Self.awaitRelease(host: host, link: link, within: .seconds(3)) }.value
                logger.info(released ? "USB agent released at shutdown" : "USB agent did not answer the release", metadata: ["usb.id": "\(d.vidPid)"])
            }
            active.withLock { $0[key]?.finished = true }
        }
        await writing.value
    }
}

extension USBHostService {
    /// Reads the agent's answer to a release request until the session is unassociated or `limit` has passed.
    static func awaitRelease(host: PHDHost, link: any USBBulkLink, within limit: Duration) async -> Bool {
        let deadline = ContinuousClock.now + limit
        while ContinuousClock.now < deadline, let state = host.links[1]?.session.state, state != .unassociated {
            do {
                if let bytes = try await link.read(timeout: .milliseconds(100)) {
                    await host.data(link: 1, bytes: bytes)
                } else {
                    await host.tick()
                }
            } catch {
                break  // the agent is gone: nothing will answer
            }
        }
        return host.links[1].map { $0.session.state == .unassociated } ?? true
    }

    /// An ASTM E1381/E1394 meter (Contour-style): the hub is the receiver, wakes the meter, ACKs each good
    /// frame, and stores the results of each message. The meter keeps its memory, so a re-download is
    /// recognised by the records' sequence numbers.
    func serveASTM(_ d: USBDeviceSummary, profile: DeviceProfile, key: String) async {
        let link: any USBBulkLink
        // A HID meter (the Contour family) wraps the same bytes in 64-byte reports.
        let hid = d.interfaces.first?.interfaceClass == 3
        do { link = hid ? ContourHIDLink(try source.open(d)) : try source.open(d) } catch {
            logger.warning("cannot open USB meter", metadata: ["usb.id": "\(d.vidPid)", "error": "\(error)"])
            active.withLock { $0[key]?.finished = true }
            return
        }
        defer { link.close() }
        let transport: TransportKind = config.acceptSimulatedProfiles && profile.transport == .simUSB ? .simUSB : .usb
        let device = DeviceIdentity(
            transport: transport, address: "\(d.vidPid):\(d.serialNumber ?? "\(d.bus)-\(d.address)")", profileID: profile.id,
            manufacturer: profile.manufacturer, model: profile.model, serial: d.serialNumber)
        active.withLock { $0[key]?.associated = true }
        let clock = ContinuousClock()
        let started = clock.now
        let host = ASTMHost(
            device: device, profile: profile, config: config.central, output: output, logger: logger, now: now,
            send: { bytes in
                do { try await link.write(bytes) } catch {
                    self.logger.warning("USB write failed", metadata: ["usb.id": "\(d.vidPid)", "error": "\(error)"])
                }
            },
            onMalformed: { [malformed] in malformed.increment() })
        await host.start(now: .zero)
        while !host.ended, !Task.isCancelled {
            do {
                if let bytes = try await link.read(timeout: .milliseconds(250)) {
                    received.increment()
                    lastActivity.withLock { $0 = .now }
                    await host.data(bytes, now: clock.now - started)
                }
                await host.tick(now: clock.now - started)
            } catch {
                logger.info("USB meter gone", metadata: ["usb.id": "\(d.vidPid)", "reason": "\(error)"])
                break
            }
        }
        active.withLock { $0[key]?.finished = true }
    }
}

extension USBHostService: CustomStringConvertible { public var description: String { "USBHostService" } }
