import Foundation
import VitalsWire

/// A simulated peripheral: advertises, serves GATT, and plays its profile's behaviour.
/// Pure: PDUs in, outputs out; the simulator core moves them over the link.
public protocol SimulatedDevice: Sendable {
    var address: BLEAddress { get }
    var advertisement: AdvertisingData { get }
    /// True once the device has delivered everything and no more connections are needed.
    var isFinished: Bool { get }
    /// A new connection begins (state of the previous one is forgotten; stored data is kept).
    mutating func connected()
    mutating func receive(_ pdu: ATTPDU) -> [DeviceOutput]
    /// Whether writes (CCCDs, control points) need an encrypted link, as the profile's security section asks.
    /// Enforced where the link's security is known (a real adapter); the simulator link has none.
    var requiresEncryption: Bool { get }
    /// Whether the device has something to deliver now, so it advertises (a cuff whose next reading is not
    /// measured yet stays silent).
    var hasDataNow: Bool { get }
    /// When the next scheduled measurement is taken (nil: none scheduled).
    var nextMeasurement: Date? { get }
    /// Takes the scheduled measurements due at `now`; returns whether any was taken.
    mutating func measure(now: Date) -> Bool
    /// Time passes: a device with a clock shows `now` (plus its own error) when read.
    mutating func clock(now: Date)
}

extension SimulatedDevice {
    public var requiresEncryption: Bool { false }
    public var hasDataNow: Bool { !isFinished }
    public var nextMeasurement: Date? { nil }
    public mutating func measure(now: Date) -> Bool { false }
    public mutating func clock(now: Date) {}
}

public enum DeviceOutput: Hashable, Sendable {
    case send(ATTPDU)
    /// The device ends the connection (as real meters and cuffs do after a transfer).
    case disconnect
}

/// Simulated devices keep local wall time, as real ones set by their owner do: the zone of the machine
/// firmware-sim runs on (`TZ`, else /etc/localtime).
public enum SimulatedClock {
    public static var zone: TimeZone { TimeZone.current }
}

extension BLEDateTime {
    /// The device clock reading for `date`, in the simulated devices' local time.
    public init(date: Date) { self.init(date: date, in: SimulatedClock.zone) }
}

/// Values a device indicates one at a time: the next goes out only when the hub has confirmed the last,
/// and a value is forgotten only once confirmed, so a dropped link sends it again next time.
public struct IndicationQueue: Sendable {
    public private(set) var pending: [[UInt8]]
    private(set) var awaitingConfirmation = false

    public init(_ values: [[UInt8]]) { pending = values }

    public var isEmpty: Bool { pending.isEmpty }

    /// A value measured later joins the end of the queue.
    public mutating func append(_ value: [UInt8]) { pending.append(value) }

    /// A new connection: whatever was in flight was not confirmed and goes again.
    public mutating func reset() { awaitingConfirmation = false }

    /// The indication of the next value, if none is awaiting its confirmation. `transform` may alter the
    /// bytes sent (fault injection) without changing what is kept.
    public mutating func next(handle: UInt16, transform: ([UInt8]) -> [UInt8] = { $0 }) -> [DeviceOutput] {
        guard !awaitingConfirmation, let value = pending.first else { return [] }
        awaitingConfirmation = true
        return [.send(.handleValueIndication(ATTHandleValue(handle: handle, value: transform(value))))]
    }

    /// A confirmation arrived. `keep` leaves the confirmed value queued (it was a fault, not the value).
    /// Returns false when no indication was awaiting one.
    public mutating func confirmed(keep: Bool = false) -> Bool {
        guard awaitingConfirmation else { return false }
        awaitingConfirmation = false
        if !keep { pending.removeFirst() }
        return true
    }
}

/// A Blood Pressure Service cuff that holds readings and indicates them one at a time; each is forgotten only
/// when the hub confirms it, so a dropped link sends it again next time.
public struct SimulatedBPCuff: SimulatedDevice {
    public let address: BLEAddress
    public let name: String
    public var queue: IndicationQueue
    public private(set) var gatt = GATTServer()
    private let measurementHandle: UInt16
    public private(set) var isFinished = false
    /// Fault: answer nothing.
    public var ignoreRequests = false
    /// Fault: indicate one truncated measurement before the real ones.
    public var sendMalformedFirst = false
    private var malformedInFlight = false

