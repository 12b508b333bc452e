import Foundation
import Logging
import Metrics
import ServiceLifecycle
import VitalsCore
import VitalsDrivers
import VitalsProfiles
import VitalsStore
import VitalsTransport
import VitalsWire

/// The hub's BLE central: scans, connects to devices its profiles recognise, runs a protocol session per
/// connection, and hands decoded readings on. Acknowledgements go back only when the store says so.
/// The radio is the simulator link or a Linux adapter; this service does not know which.
public final class BLECentralService: Service, Sendable {
    public struct Configuration: Sendable {
        public var subject: SubjectID
        /// Return (and so shut the pipeline down gracefully) when the simulator says its scenario is over.
        public var exitWhenScenarioEnds: Bool
        public var deviceTimeZone: TimeZone
        /// ATT transaction timeout: a request unanswered this long ends the link (Core Vol 3 Part F §3.3.3).
        public var attTimeout: Duration = BLEDeviceSession.transactionTimeout
        /// Set a device's clock (Current Time, where the device allows writing it) when it is off by more than this.
        public var setDeviceClocksBeyond: Duration? = .seconds(60)
        /// First wait, in seconds, before reconnecting to a device whose connection failed; it doubles up to 60 s.
        public var reconnectBase: Double = 1
        /// A device lab's rig: devices on a real radio may match simulated profiles (firmware-sim on an
        /// adapter). Off by default: a real radio never matches a simulated profile.
        public var acceptSimulatedProfiles = false

        /// Zones of particular devices (by device id) whose clocks keep another zone than `deviceTimeZone`.
        public var deviceTimeZones: [String: TimeZone] = [:]

        /// `deviceTimeZone`: the zone device clocks are read in (devices keep local time without a zone).
        public init(subject: SubjectID, exitWhenScenarioEnds: Bool = false, deviceTimeZone: TimeZone = TimeZone(identifier: "UTC")!) {
            self.subject = subject
            self.exitWhenScenarioEnds = exitWhenScenarioEnds
            self.deviceTimeZone = deviceTimeZone
        }

        /// The zone this device's clock keeps.
        public func timeZone(for device: DeviceIdentity) -> TimeZone { deviceTimeZones[device.id.rawValue] ?? deviceTimeZone }
    }

    /// Opens the radio when the service starts.
    public typealias RadioFactory = @Sendable () async throws -> any BLERadio

    let config: Configuration
    let openRadio: RadioFactory
    let catalogue: ProfileCatalogue
    let store: VitalsStore
    let output: BoundedChannel<IngestItem>
    let logger: Logger
    let now: @Sendable () -> Date
    let received: Counter
    let malformed: Counter

    public init(
        config: Configuration, radio: @escaping RadioFactory, catalogue: ProfileCatalogue, store: VitalsStore,
        output: BoundedChannel<IngestItem>, logger: Logger, metrics: any MetricsFactory, now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.config = config
        self.openRadio = radio
        self.catalogue = catalogue
        self.store = store
        self.output = output
        self.logger = logger
        self.now = now
        self.received = Counter(label: "vitals_frames_received_total", factory: metrics)
        self.malformed = Counter(label: "vitals_frames_malformed_total", factory: metrics)
    }

    struct Link {
        /// The device's protocol state: session, features, clock, glucose-context join, progress.
        var driver: BLEDeviceDriver
        /// The profile the advertisement matched; what the device says about itself may refine it.
        var advertised: DeviceProfile
        /// When the outstanding request was sent.
        var requestSentAt: ContinuousClock.Instant?
        var device: DeviceIdentity { driver.device }
        var profile: DeviceProfile { driver.profile }
    }

    /// Profiles whose devices need an encrypted link (the GLS, BLS and CGM specifications require bonding).
    static func needsEncryption(_ p: DeviceProfile) -> Bool { ["gls", "bls", "cgm"].contains(p.protocol) }

    /// An acknowledgement that sends a Handle Value Confirmation on `link`. A link gone by then is fine:
    /// the device keeps what was not confirmed and sends it again, and the store ignores the replay.
    static func confirmer(_ radio: any BLERadio, _ link: UInt16) -> Acknowledge {
        { try? radio.send(link: link, pdu: ATTPDU.handleValueConfirmation.encoded()) }
    }

