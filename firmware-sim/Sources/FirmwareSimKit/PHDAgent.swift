import Foundation
import VitalsWire

/// A simulated IEEE 11073-20601 agent (a USB PHDC device's protocol side): associates with a standard or
/// extended configuration, sends its configuration when asked, sends each measurement as a confirmed
/// fixed scan report (the next only once the last is acknowledged, so nothing unacknowledged is lost),
/// answers GET on the MDS and set-time, then releases. Pure: bytes in, APDUs out, built with the hub's
/// own encoders.
public struct PHDAgent: Sendable {
    public enum Phase: Hashable, Sendable {
        case idle, associating, configuring, operating, releasing, reassociating, done
    }

    /// One measurement: values in the specialisation's order (see `PHDAgent.valueNames`), when taken.
    public struct Measurement: Hashable, Sendable {
        public var values: [Double]
        public var time: Date
        public init(values: [Double], time: Date) {
            self.values = values
            self.time = time
        }
    }

    public struct Faults: Hashable, Sendable {
        /// Answer nothing after the association request (the manager's timeouts must end it).
        public var noResponse = false
        /// Answer the manager's GET with the wrong invoke-id.
        public var wrongInvokeID = false
        /// Leave the first GET unanswered (then behave).
        public var ignoreFirstGet = false
        /// Abort the association after this many measurements were acknowledged.
        public var abortAfter: Int?
        /// Offer an extended configuration the manager cannot accept (objects without a type), then fall
        /// back to the standard configuration.
        public var unknownConfig = false
        public init() {}
    }

    public let specialization: StandardConfiguration.Specialization
    public let systemID: [UInt8]
    public let manufacturer: String
    public let model: String
    public var faults: Faults
    /// The device clock's error: its time is the real time plus this.
    public var clockOffset: TimeInterval
    public private(set) var phase: Phase = .idle
    public private(set) var measurements: [Measurement]
    /// Measurements kept in the agent's PM-store (one segment), handed over when the manager asks.
    public private(set) var stored: [Measurement]
    /// Stored entries acknowledged by the manager.
    public private(set) var storedAcknowledged = 0
    /// Aborts from the manager answered by associating again.
    public private(set) var abortsSeen = 0
    static let reassociationsAfterAbort = 3
    public private(set) var storedTransferStarted = false
    static let pmStoreHandle: UInt16 = 0x0100
    static let entriesPerEvent = 10
    /// Measurements acknowledged by the manager (the next one sent is `measurements[acknowledged]`).
    public private(set) var acknowledged = 0
    public private(set) var configReportsSent = 0
    public private(set) var associations = 0
    /// Whether the agent announces an extended configuration (0x4000 + n) rather than the standard one.
    public private(set) var useExtended: Bool
    private var invokeID: UInt16 = 0x2000
    private var awaiting: UInt16?
    private let now: @Sendable () -> Date

    public init(
        specialization: StandardConfiguration.Specialization, systemID: [UInt8], manufacturer: String = "OpenVitals Sim",
        model: String, measurements: [Measurement], stored: [Measurement] = [], extended: Bool = false, faults: Faults = Faults(),
        clockOffset: TimeInterval = 0, now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.stored = stored
        self.specialization = specialization
        self.systemID = systemID
        self.manufacturer = manufacturer
        self.model = model
        self.measurements = measurements
        // A PM-store is not part of the standard configurations: an agent with one announces an extended one.
        self.useExtended = extended || faults.unknownConfig || !stored.isEmpty
        self.faults = faults
        self.clockOffset = clockOffset
        self.stampOffset = clockOffset
        self.now = now
    }

    public var isFinished: Bool { phase == .done }
    /// The clock error when the measurements were taken: their time stamps keep it even after the
    /// manager sets the clock (as a real device's stored records do).
    private var stampOffset: TimeInterval = 0