    /// Readings measured later in the scenario (a patient pressing start on the cuff): each joins the queue at
    /// its time, stamped with that time, and the cuff advertises again for it.
    public private(set) var scheduled: [(at: Date, value: [UInt8])] = []

    /// Current Time (read and write) at this handle.
    private let clockHandle: UInt16
    /// Set when the hub wrote the device clock.
    public private(set) var clockSetTo: CurrentTime?
    /// How far the device clock is from real time (a clock fault); 0 once the hub has set it.
    public var clockError: TimeInterval = 0

    public init(
        address: BLEAddress, name: String, readings: [BloodPressureMeasurement], features: UInt16 = 0x001F, clock: Date = Date(),
        certifiedSpecializations: [UInt16] = [7], modelNumber: String = "SIM-BP-1", scheduled: [(at: Date, reading: BloodPressureMeasurement)] = []
    ) {
        self.address = address
        self.name = name
        self.queue = IndicationQueue(readings.map { $0.encoded() })
        self.scheduled = scheduled.sorted { $0.at < $1.at }.map { ($0.at, $0.reading.encoded()) }
        var g = GATTServer()
        g.addService(GATTAssigned.bloodPressureService)
        measurementHandle = g.addCharacteristic(GATTAssigned.bloodPressureMeasurement, properties: 0x20)
        g.addCharacteristic(GATTAssigned.bloodPressureFeature, properties: 0x02, value: BloodPressureFeature(rawValue: features).encoded())
        g.addService(BluetoothUUID(0x1805))
        clockHandle = g.addCharacteristic(CurrentTime.uuid, properties: 0x0A, value: CurrentTime(dateTime: BLEDateTime(date: clock), dayOfWeek: 0).encoded())
        g.addService(GATTAssigned.deviceInformationService)
        g.addCharacteristic(GATTAssigned.manufacturerName, properties: 0x02, value: Array("OpenVitals firmware-sim".utf8))
        g.addCharacteristic(GATTAssigned.modelNumber, properties: 0x02, value: Array(modelNumber.utf8))
        // Regulatory Certification Data List: Continua certified classes (transport code 4 as public examples use).
        let classes = certifiedSpecializations.map { RegulatoryCertificationDataList.CertifiedDeviceClass(transportCode: 4, specialization: $0) }
        let regList = RegulatoryCertificationDataList(entries: [.continua(.init(majorIGVersion: 1, minorIGVersion: 0, certifiedDeviceClasses: classes))])
        g.addCharacteristic(RegulatoryCertificationDataList.uuid, properties: 0x02, value: regList.encoded())
        // A UDI as a cleared device would carry it: the label (GS1 application identifiers 01 and 21) and its
        // device identifier. Simulated: the GTIN is not a registered one.
        let udi = UDIForMedicalDevices(label: "(01)00000000000017(21)SIMBP0001", deviceIdentifier: "00000000000017")
        g.addCharacteristic(UDIForMedicalDevices.uuid, properties: 0x02, value: udi.encoded())
        g.closeService()
        gatt = g
        isFinished = readings.isEmpty && scheduled.isEmpty
    }

    public var advertisement: AdvertisingData { AdvertisingData(services: [GATTAssigned.bloodPressureService], localName: name) }

    public var hasDataNow: Bool { !queue.isEmpty }

    /// The Current Time characteristic runs on: it reads `now` plus the clock's error.
    public mutating func clock(now: Date) {
        let error = clockSetTo == nil ? clockError : 0
        gatt.setValue(CurrentTime(dateTime: BLEDateTime(date: now.addingTimeInterval(error)), dayOfWeek: 0).encoded(), at: clockHandle)
    }
    public var nextMeasurement: Date? { scheduled.first?.at }

    public mutating func measure(now: Date) -> Bool {
        var taken = false
        while let next = scheduled.first, next.at <= now {
            queue.append(next.value)
            scheduled.removeFirst()
            taken = true
        }
        return taken
    }

    public mutating func connected() {
        gatt.clearConnectionState()
        queue.reset()
        malformedInFlight = false
    }

