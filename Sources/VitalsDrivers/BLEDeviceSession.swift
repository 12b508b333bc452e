import VitalsWire

/// One connection to a BLE health device, as an explicit state machine: exchange MTU, discover services,
/// characteristics and descriptors, subscribe, read features, start the profile's procedure, receive.
///
/// It does no I/O: every input returns actions, and the caller sends PDUs, stores readings and confirms
/// indications only once what they carried is durable. One ATT request is outstanding at a time.
public struct BLEDeviceSession: Sendable {
    public enum Action: Hashable, Sendable {
        /// Send this ATT PDU to the peer.
        case send(ATTPDU)
        /// A measurement value arrived. When `needsConfirmation`, send a Handle Value Confirmation once it is durable.
        case measurement(characteristic: BluetoothUUID, value: [UInt8], needsConfirmation: Bool)
        /// A feature or other read value arrived.
        case readValue(characteristic: BluetoothUUID, value: [UInt8])
        /// Subscriptions are in place and the profile's procedure (if any) has started.
        case ready
        /// The device says how many records the transfer will bring (for progress).
        case recordCount(Int)
        /// The record transfer ended with this Record Access Control Point response. Confirm it (when asked)
        /// only after every record delivered before it is durable.
        case procedureComplete(RecordAccessControlPoint, needsConfirmation: Bool)
        /// An indication nobody asked for: confirm it now so the link keeps going.
        case confirmNow
        /// The session cannot continue; disconnect.
        case failed(String)
    }

    public enum Phase: Hashable, Sendable {
        case idle
        case exchangingMTU
        case discoveringServices(next: UInt16)
        case discoveringCharacteristics(service: Int, next: UInt16)
        case discoveringDescriptors(characteristic: Int, next: UInt16)
        case subscribing(Int)
        case discoveringIncludes(service: Int, next: UInt16)
        case reading(Int)
        case readingBlob(Int)
        case startingProcedure
        case controlWriting
        case receiving
        case failed
    }

    /// ATT transaction timeout (Core Vol 3 Part F §3.3.3).
    public static let transactionTimeout: Duration = .seconds(30)

    public private(set) var requirements: GATTRequirements
    /// Record Access Control Point requests to write, in turn, once subscribed (glucose): typically
    /// "report number of records" then "report records".
    public let procedures: [RecordAccessControlPoint]
    private var nextProcedure = 0
    /// Other writes to make once subscribed, in order (e.g. a control point's "start streaming").
    public private(set) var controlWrites: [(characteristic: BluetoothUUID, value: [UInt8])]
    private var nextControlWrite = 0
    public private(set) var phase: Phase = .idle
    public private(set) var mtu: UInt16 = ATTExchangeMTU.defaultLEMTU
    public private(set) var services: [GATTService] = []
    public private(set) var characteristics: [GATTCharacteristic] = []
    /// The request awaiting its response, if any.
    public private(set) var outstanding: ATTOpcode?
    private var wantedServices: [GATTService] = []
    private var subscribeQueue: [(GATTCharacteristic, GATTRequirements.Subscription)] = []
    private var readQueue: [GATTCharacteristic] = []
    private var longValue: [UInt8] = []

    /// A service included by a wanted service (Core Vol 3 Part G §4.5.1).
    public struct IncludedService: Hashable, Sendable {
        public var parent: BluetoothUUID
        public var startHandle: UInt16
        public var endHandle: UInt16
        /// Nil for a 128-bit service, whose UUID the include declaration does not carry.
        public var uuid: BluetoothUUID?
    }
    public private(set) var includedServices: [IncludedService] = []
    public let preferredMTU: UInt16

    public init(
        requirements: GATTRequirements, procedures: [RecordAccessControlPoint] = [],
        controlWrites: [(characteristic: BluetoothUUID, value: [UInt8])] = [], preferredMTU: UInt16 = 247
    ) {
        self.requirements = requirements
        self.procedures = procedures
        self.controlWrites = controlWrites
        self.preferredMTU = preferredMTU
    }

    public init(requirements: GATTRequirements, procedure: RecordAccessControlPoint, preferredMTU: UInt16 = 247) {
        self.init(requirements: requirements, procedures: [procedure], preferredMTU: preferredMTU)
    }

