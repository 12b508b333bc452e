import Foundation
import VitalsWire

/// The simulated radio: advertises the scenario's devices to one hub, connects them on request, carries ATT
/// between hub and devices, and says when the scenario has played out. Pure: frames in, frames out.
public struct SimulatorCore: Sendable {
    public private(set) var devices: [any SimulatedDevice]
    private var links: [UInt16: Int] = [:]
    private var nextLink: UInt16 = 0x0040
    private var scanning = false
    private var endSent = false
    public private(set) var malformedFromHub = 0
    /// Pending one-shot ATT error faults, by device index: (request opcode, error code).
    private var attErrorFaults: [Int: (UInt8, UInt8)] = [:]
    /// Devices (by index) that still have to send their one malformed ATT PDU.
    private var malformedPDUFaults: Set<Int> = []

    /// USB IEEE 11073-20601 agents by link, with their USB identity.
    public private(set) var agents: [UInt16: (agent: PHDAgent, vendorID: UInt16, productID: UInt16, product: String)] = [:]

    /// USB devices other than 11073 agents (ASTM meters), by link.
    public private(set) var usbFunctions: [UInt16: ASTMMeterUSBFunction] = [:]

    public init(devices: [any SimulatedDevice], agents: [PHDAgent] = [], meters: [ASTMMeterUSBFunction] = []) {
        self.devices = devices
        for (i, m) in meters.enumerated() { usbFunctions[0x0200 + UInt16(i)] = m }
        for (i, a) in agents.enumerated() {
            // The sim's own vendor id range: 0x1209 is pid.codes' open-source vendor id; products by specialisation.
            self.agents[0x0100 + UInt16(i)] = (a, 0x1209, UInt16(0x7000 + a.specialization.standard - 10400), a.model)
        }
    }

    /// The scenario time of the last tick: device clocks read this.
    private var clockNow: Date?

    /// Scenario time runs from the `now` a scenario was built with, at the pace of real time from then.
    private var clockBase: (scenario: Date, real: Date)?

    /// The scenario's time at the real time `now`.
    func scenarioTime(_ now: Date) -> Date {
        guard let b = clockBase else { return now }
        return b.scenario.addingTimeInterval(now.timeIntervalSince(b.real))
    }

    /// Builds the devices of a scenario, with device clocks read at `now`.
    public init(scenario: Scenario, now: Date) {
        let bleSpecs = scenario.devices.filter { Scenario.phdTypes[$0.type] == nil && $0.type != "astm-meter" }
        let meters = scenario.devices.filter { $0.type == "astm-meter" }.enumerated().map { i, spec in
            ASTMMeterUSBFunction(
                meter: ASTMMeterUSBFunction.demoMeter(faults: .init(badChecksumOnFrame: spec.faults?.badChecksumFrame)),
                serialNumber: "OV-ASTM-\(i + 1)")
        }
        let agents = scenario.devices.compactMap { spec -> PHDAgent? in
            guard let specialization = Scenario.phdTypes[spec.type] else { return nil }
            var faults = PHDAgent.Faults()
            faults.noResponse = spec.faults?.noResponse ?? false
            faults.wrongInvokeID = spec.faults?.wrongInvokeID ?? false
            faults.ignoreFirstGet = spec.faults?.ignoreFirstGet ?? false
            faults.abortAfter = spec.faults?.abortAfter
            faults.unknownConfig = spec.faults?.unknownConfig ?? false
            let systemID = spec.systemID.flatMap { try? Hex.parse($0) } ?? ([0x4F, 0x56] + (BLEAddress(string: spec.address)?.bytes ?? [0, 0, 0, 0, 0, 0]))
            let offset = (spec.faults?.clockOffsetMinutes ?? 0) * 60
            let measurements = (spec.measurements ?? []).map { m in
                PHDAgent.Measurement(values: m.values, time: now.addingTimeInterval(-(m.minutesAgo ?? 0) * 60))
            }
            var stored = (spec.stored ?? []).map { m in
                PHDAgent.Measurement(values: m.values, time: now.addingTimeInterval(-(m.minutesAgo ?? 0) * 60))
            }
            let n = spec.generatedStored ?? 0
            stored += (0..<n).map { i in
                PHDAgent.Measurement(values: [Double(85 + (i * 37) % 90)], time: now.addingTimeInterval(-Double(n - i) * 3 * 3600))
            }
            return PHDAgent(
                specialization: specialization, systemID: systemID, model: spec.name, measurements: measurements, stored: stored,
                extended: spec.extendedConfig ?? false, faults: faults, clockOffset: offset)
        }
        self.init(devices: bleSpecs.map { spec in
            // A device whose clock is off stamps its readings with its own (wrong) time.
            Self.makeDevice(spec, now: now.addingTimeInterval((spec.faults?.clockOffsetMinutes ?? 0) * 60))
        }, agents: agents, meters: meters)
        clockBase = (now, Date())
        for (i, spec) in bleSpecs.enumerated() {
            if let f = spec.faults?.attErrorOnce { attErrorFaults[i] = (UInt8(truncatingIfNeeded: f.opcode), UInt8(truncatingIfNeeded: f.error)) }
            if spec.faults?.malformedPDU == true { malformedPDUFaults.insert(i) }
        }
    }

