import VitalsWire

/// The IEEE 11073-20601 manager side of one agent connection, as an explicit state machine.
///
/// States follow the standard's manager state table: Disconnected → Unassociated → (AARQ) →
/// Operating, or Configuring (Waiting for config → Checking config) when the agent's configuration is
/// not known → Operating; Disassociating while a release we asked for is outstanding. It does no I/O:
/// each input returns actions; the caller sends bytes, stores what is delivered, and sends a confirmed
/// event report's response only once what it carried is durable. Time is the caller's monotonic clock,
/// passed in with `tick`.
public struct PHDManagerSession: Sendable {
    public enum State: Hashable, Sendable {
        case disconnected
        case unassociated
        case waitingForConfig
        case checkingConfig
        case operating
        case disassociating
    }

    /// A known configuration: an agent (by system id) and its dev-config-id.
    public struct ConfigurationKey: Hashable, Sendable, Codable {
        public var systemID: String
        public var configID: UInt16
        public init(systemID: String, configID: UInt16) {
            self.systemID = systemID
            self.configID = configID
        }
    }

    public struct Timeouts: Sendable {
        /// The standard's TO_config: an agent in Configuring must send its configuration within 10 s.
        public var configuration: Duration = .seconds(10)
        /// TO_release: an answered release within 3 s.
        public var release: Duration = .seconds(3)
        /// Confirmed services (GET, confirmed SET, confirmed action): 3 s.
        public var confirmedService: Duration = .seconds(3)
        public init() {}
    }

    public enum Action: Hashable, Sendable {
        /// Send these bytes (one APDU) to the agent.
        case send([UInt8])
        /// The agent is associated and operating with this configuration; `reused` when no configuration
        /// exchange was needed (standard configuration, or one cached for this agent).
        case associated(PhdAssociationInformation, configID: UInt16, objects: [ConfigReport.ConfigObject], reused: Bool)
        /// An extended configuration was accepted: cache it so the agent's next association skips the exchange.
        case configurationLearned(ConfigurationKey, ConfigReport)
        /// Measurements arrived in the APDU `apdu`. When `acknowledgement` is present, send it once they are durable.
        case measurements([PHDMeasurement], scanReportNo: UInt16, apdu: [UInt8], acknowledgement: [UInt8]?)
        /// An APDU that does not decode: keep its bytes with the reason.
        case malformed([UInt8], error: String)
        /// The MDS answered GET: system model, system id, regulatory certification, absolute time.
        case mdsAttributes(AttributeResult)
        /// The agent confirmed setting its clock.
        case clockSet
        /// The association ended (release either way, or abort); `reason` says which.
        case disassociated(reason: String)
        /// Something the agent sent was wrong; the association goes on unless a `.disassociated` follows.
        case protocolError(String)
    }

    public private(set) var state: State = .disconnected
    public private(set) var agent: PhdAssociationInformation?
    public private(set) var objects: [ConfigReport.ConfigObject] = []
    public private(set) var configID: UInt16 = 0
    /// Configurations learned from configuration reports (filled by the caller from its cache at start).
    public var knownConfigurations: [ConfigurationKey: ConfigReport]
    public let managerSystemID: [UInt8]
    public var timeouts = Timeouts()
    /// Whether to GET the MDS attributes after associating.
    public var readMDSAttributes = true

    private var nextInvokeID: UInt16 = 0
    /// The confirmed request we sent, its invoke id and when it times out.
    private var outstanding: (invokeID: UInt16, kind: String, deadline: Duration)?
    private var configDeadline: Duration?
    private var releaseDeadline: Duration?
    private var pendingReport: ConfigReport?
    private var buffer: [UInt8] = []
    private var currentFrame: [UInt8] = []
    /// Measurements that arrived while the MDS attributes (and so the device clock) were being read:
    /// handed on, and acknowledged, once the clock is known.
    private var held: [Action] = []
    /// PM-store transfer: segment maps by instance, and the segments still to fetch.
    private var segmentMaps: [UInt16: PMStore.EntryMap] = [:]
    private var pendingSegments: [UInt16] = []
    private var storedDataRequested = false
    /// The PM-store object's handle in the current configuration, if it has one.
    public var pmStoreHandle: UInt16? { objects.first { $0.objClass == MDC.mocPMStore }?.handle }

    public init(managerSystemID: [UInt8], knownConfigurations: [ConfigurationKey: ConfigReport] = [:]) {
        self.managerSystemID = managerSystemID
        self.knownConfigurations = knownConfigurations
    }