    public mutating func receive(_ pdu: ATTPDU) -> [DeviceOutput] {
        if ignoreRequests { return [] }
        switch gatt.handle(pdu) {
        case .respond(let rsp): return [.send(rsp)]
        case .subscribed(let rsp, let handle):
            return [.send(rsp)] + (handle == measurementHandle ? indicateNext() : [])
        case .valueWritten(let h, let value):
            if h == clockHandle, let ct = try? CurrentTime(bytes: value) {
                clockSetTo = ct
                gatt.setValue(value, at: h)
                return [.send(.writeResponse)]
            }
            return DeviceOutput.writeNotPermitted(h)
        case .confirmed:
            let wasFault = malformedInFlight
            guard queue.confirmed(keep: wasFault) else { return [] }
            malformedInFlight = false
            if queue.isEmpty {
                isFinished = scheduled.isEmpty
                return [.disconnect]
            }
            return indicateNext()
        case .none: return []
        }
    }

    private mutating func indicateNext() -> [DeviceOutput] {
        guard sendMalformedFirst else { return queue.next(handle: measurementHandle) }
        let out = queue.next(handle: measurementHandle) { Array($0.prefix(9)) }  // flags promise a time stamp; the bytes stop inside it
        if !out.isEmpty {
            sendMalformedFirst = false
            malformedInFlight = true
        }
        return out
    }
}

/// A Glucose Service meter with stored records, answering the Record Access Control Point.
public struct SimulatedGlucoseMeter: SimulatedDevice {
    public let address: BLEAddress
    public let name: String
    public var records: [GlucoseMeasurement]
    public private(set) var gatt = GATTServer()
    private let measurementHandle: UInt16
    private let contextHandle: UInt16
    private let racpHandle: UInt16
    /// Context records by sequence number, sent right after a record that announces one (when the
    /// collector subscribed to them).
    public var contexts: [UInt16: GlucoseMeasurementContext] = [:]
    private var procedureRunning = false
    private var awaitingFinalConfirmation = false
    /// Whether the meter ends the link after a completed report (most meters do).
    public var disconnectAfterReport = true
    /// Fault: on the next transfer, drop the link after this many records (then the fault is spent).
    public var disconnectAfterRecords: Int?
    /// Fault: answer nothing.
    public var ignoreRequests = false
    public private(set) var isFinished = false
    /// The Glucose Profile has every Glucose Service characteristic at security mode 1 level 2 or 3 and the
    /// collector bond with the sensor: writes over an unencrypted link are refused (Insufficient Encryption).
    public var requiresEncryption = true

    public init(address: BLEAddress, name: String, records: [GlucoseMeasurement], features: UInt16 = 0x07FF) {
        self.address = address
        self.name = name
        self.records = records.sorted { $0.sequenceNumber < $1.sequenceNumber }
        var g = GATTServer()
        g.addService(GATTAssigned.glucoseService)
        measurementHandle = g.addCharacteristic(GATTAssigned.glucoseMeasurement, properties: 0x10)
        contextHandle = g.addCharacteristic(GATTAssigned.glucoseMeasurementContext, properties: 0x10)
        g.addCharacteristic(GATTAssigned.glucoseFeature, properties: 0x02, value: GlucoseFeature(rawValue: features).encoded())
        racpHandle = g.addCharacteristic(GATTAssigned.recordAccessControlPoint, properties: 0x28)
        g.closeService()
        gatt = g
    }

    public var advertisement: AdvertisingData { AdvertisingData(services: [GATTAssigned.glucoseService], localName: name) }

    public mutating func connected() {
        gatt.clearConnectionState()
        procedureRunning = false
        awaitingFinalConfirmation = false
    }

    public mutating func receive(_ pdu: ATTPDU) -> [DeviceOutput] {
        if ignoreRequests { return [] }
        switch gatt.handle(pdu) {
        case .respond(let rsp), .subscribed(let rsp, _): return [.send(rsp)]
        case .valueWritten(let h, let value):
            guard h == racpHandle else {
                return DeviceOutput.writeNotPermitted(h)
            }
            return racpWritten(value)
        case .confirmed:
            guard awaitingFinalConfirmation else { return [] }
            awaitingFinalConfirmation = false
            procedureRunning = false
            if disconnectAfterReport {
                isFinished = true
                return [.disconnect]
            }
            return []
        case .none: return []
        }
    }