    public mutating func start() -> [Action] {
        guard phase == .idle else { return [] }
        phase = .exchangingMTU
        return [request(.exchangeMTURequest(ATTExchangeMTU(mtu: preferredMTU)))]
    }

    /// Call when no response came within `transactionTimeout`: the link must be dropped.
    public mutating func transactionTimedOut() -> [Action] {
        guard let op = outstanding else { return [] }
        phase = .failed
        return [.failed("no response to \(op) within the ATT transaction timeout")]
    }

    private mutating func request(_ pdu: ATTPDU) -> Action {
        outstanding = pdu.opcode
        return .send(pdu)
    }

    private mutating func fail(_ why: String) -> [Action] {
        phase = .failed
        outstanding = nil
        return [.failed(why)]
    }

    public mutating func receive(_ pdu: ATTPDU) -> [Action] {
        switch pdu {
        case .handleValueNotification(let hv): return valueArrived(hv, indication: false)
        case .handleValueIndication(let hv): return valueArrived(hv, indication: true)
        case .exchangeMTURequest:
            // The peer may ask too; answer with ours (a server request on our client bearer).
            return [.send(.exchangeMTUResponse(ATTExchangeMTU(mtu: preferredMTU)))]
        case .readByTypeRequest, .readByGroupTypeRequest, .findInformationRequest, .readRequest, .writeRequest:
            // We host no GATT database of our own.
            return [.send(.errorResponse(ATTErrorResponse(requestOpcode: pdu.opcode, handle: 0, error: .attributeNotFound)))]
        default: break
        }
        guard let expected = outstanding else {
            return fail("unexpected \(pdu.opcode) with no request outstanding")
        }
        if case .errorResponse(let e) = pdu {
            guard e.requestOpcode == expected else {
                return fail("Error Response for \(e.requestOpcode) while \(expected) is outstanding")
            }
            outstanding = nil
            return handleError(e)
        }
        guard responseMatches(pdu.opcode, expected) else {
            return fail("\(pdu.opcode) does not answer the outstanding \(expected)")
        }
        outstanding = nil
        return handleResponse(pdu)
    }

    private func responseMatches(_ got: ATTOpcode, _ req: ATTOpcode) -> Bool {
        got.rawValue == req.rawValue + 1
    }

    private mutating func valueArrived(_ hv: ATTHandleValue, indication: Bool) -> [Action] {
        guard let c = characteristics.first(where: { $0.valueHandle == hv.handle }) else {
            return indication ? [.confirmNow] : []
        }
        if c.uuid == RecordAccessControlPoint.uuid {
            do {
                let rsp = try RecordAccessControlPoint(bytes: hv.value)
                let confirm: [Action] = indication ? [.confirmNow] : []
                if let n = rsp.numberOfRecords {
                    // A count answers nothing that needs storing: confirm now and go on with the transfer.
                    return confirm + [.recordCount(Int(n))] + writeNextProcedure()
                }
                if let rc = rsp.responseCodeValue {
                    if rc.request == .reportNumberOfStoredRecords {
                        // The meter cannot count (or has nothing): go on without progress.
                        return confirm + writeNextProcedure()
                    }
                    return [.procedureComplete(rsp, needsConfirmation: indication)]
                }
            } catch {
                // A malformed response still needs its confirmation; report and go on.
                return [.failed("malformed Record Access Control Point indication: \(error)")]
                    + (indication ? [.confirmNow] : [])
            }
            return indication ? [.confirmNow] : []
        }
        return [.measurement(characteristic: c.uuid, value: hv.value, needsConfirmation: indication)]
    }

    private mutating func handleError(_ e: ATTErrorResponse) -> [Action] {
        switch phase {
        case .exchangingMTU:
            mtu = ATTExchangeMTU.defaultLEMTU
            return beginServiceDiscovery()
        case .discoveringServices where e.error == .attributeNotFound:
            return servicesDiscovered()
        case .discoveringCharacteristics(let s, _) where e.error == .attributeNotFound:
            return nextCharacteristicDiscovery(after: s)
        case .discoveringDescriptors(let c, _) where e.error == .attributeNotFound:
            return nextDescriptorDiscovery(after: c)
        case .reading(let i), .readingBlob(let i):
            // A feature we could not read is not fatal: go on without it.
            longValue = []
            return nextRead(after: i)
        case .discoveringIncludes(let s, _) where e.error == .attributeNotFound || e.error == .requestNotSupported:
            return nextIncludeDiscovery(after: s)
        default:
            return fail("\(e.requestOpcode) failed: \(e.error) (0x\(String(e.error.rawValue, radix: 16, uppercase: true))) at handle 0x\(String(e.handle, radix: 16, uppercase: true))")
        }
    }