    public var standardConfigID: UInt16 { specialization.configIDs[0] }
    public var extendedConfigID: UInt16 { 0x4000 + UInt16(specialization.standard - 10400) }
    public var configID: UInt16 { useExtended ? extendedConfigID : standardConfigID }
    var objects: [ConfigReport.ConfigObject] {
        let standard = StandardConfiguration.objects(configID: standardConfigID)!
        guard !stored.isEmpty, useExtended else { return standard }
        return standard + [ConfigReport.ConfigObject(objClass: MDC.mocPMStore, handle: Self.pmStoreHandle, attributes: [
            AttributeValueAssertion(MDC.attrPMStoreCapability, .uint16(0x0800)),
            AttributeValueAssertion(MDC.attrNumberOfSegments, .uint16(1)),
        ])]
    }

    /// The PM-store's one segment: an absolute time per entry, then each metric object's values (its
    /// attribute-value map without the time stamp).
    var segmentMap: PMStore.EntryMap {
        PMStore.EntryMap(header: PMStore.entryHeaderAbsoluteTime, elements: StandardConfiguration.objects(configID: standardConfigID)!.compactMap { o in
            guard case .attributeValueMap(let map)? = o.attribute(MDC.attrAttributeValueMap), case .type(let p, let t)? = o.attribute(MDC.attrIDType) else { return nil }
            return PMStore.EntryElement(classID: o.objClass, metricPartition: p, metricTerm: t, handle: o.handle, map: map.filter { $0.attributeID != MDC.attrTimeStampAbsolute })
        })
    }

    /// The names of each specialisation's measurement values, in order.
    public static func valueNames(_ standard: Int) -> [String] {
        switch standard {
        case 10407: ["systolic", "diastolic", "mean", "pulse"]
        case 10404: ["spo2", "pulse"]
        case 10406: ["heart-rate"]
        case 10408: ["temperature"]
        case 10415: ["weight"]
        default: ["glucose"]
        }
    }

    // MARK: inputs

    /// The device was plugged in (the host configured it): the agent asks to associate.
    public mutating func start() -> [[UInt8]] {
        phase = .associating
        associations += 1
        let info = PhdAssociationInformation(
            systemType: PhdAssociationInformation.systemTypeAgent, systemID: systemID, devConfigID: configID,
            dataReqModeFlags: 0x0001, dataReqInitAgentCount: 1)
        return [PHDAPDU.associationRequest(AssociationRequest(dataProtoList: [.init(phd: info)])).bytes]
    }

    /// The host unplugged or reset the device; unacknowledged measurements stay for the next association.
    public mutating func detached() {
        if phase != .done { phase = .idle }
        awaiting = nil
        storedTransferStarted = false
    }

    /// Bytes from the manager (one or more APDUs).
    public mutating func receive(_ bytes: [UInt8]) -> [[UInt8]] {
        var r = ByteReader(bytes, entity: PHDAPDU.entity)
        var out: [[UInt8]] = []
        while !r.isAtEnd {
            guard let apdu = try? PHDAPDU(reader: &r) else { return out }
            out += handle(apdu)
        }
        return out
    }

    private mutating func handle(_ apdu: PHDAPDU) -> [[UInt8]] {
        if case .abort = apdu {
            // An aborted agent keeps what was not acknowledged and associates again to send it, as a real
            // one does (a slow manager's timeout must not lose a measurement); a few times at most.
            let workLeft = acknowledged < measurements.count || storedAcknowledged < stored.count
            // (Agents playing a protocol fault would only be aborted again: they stop.)
            let faulty = faults.noResponse || faults.wrongInvokeID
            if workLeft && !faulty && phase != .done && abortsSeen < Self.reassociationsAfterAbort {
                abortsSeen += 1
                awaiting = nil
                storedTransferStarted = false
                return start()
            }
            phase = .done
            return []
        }
        if faults.noResponse { return [] }
        switch apdu {
        case .associationResponse(let aare):
            guard phase == .associating else { return [] }
            switch aare.result {
            case .accepted:
                phase = .operating
                return nextMeasurement()
            case .acceptedUnknownConfig:
                phase = .configuring
                configReportsSent += 1
                let report = ConfigReport(configReportID: configID, objects: faults.unknownConfig ? objects.map { o in
                    // Objects that do not say what they measure: a manager cannot use them.
                    ConfigReport.ConfigObject(objClass: o.objClass, handle: o.handle, attributes: o.attributes.filter { $0.id != MDC.attrIDType })
                } : objects)
                return [invoke(.eventReport(EventReport(eventType: MDC.notiConfig, info: report.mderBytes), confirmed: true))]
            default:
                phase = .done
                return []
            }
        case .data(let d): return data(d)
        case .releaseRequest:
            phase = .done
            return [PHDAPDU.releaseResponse(.normal).bytes]
        case .releaseResponse:
            if phase == .reassociating {
                useExtended = false
                faults.unknownConfig = false
                return start()
            }
            phase = .done
            return []
        case .abort:
            return []  // handled above
        case .associationRequest:
            return [PHDAPDU.abort(.undefined).bytes]
        }
    }

