import Foundation
import VitalsCore
import VitalsProfiles
import VitalsWire

/// Everything the hub does with one BLE health device's connection that is not I/O: it runs the
/// `BLEDeviceSession` (GATT discovery, subscriptions, RACP) and interprets what the session reports —
/// decoding measurements into readings, joining glucose contexts, reading Device Information, the device
/// clock, the regulatory certification list, the UDI, CGM session facts, and counting transfer progress.
///
/// It is a value: inputs (start, an ATT PDU, a transaction timeout, the link dropping) take the current time
/// as a parameter and return `Output`s in order. It reads no clock, does no I/O and logs nothing; what is worth
/// logging comes back as `.note`. The caller sends PDUs, hands readings on, and sends a Handle Value
/// Confirmation for a reading whose `ack` is set only once that reading is durable.
public struct BLEDeviceDriver: Sendable {
    public struct Configuration: Sendable {
        public var subject: SubjectID
        /// The zone the device's local clock is taken to be in.
        public var deviceTimeZone: TimeZone
        /// Set a device's clock (Current Time, where the device allows writing it) when it is off by more than this.
        public var setDeviceClocksBeyond: Duration?

        public init(subject: SubjectID, deviceTimeZone: TimeZone = TimeZone(identifier: "UTC")!, setDeviceClocksBeyond: Duration? = .seconds(60)) {
            self.subject = subject
            self.deviceTimeZone = deviceTimeZone
            self.setDeviceClocksBeyond = setDeviceClocksBeyond
        }
    }

    /// A Handle Value Confirmation owed to the device for an indication, to be sent once what the indication
    /// carried is durable. Data, not a closure: the caller knows the link and builds the confirmer.
    public struct Confirmation: Hashable, Sendable {
        public init() {}
    }

    /// Something worth a log line. The caller adds the device id.
    public struct Note: Hashable, Sendable {
        public enum Level: Hashable, Sendable { case debug, info, warning }
        public var level: Level
        public var message: String
        public var metadata: [String: String]

        public init(_ level: Level, _ message: String, _ metadata: [String: String] = [:]) {
            self.level = level
            self.message = message
            self.metadata = metadata
        }
    }

    public enum Output: Hashable, Sendable {
        /// Send this ATT PDU to the device.
        case send(ATTPDU)
        /// A decoded reading. When `ack` is set, confirm the indication once the reading is durable.
        case reading(Reading, ack: Confirmation?)
        /// Bytes that could not be decoded: keep them with the reason, then confirm when `ack` is set.
        case rejected(source: String, bytes: [UInt8], error: String, received: Date, ack: Confirmation?)
        /// A block of ECG samples.
        case waveform(SampleBlock)
        /// What the device's Device Information strings said, once all of them were read (before any measurement
        /// is subscribed to). Nil for a string the device does not have.
        case identified(manufacturer: String?, model: String?, serial: String?)
        /// The IEEE 11073-20601 certified device classes (0x2A2A). Every later reading carries them in its
        /// report, with the specialization in use, for validation to judge.
        case certification(classes: [String])
        /// The UDI for Medical Devices (0x2BFF).
        case udi(UDIForMedicalDevices)
        /// The device clock read against `now` (device − hub, seconds), and whether a write of the hub's time
        /// was queued because it was off by more than the limit.
        case clock(offset: TimeInterval, set: Bool)
        /// Records received of those the device announced (at the count, then about every tenth).
        case progress(received: Int, expected: Int)
        /// The record transfer ended. When `ack` is set, confirm only once everything before it is durable.
        case transferComplete(detail: String, ack: Confirmation?)
        /// Subscriptions are in place and the profile's procedure (if any) has started.
        case ready
        /// The session cannot go on: disconnect.
        case failed(String)
        /// Worth a log line.
        case note(Note)
    }

    /// IEEE 11073-104xx specialization (its number, 7 for 10407) each protocol carries.
    public static let specialization: [String: UInt16] = ["bls": 7, "gls": 17, "plxs": 4, "cgm": 25]
    /// The ECG rate the hub asks a Polar strap for (the H10's only choice).
    public static let polarECGRate = 130.0