    private mutating func handleResponse(_ pdu: ATTPDU) -> [Action] {
        switch (phase, pdu) {
        case (.exchangingMTU, .exchangeMTUResponse(let m)):
            mtu = max(ATTExchangeMTU.defaultLEMTU, min(preferredMTU, m.mtu))
            return beginServiceDiscovery()

        case (.discoveringServices, .readByGroupTypeResponse(let g)):
            for e in g.entries {
                guard let uuid = BluetoothUUID(littleEndian: e.value), e.endGroupHandle >= e.handle else {
                    return fail("primary service at handle \(e.handle) has an invalid UUID or handle range")
                }
                services.append(GATTService(uuid: uuid, startHandle: e.handle, endHandle: e.endGroupHandle))
            }
            guard let last = g.entries.last, last.endGroupHandle < 0xFFFF else { return servicesDiscovered() }
            phase = .discoveringServices(next: last.endGroupHandle + 1)
            return [request(.readByGroupTypeRequest(ATTReadByTypeRequest(startHandle: last.endGroupHandle + 1, endHandle: 0xFFFF, type: GATTAssigned.primaryService)))]

        case (.discoveringCharacteristics(let s, _), .readByTypeResponse(let r)):
            let svc = wantedServices[s]
            for e in r.entries {
                guard e.value.count == 5 || e.value.count == 19, let uuid = BluetoothUUID(littleEndian: Array(e.value[3...])) else {
                    return fail("characteristic declaration at handle \(e.handle) is malformed")
                }
                let valueHandle = UInt16(e.value[1]) | UInt16(e.value[2]) << 8
                if let prev = characteristics.indices.last, characteristics[prev].service == svc.uuid,
                    characteristics[prev].endHandle == svc.endHandle, characteristics[prev].declarationHandle < e.handle
                {
                    characteristics[prev].endHandle = e.handle - 1
                }
                characteristics.append(GATTCharacteristic(
                    service: svc.uuid, uuid: uuid, declarationHandle: e.handle, valueHandle: valueHandle,
                    properties: .init(rawValue: e.value[0]), endHandle: svc.endHandle))
            }
            guard let last = r.entries.last, last.handle < svc.endHandle else { return nextCharacteristicDiscovery(after: s) }
            phase = .discoveringCharacteristics(service: s, next: last.handle + 1)
            return [request(.readByTypeRequest(ATTReadByTypeRequest(startHandle: last.handle + 1, endHandle: svc.endHandle, type: GATTAssigned.characteristic)))]

        case (.discoveringDescriptors(let c, _), .findInformationResponse(let f)):
            for e in f.entries where e.type == GATTAssigned.clientCharacteristicConfiguration {
                characteristics[c].cccdHandle = e.handle
            }
            let end = characteristics[c].endHandle
            if characteristics[c].cccdHandle == nil, let last = f.entries.last?.handle, last < end {
                phase = .discoveringDescriptors(characteristic: c, next: last + 1)
                return [request(.findInformationRequest(ATTFindInformationRequest(startHandle: last + 1, endHandle: end)))]
            }
            return nextDescriptorDiscovery(after: c)

        case (.subscribing(let i), .writeResponse):
            return nextSubscription(after: i)

        case (.reading(let i), .readResponse(let value)):
            // A value that fills the PDU may go on: read the rest with Read Blob (Core Vol 3 Part G §4.8.3).
            if value.count == Int(mtu) - 1 {
                longValue = value
                phase = .readingBlob(i)
                return [request(.readBlobRequest(handle: readQueue[i].valueHandle, offset: UInt16(value.count)))]
            }
            return [.readValue(characteristic: readQueue[i].uuid, value: value)] + nextRead(after: i)

        case (.readingBlob(let i), .readBlobResponse(let part)):
            longValue += part
            if part.count == Int(mtu) - 1, longValue.count < 512 {
                return [request(.readBlobRequest(handle: readQueue[i].valueHandle, offset: UInt16(longValue.count)))]
            }
            let value = longValue
            longValue = []
            return [.readValue(characteristic: readQueue[i].uuid, value: value)] + nextRead(after: i)

        case (.discoveringIncludes(let sIndex, _), .readByTypeResponse(let r)):
            let svc = wantedServices[sIndex]
            for e in r.entries where e.value.count >= 4 {
                let start = UInt16(e.value[0]) | UInt16(e.value[1]) << 8
                let end = UInt16(e.value[2]) | UInt16(e.value[3]) << 8
                // A 128-bit included service carries no UUID here (it would need a Read of its declaration).
                let uuid = e.value.count == 6 ? BluetoothUUID(littleEndian: Array(e.value[4..<6])) : nil
                includedServices.append(IncludedService(parent: svc.uuid, startHandle: start, endHandle: end, uuid: uuid))
            }
            guard let last = r.entries.last, last.handle < svc.endHandle else { return nextIncludeDiscovery(after: sIndex) }
            phase = .discoveringIncludes(service: sIndex, next: last.handle + 1)
            return [request(.readByTypeRequest(ATTReadByTypeRequest(startHandle: last.handle + 1, endHandle: svc.endHandle, type: GATTAssigned.include)))]

        case (.controlWriting, .writeResponse):
            return startProcedures()

        case (.startingProcedure, .writeResponse):
            phase = .receiving
            return nextProcedure == 1 ? [.ready] : []

        default:
            return fail("unexpected \(pdu.opcode) in phase \(phase)")
        }
    }