    // MARK: inputs

    public mutating func transportConnected() {
        state = .unassociated
        buffer = []
    }

    public mutating func transportDisconnected() -> [Action] {
        let was = state
        let kept = reset()
        state = .disconnected
        return kept + (was == .disconnected || was == .unassociated ? [] : [.disassociated(reason: "transport disconnected")])
    }

    /// Bytes from the agent (one transfer; APDUs may be split across or share transfers).
    public mutating func received(_ bytes: [UInt8], now: Duration) -> [Action] {
        buffer += bytes
        var actions: [Action] = []
        while let n = PHDAPDU.frameLength(buffer[...]), buffer.count >= n {
            let frame = Array(buffer[0..<n])
            buffer.removeFirst(n)
            currentFrame = frame
            let wasAssociated = state != .unassociated && state != .disconnected
            do {
                actions += handle(try PHDAPDU(bytes: frame), now: now)
                if state == .operating, outstanding == nil, let t = setTimePending {
                    setTimePending = nil
                    actions.append(send(.action(.setTime(t), confirmed: true), kind: "set-time", now: now))
                }
                // An abort ends the association: what else the transfer held belongs to it and is dropped.
                if wasAssociated, actions.contains(where: { if case .send(let b) = $0 { return b.first == 0xE6 } else { return false } }) {
                    buffer = []
                    break
                }
            } catch {
                // A malformed APDU: the standard answers an association-level error with an abort when
                // associated; before that the frame is ignored.
                actions.append(.malformed(frame, error: "\(error)"))
                if state != .unassociated && state != .disconnected {
                    actions += abort(.undefined, reason: "malformed APDU")
                    buffer = []
                    break
                }
            }
        }
        if buffer.count > 65_535 + 4 {
            buffer = []
            actions.append(.protocolError("receive buffer overflow"))
            actions += abort(.bufferOverflow, reason: "buffer overflow")
        }
        return actions
    }

    /// Lets timeouts fire.
    public mutating func tick(now: Duration) -> [Action] {
        if let d = configDeadline, now >= d {
            return [.protocolError("no configuration report within \(timeouts.configuration)")] + abort(.configurationTimeout, reason: "configuration timeout")
        }
        if let d = releaseDeadline, now >= d {
            let kept = reset()
            state = .unassociated
            return kept + [.disassociated(reason: "release not answered; treated as released")]
        }
        if let o = outstanding, now >= o.deadline {
            // Measurements held for the clock go on uncorrected and unacknowledged (abort hands them on): the
            // agent keeps them and sends them again, and the store ignores the replay.
            return [.protocolError("\(o.kind) (invoke-id \(o.invokeID)) not answered within \(timeouts.confirmedService)")]
                + abort(.responseTimeout, reason: "response timeout")
        }
        return []
    }

    /// Asks the agent to release the association (hub shutting down, or the kiosk session ending).
    public mutating func release(now: Duration) -> [Action] {
        guard state == .operating || state == .waitingForConfig || state == .checkingConfig else { return [] }
        state = .disassociating
        // A confirmed request still open no longer matters; only the release's answer is awaited.
        outstanding = nil
        configDeadline = nil
        releaseDeadline = now + timeouts.release
        return [.send(PHDAPDU.releaseRequest(.normal).bytes)]
    }

    /// Sets the agent's clock (MDC_ACT_SET_TIME, confirmed action on the MDS).
    /// A confirmed request is already open (the PM-store's segment info, say): the set-time waits for it.
    public private(set) var setTimePending: AbsoluteTime?

    public mutating func setTime(_ t: AbsoluteTime, now: Duration) -> [Action] {
        guard state == .operating else { return [] }
        guard outstanding == nil else {
            setTimePending = t
            return []
        }
        return [send(.action(.setTime(t), confirmed: true), kind: "set-time", now: now)]
    }

    // MARK: handling