    public let configuration: Configuration
    public private(set) var session: BLEDeviceSession
    /// The profile the device's readings are graded by (`adopt` may change it once the device identified itself).
    public private(set) var profile: DeviceProfile
    /// The device, with what its Device Information said (manufacturer, model, serial) once read.
    public private(set) var device: DeviceIdentity
    /// How far the device clock is ahead of the hub's, measured at this connection.
    public private(set) var clockOffset: TimeInterval?
    public private(set) var bloodPressureFeature: BloodPressureFeature?
    /// A glucose reading waiting for the context record it announced.
    public private(set) var glucoseContext = GlucoseContextJoin<Confirmation>()
    /// The device's certified device classes (16-bit values), once read.
    public private(set) var certifiedClasses: [UInt16]?
    /// CGM: whether records carry an E2E-CRC (from the Feature) and when the session started.
    public private(set) var cgm = ObservationMapper.CGMSessionInfo(crcExpected: false, sessionStart: nil)
    /// From an RACP count: how many records the transfer brings, and how many came so far.
    public private(set) var expectedRecords: Int?
    public private(set) var receivedRecords = 0
    /// Measurement frames (CGM: records) received on this link, decodable or not.
    public private(set) var framesReceived = 0
    /// The Device Information strings read so far.
    public private(set) var deviceInformation: (manufacturer: String?, model: String?, serial: String?) = (nil, nil, nil)
    private var identityReported = false

    /// A driver for `profile`'s protocol, or nil when the hub has no session for it (`unsupported`).
    /// `lastSequence` is the last glucose record already held: the meter is asked only for later ones.
    public init?(profile: DeviceProfile, device: DeviceIdentity, lastSequence: UInt32?, configuration: Configuration) {
        guard let session = ProfileDrivers.session(for: profile, lastSequence: lastSequence) else { return nil }
        self.init(session: session, profile: profile, device: device, configuration: configuration)
    }

    /// A driver around a session built by the caller.
    public init(session: BLEDeviceSession, profile: DeviceProfile, device: DeviceIdentity, configuration: Configuration) {
        self.session = session
        self.profile = profile
        self.device = device
        self.configuration = configuration
    }

    /// Whether a request is awaiting its response (the caller times it: `transactionTimedOut` when too long).
    public var awaitingResponse: Bool { session.outstanding != nil && session.phase != .failed }

    public mutating func start(now: Date) -> [Output] {
        perform(session.start(), now: now)
    }

    public mutating func receive(_ pdu: ATTPDU, now: Date) -> [Output] {
        perform(session.receive(pdu), now: now)
    }

    /// No response came within the ATT transaction timeout: the session fails (the caller drops the link).
    public mutating func transactionTimedOut(now: Date) -> [Output] {
        perform(session.transactionTimedOut(), now: now)
    }

    /// The link is gone (or the hub is stopping): a glucose reading still waiting for its context is handed
    /// on without it.
    public mutating func linkDropped() -> [Output] {
        flushGlucoseContext()
    }

    /// Grades the readings that follow by `newProfile`, e.g. a more specific one chosen by what the device said
    /// about itself. Refused (false) for a profile of another protocol: the session speaks only its own.
    @discardableResult
    public mutating func adopt(_ newProfile: DeviceProfile) -> Bool {
        guard newProfile.protocol == profile.protocol else { return false }
        profile = newProfile
        device.profileID = newProfile.id
        device.manufacturer = deviceInformation.manufacturer ?? newProfile.manufacturer
        device.model = deviceInformation.model ?? newProfile.model
        return true
    }

    /// A PMD ECG frame as a sample block: µV samples, so 1000 units per mV, timed from the last sample back.
    public static func sampleBlock(_ f: PolarECGFrame, device: DeviceIdentity, subject: SubjectID) -> SampleBlock {
        let last = PolarECGFrame.date(nanosecondsSince2000: f.timestamp)
        let start = last.addingTimeInterval(-Double(f.samples.count - 1) / polarECGRate)
        return SampleBlock(
            subject: subject, device: device, lead: .ecgUnspecified, startTime: start, sampleRate: polarECGRate, gain: 1000, baseline: 0,
            unit: .millivolt, samples: f.samples)
    }

    // MARK: - Interpreting the session's actions

