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
        var device: DeviceIdentity
        var profile: DeviceProfile
        var session: BLEDeviceSession
        /// When the outstanding request was sent.
        var requestSentAt: ContinuousClock.Instant?
        var expectedRecords: Int?
        var receivedRecords = 0
        /// How far the device clock is ahead of the hub's, measured at this connection.
        var clockOffset: TimeInterval?
        var bloodPressureFeature: BloodPressureFeature?
        /// A glucose reading waiting for the context record it announced.
        var glucoseContext = GlucoseContextJoin<Acknowledge>()
        /// Set when the device's certified device classes do not include the specialization in use.
        var certificationMismatch = false
        /// CGM: whether records carry an E2E-CRC (from the Feature) and when the session started.
        var cgm = ObservationMapper.CGMSessionInfo(crcExpected: false, sessionStart: nil)
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

    /// IEEE 11073-104xx specialization (its number, 7 for 10407) each protocol carries.
    static let specialization: [String: UInt16] = ["bls": 7, "gls": 17, "plxs": 4, "cgm": 25]
    public static let certificationMismatch = QualityFlag("device.certification-mismatch")

    /// The ECG rate the hub asks a Polar strap for (the H10's only choice).
    static let polarECGRate = 130.0

    /// A PMD ECG frame as a sample block: µV samples, so 1000 units per mV, timed from the last sample back.
    static func sampleBlock(_ f: PolarECGFrame, device: DeviceIdentity, subject: SubjectID) -> SampleBlock {
        let last = PolarECGFrame.date(nanosecondsSince2000: f.timestamp)
        let start = last.addingTimeInterval(-Double(f.samples.count - 1) / polarECGRate)
        return SampleBlock(
            subject: subject, device: device, lead: .ecgUnspecified, startTime: start, sampleRate: polarECGRate, gain: 1000, baseline: 0,
            unit: .millivolt, samples: f.samples)
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

        /// Hands a reading on: receipt order, the certification flag, transfer progress.
        func emit(_ r: Reading, ack: Acknowledge?, link: UInt16, device: DeviceIdentity? = nil) async {
            var reading = r
            receipts += 1
            reading.receiptIndex = receipts
            if links[link]?.certificationMismatch == true { reading.flags.insert(Self.certificationMismatch) }
            await output.send(.reading(reading, ack: ack))
            let id = reading.device.id
            if let seq = reading.sequence { handedOff[id] = max(handedOff[id] ?? 0, seq) }
            if let expected = links[link]?.expectedRecords, reading.sequence != nil {
                links[link]?.receivedRecords += 1
                let got = links[link]?.receivedRecords ?? 0
                // Progress at every tenth of the transfer, not per record.
                if got == expected || (got * 10 / max(expected, 1)) != ((got - 1) * 10 / max(expected, 1)) {
                    await output.send(.event(.transferProgress(reading.device, received: got, expected: expected)))
                }
            }
        }

        /// A glucose reading still waiting for its context goes on without it.
        func flushGlucoseContext(_ link: UInt16) async {
            for (r, a) in links[link]?.glucoseContext.flush() ?? [] { await emit(r, ack: a, link: link) }
        }

        func perform(_ actions: [BLEDeviceSession.Action], link: UInt16) async {
            guard let l = links[link] else { return }
            for action in actions {
                switch action {
                case .send(let pdu):
                    if pdu.opcode.isRequest { links[link]?.requestSentAt = clock.now }
                    send(link, pdu)
                case .measurement(let characteristic, let value, _) where characteristic == CGMMeasurement.uuid:
                    var context = ObservationMapper.Context(subject: config.subject, device: l.device, received: now(), deviceTimeZone: config.timeZone(for: l.device))
                    context.cgmWarmUpMinutes = l.profile.warmUpMinutes
                    let session = links[link]?.cgm ?? l.cgm
                    for result in ObservationMapper.cgmReadings(value, session: session, context: context) {
                        received.increment()
                        switch result {
                        case .success(var reading):
                            receipts += 1
                            reading.receiptIndex = receipts
                            if links[link]?.certificationMismatch == true { reading.flags.insert(Self.certificationMismatch) }
                            await output.send(.reading(reading, ack: nil))
                        case .failure(let bad):
                            // A record that fails its E2E-CRC is kept raw with the reason and flagged; the link goes on.
                            malformed.increment()
                            logger.warning("CGM record rejected; raw bytes kept", metadata: ["device.id": "\(l.device.id)", "error": "\(bad.error)"])
                            await output.send(.rejected(device: l.device, source: "2AA7", bytes: bad.bytes, error: bad.error.description, received: context.received, ack: nil))
                        }
                    }
                case .measurement(let characteristic, let value, _) where characteristic == PolarPMD.dataUUID:
                    received.increment()
                    do {
                        let frame = try PolarECGFrame(bytes: value)
                        await output.send(.waveform(Self.sampleBlock(frame, device: l.device, subject: config.subject)))
                    } catch {
                        malformed.increment()
                        logger.warning("ECG frame could not be decoded; raw bytes kept", metadata: ["device.id": "\(l.device.id)", "error": "\(error)"])
                        await output.send(.rejected(device: l.device, source: "PMD data", bytes: value, error: error.description, received: now(), ack: nil))
                    }
                case .measurement(let characteristic, let value, let needsConfirmation):
                    received.increment()
                    let ack: Acknowledge? = needsConfirmation ? Self.confirmer(radio, link) : nil
                    var context = ObservationMapper.Context(subject: config.subject, device: l.device, received: now(), deviceTimeZone: config.timeZone(for: l.device))
                    context.deviceClockOffset = links[link]?.clockOffset
                    context.bloodPressureFeature = links[link]?.bloodPressureFeature
                    do {
                        if characteristic == GlucoseMeasurementContext.uuid {
                            let c = try GlucoseMeasurementContext(bytes: value)
                            let joined = links[link]?.glucoseContext.context(c)
                            if joined?.unmatched ?? true {
                                logger.debug("glucose context with no reading waiting for it", metadata: ["device.id": "\(l.device.id)", "sequence": "\(c.sequenceNumber)"])
                            }
                            for (r, a) in joined?.handOn ?? [] { await emit(r, ack: a, link: link) }
                            ack?()
                        } else if let reading = try ObservationMapper.reading(characteristic: characteristic, value: value, context: context) {
                            if characteristic == GlucoseMeasurement.uuid {
                                let follows = GlucoseContextJoin<Acknowledge>.announcesContext(value)
                                for (r, a) in links[link]?.glucoseContext.measurement(reading, ack: ack, contextFollows: follows) ?? [(reading, ack)] {
                                    await emit(r, ack: a, link: link)
                                }
                            } else {
                                await emit(reading, ack: ack, link: link)
                            }
                        } else {
                            ack?()
                        }
                    } catch {
                        malformed.increment()
                        logger.warning("measurement could not be decoded; raw bytes kept", metadata: ["device.id": "\(l.device.id)", "error": "\(error)"])
                        await output.send(.rejected(device: l.device, source: characteristic.description, bytes: value, error: error.description, received: context.received, ack: ack))
                    }
                case .recordCount(let n):
                    links[link]?.expectedRecords = n
                    links[link]?.receivedRecords = 0
                    await output.send(.event(.transferProgress(l.device, received: 0, expected: n)))
                case .readValue(let characteristic, let value):
                    logger.debug("read characteristic", metadata: ["device.id": "\(l.device.id)", "characteristic": "\(characteristic)"])
                    if let kind = DeviceInformationString.Kind.allCases.first(where: { $0.uuid == characteristic }),
                        let text = try? DeviceInformationString(kind: kind, bytes: value).value, !text.isEmpty
                    {
                        switch characteristic {
                        case GATTAssigned.manufacturerName: links[link]?.device.manufacturer = text
                        case GATTAssigned.modelNumber: links[link]?.device.model = text
                        case GATTAssigned.serialNumber: links[link]?.device.serial = text
                        default: break
                        }
                    } else if characteristic == BloodPressureFeature.uuid {
                        links[link]?.bloodPressureFeature = try? BloodPressureFeature(bytes: value)
                    } else if characteristic == CurrentTime.uuid {
                        await deviceClock(value, link: link, device: l.device)
                    } else if characteristic == RegulatoryCertificationDataList.uuid {
                        if let list = try? RegulatoryCertificationDataList(bytes: value) {
                            let classes = list.certifiedDeviceClasses
                            logger.info("regulatory certification data", metadata: ["device.id": "\(l.device.id)", "certified.classes": "\(classes.count)"])
                            // Interoperability certification is evidence of format, not accuracy; a class for another
                            // specialization or transport than the ones in use is a warning sign all the same.
                            if let expected = Self.specialization[l.profile.protocol],
                                !RegulatoryCertificationDataList.certifies(classes, specialization: expected, over: l.device.transport)
                            {
                                links[link]?.certificationMismatch = true
                            }
                            await output.send(.deviceFacts(l.device, certifiedClasses: classes.map(\.description), clockOffset: nil, at: now()))
                        }
                    } else if characteristic == UDIForMedicalDevices.uuid {
                        do {
                            let udi = try UDIForMedicalDevices(bytes: value)
                            logger.info("UDI read", metadata: ["device.id": "\(l.device.id)", "udi.di": "\(udi.deviceIdentifier ?? "-")"])
                            await output.send(.deviceFacts(l.device, certifiedClasses: nil, clockOffset: nil, udi: udi, at: now()))
                        } catch {
                            logger.warning("UDI could not be decoded", metadata: ["device.id": "\(l.device.id)", "error": "\(error)"])
                        }
                    } else if characteristic == CGMFeature.uuid {
                        do { links[link]?.cgm.crcExpected = try CGMFeature(bytes: value).e2eCRCSupported } catch {
                            logger.warning("CGM Feature could not be decoded; records taken without CRC", metadata: ["device.id": "\(l.device.id)", "error": "\(error)"])
                        }
                    } else if characteristic == CGMSessionStartTime.uuid {
                        do { links[link]?.cgm.sessionStart = ObservationMapper.sessionStart(try CGMSessionStartTime(bytes: value)) } catch {
                            logger.warning("CGM Session Start Time could not be decoded", metadata: ["device.id": "\(l.device.id)", "error": "\(error)"])
                        }
                    }
                case .ready:
                    if let a = BLEAddress(string: l.device.address) { backoff[a] = nil }
                    logger.info("device subscribed", metadata: ["device.id": "\(l.device.id)", "device.profile": "\(l.profile.id)"])
                case .procedureComplete(let response, let needsConfirmation):
                    let detail: String
                    if let rc = response.responseCodeValue {
                        detail = "record transfer: \(rc.code)"
                    } else if let n = response.numberOfRecords {
                        detail = "\(n) stored records"
                    } else {
                        detail = "record access: \(response.opCode)"
                    }
                    await flushGlucoseContext(link)
                    if needsConfirmation { await output.send(.barrier(ack: Self.confirmer(radio, link))) }
                    await output.send(.event(.transferComplete(l.device, detail: detail)))
                case .confirmNow: send(link, .handleValueConfirmation)
                case .failed(let why):
                    logger.warning("device session failed; disconnecting", metadata: ["device.id": "\(l.device.id)", "reason": "\(why)"])
                    if let a = BLEAddress(string: l.device.address) { failed(a) }
                    try? radio.disconnect(link: link)
                    await flushGlucoseContext(link)
                    links[link] = nil
                    await output.send(.event(.deviceDisconnected(l.device, reason: why)))
                }
            }
        }

        /// Reads the device clock against the hub's and sets it when it is off and the device allows it.
        func deviceClock(_ value: [UInt8], link: UInt16, device: DeviceIdentity) async {
            guard let ct = try? CurrentTime(bytes: value), ct.dateTime.isValid,
                let deviceNow = ct.dateTime.deviceTime.date(in: config.timeZone(for: device))
            else {
                logger.warning("device clock unreadable or not set", metadata: ["device.id": "\(device.id)"])
                return
            }
            let hubNow = now()
            let offset = deviceNow.timeIntervalSince(hubNow)
            links[link]?.clockOffset = offset
            var set = false
            if let limit = config.setDeviceClocksBeyond, abs(offset) > Double(limit.components.seconds), links[link]?.session.isWritable(CurrentTime.uuid) == true {
                var cal = Calendar(identifier: .gregorian)
                cal.timeZone = config.timeZone(for: device)
                let weekday = cal.component(.weekday, from: hubNow)  // 1 = Sunday
                let fresh = CurrentTime(
                    dateTime: BLEDateTime(date: hubNow, in: config.timeZone(for: device)), dayOfWeek: UInt8(weekday == 1 ? 7 : weekday - 1),
                    adjustReason: [.manualTimeUpdate])
                links[link]?.session.enqueueWrite(CurrentTime.uuid, value: fresh.encoded())
                set = true
            }
            await output.send(.deviceFacts(device, certifiedClasses: nil, clockOffset: offset, at: hubNow))
            await output.send(.event(.deviceClock(device, offsetSeconds: offset, set: set)))
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
                        guard l.session.outstanding != nil, let sent = l.requestSentAt, clock.now - sent >= config.attTimeout else { continue }
                        var session = l.session
                        let actions = session.transactionTimedOut()
                        links[link]?.session = session
                        await perform(actions, link: link)
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
                    guard var session = ProfileDrivers.session(for: profile, lastSequence: last) else {
                        try? radio.disconnect(link: link)
                        continue
                    }
                    let start = session.start()
                    links[link] = Link(device: device, profile: profile, session: session)
                    await output.send(.event(.deviceConnected(device, profileName: "\(profile.manufacturer) \(profile.model)", grade: profile.grade)))
                    await perform(start, link: link)
                case .connectFailed(let address, let reason):
                    pending[address] = nil
                    failed(address)
                    logger.info("connection failed", metadata: ["address": "\(address)", "reason": "\(reason)"])
                case .disconnected(let link, let reason):
                    await flushGlucoseContext(link)
                    if let l = links.removeValue(forKey: link) {
                        await output.send(.event(.deviceDisconnected(l.device, reason: reason == 0x13 ? "device ended the connection" : "reason 0x\(String(reason, radix: 16))")))
                    }
                case .att(let link, let bytes):
                    guard var l = links[link] else { continue }
                    let pdu: ATTPDU
                    do { pdu = try ATTPDU(bytes: bytes) } catch {
                        malformed.increment()
                        logger.warning("malformed ATT PDU from device", metadata: ["device.id": "\(l.device.id)", "error": "\(error)"])
                        continue
                    }
                    let actions = l.session.receive(pdu)
                    links[link] = l
                    await perform(actions, link: link)
                case .scenarioEnd:
                    await output.send(.event(.scenarioEnded))
                    if config.exitWhenScenarioEnds {
                        logger.info("simulator scenario ended")
                        for link in links.keys { await flushGlucoseContext(link) }
                        return
                    }
                }
            }
        } catch {
            // The radio failed: a reading still waiting for its context is stored before the error goes on.
            for link in links.keys { await flushGlucoseContext(link) }
            throw error
        }
        // The radio's events ended (shutdown): a reading still waiting for its context is stored without it.
        for link in links.keys { await flushGlucoseContext(link) }
    }
}