    private mutating func handle(_ apdu: PHDAPDU, now: Duration) -> [Action] {
        switch apdu {
        case .associationRequest(let aarq): return associate(aarq, now: now)
        case .associationResponse:
            return [.protocolError("an AARE from the agent (managers send those)")] + (state == .unassociated ? [] : abort(.undefined, reason: "unexpected AARE"))
        case .releaseRequest(let reason):
            let was = state
            let kept = reset()
            state = .unassociated
            var actions: [Action] = kept + [.send(PHDAPDU.releaseResponse(.normal).bytes)]
            if was != .unassociated { actions.append(.disassociated(reason: "agent released (\(reason))")) }
            return actions
        case .releaseResponse:
            guard state == .disassociating else { return [.protocolError("RLRE without a release request")] }
            let kept = reset()
            state = .unassociated
            return kept + [.disassociated(reason: "released")]
        case .abort(let reason):
            let was = state
            let kept = reset()
            state = .unassociated
            return kept + (was == .unassociated ? [] : [.disassociated(reason: "agent aborted (\(reason))")])
        case .data(let d): return data(d, now: now)
        }
    }

    private mutating func associate(_ aarq: AssociationRequest, now: Duration) -> [Action] {
        guard state == .unassociated else {
            // An AARQ while associated: the standard has the manager abort.
            return [.protocolError("AARQ while \(state)")] + abort(.undefined, reason: "AARQ while associated")
        }
        guard aarq.assocVersion & AssociationRequest.assocVersion1 != 0 else {
            return [.send(response(.rejectedUnsupportedAssocVersion))]
        }
        guard let info = aarq.phd else { return [.send(response(.rejectedNoCommonProtocol))] }
        guard info.encodingRules & PhdAssociationInformation.encodingMDER != 0,
            info.protocolVersion & PhdAssociationInformation.protocolVersion1 != 0
        else { return [.send(response(.rejectedNoCommonParameter))] }
        agent = info
        configID = info.devConfigID
        let key = ConfigurationKey(systemID: info.systemIDHex, configID: info.devConfigID)
        if let standard = StandardConfiguration.objects(configID: info.devConfigID) {
            objects = standard
            state = .operating
            return [.send(response(.accepted)), .associated(info, configID: configID, objects: standard, reused: true)] + afterAssociation(now: now)
        }
        if let cached = knownConfigurations[key] {
            objects = cached.objects
            state = .operating
            return [.send(response(.accepted)), .associated(info, configID: configID, objects: cached.objects, reused: true)] + afterAssociation(now: now)
        }
        state = .waitingForConfig
        configDeadline = now + timeouts.configuration
        return [.send(response(.acceptedUnknownConfig))]
    }

    private func response(_ result: AssociationResponse.Result) -> [UInt8] {
        let info = PhdAssociationInformation(
            functionalUnits: 0, systemType: PhdAssociationInformation.systemTypeManager, systemID: managerSystemID,
            devConfigID: 0, dataReqModeFlags: 0)
        return PHDAPDU.associationResponse(AssociationResponse(result: result, selectedDataProto: .init(phd: info))).bytes
    }

    static let mdsGet = "GET MDS attributes"

    private mutating func afterAssociation(now: Duration) -> [Action] {
        guard readMDSAttributes else { return [] }
        return [send(.get(GetArgument(handle: 0, attributeIDs: [])), kind: Self.mdsGet, now: now)]
    }

    private mutating func send(_ m: DataAPDU.Message, kind: String, now: Duration) -> Action {
        nextInvokeID &+= 1
        outstanding = (nextInvokeID, kind, now + timeouts.confirmedService)
        return .send(PHDAPDU.data(DataAPDU(invokeID: nextInvokeID, message: m)).bytes)
    }

