import Foundation
import Logging
import VitalsCore
import VitalsDrivers
import VitalsProfiles
import VitalsStore
import VitalsTransport
import VitalsWire

/// The hub's IEEE 11073-20601 manager for USB agents on a link: one `PHDManagerSession` per attached
/// device; measurements become readings (acknowledged to the agent only once durable), MDS attributes
/// become device facts, extended configurations are cached in the store so a known agent re-associates
/// without the exchange. Runs inside the central's event loop; the link does the I/O.
final class PHDHost {
    struct Link {
        var session: PHDManagerSession
        var device: DeviceIdentity
        var profile: DeviceProfile?
        var clockOffset: TimeInterval?
        /// What the MDS said of its certification, carried on every reading for validation to judge.
        var certifiedClasses: [UInt16]?
        var specialization: UInt16?
    }

    let config: BLECentralService.Configuration
    let catalogue: ProfileCatalogue
    let store: VitalsStore
    let output: BoundedChannel<IngestItem>
    let logger: Logger
    let now: @Sendable () -> Date
    let transport: TransportKind
    let send: @Sendable (UInt16, [UInt8]) -> Void
    let onMalformed: @Sendable () -> Void
    let clock = ContinuousClock()
    let started: ContinuousClock.Instant
    var links: [UInt16: Link] = [:]
    var known: [PHDManagerSession.ConfigurationKey: ConfigReport] = [:]
    var receipts: UInt64 = 0
    /// The manager's own EUI-64 in association responses.
    static let managerSystemID: [UInt8] = [0x4F, 0x56, 0x48, 0x55, 0x42, 0x00, 0x00, 0x01]

    init(
        config: BLECentralService.Configuration, catalogue: ProfileCatalogue, store: VitalsStore, output: BoundedChannel<IngestItem>,
        logger: Logger, now: @escaping @Sendable () -> Date, transport: TransportKind, send: @escaping @Sendable (UInt16, [UInt8]) -> Void,
        onMalformed: @escaping @Sendable () -> Void
    ) async {
        self.config = config
        self.catalogue = catalogue
        self.store = store
        self.output = output
        self.logger = logger
        self.now = now
        self.transport = transport
        self.send = send
        self.onMalformed = onMalformed
        self.started = clock.now
        do {
            for c in try await store.phdConfigurations() {
                guard let report = try? ConfigReport(mderBytes: c.report, entity: "cached ConfigReport") else {
                    logger.warning("cached IEEE 11073 configuration does not decode; it will be exchanged again", metadata: ["phd.system-id": "\(c.systemID)"])
                    continue
                }
                known[.init(systemID: c.systemID, configID: c.configID)] = report
            }
        } catch {
            logger.warning("cannot read cached IEEE 11073 configurations", metadata: ["error": "\(error)"])
        }
    }

    var elapsed: Duration { clock.now - started }

    func attached(link: UInt16, vendorID: UInt16, productID: UInt16, interfaceClass: UInt8, product: String) async {
        // Only a profile for an 11073 agent applies here (an ASTM meter's profile names another protocol).
        let profile = catalogue.match(usbVendorID: vendorID, productID: productID, interfaceClass: interfaceClass, product: product, transport: usbTransport)
            .flatMap { $0.protocol == "phd-20601" ? $0 : nil }
        guard profile != nil || interfaceClass == 0x0F else {
            logger.info("USB device is neither profiled nor a Personal Healthcare device; ignored", metadata: ["usb.id": "\(hex(vendorID)):\(hex(productID))"])
            return
        }
        var session = PHDManagerSession(managerSystemID: Self.managerSystemID, knownConfigurations: known)
        session.transportConnected()
        // Until the agent says its system id, the device is known by its bus link.
        let device = DeviceIdentity(
            transport: usbTransport, address: "link-\(link)", profileID: profile?.id, manufacturer: profile?.manufacturer, model: profile?.model ?? product)
        links[link] = Link(session: session, device: device, profile: profile)
        logger.info("USB agent attached", metadata: ["usb.id": "\(hex(vendorID)):\(hex(productID))", "profile": "\(profile?.id ?? "none")"])
    }

    var usbTransport: TransportKind { transport == .simBLE ? .simUSB : .usb }

    func data(link: UInt16, bytes: [UInt8]) async {
        guard var l = links[link] else { return }
        let actions = l.session.received(bytes, now: elapsed)
        links[link] = l
        await perform(actions, link: link)
    }

    func detached(link: UInt16) async {
        guard var l = links.removeValue(forKey: link) else { return }
        let actions = l.session.transportDisconnected()
        links[link] = l
        await perform(actions, link: link)
        links[link] = nil
    }

    /// Asks the agent to release the association (the hub is stopping); true when a release request went out.
    @discardableResult
    func release(link: UInt16) async -> Bool {
        guard var l = links[link] else { return false }
        let actions = l.session.release(now: elapsed)
        links[link] = l
        await perform(actions, link: link)
        return !actions.isEmpty
    }

    func tick() async {
        for link in links.keys {
            guard var l = links[link] else { continue }
            let actions = l.session.tick(now: elapsed)
            links[link] = l
            if !actions.isEmpty { await perform(actions, link: link) }
        }
    }

    func hex(_ v: UInt16) -> String {
        let s = String(v, radix: 16)
        return String(repeating: "0", count: max(0, 4 - s.count)) + s
    }