    private mutating func beginServiceDiscovery() -> [Action] {
        phase = .discoveringServices(next: 1)
        return [request(.readByGroupTypeRequest(ATTReadByTypeRequest(startHandle: 1, endHandle: 0xFFFF, type: GATTAssigned.primaryService)))]
    }

    private mutating func servicesDiscovered() -> [Action] {
        wantedServices = requirements.services.compactMap { u in services.first { $0.uuid == u } }
        for w in requirements.wanted where w.required && !wantedServices.contains(where: { $0.uuid == w.service }) {
            return fail("the device has no \(w.service) service")
        }
        return nextIncludeDiscovery(after: -1)
    }

    /// Finds the services each wanted service includes, then goes on to characteristics.
    private mutating func nextIncludeDiscovery(after s: Int) -> [Action] {
        let n = s + 1
        guard n < wantedServices.count else { return nextCharacteristicDiscovery(after: -1) }
        let svc = wantedServices[n]
        phase = .discoveringIncludes(service: n, next: svc.startHandle)
        return [request(.readByTypeRequest(ATTReadByTypeRequest(startHandle: svc.startHandle, endHandle: svc.endHandle, type: GATTAssigned.include)))]
    }

    /// Adds optional characteristics to discover and read (before the session starts).
    public mutating func addRequirements(_ more: [GATTRequirements.Wanted]) {
        guard phase == .idle else { return }
        requirements = GATTRequirements(wanted: requirements.wanted + more)
    }

    /// Queues a write to make after the subscriptions (e.g. setting the device clock after reading it).
    /// Call it when a `.readValue` arrives: reads come before the queued writes run.
    public mutating func enqueueWrite(_ characteristic: BluetoothUUID, value: [UInt8]) {
        controlWrites.append((characteristic, value))
    }

    /// Whether the device lets its characteristic be written.
    public func isWritable(_ characteristic: BluetoothUUID) -> Bool {
        characteristics.first { $0.uuid == characteristic }?.properties.contains(.write) ?? false
    }

    /// A Write Command (no response, nothing outstanding), for characteristics that take one.
    public func writeWithoutResponse(_ characteristic: BluetoothUUID, value: [UInt8]) -> [Action] {
        guard let c = characteristics.first(where: { $0.uuid == characteristic }), c.properties.contains(.writeWithoutResponse) else {
            return [.failed("characteristic \(characteristic) does not take a Write Command")]
        }
        return [.send(.writeCommand(ATTHandleValue(handle: c.valueHandle, value: value)))]
    }