    private mutating func perform(_ actions: [BLEDeviceSession.Action], now: Date) -> [Output] {
        var out: [Output] = []
        for action in actions {
            switch action {
            case .send(let pdu): out.append(.send(pdu))
            case .measurement(let characteristic, let value, let needsConfirmation):
                out += measurement(characteristic, value, needsConfirmation: needsConfirmation, now: now)
            case .readValue(let characteristic, let value):
                out += readValue(characteristic, value, now: now)
            case .ready: out.append(.ready)
            case .recordCount(let n):
                expectedRecords = n
                receivedRecords = 0
                out.append(.progress(received: 0, expected: n))
            case .procedureComplete(let response, let needsConfirmation):
                let detail: String
                if let rc = response.responseCodeValue {
                    detail = "record transfer: \(rc.code)"
                } else if let n = response.numberOfRecords {
                    detail = "\(n) stored records"
                } else {
                    detail = "record access: \(response.opCode)"
                }
                out += flushGlucoseContext()
                out.append(.transferComplete(detail: detail, ack: needsConfirmation ? Confirmation() : nil))
            case .confirmNow: out.append(.send(.handleValueConfirmation))
            case .failed(let why):
                out += flushGlucoseContext()
                out.append(.failed(why))
            }
        }
        // Device Information is read before anything is subscribed to: once the reads are over, say what it said,
        // so the caller can settle the device's profile before the first measurement.
        if !identityReported, readsAreOver, deviceInformation.manufacturer != nil || deviceInformation.model != nil || deviceInformation.serial != nil {
            identityReported = true
            out.append(.identified(manufacturer: deviceInformation.manufacturer, model: deviceInformation.model, serial: deviceInformation.serial))
        }
        return out
    }

    private var readsAreOver: Bool {
        switch session.phase {
        case .subscribing, .controlWriting, .startingProcedure, .receiving: true
        default: false
        }
    }

    private func context(now: Date) -> ObservationMapper.Context {
        var c = ObservationMapper.Context(subject: configuration.subject, device: device, received: now, deviceTimeZone: configuration.deviceTimeZone)
        c.deviceClockOffset = clockOffset
        c.bloodPressureFeature = bloodPressureFeature
        c.cgmWarmUpMinutes = profile.warmUpMinutes
        return c
    }

    /// A reading goes on with what the device said of its certification; transfer progress.
    private mutating func handOn(_ r: Reading, ack: Confirmation?) -> [Output] {
        var reading = r
        reading.report.certifiedClasses = certifiedClasses
        reading.report.specialization = Self.specialization[profile.protocol]
        var out: [Output] = [.reading(reading, ack: ack)]
        if let expected = expectedRecords, reading.sequence != nil {
            receivedRecords += 1
            let got = receivedRecords
            // Progress at every tenth of the transfer, not per record.
            if got == expected || (got * 10 / max(expected, 1)) != ((got - 1) * 10 / max(expected, 1)) {
                out.append(.progress(received: got, expected: expected))
            }
        }
        return out
    }

    /// A glucose reading still waiting for its context goes on without it.
    private mutating func flushGlucoseContext() -> [Output] {
        var out: [Output] = []
        for (r, a) in glucoseContext.flush() { out += handOn(r, ack: a) }
        return out
    }

    private mutating func measurement(_ characteristic: BluetoothUUID, _ value: [UInt8], needsConfirmation: Bool, now: Date) -> [Output] {
        var out: [Output] = []
        let id = device.id.rawValue
        if characteristic == CGMMeasurement.uuid {
            for result in ObservationMapper.cgmReadings(value, session: cgm, context: context(now: now)) {
                framesReceived += 1
                switch result {
                case .success(let reading): out += handOn(reading, ack: nil)
                case .failure(let bad):
                    // A record that fails its E2E-CRC is kept raw with the reason; the link goes on.
                    out.append(.note(Note(.warning, "CGM record rejected; raw bytes kept", ["device.id": id, "error": "\(bad.error)"])))
                    out.append(.rejected(source: "2AA7", bytes: bad.bytes, error: bad.error.description, received: now, ack: nil))
                }
            }
            return out
        }
        framesReceived += 1
        if characteristic == PolarPMD.dataUUID {
            do {
                let frame = try PolarECGFrame(bytes: value)
                out.append(.waveform(Self.sampleBlock(frame, device: device, subject: configuration.subject)))
            } catch {
                out.append(.note(Note(.warning, "ECG frame could not be decoded; raw bytes kept", ["device.id": id, "error": "\(error)"])))
                out.append(.rejected(source: "PMD data", bytes: value, error: error.description, received: now, ack: nil))
            }
            return out
        }
        let ack: Confirmation? = needsConfirmation ? Confirmation() : nil
        do {
            if characteristic == GlucoseMeasurementContext.uuid {
                let c = try GlucoseMeasurementContext(bytes: value)
                let joined = glucoseContext.context(c)
                if joined.unmatched {
                    out.append(.note(Note(.debug, "glucose context with no reading waiting for it", ["device.id": id, "sequence": "\(c.sequenceNumber)"])))
                }
                for (r, a) in joined.handOn { out += handOn(r, ack: a) }
                // The context carries nothing to store of its own: confirm it at once.
                if ack != nil { out.append(.send(.handleValueConfirmation)) }
            } else if let reading = try ObservationMapper.reading(characteristic: characteristic, value: value, context: context(now: now)) {
                if characteristic == GlucoseMeasurement.uuid {
                    let follows = GlucoseContextJoin<Confirmation>.announcesContext(value)
                    for (r, a) in glucoseContext.measurement(reading, ack: ack, contextFollows: follows) { out += handOn(r, ack: a) }
                } else {
                    out += handOn(reading, ack: ack)
                }
            } else if ack != nil {
                out.append(.send(.handleValueConfirmation))
            }
        } catch {
            out.append(.note(Note(.warning, "measurement could not be decoded; raw bytes kept", ["device.id": id, "error": "\(error)"])))
            out.append(.rejected(source: characteristic.description, bytes: value, error: error.description, received: now, ack: ack))
        }
        return out
    }