    private mutating func data(_ d: DataAPDU, now: Duration) -> [Action] {
        switch d.message {
        case .eventReport(let e, let confirmed): return eventReport(e, invokeID: d.invokeID, confirmed: confirmed, now: now)
        case .getResult(let r):
            guard let o = outstanding, o.invokeID == d.invokeID else { return [.protocolError("GET result with unexpected invoke-id \(d.invokeID)")] }
            outstanding = nil
            _ = o
            defer { held = [] }
            return [.mdsAttributes(r)] + held + requestStoredData(now: now)
        case .actionResult(let a):
            guard let o = outstanding, o.invokeID == d.invokeID else { return [.protocolError("action result with unexpected invoke-id \(d.invokeID)")] }
            outstanding = nil
            switch a.actionType {
            case MDC.actSetTime: return [.clockSet]
            case MDC.actSegmentGetInfo:
                do {
                    let infos = try PMStore.segmentInfoList(a.info)
                    for i in infos {
                        guard let map = i.entryMap else { continue }
                        segmentMaps[i.instance] = map
                        if (i.usageCount ?? 1) > 0 { pendingSegments.append(i.instance) }
                    }
                } catch {
                    return [.protocolError("segment info: \(error)")]
                }
                return triggerNextSegment(now: now)
            case MDC.actSegmentTriggerTransfer:
                var r = ByteReader(a.info, entity: "TrigSegmDataXferRsp")
                guard let seg = try? r.u16be("seg-inst-no"), let rsp = try? r.u16be("trig-segm-xfer-rsp") else {
                    return [.protocolError("malformed TrigSegmDataXferRsp")] + triggerNextSegment(now: now)
                }
                // 0 success; otherwise (1 no such segment, 2 segment busy/clear in progress, 3 empty) go on.
                return rsp == 0 ? [] : [.protocolError("segment \(seg) transfer refused (\(rsp))")] + triggerNextSegment(now: now)
            default: return []
            }
        case .setResult:
            guard let o = outstanding, o.invokeID == d.invokeID else { return [.protocolError("SET result with unexpected invoke-id \(d.invokeID)")] }
            outstanding = nil
            return []
        case .error(let v, _):
            guard let o = outstanding, o.invokeID == d.invokeID else { return [.protocolError("error result \(v) for unknown invoke-id \(d.invokeID)")] }
            outstanding = nil
            // Without the MDS attributes the clock stays unknown; what was held goes on uncorrected.
            defer { held = [] }
            return [.protocolError("agent answered \(o.kind) with error \(v)")] + held + triggerNextSegment(now: now)
        case .reject(let p):
            guard let o = outstanding, o.invokeID == d.invokeID else { return [.protocolError("agent rejected invoke-id \(d.invokeID) (problem \(p))")] }
            outstanding = nil
            defer { held = [] }
            return [.protocolError("agent rejected \(o.kind) (problem \(p))")] + held + triggerNextSegment(now: now)
        case .get, .set, .action, .eventReportResult:
            // Agents do not invoke these on a manager: reject, as the standard asks.
            return [.send(PHDAPDU.data(DataAPDU(invokeID: d.invokeID, message: .reject(problem: 101))).bytes),
                    .protocolError("agent invoked \(d.message.name)")]
        }
    }

    /// The measurements a scan report carries, laid out with the agent's configuration `objects`
    /// (fixed, variable, multi-person and grouped forms), and what could not be laid out. Pure: the
    /// session and `vitals validate --apdu` both use it.
    public static func measurements(in scan: ScanReport, from scanner: UInt16, objects: [ConfigReport.ConfigObject]) -> (measurements: [PHDMeasurement], problems: [String]) {
        var measurements: [PHDMeasurement] = []
        var problems: [String] = []
        if scan.form == .grouped {
            // Each group is the scanner's objects' values in its handle-attribute-value-map order.
            guard case .handleAttributeValueMap(let layout)? = objects.first(where: { $0.handle == scanner })?.attribute(MDC.attrScanHandleAttrValMap) else {
                return ([], ["grouped report from object \(scanner), which has no handle-attribute map"])
            }
            for group in scan.groups {
                var r = ByteReader(group, entity: "grouped observation")
                do {
                    for h in layout {
                        let data = try r.bytes(h.map.reduce(0) { $0 + Int($1.length) }, "object \(h.handle)")
                        guard let obj = objects.first(where: { $0.handle == h.handle }) else { continue }
                        if let m = PHDMeasurement(object: obj, values: try FixedValueLayout(entries: h.map).split(data), personID: nil) { measurements.append(m) }
                    }
                    try r.expectEnd(after: "grouped observation")
                } catch {
                    problems.append("grouped report: \(error)")
                }
            }
        }
        for person in scan.persons {
            for f in person.fixed {
                guard let obj = objects.first(where: { $0.handle == f.handle }), let layout = try? FixedValueLayout(object: obj) else {
                    problems.append("fixed report for unknown object \(f.handle)")
                    continue
                }
                do {
                    let attrs = try layout.split(f.data)
                    if let m = PHDMeasurement(object: obj, values: attrs, personID: person.personID) { measurements.append(m) }
                } catch {
                    problems.append("object \(f.handle): \(error)")
                }
            }
            for v in person.variable {
                guard let obj = objects.first(where: { $0.handle == v.handle }) else {
                    problems.append("variable report for unknown object \(v.handle)")
                    continue
                }
                if let m = PHDMeasurement(object: obj, values: v.attributes, personID: person.personID) { measurements.append(m) }
            }
        }
        return (measurements, problems)
    }