    func perform(_ actions: [PHDManagerSession.Action], link: UInt16) async {
        for action in actions {
            guard let l = links[link] else { return }
            switch action {
            case .send(let bytes):
                send(link, bytes)
            case .associated(let info, let configID, _, let reused):
                // The agent's EUI-64 is its identity, whatever port it is plugged into.
                var device = l.device
                device.id = DeviceID(transport: usbTransport, address: info.systemIDHex)
                device.address = info.systemIDHex
                links[link]?.device = device
                let name = l.profile.map { "\($0.manufacturer) \($0.model)" } ?? (device.model ?? "IEEE 11073 agent")
                logger.info("IEEE 11073 agent associated", metadata: [
                    "device.id": "\(device.id)", "phd.config": "0x\(hex(configID))", "phd.configuration": "\(reused ? "known, no exchange" : "exchanged")",
                ])
                await output.send(.event(.deviceConnected(device, profileName: name, grade: l.profile?.grade ?? .unverified)))
                await output.send(.event(.transferComplete(device, detail: reused ? "associated with known configuration 0x\(hex(configID))" : "associated after configuration exchange 0x\(hex(configID))")))
            case .configurationLearned(let key, let report):
                known[key] = report
                do { try await store.record(phdConfiguration: report.mderBytes, systemID: key.systemID, configID: key.configID, at: now()) } catch {
                    logger.warning("cannot cache IEEE 11073 configuration", metadata: ["error": "\(error)"])
                }
            case .mdsAttributes(let result):
                await mds(result, link: link)
            case .clockSet:
                logger.info("agent confirmed its clock is set", metadata: ["device.id": "\(l.device.id)"])
            case .measurements(let ms, _, let apdu, let ack):
                var context = ObservationMapper.Context(subject: config.subject, device: l.device, received: now(), deviceTimeZone: config.timeZone(for: l.device))
                context.deviceClockOffset = l.clockOffset
                let out = PHDObservationMapper.map(ms, apdu: apdu, context: context)
                for why in out.unmapped {
                    logger.warning("measurement not coded; raw APDU kept", metadata: ["device.id": "\(l.device.id)", "reason": "\(why)"])
                }
                if !out.unmapped.isEmpty {
                    await output.send(.rejected(device: l.device, source: "11073-20601", bytes: apdu, error: out.unmapped.joined(separator: "; "), received: context.received, ack: nil))
                }
                for var r in out.readings {
                    receipts += 1
                    r.receiptIndex = receipts
                    r.report.certifiedClasses = l.certifiedClasses
                    r.report.specialization = l.specialization
                    await output.send(.reading(r, ack: nil))
                }
                for b in out.blocks { await output.send(.waveform(b)) }
                if let ack {
                    // The agent deletes what it has had acknowledged: only once everything before is durable.
                    let send = self.send
                    await output.send(.barrier(ack: { send(link, ack) }))
                }
            case .malformed(let bytes, let error):
                onMalformed()
                logger.warning("malformed APDU from agent; raw bytes kept", metadata: ["device.id": "\(l.device.id)", "error": "\(error)"])
                await output.send(.rejected(device: l.device, source: "11073-20601", bytes: bytes, error: error, received: now(), ack: nil))
            case .protocolError(let what):
                onMalformed()
                logger.warning("IEEE 11073 protocol error", metadata: ["device.id": "\(l.device.id)", "error": "\(what)"])
            case .disassociated(let reason):
                await output.send(.event(.deviceDisconnected(l.device, reason: reason)))
            }
        }
    }

    /// What the MDS says: model, certification, clock.
    func mds(_ r: AttributeResult, link: UInt16) async {
        guard let l = links[link] else { return }
        var device = l.device
        if case .model(let m, let n)? = r.attribute(MDC.attrIDModel) {
            if !m.isEmpty { device.manufacturer = m }
            if !n.isEmpty { device.model = n }
        }
        links[link]?.device = device
        var classes: [String]?
        if case .regulatoryCertification(let list)? = r.attribute(MDC.attrRegCertDataList) {
            let certified = list.certifiedDeviceClasses
            classes = certified.map(\.description)
            links[link]?.certifiedClasses = certified.map(\.rawValue)
            if let spec = StandardConfiguration.specialization(configID: l.session.configID) ?? specialization(of: r) {
                links[link]?.specialization = UInt16(spec.standard - 10400)
            }
        }
        var offset: TimeInterval?
        if case .absoluteTime(let t)? = r.attribute(MDC.attrTimeAbsolute), let deviceNow = t.deviceTime.date(in: config.timeZone(for: device)) {
            let hubNow = now()
            // Within 2 s the clocks agree as far as can be told (a clock read to the hundredth, a GET in
            // flight): no correction.
            let measured = deviceNow.addingTimeInterval(Double(t.hundredths) / 100).timeIntervalSince(hubNow)
            offset = abs(measured) < 2 ? 0 : measured
            links[link]?.clockOffset = offset
            var set = false
            if let limit = config.setDeviceClocksBeyond, abs(offset!) > Double(limit.components.seconds) {
                var session = links[link]!.session
                var cal = Calendar(identifier: .gregorian)
                cal.timeZone = config.timeZone(for: device)
                let k = cal.dateComponents([.year, .month, .day, .hour, .minute, .second], from: hubNow)
                let actions = session.setTime(AbsoluteTime(year: k.year!, month: k.month!, day: k.day!, hour: k.hour!, minute: k.minute!, second: k.second!), now: elapsed)
                links[link]?.session = session
                set = !actions.isEmpty || session.setTimePending != nil
                for case .send(let bytes) in actions { send(link, bytes) }
            }
            await output.send(.event(.deviceClock(device, offsetSeconds: offset!, set: set)))
        }
        await output.send(.deviceFacts(device, certifiedClasses: classes, clockOffset: offset, at: now()))
    }

    func specialization(of r: AttributeResult) -> StandardConfiguration.Specialization? {
        guard case .typeVersionList(let l)? = r.attribute(MDC.attrSystemTypeSpecList) else { return nil }
        return StandardConfiguration.specializations.first { s in l.contains { $0.type == s.profile } }
    }
}