    private mutating func readValue(_ characteristic: BluetoothUUID, _ value: [UInt8], now: Date) -> [Output] {
        let id = device.id.rawValue
        var out: [Output] = [.note(Note(.debug, "read characteristic", ["device.id": id, "characteristic": "\(characteristic)"]))]
        if let kind = DeviceInformationString.Kind.allCases.first(where: { $0.uuid == characteristic }),
            let text = try? DeviceInformationString(kind: kind, bytes: value).value, !text.isEmpty
        {
            switch characteristic {
            case GATTAssigned.manufacturerName:
                deviceInformation.manufacturer = text
                device.manufacturer = text
            case GATTAssigned.modelNumber:
                deviceInformation.model = text
                device.model = text
            case GATTAssigned.serialNumber:
                deviceInformation.serial = text
                device.serial = text
            default: break
            }
        } else if characteristic == BloodPressureFeature.uuid {
            bloodPressureFeature = try? BloodPressureFeature(bytes: value)
        } else if characteristic == CurrentTime.uuid {
            out += deviceClock(value, now: now)
        } else if characteristic == RegulatoryCertificationDataList.uuid {
            if let list = try? RegulatoryCertificationDataList(bytes: value) {
                let classes = list.certifiedDeviceClasses
                out.append(.note(Note(.info, "regulatory certification data", ["device.id": id, "certified.classes": "\(classes.count)"])))
                certifiedClasses = classes.map(\.rawValue)
                out.append(.certification(classes: classes.map(\.description)))
            }
        } else if characteristic == UDIForMedicalDevices.uuid {
            do {
                let udi = try UDIForMedicalDevices(bytes: value)
                out.append(.note(Note(.info, "UDI read", ["device.id": id, "udi.di": udi.deviceIdentifier ?? "-"])))
                out.append(.udi(udi))
            } catch {
                out.append(.note(Note(.warning, "UDI could not be decoded", ["device.id": id, "error": "\(error)"])))
            }
        } else if characteristic == CGMFeature.uuid {
            do { cgm.crcExpected = try CGMFeature(bytes: value).e2eCRCSupported } catch {
                out.append(.note(Note(.warning, "CGM Feature could not be decoded; records taken without CRC", ["device.id": id, "error": "\(error)"])))
            }
        } else if characteristic == CGMSessionStartTime.uuid {
            do { cgm.sessionStart = ObservationMapper.sessionStart(try CGMSessionStartTime(bytes: value)) } catch {
                out.append(.note(Note(.warning, "CGM Session Start Time could not be decoded", ["device.id": id, "error": "\(error)"])))
            }
        }
        return out
    }

    /// Reads the device clock against `now` and queues a write of `now` when it is off and the device allows it.
    private mutating func deviceClock(_ value: [UInt8], now hubNow: Date) -> [Output] {
        let tz = configuration.deviceTimeZone
        guard let ct = try? CurrentTime(bytes: value), ct.dateTime.isValid, let deviceNow = ct.dateTime.deviceTime.date(in: tz) else {
            return [.note(Note(.warning, "device clock unreadable or not set", ["device.id": device.id.rawValue]))]
        }
        let offset = deviceNow.timeIntervalSince(hubNow)
        clockOffset = offset
        var set = false
        if let limit = configuration.setDeviceClocksBeyond, abs(offset) > Double(limit.components.seconds), session.isWritable(CurrentTime.uuid) {
            var cal = Calendar(identifier: .gregorian)
            cal.timeZone = tz
            let weekday = cal.component(.weekday, from: hubNow)  // 1 = Sunday
            let fresh = CurrentTime(dateTime: BLEDateTime(date: hubNow, in: tz), dayOfWeek: UInt8(weekday == 1 ? 7 : weekday - 1), adjustReason: [.manualTimeUpdate])
            session.enqueueWrite(CurrentTime.uuid, value: fresh.encoded())
            set = true
        }
        return [.clock(offset: offset, set: set)]
    }
}