    public var allFinished: Bool {
        devices.allSatisfy(\.isFinished) && agents.values.allSatisfy(\.agent.isFinished) && usbFunctions.values.allSatisfy(\.isFinished)
    }

    static func makeDevice(_ spec: Scenario.DeviceSpec, now: Date) -> any SimulatedDevice {
        let address = BLEAddress(string: spec.address)!
        switch spec.type {
        case "bp-cuff":
            let all = (spec.readings ?? []).map { r -> (Double?, BloodPressureMeasurement) in
                let kPa = r.unit == "kPa"
                let mean = r.mean ?? (r.diastolic + (r.systolic - r.diastolic) / 3)
                var status: BloodPressureMeasurement.MeasurementStatus?
                if let names = r.status {
                    let s = Set(names)
                    status = .init(
                        bodyMovement: s.contains("body-movement"), cuffTooLoose: s.contains("cuff-too-loose"),
                        irregularPulse: s.contains("irregular-pulse"),
                        pulseRateRange: s.contains("pulse-above-range") ? .exceedsUpperLimit : (s.contains("pulse-below-range") ? .belowLowerLimit : .withinRange),
                        improperPosition: s.contains("improper-position"))
                }
                let m = BloodPressureMeasurement(
                    unit: kPa ? .kPa : .mmHg, systolic: SFloat(r.systolic, decimals: 1) ?? .nan,
                    diastolic: SFloat(r.diastolic, decimals: 1) ?? .nan, meanArterialPressure: SFloat(mean, decimals: 1) ?? .nan,
                    timeStamp: r.minutesAgo.map { BLEDateTime(date: now.addingTimeInterval(-$0 * 60)) }
                        ?? r.atSeconds.map { BLEDateTime(date: now.addingTimeInterval($0)) },
                    pulseRate: r.pulse.flatMap { SFloat($0, decimals: 0) }, userID: r.userID.map { UInt8(truncatingIfNeeded: $0) },
                    status: status)
                return (r.atSeconds, m)
            }
            let readings = all.filter { $0.0 == nil }.map(\.1)
            let scheduled = all.compactMap { a in a.0.map { (at: now.addingTimeInterval($0), reading: a.1) } }
            var cuff = SimulatedBPCuff(address: address, name: spec.name, readings: readings, features: UInt16(spec.features ?? 0x001F), clock: now,
                certifiedSpecializations: (spec.faults?.certifiedSpecializations ?? [7]).map { UInt16(clamping: $0) }, modelNumber: spec.modelNumber ?? "SIM-BP-1",
                scheduled: scheduled)
            cuff.ignoreRequests = spec.faults?.ignoreRequests ?? false
            cuff.clockError = (spec.faults?.clockOffsetMinutes ?? 0) * 60
            cuff.sendMalformedFirst = spec.faults?.malformedFirst ?? false
            return cuff
        case "heart-rate":
            var strap = SimulatedHeartRateStrap(address: address, name: spec.name, rates: (spec.heartRates ?? []).map { UInt16(clamping: $0) })
            strap.ignoreRequests = spec.faults?.ignoreRequests ?? false
            return strap
        case "pulse-oximeter":
            let readings = (spec.spotChecks ?? []).map { c in
                let bits = (c.status ?? []).compactMap { name in PLXMeasurementStatus.namedBits.first { $0.key == name }?.bit }
                return PLXSpotCheckMeasurement(
                    spO2PR: PLXSpO2PR(spO2: SFloat(c.spo2, decimals: 0) ?? .nan, pulseRate: SFloat(c.pulse, decimals: 0) ?? .nan),
                    timestamp: c.minutesAgo.map { BLEDateTime(date: now.addingTimeInterval(-$0 * 60)) },
                    measurementStatus: PLXMeasurementStatus(rawValue: bits.reduce(UInt16(0)) { $0 | (1 << UInt16($1)) }))
            }
            var ox = SimulatedPulseOximeter(address: address, name: spec.name, readings: readings)
            ox.ignoreRequests = spec.faults?.ignoreRequests ?? false
            return ox
        case "polar-ecg":
            let duration = spec.durationSeconds ?? 60
            var strap = SimulatedPolarECG(address: address, name: spec.name, start: now.addingTimeInterval(-duration), durationSeconds: duration)
            strap.ignoreRequests = spec.faults?.ignoreRequests ?? false
            return strap
        case "cgm":
            var specs = spec.records ?? []
            if let n = spec.generatedRecords, n > 0 {
                // One record every 15 minutes ending now: a day shape (meals at 8, 13 and 19 h, lower at night)
                // that differs from day to day, so hourly percentiles have a spread.
                specs = (0..<n).map { i in
                    let minutesAgo = Double(n - 1 - i) * 15
                    let hour = (Double(i * 15).truncatingRemainder(dividingBy: 1440)) / 60
                    let day = i / 96
                    var v = 105 + 10 * sin(Double(day) * 1.7)
                    for (meal, height) in [(8.0, 60.0), (13.0, 50.0), (19.0, 70.0)] {
                        let d = hour - meal
                        if d > 0 && d < 4 { v += height * (1 + 0.3 * sin(Double(day * 3) + meal)) * sin(d / 4 * .pi) }
                    }
                    v += Double((i * 7919) % 17) - 8
                    return Scenario.GlucoseRecord(mgdl: v.rounded(), minutesAgo: minutesAgo)
                } + specs
            }
            // The session started with the oldest record.
            let sessionStart = now.addingTimeInterval(-(specs.map(\.minutesAgo).max() ?? 0) * 60)
            let records = specs.map { r in
                CGMMeasurement(
                    glucoseConcentration: SFloat(r.mgdl, decimals: 0) ?? .nan,
                    timeOffsetMinutes: UInt16(max(0, ((now.timeIntervalSince(sessionStart) / 60) - r.minutesAgo).rounded())), hasE2ECRC: true)
            }
            var cgm = SimulatedCGM(address: address, name: spec.name, sessionStart: sessionStart, records: records)
            cgm.badCRCRecords = Set(spec.faults?.badCRCRecords ?? [])
            cgm.ignoreRequests = spec.faults?.ignoreRequests ?? false
            return cgm
        default:
            var seq = 0
            var specs = spec.records ?? []
            if let n = spec.generatedRecords, n > 0 {
                // A plausible day shape: higher after meals, lower at night; one record every 4 hours.
                specs += (0..<n).map { i in
                    let hour = Double((i * 4) % 24)
                    let mgdl = 95 + 45 * max(0, sin((hour - 6) / 24 * 2 * .pi)) + Double((i * 37) % 23) - 11
                    return Scenario.GlucoseRecord(mgdl: mgdl.rounded(), minutesAgo: Double(n - 1 - i) * 240)
                }
            }
            let records = specs.map { r -> GlucoseMeasurement in
                seq = r.sequence ?? (seq + 1)
                let molar = r.unit == "mol/L"
                let conc = molar ? SFloat(r.mgdl / 18.016 / 1000, decimals: 5) : SFloat(r.mgdl / 100_000, decimals: 7)
                return GlucoseMeasurement(
                    sequenceNumber: UInt16(truncatingIfNeeded: seq), baseTime: BLEDateTime(date: now.addingTimeInterval(-r.minutesAgo * 60)),
                    timeOffsetMinutes: 0, concentration: conc ?? .nan, unit: molar ? .molePerLitre : .kilogramPerLitre,
                    sampleType: .init(rawValue: UInt8(r.sampleType ?? 1)), sampleLocation: .init(rawValue: UInt8(r.sampleLocation ?? 1)),
                    sensorStatus: r.sensorStatusBits.map { bits in .init(rawValue: bits.reduce(0) { $0 | (1 << UInt16($1)) }) },
                    contextFollows: r.meal != nil)
            }
            var meter = SimulatedGlucoseMeter(address: address, name: spec.name, records: records, features: UInt16(spec.features ?? 0x07FF))
            for (r, m) in zip(specs, records) {
                guard let meal = r.meal else { continue }
                meter.contexts[m.sequenceNumber] = GlucoseMeasurementContext(
                    sequenceNumber: m.sequenceNumber, meal: .init(rawValue: UInt8(meal)), tester: r.tester.map { .init(rawValue: UInt8($0)) })
            }
            meter.disconnectAfterRecords = spec.faults?.disconnectAfterRecords
            meter.ignoreRequests = spec.faults?.ignoreRequests ?? false
            return meter
        }
    }