    private mutating func eventReport(_ e: EventReport, invokeID: UInt16, confirmed: Bool, now: Duration) -> [Action] {
        func reply(_ info: [UInt8]) -> [UInt8] {
            PHDAPDU.data(DataAPDU(invokeID: invokeID, message: .eventReportResult(
                EventReport(handle: e.handle, time: 0, eventType: e.eventType, info: info)))).bytes
        }
        if e.eventType == MDC.notiConfig {
            guard state == .waitingForConfig || state == .operating, let report = e.configReport else {
                return [.protocolError("configuration report while \(state)")]
            }
            state = .checkingConfig
            let result = Self.check(report)
            configDeadline = nil
            if result == .accepted {
                objects = report.objects
                configID = report.configReportID
                state = .operating
                let info = agent!
                let key = ConfigurationKey(systemID: info.systemIDHex, configID: report.configReportID)
                knownConfigurations[key] = report
                return [
                    .send(reply(ConfigReportResponse(configReportID: report.configReportID, result: result).mderBytes)),
                    .configurationLearned(key, report),
                    .associated(info, configID: report.configReportID, objects: report.objects, reused: false),
                ] + afterAssociation(now: now)
            }
            // Unsupported: the agent may send another configuration (or fall back to a standard one).
            state = .waitingForConfig
            configDeadline = now + timeouts.configuration
            return [.send(reply(ConfigReportResponse(configReportID: report.configReportID, result: result).mderBytes)),
                    .protocolError("configuration \(report.configReportID) not supported")]
        }
        guard state == .operating else {
            // Data before the configuration is agreed: the standard has the manager abort.
            return [.protocolError("measurement report while \(state)")] + abort(.undefined, reason: "data before configuration")
        }
        if e.eventType == MDC.notiSegmentData {
            return segmentData(e, invokeID: invokeID, confirmed: confirmed, reply: reply, now: now)
        }
        guard let scan = e.scanReport else {
            // MDS dynamic data updates and other events: acknowledge, nothing to store.
            return confirmed ? [.send(reply([]))] : []
        }
        let (measurements, problems) = Self.measurements(in: scan, from: e.handle, objects: objects)
        var errors: [Action] = problems.map { .protocolError($0) }
        if scan.form == .grouped && measurements.isEmpty && !problems.isEmpty && !scan.groups.isEmpty
            && objects.first(where: { $0.handle == e.handle })?.attribute(MDC.attrScanHandleAttrValMap) == nil
        {
            // No map to lay the groups out with: acknowledged, reported, nothing to keep.
            return errors + [.measurements([], scanReportNo: scan.scanReportNo, apdu: currentFrame, acknowledgement: confirmed ? reply([]) : nil)]
        }
        // Whatever in the report could not be laid out is kept raw (before the acknowledgement goes out).
        if !errors.isEmpty {
            errors.append(.malformed(currentFrame, error: errors.compactMap { if case .protocolError(let w) = $0 { return w } else { return nil } }.joined(separator: "; ")))
        }
        let delivery = Action.measurements(measurements, scanReportNo: scan.scanReportNo, apdu: currentFrame, acknowledgement: confirmed ? reply([]) : nil)
        if outstanding?.kind == Self.mdsGet {
            held.append(delivery)
            return errors
        }
        return errors + [delivery]
    }

    /// After the MDS is read: ask the PM-store (if the configuration has one) which segments it holds.
    private mutating func requestStoredData(now: Duration) -> [Action] {
        guard let pm = pmStoreHandle, !storedDataRequested, outstanding == nil else { return [] }
        storedDataRequested = true
        return [send(.action(VitalsWire.Action(handle: pm, actionType: MDC.actSegmentGetInfo, info: PMStore.allSegments), confirmed: true), kind: "PM-store segment info", now: now)]
    }

    private mutating func triggerNextSegment(now: Duration) -> [Action] {
        guard let pm = pmStoreHandle, outstanding == nil, !pendingSegments.isEmpty else { return [] }
        let seg = pendingSegments.removeFirst()
        return [send(.action(VitalsWire.Action(handle: pm, actionType: MDC.actSegmentTriggerTransfer, info: [UInt8(seg >> 8), UInt8(seg & 0xFF)]), confirmed: true), kind: "PM-store segment \(seg) transfer", now: now)]
    }