    public func run() async throws {
        defer { output.finish() }
        let radio = try await openRadio()
        logger.info("radio open", metadata: ["radio.transport": "\(radio.transport.rawValue)"])
        try radio.startScan()
        try await withGracefulShutdownHandler {
            try await withThrowingTaskGroup(of: Void.self) { group in
                // A ticker lets the loop enforce the ATT transaction timeout without a timer per request.
                group.addTask {
                    while !Task.isCancelled {
                        try await Task.sleep(for: min(.seconds(1), self.config.attTimeout / 4))
                        radio.tick()
                    }
                }
                try await self.loop(radio)
                group.cancelAll()
            }
        } onGracefulShutdown: {
            radio.close()
        }
        radio.close()
    }

    func loop(_ radio: any BLERadio) async throws {
        var links: [UInt16: Link] = [:]
        var pending: [BLEAddress: DeviceProfile] = [:]
        // The highest record sequence handed to the pipeline per device in this run: on a quick reconnect the
        // store may not have committed it yet, and the meter still holds anything a crash would lose.
        var handedOff: [DeviceID: UInt32] = [:]
        var receipts: UInt64 = 0
        // Reconnect with backoff: a device whose connection or session failed waits 1, 2, 4 … 60 s before the
        // next attempt; an advertisement seen while it waits is kept and acted on when the wait is over.
        var backoff: [BLEAddress: (failures: Int, notBefore: ContinuousClock.Instant)] = [:]
        var deferred: [BLEAddress: (profile: DeviceProfile, addressType: UInt8)] = [:]
        // Devices recognised by an `unsupported` profile: logged once, never connected.
        var notConnected: Set<BLEAddress> = []

        func failed(_ address: BLEAddress) {
            let n = (backoff[address]?.failures ?? 0) + 1
            let wait = min(60.0, config.reconnectBase * pow(2, Double(n - 1)))
            backoff[address] = (n, clock.now.advanced(by: .milliseconds(Int(wait * 1000))))
        }

        func connect(_ address: BLEAddress, _ addressType: UInt8, _ profile: DeviceProfile) {
            do {
                try radio.connect(address, addressType: addressType, secure: Self.needsEncryption(profile))
                pending[address] = profile
            } catch {
                logger.warning("cannot start a connection", metadata: ["address": "\(address)", "error": "\(error)"])
            }
        }
        let transport = radio.transport
        let clock = ContinuousClock()

        func send(_ link: UInt16, _ pdu: ATTPDU) {
            do { try radio.send(link: link, pdu: pdu.encoded()) } catch {
                logger.warning("send to device failed", metadata: ["link": "\(link)", "error": "\(error)"])
            }
        }

        func log(_ note: BLEDeviceDriver.Note) {
            let metadata = Logger.Metadata(uniqueKeysWithValues: note.metadata.map { ($0.key, Logger.MetadataValue.string($0.value)) })
            switch note.level {
            case .debug: logger.debug("\(note.message)", metadata: metadata)
            case .info: logger.info("\(note.message)", metadata: metadata)
            case .warning: logger.warning("\(note.message)", metadata: metadata)
            }
        }

        /// Feeds one input to a link's driver and carries out what it returns.
        func drive(_ link: UInt16, _ input: (inout BLEDeviceDriver, Date) -> [BLEDeviceDriver.Output]) async {
            guard var l = links[link] else { return }
            let t = now()
            let framesBefore = l.driver.framesReceived
            let outputs = input(&l.driver, t)
            links[link] = l
            let frames = l.driver.framesReceived - framesBefore
            if frames > 0 { received.increment(by: frames) }
            await perform(outputs, link: link, device: l.device, at: t)
        }

        /// Turns a driver's outputs into radio sends, pipeline items and events.
        func perform(_ outputs: [BLEDeviceDriver.Output], link: UInt16, device start: DeviceIdentity, at t: Date) async {
            var device = start
            for o in outputs {
                if let current = links[link]?.device { device = current }
                switch o {
                case .send(let pdu):
                    if pdu.opcode.isRequest { links[link]?.requestSentAt = clock.now }
                    send(link, pdu)
                case .reading(var reading, let ack):
                    receipts += 1
                    reading.receiptIndex = receipts
                    await output.send(.reading(reading, ack: ack.map { _ in Self.confirmer(radio, link) }))
                    let id = reading.device.id
                    if let seq = reading.sequence { handedOff[id] = max(handedOff[id] ?? 0, seq) }
                case .rejected(let source, let bytes, let error, let receivedAt, let ack):
                    malformed.increment()
                    await output.send(.rejected(device: device, source: source, bytes: bytes, error: error, received: receivedAt, ack: ack.map { _ in Self.confirmer(radio, link) }))
                case .waveform(let block):
                    await output.send(.waveform(block))
                case .identified(let manufacturer, let model, _):
                    guard let l = links[link] else { continue }
                    let refined = catalogue.refine(
                        current: l.advertised, manufacturer: manufacturer, model: model, transport: config.acceptSimulatedProfiles ? .simBLE : transport)
                    guard refined.id != l.profile.id, links[link]?.driver.adopt(refined) == true, let identified = links[link]?.device else { continue }
                    device = identified
                    logger.info(
                        "device model identified from its Device Information; profile refined",
                        metadata: ["device.id": "\(device.id)", "device.profile": "\(refined.id)", "device.grade": "\(refined.grade.rawValue)", "was": "\(l.profile.id)"])
                    await output.send(.event(.deviceIdentified(device, profileName: "\(refined.manufacturer) \(refined.model)", grade: refined.grade)))
                case .certification(let classes):
                    await output.send(.deviceFacts(device, certifiedClasses: classes, clockOffset: nil, at: t))
                case .udi(let udi):
                    await output.send(.deviceFacts(device, certifiedClasses: nil, clockOffset: nil, udi: udi, at: t))
                case .clock(let offset, let set):
                    await output.send(.deviceFacts(device, certifiedClasses: nil, clockOffset: offset, at: t))
                    await output.send(.event(.deviceClock(device, offsetSeconds: offset, set: set)))
                case .progress(let got, let expected):
                    await output.send(.event(.transferProgress(device, received: got, expected: expected)))
                case .transferComplete(let detail, let ack):
                    if ack != nil { await output.send(.barrier(ack: Self.confirmer(radio, link))) }
                    await output.send(.event(.transferComplete(device, detail: detail)))
                case .ready:
                    if let a = BLEAddress(string: device.address) { backoff[a] = nil }
                    logger.info("device subscribed", metadata: ["device.id": "\(device.id)", "device.profile": "\(device.profileID ?? "-")"])
                case .failed(let why):
                    logger.warning("device session failed; disconnecting", metadata: ["device.id": "\(device.id)", "reason": "\(why)"])
                    if let a = BLEAddress(string: device.address) { failed(a) }
                    try? radio.disconnect(link: link)
                    links[link] = nil
                    await output.send(.event(.deviceDisconnected(device, reason: why)))
                case .note(let note):
                    log(note)
                }
            }
        }

        // USB devices the link carries beside BLE ones: IEEE 11073-20601 agents, and ASTM meters.
        var meters: [UInt16: ASTMHost] = [:]
        let loopStart = clock.now
        let phd = await PHDHost(
            config: config, catalogue: catalogue, store: store, output: output, logger: logger, now: now, transport: transport,
            send: { link, bytes in
                do { try radio.sendUSB(link: link, data: bytes) } catch { }
            },
            onMalformed: { [malformed] in malformed.increment() })

        do {
            for try await event in radio.events {
                radio.consumed(event)
                switch event {
                case .usbAttached(let link, let vendorID, let productID, let interfaceClass, let product):
                    let usbTransport: TransportKind = transport == .simBLE ? .simUSB : .usb
                    if interfaceClass != 0x0F,
                        let profile = catalogue.match(usbVendorID: vendorID, productID: productID, interfaceClass: interfaceClass, product: product, transport: usbTransport),
                        profile.protocol == "astm-e1394"
                    {
                        let device = DeviceIdentity(
                            transport: usbTransport, address: "\(String(format: "%04x:%04x", vendorID, productID)):link-\(link)", profileID: profile.id,
                            manufacturer: profile.manufacturer, model: profile.model)
                        let host = ASTMHost(
                            device: device, profile: profile, config: config, output: output, logger: logger, now: now,
                            send: { bytes in try? radio.sendUSB(link: link, data: bytes) }, onMalformed: { [malformed] in malformed.increment() })
                        meters[link] = host
                        await host.start(now: clock.now - loopStart)
                    } else {
                        await phd.attached(link: link, vendorID: vendorID, productID: productID, interfaceClass: interfaceClass, product: product)
                    }
                case .usbData(let link, let data):
                    received.increment()
                    if let m = meters[link] { await m.data(data, now: clock.now - loopStart) } else { await phd.data(link: link, bytes: data) }
                case .usbDetached(let link):
                    if meters.removeValue(forKey: link) == nil { await phd.detached(link: link) }
                case .tick:
                    await phd.tick()
                    for m in meters.values { await m.tick(now: clock.now - loopStart) }
                    for (address, d) in deferred where (backoff[address]?.notBefore).map({ clock.now >= $0 }) ?? true {
                        deferred[address] = nil
                        if pending[address] == nil, !links.values.contains(where: { $0.device.address == address.description }) {
                            connect(address, d.addressType, d.profile)
                        }
                    }
                    for (link, l) in links {
                        guard l.driver.awaitingResponse, let sent = l.requestSentAt, clock.now - sent >= config.attTimeout else { continue }
                        await drive(link) { driver, t in driver.transactionTimedOut(now: t) }
                    }
                case .malformed(let what):
                    malformed.increment()
                    logger.warning("malformed input from the radio", metadata: ["error": "\(what)"])
                case .advertisement(let address, let addressType, _, let data):
                    guard pending[address] == nil, !links.values.contains(where: { $0.device.address == address.description }) else { continue }
                    let ad: AdvertisingData
                    do { ad = try AdvertisingData(bytes: data) } catch {
                        logger.warning("malformed advertisement", metadata: ["address": "\(address)", "error": "\(error)"])
                        continue
                    }
                    guard let profile = catalogue.match(advertisement: ad, transport: config.acceptSimulatedProfiles ? .simBLE : transport) else {
                        logger.debug("no profile matches device", metadata: ["address": "\(address)"])
                        continue
                    }
                    guard profile.isSupported else {
                        if notConnected.insert(address).inserted {
                            logger.info(
                                "device recognised but not connected: its protocol is proprietary and not supported",
                                metadata: ["address": "\(address)", "profile": "\(profile.id)", "grade": "\(profile.grade.rawValue)"])
                        }
                        continue
                    }
                    if let wait = backoff[address], clock.now < wait.notBefore {
                        deferred[address] = (profile, addressType)
                        continue
                    }
                    connect(address, addressType, profile)
                case .connected(let address, let link):
                    guard let profile = pending.removeValue(forKey: address) else {
                        try? radio.disconnect(link: link)
                        continue
                    }
                    let device = DeviceIdentity(transport: transport, address: address.description, profileID: profile.id, manufacturer: profile.manufacturer, model: profile.model)
                    let stored = try await store.lastSequence(device: device.id)
                    let last = [stored, handedOff[device.id]].compactMap { $0 }.max()
                    let driverConfig = BLEDeviceDriver.Configuration(
                        subject: config.subject, deviceTimeZone: config.timeZone(for: device), setDeviceClocksBeyond: config.setDeviceClocksBeyond)
                    guard let driver = BLEDeviceDriver(profile: profile, device: device, lastSequence: last, configuration: driverConfig) else {
                        try? radio.disconnect(link: link)
                        continue
                    }
                    links[link] = Link(driver: driver, advertised: profile)
                    await output.send(.event(.deviceConnected(device, profileName: "\(profile.manufacturer) \(profile.model)", grade: profile.grade)))
                    await drive(link) { driver, t in driver.start(now: t) }
                case .connectFailed(let address, let reason):
                    pending[address] = nil
                    failed(address)
                    logger.info("connection failed", metadata: ["address": "\(address)", "reason": "\(reason)"])
                case .disconnected(let link, let reason):
                    await drive(link) { driver, _ in driver.linkDropped() }
                    if let l = links.removeValue(forKey: link) {
                        await output.send(.event(.deviceDisconnected(l.device, reason: reason == 0x13 ? "device ended the connection" : "reason 0x\(String(reason, radix: 16))")))
                    }
                case .att(let link, let bytes):
                    guard let l = links[link] else { continue }
                    let pdu: ATTPDU
                    do { pdu = try ATTPDU(bytes: bytes) } catch {
                        malformed.increment()
                        logger.warning("malformed ATT PDU from device", metadata: ["device.id": "\(l.device.id)", "error": "\(error)"])
                        continue
                    }
                    await drive(link) { driver, t in driver.receive(pdu, now: t) }
                case .scenarioEnd:
                    await output.send(.event(.scenarioEnded))
                    if config.exitWhenScenarioEnds {
                        logger.info("simulator scenario ended")
                        for link in links.keys { await drive(link) { driver, _ in driver.linkDropped() } }
                        return
                    }
                }
            }
        } catch {
            // The radio failed: a reading still waiting for its context is stored before the error goes on.
            for link in links.keys { await drive(link) { driver, _ in driver.linkDropped() } }
            throw error
        }
        // The radio's events ended (shutdown): a reading still waiting for its context is stored without it.
        for link in links.keys { await drive(link) { driver, _ in driver.linkDropped() } }
    }
}