    /// Frames to send when the scan starts or a device becomes free again.
    private func advertisements() -> [SimFrame] {
        guard scanning else { return [] }
        let busy = Set(links.values)
        return devices.indices.filter { !busy.contains($0) && !devices[$0].isFinished && devices[$0].hasDataNow }.map {
            .advertisement(address: devices[$0].address, addressType: 0, rssi: -55, data: devices[$0].advertisement.encoded())
        }
    }

    private mutating func endIfDone() -> [SimFrame] {
        guard allFinished, links.isEmpty, !endSent, attachedAgents.isEmpty else { return [] }
        endSent = true
        return [.scenarioEnd]
    }

    /// When a device takes its next scheduled measurement, in scenario time (nil: none is scheduled).
    public var nextMeasurement: Date? { devices.compactMap(\.nextMeasurement).min() }

    /// Seconds from the real time `now` until the next scheduled measurement (nil: none is scheduled).
    public func secondsToNextMeasurement(now: Date) -> TimeInterval? {
        nextMeasurement.map { $0.timeIntervalSince(scenarioTime(now)) }
    }

    /// Real time moved on to `now`: device clocks follow, devices take the measurements now due, and those that
    /// were silent advertise. A device connected at the time takes its measurement once it is free (the next
    /// tick after it disconnects).
    public mutating func tick(now real: Date) -> [SimFrame] {
        let now = scenarioTime(real)
        let busy = Set(links.values)
        var changed = false
        // A device's clock is set from `now` (not by steps) just before the device handles an ATT PDU, the only
        // way it is read (`receive`). Setting every device's clock at every tick, which runs before every frame from
        // the hub, was O(devices) calendar work per frame: with 1,000 devices the simulator's whole loop.
        clockNow = now
        for i in devices.indices where !busy.contains(i) {
            let before = devices[i].hasDataNow
            if devices[i].measure(now: now) && !before { changed = true }
        }
        return changed ? advertisements() : []
    }