    private mutating func data(_ d: DataAPDU) -> [[UInt8]] {
        switch d.message {
        case .eventReportResult(let e) where e.eventType == MDC.notiConfig:
            guard phase == .configuring, d.invokeID == awaiting, let rsp = e.configReportResponse else { return [] }
            awaiting = nil
            if rsp.result == .accepted {
                phase = .operating
                return nextMeasurement()
            }
            // Unsupported: fall back to the standard configuration by re-associating with it.
            phase = .reassociating
            return [PHDAPDU.releaseRequest(.configurationChanged).bytes]
        case .eventReportResult(let e) where e.eventType == MDC.notiSegmentData:
            var r = ByteReader(e.info, entity: "SegmentDataResult")
            guard phase == .operating, d.invokeID == awaiting, let ev = try? PMStore.EventDescription(mder: &r) else { return [] }
            awaiting = nil
            guard ev.status & PMStore.statusManagerConfirm != 0 else { return [] }
            storedAcknowledged = Int(ev.entryIndex + ev.entryCount)
            return continueWork()
        case .action(let a, true) where a.handle == Self.pmStoreHandle && a.actionType == MDC.actSegmentGetInfo:
            let info = PMStore.SegmentInfo(instance: 0, attributes: [
                AttributeValueAssertion(id: MDC.attrPMSegmentMap, value: segmentMap.mderBytes),
                AttributeValueAssertion(id: MDC.attrSegmentUsageCount, value: withUnsafeBytes(of: UInt32(stored.count - storedAcknowledged).bigEndian, Array.init)),
            ])
            return [PHDAPDU.data(DataAPDU(invokeID: d.invokeID, message: .actionResult(Action(handle: Self.pmStoreHandle, actionType: MDC.actSegmentGetInfo, info: PMStore.encode(segmentInfoList: [info]))))).bytes]
        case .action(let a, true) where a.handle == Self.pmStoreHandle && a.actionType == MDC.actSegmentTriggerTransfer:
            let ok = a.info == [0, 0] && storedAcknowledged < stored.count
            let rsp = PHDAPDU.data(DataAPDU(invokeID: d.invokeID, message: .actionResult(Action(
                handle: Self.pmStoreHandle, actionType: MDC.actSegmentTriggerTransfer, info: [0, 0, 0, ok ? 0 : 3])))).bytes
            guard ok else { return [rsp] }
            storedTransferStarted = true
            return [rsp] + (awaiting == nil ? continueWork() : [])
        case .eventReportResult:
            guard phase == .operating, d.invokeID == awaiting else { return [] }
            awaiting = nil
            acknowledged += 1
            if let k = faults.abortAfter, acknowledged >= k {
                faults.abortAfter = nil
                phase = .done
                return [PHDAPDU.abort(.undefined).bytes]
            }
            return continueWork()
        case .get where faults.ignoreFirstGet:
            faults.ignoreFirstGet = false
            return []
        case .get(let g) where g.handle == 0:
            let id = faults.wrongInvokeID ? d.invokeID &+ 7 : d.invokeID
            return [PHDAPDU.data(DataAPDU(invokeID: id, message: .getResult(AttributeResult(handle: 0, attributes: mdsAttributes(g.attributeIDs))))).bytes]
        case .action(let a, let confirmed) where a.actionType == MDC.actSetTime:
            var r = ByteReader(a.info, entity: "SetTimeInvoke")
            if let t = try? AbsoluteTime(mder: &r), let set = DateComponents(
                calendar: Calendar(identifier: .gregorian), timeZone: SimulatedClock.zone, year: t.year, month: t.month, day: t.day,
                hour: t.hour, minute: t.minute, second: t.second
            ).date {
                clockOffset = set.timeIntervalSince(now())
            }
            return confirmed ? [PHDAPDU.data(DataAPDU(invokeID: d.invokeID, message: .actionResult(Action(actionType: MDC.actSetTime, info: [])))).bytes] : []
        case .get, .set, .action:
            // No such object or action: the standard's ROER no-such-object-instance (1) / no-such-action (9).
            return [PHDAPDU.data(DataAPDU(invokeID: d.invokeID, message: .error(errorValue: 9, parameter: []))).bytes]
        default:
            return []
        }
    }