    private mutating func racpWritten(_ value: [UInt8]) -> [DeviceOutput] {
        guard gatt.configuration(ofValue: racpHandle) & 0x2 != 0 else {
            return [.send(.errorResponse(ATTErrorResponse(requestOpcode: .writeRequest, handle: racpHandle, error: .cccdImproperlyConfigured)))]
        }
        guard !procedureRunning else {
            return [.send(.errorResponse(ATTErrorResponse(requestOpcode: .writeRequest, handle: racpHandle, error: .procedureAlreadyInProgress)))]
        }
        let request: RecordAccessControlPoint
        do { request = try RecordAccessControlPoint(bytes: value) } catch {
            return [.send(.errorResponse(ATTErrorResponse(requestOpcode: .writeRequest, handle: racpHandle, error: .invalidAttributeValueLength)))]
        }
        var out: [DeviceOutput] = [.send(.writeResponse)]
        func respond(_ r: RecordAccessControlPoint) {
            procedureRunning = true
            awaitingFinalConfirmation = true
            out.append(.send(.handleValueIndication(ATTHandleValue(handle: racpHandle, value: r.encoded()))))
        }
        switch request.opCode {
        case .reportStoredRecords, .reportNumberOfStoredRecords:
            let selected: [GlucoseMeasurement]
            switch select(request) {
            case .success(let s): selected = s
            case .failure(let code):
                respond(.response(to: request.opCode, code))
                return out
            }
            if request.opCode == .reportNumberOfStoredRecords {
                respond(.numberOfRecords(UInt16(selected.count)))
                // A count is not a transfer: the link stays up.
                awaitingFinalConfirmation = false
                procedureRunning = false
                return out
            }
            guard gatt.configuration(ofValue: measurementHandle) & 0x1 != 0 else {
                return [.send(.errorResponse(ATTErrorResponse(requestOpcode: .writeRequest, handle: racpHandle, error: .cccdImproperlyConfigured)))]
            }
            for (i, r) in selected.enumerated() {
                if let k = disconnectAfterRecords, i == k {
                    disconnectAfterRecords = nil
                    out.append(.disconnect)
                    return out
                }
                out.append(.send(.handleValueNotification(ATTHandleValue(handle: measurementHandle, value: r.encoded()))))
                if r.contextFollows, let c = contexts[r.sequenceNumber], gatt.configuration(ofValue: contextHandle) & 0x1 != 0 {
                    out.append(.send(.handleValueNotification(ATTHandleValue(handle: contextHandle, value: c.encoded()))))
                }
            }
            respond(.response(to: .reportStoredRecords, selected.isEmpty ? .noRecordsFound : .success))
        case .abortOperation:
            respond(.response(to: .abortOperation, .success))
            awaitingFinalConfirmation = false
            procedureRunning = false
        default:
            respond(.response(to: request.opCode, .opCodeNotSupported))
            awaitingFinalConfirmation = false
            procedureRunning = false
        }
        return out
    }

    private enum Selection { case success([GlucoseMeasurement]), failure(RecordAccessControlPoint.ResponseCode) }

    private func select(_ r: RecordAccessControlPoint) -> Selection {
        func seq(_ at: Int) -> UInt16? {
            guard r.operand.count >= at + 2 else { return nil }
            return UInt16(r.operand[at]) | UInt16(r.operand[at + 1]) << 8
        }
        switch r.op {
        case .allRecords: return r.operand.isEmpty ? .success(records) : .failure(.invalidOperand)
        case .firstRecord: return .success(Array(records.prefix(1)))
        case .lastRecord: return .success(Array(records.suffix(1)))
        case .greaterThanOrEqual, .lessThanOrEqual, .withinRange:
            guard let ft = r.operand.first else { return .failure(.invalidOperand) }
            guard ft == 1 else { return .failure(.operandNotSupported) }
            guard let a = seq(1) else { return .failure(.invalidOperand) }
            switch r.op {
            case .greaterThanOrEqual: return .success(records.filter { $0.sequenceNumber >= a })
            case .lessThanOrEqual: return .success(records.filter { $0.sequenceNumber <= a })
            default:
                guard let b = seq(3), a <= b else { return .failure(.invalidOperand) }
                return .success(records.filter { $0.sequenceNumber >= a && $0.sequenceNumber <= b })
            }
        case .null: return .failure(.invalidOperator)
        default: return .failure(.operatorNotSupported)
        }
    }
}