    /// Stored entries: each element laid out by the segment's map becomes a measurement, stamped with the
    /// entry's time; the reply confirms the event once the entries are durable.
    private mutating func segmentData(_ e: EventReport, invokeID: UInt16, confirmed: Bool, reply: ([UInt8]) -> [UInt8], now: Duration) -> [Action] {
        let event: PMStore.SegmentDataEvent
        do { event = try PMStore.SegmentDataEvent(bytes: e.info) } catch {
            return [.malformed(currentFrame, error: "\(error)")]
        }
        guard let map = segmentMaps[event.description.instance] else {
            return [.protocolError("segment data for segment \(event.description.instance), which segment info did not describe")]
        }
        var measurements: [PHDMeasurement] = []
        do {
            for entry in try event.split(with: map) {
                for (element, attrs) in entry.elements {
                    var values = attrs
                    if let t = entry.time { values.append(AttributeValueAssertion(MDC.attrTimeStampAbsolute, .absoluteTime(t))) }
                    let object = objects.first { $0.handle == element.handle }
                        ?? ConfigReport.ConfigObject(objClass: element.classID, handle: element.handle, attributes: [
                            AttributeValueAssertion(MDC.attrIDType, .type(partition: element.metricPartition, term: element.metricTerm)),
                        ])
                    if let m = PHDMeasurement(object: object, values: values, personID: nil) { measurements.append(m) }
                }
            }
        } catch {
            return [.malformed(currentFrame, error: "\(error)")]
        }
        var descr = event.description
        if descr.status & PMStore.statusAgentAbort != 0 {
            // The agent gave the transfer up: answer with the same status and go on with the next segment.
            var w = ByteWriter()
            descr.encode(to: &w)
            return [.measurements(measurements, scanReportNo: UInt16(truncatingIfNeeded: descr.entryIndex), apdu: currentFrame, acknowledgement: confirmed ? reply(w.bytes) : nil)]
                + triggerNextSegment(now: now)
        }
        descr.status |= PMStore.statusManagerConfirm
        var w = ByteWriter()
        descr.encode(to: &w)
        var actions: [Action] = [.measurements(
            measurements, scanReportNo: UInt16(truncatingIfNeeded: event.description.entryIndex), apdu: currentFrame,
            acknowledgement: confirmed ? reply(w.bytes) : nil)]
        if event.description.status & PMStore.statusLastEntry != 0 {
            actions += triggerNextSegment(now: now)
        }
        return actions
    }

    /// Accept an extended configuration when every metric object says what it measures and how its
    /// fixed reports are laid out; otherwise answer unsupported so the agent can fall back.
    static func check(_ report: ConfigReport) -> ConfigReportResponse.Result {
        guard (0x4000...0x7FFF).contains(report.configReportID) else { return .standardConfigUnknown }
        let metrics = report.objects.filter { [MDC.mocVMOMetricNumeric, MDC.mocVMOMetricRTSA, MDC.mocVMOMetricEnum].contains($0.objClass) }
        guard !metrics.isEmpty else { return .unsupported }
        for o in metrics {
            guard case .type = o.attribute(MDC.attrIDType) else { return .unsupported }
        }
        return .accepted
    }

    private mutating func abort(_ reason: AbortReason, reason text: String) -> [Action] {
        let kept = reset()
        state = .unassociated
        return kept + [.send(PHDAPDU.abort(reason).bytes), .disassociated(reason: "aborted: \(text)")]
    }

    /// Measurements held for the clock, handed on unacknowledged (the agent keeps them and sends them again).
    private func unacknowledgedHeld() -> [Action] {
        held.map { a -> Action in
            if case .measurements(let m, let n, let apdu, _) = a { return .measurements(m, scanReportNo: n, apdu: apdu, acknowledgement: nil) }
            return a
        }
    }

    /// Ends the association's state; returns what was held for the clock, unacknowledged.
    @discardableResult
    private mutating func reset() -> [Action] {
        let kept = unacknowledgedHeld()
        outstanding = nil
        configDeadline = nil
        releaseDeadline = nil
        pendingReport = nil
        held = []
        segmentMaps = [:]
        pendingSegments = []
        storedDataRequested = false
        setTimePending = nil
        objects = []
        configID = 0
        return kept
    }
}