    /// After an acknowledgement: a stored-data transfer the manager started goes first, then live measurements.
    private mutating func continueWork() -> [[UInt8]] {
        if storedTransferStarted && storedAcknowledged < stored.count { return nextSegmentEvent() }
        return nextMeasurement()
    }

    /// The next segment-data event: up to ten stored entries, the first and last marked.
    private mutating func nextSegmentEvent() -> [[UInt8]] {
        let start = storedAcknowledged
        let end = min(stored.count, start + Self.entriesPerEvent)
        var w = ByteWriter()
        for m in stored[start..<end] { entryBytes(m, into: &w) }
        var status: UInt16 = 0
        if start == 0 { status |= PMStore.statusFirstEntry }
        if end == stored.count { status |= PMStore.statusLastEntry }
        let event = PMStore.SegmentDataEvent(
            description: .init(instance: 0, entryIndex: UInt32(start), entryCount: UInt32(end - start), status: status), entries: w.bytes)
        return [invoke(.eventReport(EventReport(handle: Self.pmStoreHandle, eventType: MDC.notiSegmentData, info: event.mderBytes), confirmed: true))]
    }

    func entryBytes(_ m: Measurement, into w: inout ByteWriter) {
        deviceTime(m.time, offset: stampOffset).encode(to: &w)
        for (i, obj) in StandardConfiguration.objects(configID: standardConfigID)!.enumerated() {
            guard case .attributeValueMap(let map) = obj.attribute(MDC.attrAttributeValueMap) else { continue }
            for e in map where e.attributeID != MDC.attrTimeStampAbsolute { writeValue(e, object: i, m, stamp: nil, into: &w) }
        }
    }

    private mutating func invoke(_ m: DataAPDU.Message) -> [UInt8] {
        invokeID &+= 1
        awaiting = invokeID
        return PHDAPDU.data(DataAPDU(invokeID: invokeID, message: m)).bytes
    }

    /// The device's own time for a real instant.
    func deviceTime(_ d: Date, offset: TimeInterval? = nil) -> AbsoluteTime {
        let c = Calendar(identifier: .gregorian).dateComponents(in: SimulatedClock.zone, from: d.addingTimeInterval(offset ?? clockOffset))
        return AbsoluteTime(year: c.year!, month: c.month!, day: c.day!, hour: c.hour!, minute: c.minute!, second: c.second!, hundredths: (c.nanosecond ?? 0) / 10_000_000)
    }

    private mutating func nextMeasurement() -> [[UInt8]] {
        guard acknowledged < measurements.count else {
            // Stored data first: the manager asks for it; release only once it has all been acknowledged.
            if storedAcknowledged < stored.count { return [] }
            phase = .releasing
            return [PHDAPDU.releaseRequest(.normal).bytes]
        }
        let m = measurements[acknowledged]
        let report = ScanReport.fixed(scanReportNo: UInt16(truncatingIfNeeded: acknowledged), fixedObservations(m))
        var w = ByteWriter()
        report.encode(to: &w)
        return [invoke(.eventReport(EventReport(eventType: MDC.notiScanReportFixed, info: w.bytes), confirmed: true))]
    }