    /// USB agents currently attached to the hub.
    private var attachedAgents: Set<UInt16> = []

    /// The first frames when a hub connects: our hello, then every USB agent with work left is plugged in
    /// and asks to associate.
    public mutating func hubConnected() -> [SimFrame] {
        var out: [SimFrame] = [.hello(role: .simulator, version: SimFrame.version)]
        for link in agents.keys.sorted() where !agents[link]!.agent.isFinished {
            let a = agents[link]!
            attachedAgents.insert(link)
            out.append(.usbAttached(link: link, vendorID: a.vendorID, productID: a.productID, interfaceClass: 0x0F, product: a.product))
            out += agents[link]!.agent.start().map { .usbTransfer(link: link, endpoint: 0x81, data: $0) }
        }
        for link in usbFunctions.keys.sorted() where !usbFunctions[link]!.isFinished {
            let f = usbFunctions[link]!
            let d = f.usbDescriptor
            attachedAgents.insert(link)
            out.append(.usbAttached(link: link, vendorID: d.vendorID, productID: d.productID, interfaceClass: d.interfaceClass, product: d.product ?? ""))
            out += f.configured().map { .usbTransfer(link: link, endpoint: 0x82, data: $0) }
        }
        return out
    }

    /// Bytes the hub wrote to a USB agent's bulk OUT endpoint.
    mutating func usbOut(link: UInt16, data: [UInt8]) -> [SimFrame] {
        if attachedAgents.contains(link), let f = usbFunctions[link] {
            var out = f.bulkOut(data).map { SimFrame.usbTransfer(link: link, endpoint: 0x82, data: $0) }
            if f.isFinished {
                attachedAgents.remove(link)
                out.append(.usbDetached(link: link))
                out += endIfDone()
            }
            return out
        }
        guard attachedAgents.contains(link), agents[link] != nil else { return [] }
        var out = agents[link]!.agent.receive(data).map { SimFrame.usbTransfer(link: link, endpoint: 0x81, data: $0) }
        if agents[link]!.agent.isFinished {
            // The agent has released (or aborted): it is unplugged.
            attachedAgents.remove(link)
            out.append(.usbDetached(link: link))
            out += endIfDone()
        }
        return out
    }