    private mutating func nextCharacteristicDiscovery(after s: Int) -> [Action] {
        let n = s + 1
        guard n < wantedServices.count else { return characteristicsDiscovered() }
        let svc = wantedServices[n]
        phase = .discoveringCharacteristics(service: n, next: svc.startHandle)
        return [request(.readByTypeRequest(ATTReadByTypeRequest(startHandle: svc.startHandle, endHandle: svc.endHandle, type: GATTAssigned.characteristic)))]
    }

    private mutating func characteristicsDiscovered() -> [Action] {
        subscribeQueue = []
        readQueue = []
        for w in requirements.wanted {
            guard let c = characteristics.first(where: { $0.service == w.service && $0.uuid == w.characteristic }) else {
                if w.required { return fail("the device has no \(w.characteristic) characteristic in service \(w.service)") }
                continue
            }
            if let sub = w.subscription {
                let ok = sub == .notify ? c.properties.contains(.notify) : c.properties.contains(.indicate)
                if !ok {
                    if w.required { return fail("characteristic \(c.uuid) does not support \(sub == .notify ? "notifications" : "indications")") }
                    continue
                }
                subscribeQueue.append((c, sub))
            }
            if w.read && c.properties.contains(.read) { readQueue.append(c) }
        }
        return nextDescriptorDiscovery(after: -1)
    }

    private mutating func nextDescriptorDiscovery(after c: Int) -> [Action] {
        let subscribed = Set(subscribeQueue.map { $0.0.valueHandle })
        var n = c + 1
        while n < characteristics.count {
            let ch = characteristics[n]
            if subscribed.contains(ch.valueHandle), ch.cccdHandle == nil, ch.valueHandle < ch.endHandle {
                phase = .discoveringDescriptors(characteristic: n, next: ch.valueHandle + 1)
                return [request(.findInformationRequest(ATTFindInformationRequest(startHandle: ch.valueHandle + 1, endHandle: ch.endHandle)))]
            }
            n += 1
        }
        // Refresh queued copies with the CCCD handles now found.
        subscribeQueue = subscribeQueue.map { entry in (characteristics.first { $0.valueHandle == entry.0.valueHandle }!, entry.1) }
        for (c, _) in subscribeQueue where c.cccdHandle == nil {
            return fail("characteristic \(c.uuid) has no Client Characteristic Configuration descriptor")
        }
        // Read features first: how to decode what arrives (a CGM's E2E-CRC) must be known before it arrives.
        return nextRead(after: -1)
    }

    private mutating func nextSubscription(after i: Int) -> [Action] {
        let n = i + 1
        guard n < subscribeQueue.count else { return startProcedures() }
        let (c, sub) = subscribeQueue[n]
        phase = .subscribing(n)
        return [request(.writeRequest(ATTHandleValue(handle: c.cccdHandle!, value: sub.cccdValue)))]
    }

    private mutating func nextRead(after i: Int) -> [Action] {
        let n = i + 1
        if n < readQueue.count {
            phase = .reading(n)
            return [request(.readRequest(handle: readQueue[n].valueHandle))]
        }
        return nextSubscription(after: -1)
    }

    private mutating func startProcedures() -> [Action] {
        if nextControlWrite < controlWrites.count {
            let w = controlWrites[nextControlWrite]
            nextControlWrite += 1
            guard let c = characteristics.first(where: { $0.uuid == w.characteristic }) else {
                return fail("the device has no \(w.characteristic) characteristic to write")
            }
            phase = .controlWriting
            return [request(.writeRequest(ATTHandleValue(handle: c.valueHandle, value: w.value)))]
        }
        if !procedures.isEmpty {
            guard characteristics.contains(where: { $0.uuid == RecordAccessControlPoint.uuid }) else {
                return fail("the device has no Record Access Control Point")
            }
            return writeNextProcedure()
        }
        phase = .receiving
        return [.ready]
    }

    private mutating func writeNextProcedure() -> [Action] {
        guard nextProcedure < procedures.count,
            let racp = characteristics.first(where: { $0.uuid == RecordAccessControlPoint.uuid })
        else { return [] }
        let p = procedures[nextProcedure]
        nextProcedure += 1
        phase = .startingProcedure
        return [request(.writeRequest(ATTHandleValue(handle: racp.valueHandle, value: p.encoded())))]
    }
}