    /// One measurement as the objects' fixed-format values (each object's attribute-value map, in order).
    func fixedObservations(_ m: Measurement) -> [ScanReport.FixedObservation] {
        let stamp = deviceTime(m.time, offset: stampOffset)
        var out: [ScanReport.FixedObservation] = []
        for (i, obj) in objects.enumerated() {
            guard case .attributeValueMap(let map) = obj.attribute(MDC.attrAttributeValueMap) else { continue }
            var w = ByteWriter()
            for e in map { writeValue(e, object: i, m, stamp: stamp, into: &w) }
            out.append(.init(handle: obj.handle, data: w.bytes))
        }
        return out
    }

    /// One attribute of object `i`'s values for measurement `m`, as its attribute-value map entry lays it out.
    func writeValue(_ e: AttributeValue.AttrValMapEntry, object i: Int, _ m: Measurement, stamp: AbsoluteTime?, into w: inout ByteWriter) {
        switch e.attributeID {
        case MDC.attrNuValueObservedBasic: w.u16be((SFloat(valueFor(object: i, m), decimals: 1) ?? .nan).bitPattern)
        case MDC.attrNuValueObservedSimple: w.u32be((MDERFloat(valueFor(object: i, m), decimals: 2) ?? .nan).bitPattern)
        case MDC.attrNuCompoundValueObservedBasic: w.mderList(Array(m.values.prefix(3))) { w, v in w.u16be((SFloat(v, decimals: 1) ?? .nan).bitPattern) }
        case MDC.attrTimeStampAbsolute where stamp != nil: stamp!.encode(to: &w)
        case MDC.attrSimpleSAObservedValue:
            w.octetString(ecgSamples(m, count: Int(e.length - 2) / 2).flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] })
        default: w.append([UInt8](repeating: 0, count: Int(e.length)))
        }
    }

    /// The value object `index` reports: BP puts the pulse on the second object; oximeters SpO2 then pulse.
    func valueFor(object index: Int, _ m: Measurement) -> Double {
        switch specialization.standard {
        case 10407: m.values.count > 3 ? m.values[3] : .nan
        case 10404: index < m.values.count ? m.values[index] : .nan
        case 10406: m.values.first ?? .nan
        default: m.values.first ?? .nan
        }
    }

    /// A basic-ECG snippet: a flat baseline at mid-scale with one R wave per beat at the measured rate.
    func ecgSamples(_ m: Measurement, count: Int) -> [UInt16] {
        let rate = m.values.first ?? 60
        let period = Int(250 * 60 / max(rate, 20))
        return (0..<count).map { i in
            let phase = (acknowledged * count + i) % max(period, 1)
            return 2048 + (phase < 3 ? UInt16(800 - phase * 250) : 0)
        }
    }

    func mdsAttributes(_ ids: [UInt16]) -> [AttributeValueAssertion] {
        let classCode = UInt16(1) << 13 | UInt16(specialization.standard - 10400)  // USB transport, this specialisation
        let all: [AttributeValueAssertion] = [
            AttributeValueAssertion(MDC.attrIDHandle, .uint16(0)),
            AttributeValueAssertion(MDC.attrSystemTypeSpecList, .typeVersionList([.init(type: specialization.profile, version: 1)])),
            AttributeValueAssertion(MDC.attrIDModel, .model(manufacturer: manufacturer, model: model)),
            AttributeValueAssertion(MDC.attrSystemID, .octets(systemID)),
            AttributeValueAssertion(MDC.attrDevConfigID, .uint16(configID)),
            AttributeValueAssertion(MDC.attrRegCertDataList, .regulatoryCertification(RegulatoryCertificationDataList(entries: [
                .continua(.init(majorIGVersion: 1, minorIGVersion: 5, certifiedDeviceClasses: [.init(rawValue: classCode)])),
                .continua(.init(unregulated: false)),
            ]))),
            AttributeValueAssertion(MDC.attrTimeAbsolute, .absoluteTime(deviceTime(now()))),
        ]
        return ids.isEmpty ? all : all.filter { ids.contains($0.id) }
    }
}