/// A Continuous Glucose Monitoring sensor (0x181F) with a running session: once the hub subscribes to the
/// CGM Measurement it sends its records, two per notification, each with its E2E-CRC, then ends the link.
public struct SimulatedCGM: SimulatedDevice {
    public let address: BLEAddress
    public let name: String
    public var records: [CGMMeasurement]
    public private(set) var gatt = GATTServer()
    private let measurementHandle: UInt16
    /// Fault: records (by index) whose E2E-CRC is sent wrong.
    public var badCRCRecords: Set<Int> = []
    public var ignoreRequests = false
    public private(set) var isFinished = false

    public init(address: BLEAddress, name: String, sessionStart: Date, records: [CGMMeasurement], crc: Bool = true) {
        self.address = address
        self.name = name
        self.records = records
        var g = GATTServer()
        g.addService(CGMService.service)
        measurementHandle = g.addCharacteristic(CGMMeasurement.uuid, properties: 0x10)
        // Features: bit 12 E2E-CRC supported; type ISF (9) at subcutaneous tissue (5).
        let feature = CGMFeature(features: crc ? 1 << 12 : 0, type: .interstitialFluid, sampleLocation: .subcutaneous)
        g.addCharacteristic(CGMFeature.uuid, properties: 0x02, value: feature.encoded())
        // Local wall time with the zone and DST offset that make it an instant (both in 15-minute units).
        let dst = Int(SimulatedClock.zone.daylightSavingTimeOffset(for: sessionStart))
        let standard = SimulatedClock.zone.secondsFromGMT(for: sessionStart) - dst
        let start = CGMSessionStartTime(
            sessionStartTime: BLEDateTime(date: sessionStart), timeZone: Int8(standard / 900), dstOffset: UInt8(dst / 900), hasE2ECRC: crc)
        g.addCharacteristic(CGMSessionStartTime.uuid, properties: 0x02, value: start.encoded())
        g.closeService()
        gatt = g
        isFinished = records.isEmpty
    }

    public var advertisement: AdvertisingData { AdvertisingData(services: [CGMService.service], localName: name) }

    public mutating func connected() {
        gatt.clearConnectionState()
    }

    public mutating func receive(_ pdu: ATTPDU) -> [DeviceOutput] {
        if ignoreRequests { return [] }
        switch gatt.handle(pdu) {
        case .respond(let rsp): return [.send(rsp)]
        case .subscribed(let rsp, let handle):
            return [.send(rsp)] + (handle == measurementHandle ? sendAll() : [])
        case .valueWritten(let h, _):
            return DeviceOutput.writeNotPermitted(h)
        case .confirmed, .none: return []
        }
    }

    private mutating func sendAll() -> [DeviceOutput] {
        var out: [DeviceOutput] = []
        var i = 0
        while i < records.count {
            var value: [UInt8] = []
            for j in i..<min(i + 2, records.count) {
                var bytes = records[j].encoded()
                if badCRCRecords.contains(j) { bytes[bytes.count - 1] ^= 0xFF }
                value += bytes
            }
            out.append(.send(.handleValueNotification(ATTHandleValue(handle: measurementHandle, value: value))))
            i += 2
        }
        isFinished = true
        out.append(.disconnect)
        return out
    }
}

/// A Polar-style ECG strap (Polar Measurement Data service): on "start ECG" it answers on the control point,
/// then streams `durationSeconds` of 130 Hz samples as PMD frames (73 samples each) and ends the link.
public struct SimulatedPolarECG: SimulatedDevice {
    public let address: BLEAddress
    public let name: String
    public let start: Date
    public let durationSeconds: Double
    public static let rate = 130.0
    public static let samplesPerFrame = 73
    public private(set) var gatt = GATTServer()
    private let controlPointHandle: UInt16
    private let dataHandle: UInt16
    private var awaitingStartConfirmation = false
    public var ignoreRequests = false
    public private(set) var isFinished = false