/// One measurement from a scan report, resolved against its object's configuration.
public struct PHDMeasurement: Hashable, Sendable {
    /// The object's type (partition 2 term), e.g. MDC_PRESS_BLD_NONINV.
    public var type: UInt16
    public var handle: UInt16
    public var unitCode: UInt16?
    /// Numeric components: one for a simple metric, several for a compound one, with their own terms.
    public var values: [(term: UInt16, value: NumericValue)]
    public var timeStamp: AbsoluteTime?
    /// RT-SA samples (scaled integers) with the object's sample period (1/8 ms) and scaling.
    public var samples: [Int32]?
    public var samplePeriod: UInt32?
    public var scale: AttributeValue?
    public var personID: UInt16?
    public var measurementStatus: UInt16?

    public enum NumericValue: Hashable, Sendable {
        case basic(SFloat)
        case simple(MDERFloat)
        public var number: Double? {
            switch self {
            case .basic(let s): s.value
            case .simple(let f): f.value
            }
        }
        public var bits: UInt64 {
            switch self {
            case .basic(let s): UInt64(s.bitPattern)
            case .simple(let f): UInt64(f.bitPattern)
            }
        }
        public var encoding: String {
            switch self {
            case .basic: "sfloat"
            case .simple: "float"
            }
        }
    }

    public static func == (a: Self, b: Self) -> Bool {
        a.type == b.type && a.handle == b.handle && a.unitCode == b.unitCode && a.values.map(\.term) == b.values.map(\.term)
            && a.values.map(\.value) == b.values.map(\.value) && a.timeStamp == b.timeStamp && a.samples == b.samples
            && a.personID == b.personID && a.measurementStatus == b.measurementStatus
    }

    public func hash(into h: inout Hasher) {
        h.combine(type)
        h.combine(handle)
        h.combine(timeStamp)
        h.combine(samples)
    }

    /// Resolves `values` (from a fixed report's attribute-value map or a variable report) against `object`.
    /// Nil when the report carries no value.
    public init?(object: ConfigReport.ConfigObject, values: [AttributeValueAssertion], personID: UInt16?) {
        guard case .type(_, let type) = object.attribute(MDC.attrIDType) else { return nil }
        self.type = type
        handle = object.handle
        self.personID = personID
        func attribute(_ id: UInt16) -> AttributeValue? {
            values.first { $0.id == id }?.typed ?? object.attribute(id)
        }
        if case .uint16(let u) = attribute(MDC.attrUnitCode) { unitCode = u } else { unitCode = nil }
        if case .absoluteTime(let t) = attribute(MDC.attrTimeStampAbsolute) { timeStamp = t } else { timeStamp = nil }
        if case .uint16(let s) = attribute(MDC.attrMeasurementStatus) { measurementStatus = s } else { measurementStatus = nil }
        var components: [UInt16] = [type]
        if case .idList(let l) = object.attribute(MDC.attrIDPhysioList) { components = l }
        var out: [(UInt16, NumericValue)] = []
        for v in values {
            switch v.typed {
            case .basic(let s): out.append((type, .basic(s)))
            case .simple(let f): out.append((type, .simple(f)))
            case .basicCompound(let l): out += zip(components, l.map { NumericValue.basic($0) }).map { ($0, $1) }
            case .simpleCompound(let l): out += zip(components, l.map { NumericValue.simple($0) }).map { ($0, $1) }
            case .nuObsValue(let n): out.append((n.metricID, .simple(n.value)))
            case .nuObsValueCompound(let l): out += l.map { ($0.metricID, NumericValue.simple($0.value)) }
            default: break
            }
        }
        self.values = out.map { (term: $0.0, value: $0.1) }
        samples = nil
        samplePeriod = nil
        scale = nil
        if case .octets(let raw) = values.first(where: { $0.id == MDC.attrSimpleSAObservedValue })?.typed {
            var bitsPerSample = 16
            if case .sampleArraySpec(_, let size, _, _) = object.attribute(MDC.attrSampleArraySpecification) { bitsPerSample = Int(size) }
            let step = max(1, bitsPerSample / 8)
            var s: [Int32] = []
            var i = 0
            while i + step <= raw.count {
                var v: UInt32 = 0
                for k in 0..<step { v = v << 8 | UInt32(raw[i + k]) }
                s.append(Int32(bitPattern: v))
                i += step
            }
            samples = s
            if case .uint32(let p) = object.attribute(MDC.attrTimePeriodSample) { samplePeriod = p }
            scale = object.attribute(MDC.attrScaleSpecificationI16)
        }
        if self.values.isEmpty && samples == nil { return nil }
    }
}