    /// The hub went away without disconnecting its links (killed, or shut down): every link ends, as a
    /// supervision timeout would end it on a radio, and the devices are free for the next hub.
    public mutating func hubDisconnected() {
        links.removeAll()
        scanning = false
        endSent = false
        for link in attachedAgents { agents[link]?.agent.detached() }
        attachedAgents.removeAll()
    }

    public mutating func receive(_ frame: SimFrame) -> [SimFrame] {
        switch frame {
        case .hello: return []
        case .scanStart:
            scanning = true
            return advertisements() + endIfDone()
        case .scanStop:
            scanning = false
            return []
        case .connectRequest(let address):
            guard let i = devices.firstIndex(where: { $0.address == address }), !links.values.contains(i), !devices[i].isFinished else {
                return [.connectFailed(address: address, reason: 0x3E)]  // connection failed to be established
            }
            let link = nextLink
            nextLink = nextLink == 0x0EFF ? 0x0040 : nextLink + 1
            links[link] = i
            devices[i].connected()
            return [.connected(address: address, link: link)]
        case .disconnect(let link, _):
            guard links.removeValue(forKey: link) != nil else { return [] }
            return advertisements() + endIfDone()
        case .att(let link, let bytes):
            guard let i = links[link] else { return [.disconnect(link: link, reason: 0x02)] }  // unknown connection identifier
            let pdu: ATTPDU
            do { pdu = try ATTPDU(bytes: bytes) } catch {
                malformedFromHub += 1
                // Answer a malformed request the way a stack does: Invalid PDU.
                let op = ATTOpcode(rawValue: bytes.first ?? 0)
                return op.isRequest ? [.att(link: link, pdu: ATTPDU.errorResponse(ATTErrorResponse(requestOpcode: op, handle: 0, error: .invalidPDU)).encoded())] : []
            }
            if let (op, code) = attErrorFaults[i], pdu.opcode.rawValue == op {
                attErrorFaults[i] = nil
                return [.att(link: link, pdu: ATTPDU.errorResponse(ATTErrorResponse(requestOpcode: pdu.opcode, handle: 0x0001, error: ATTErrorCode(rawValue: code))).encoded())]
            }
            var out: [SimFrame] = []
            if let clockNow { devices[i].clock(now: clockNow) }
            if malformedPDUFaults.remove(i) != nil {
                // A Handle Value Notification cut off inside its Attribute Handle.
                out.append(.att(link: link, pdu: [0x1B, 0x03]))
            }
            for o in devices[i].receive(pdu) {
                switch o {
                case .send(let p): out.append(.att(link: link, pdu: p.encoded()))
                case .disconnect:
                    links.removeValue(forKey: link)
                    out.append(.disconnect(link: link, reason: 0x13))
                    out += advertisements()
                    out += endIfDone()
                    return out
                }
            }
            return out
        case .usbTransfer(let link, let endpoint, let data) where endpoint & 0x80 == 0:
            return usbOut(link: link, data: data)
        case .advertisement, .connected, .connectFailed, .usbTransfer, .usbAttached, .usbDetached, .scenarioEnd:
            return []
        }
    }
}