    public init(address: BLEAddress, name: String, start: Date, durationSeconds: Double) {
        self.address = address
        self.name = name
        self.start = start
        self.durationSeconds = durationSeconds
        var g = GATTServer()
        g.addService(PolarPMD.serviceUUID)
        controlPointHandle = g.addCharacteristic(PolarPMD.controlPointUUID, properties: 0x28)
        dataHandle = g.addCharacteristic(PolarPMD.dataUUID, properties: 0x10)
        g.closeService()
        gatt = g
    }

    /// Name only: the PMD service's 128-bit UUID, the flags and the name do not fit in 31 bytes together.
    public var advertisement: AdvertisingData { AdvertisingData(services: [], localName: name) }

    public mutating func connected() {
        gatt.clearConnectionState()
        awaitingStartConfirmation = false
    }

    /// A synthetic single-lead ECG in µV: a narrow R wave once a second over a slow baseline wander.
    public static func sample(_ i: Int) -> Int32 {
        let t = Double(i) / rate
        let phase = t.truncatingRemainder(dividingBy: 1.0)
        let r = phase < 0.04 ? 1100 * (1 - abs(phase - 0.02) / 0.02) : 0
        let t_wave = 180 * exp(-pow((phase - 0.3) / 0.05, 2))
        return Int32((r + t_wave + 60 * sin(2 * .pi * 0.2 * t)).rounded())
    }

    public mutating func receive(_ pdu: ATTPDU) -> [DeviceOutput] {
        if ignoreRequests { return [] }
        switch gatt.handle(pdu) {
        case .respond(let rsp), .subscribed(let rsp, _): return [.send(rsp)]
        case .valueWritten(let h, let value):
            guard h == controlPointHandle, let req = try? PolarPMDControlPointRequest(bytes: value) else {
                return DeviceOutput.writeNotPermitted(h)
            }
            guard req.opCode == .requestMeasurementStart, req.measurementType == .ecg else {
                let nack = PolarPMDControlPointResponse(opCode: req.opCode, measurementType: req.measurementType ?? .ecg, status: .init(rawValue: 1))
                return [.send(.writeResponse), .send(.handleValueIndication(ATTHandleValue(handle: controlPointHandle, value: nack.encoded())))]
            }
            awaitingStartConfirmation = true
            let ok = PolarPMDControlPointResponse(opCode: .requestMeasurementStart, measurementType: .ecg, status: .success)
            return [.send(.writeResponse), .send(.handleValueIndication(ATTHandleValue(handle: controlPointHandle, value: ok.encoded())))]
        case .confirmed:
            guard awaitingStartConfirmation else { return [] }
            awaitingStartConfirmation = false
            return stream()
        case .none: return []
        }
    }

    private mutating func stream() -> [DeviceOutput] {
        let total = Int((durationSeconds * Self.rate).rounded())
        let startNs = UInt64(max(0, start.timeIntervalSince1970 - 946_684_800) * 1e9)
        var out: [DeviceOutput] = []
        var i = 0
        while i < total {
            let n = min(Self.samplesPerFrame, total - i)
            let samples = (i..<(i + n)).map(Self.sample)
            // The frame's time stamp is its last sample's.
            let lastNs = startNs + UInt64((Double(i + n - 1) * 1e9 / Self.rate).rounded())
            let frame = PolarECGFrame(timestamp: lastNs, samples: samples)
            out.append(.send(.handleValueNotification(ATTHandleValue(handle: dataHandle, value: frame.encoded()))))
            i += n
        }
        isFinished = true
        out.append(.disconnect)
        return out
    }
}

/// A Heart Rate Service strap: once subscribed it notifies its heart rates (with RR intervals), then ends the link.
public struct SimulatedHeartRateStrap: SimulatedDevice {
    public let address: BLEAddress
    public let name: String
    public var rates: [UInt16]
    public private(set) var gatt = GATTServer()
    private let measurementHandle: UInt16
    public var ignoreRequests = false
    public private(set) var isFinished = false

    public init(address: BLEAddress, name: String, rates: [UInt16]) {
        self.address = address
        self.name = name
        self.rates = rates
        var g = GATTServer()
        g.addService(BluetoothUUID(0x180D))
        measurementHandle = g.addCharacteristic(HeartRateMeasurement.uuid, properties: 0x10)
        g.addCharacteristic(BodySensorLocation.uuid, properties: 0x02, value: [0x01])  // chest
        g.addService(BluetoothUUID(0x180F))
        g.addCharacteristic(BatteryLevel.uuid, properties: 0x02, value: [87])
        g.closeService()
        gatt = g
        isFinished = rates.isEmpty
    }

    public var advertisement: AdvertisingData { AdvertisingData(services: [BluetoothUUID(0x180D)], localName: name) }
    public mutating func connected() { gatt.clearConnectionState() }

    public mutating func receive(_ pdu: ATTPDU) -> [DeviceOutput] {
        if ignoreRequests { return [] }
        switch gatt.handle(pdu) {
        case .respond(let rsp): return [.send(rsp)]
        case .subscribed(let rsp, let handle):
            var out: [DeviceOutput] = [.send(rsp)]
            if handle == measurementHandle {
                for r in rates {
                    // One RR interval per beat, in 1/1024 s.
                    let rr = UInt16((60.0 / Double(max(r, 1)) * 1024).rounded())
                    let m = HeartRateMeasurement(heartRate: r, sensorContact: .supportedDetected, rrIntervals: [rr])
                    out.append(.send(.handleValueNotification(ATTHandleValue(handle: measurementHandle, value: m.encoded()))))
                }
                isFinished = true
                out.append(.disconnect)
            }
            return out
        case .valueWritten(let h, _):
            return DeviceOutput.writeNotPermitted(h)
        case .confirmed, .none: return []
        }
    }
}

/// A Pulse Oximeter Service device holding spot-check readings: it indicates them one at a time, forgetting
/// each only when the hub confirms it, then ends the link.
public struct SimulatedPulseOximeter: SimulatedDevice {
    public let address: BLEAddress
    public let name: String
    public var queue: IndicationQueue
    public private(set) var gatt = GATTServer()
    private let spotHandle: UInt16
    public var ignoreRequests = false
    public private(set) var isFinished = false

    public init(address: BLEAddress, name: String, readings: [PLXSpotCheckMeasurement]) {
        self.address = address
        self.name = name
        self.queue = IndicationQueue(readings.map { $0.encoded() })
        var g = GATTServer()
        g.addService(BluetoothUUID(0x1822))
        spotHandle = g.addCharacteristic(PLXSpotCheckMeasurement.uuid, properties: 0x20)
        // Features: measurement status (bit 0) and device and sensor status (bit 1) supported, time stamp (bit 3).
        g.addCharacteristic(PLXFeatures.uuid, properties: 0x02, value: PLXFeatures(supportedFeatures: 0x000B, measurementStatusSupport: PLXMeasurementStatus(rawValue: 0xFFE0), deviceAndSensorStatusSupport: PLXDeviceAndSensorStatus(rawValue: 0xFFFF)).encoded())
        g.closeService()
        gatt = g
        isFinished = readings.isEmpty
    }

    public var advertisement: AdvertisingData { AdvertisingData(services: [BluetoothUUID(0x1822)], localName: name) }
    public mutating func connected() {
        gatt.clearConnectionState()
        queue.reset()
    }

    public mutating func receive(_ pdu: ATTPDU) -> [DeviceOutput] {
        if ignoreRequests { return [] }
        switch gatt.handle(pdu) {
        case .respond(let rsp): return [.send(rsp)]
        case .subscribed(let rsp, let handle):
            return [.send(rsp)] + (handle == spotHandle ? indicateNext() : [])
        case .valueWritten(let h, _):
            return DeviceOutput.writeNotPermitted(h)
        case .confirmed:
            guard queue.confirmed() else { return [] }
            if queue.isEmpty {
                isFinished = true
                return [.disconnect]
            }
            return indicateNext()
        case .none: return []
        }
    }

    private mutating func indicateNext() -> [DeviceOutput] { queue.next(handle: spotHandle) }
}
