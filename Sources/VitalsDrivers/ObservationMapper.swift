import Foundation
import VitalsCore
import VitalsWire

/// Turns decoded wire values into coded readings: MDC and LOINC codes, UCUM units, the exact wire value kept.
public enum ObservationMapper {
    public struct Context: Sendable {
        public var subject: SubjectID
        public var device: DeviceIdentity
        public var received: Date
        /// The zone the device's local clock is taken to be in.
        public var deviceTimeZone: TimeZone
        /// How far the device clock was ahead of the hub's at this connection (seconds), when it was read:
        /// effective times are corrected by it.
        public var deviceClockOffset: TimeInterval?
        /// The Blood Pressure Feature read at this connection: which status conditions the cuff detects.
        public var bloodPressureFeature: BloodPressureFeature?
        /// CGM: the sensor's warm-up after a session start (from its profile), in minutes.
        public var cgmWarmUpMinutes: Int?

        public init(subject: SubjectID, device: DeviceIdentity, received: Date, deviceTimeZone: TimeZone = TimeZone(identifier: "UTC")!) {
            self.subject = subject
            self.device = device
            self.received = received
            self.deviceTimeZone = deviceTimeZone
        }
    }

    /// Decodes a characteristic value into a reading, or nil for characteristics that carry no reading.
    public static func reading(characteristic: BluetoothUUID, value: [UInt8], context: Context) throws(WireError) -> Reading? {
        switch characteristic.short {
        case 0x2A35: return bloodPressure(try BloodPressureMeasurement(bytes: value), raw: value, context: context)
        case 0x2A18: return glucose(try GlucoseMeasurement(bytes: value), raw: value, context: context)
        case 0x2A37: return heartRate(try HeartRateMeasurement(bytes: value), raw: value, context: context)
        case 0x2A5E:
            let m = try PLXSpotCheckMeasurement(bytes: value)
            return pulseOximetry(m.spO2PR, timestamp: m.timestamp, status: m.measurementStatus, device: m.deviceAndSensorStatus, source: "2A5E", raw: value, context: context)
        case 0x2A5F:
            let m = try PLXContinuousMeasurement(bytes: value)
            return pulseOximetry(m.normal, timestamp: nil, status: m.measurementStatus, device: m.deviceAndSensorStatus, source: "2A5F", raw: value, context: context)
        default: return nil
        }
    }

    static func observation(_ metric: Metric, _ s: SFloat, unit: UCUMUnit, wireUnit: String, scale: (Double) -> Double = { $0 }) -> Observation {
        Observation(metric: metric, value: s.value.map(scale), state: s.state, unit: unit, wire: s.wireValue(unit: wireUnit))
    }

    static func valueFlags(_ values: [SFloat]) -> Set<QualityFlag> {
        var f: Set<QualityFlag> = []
        for v in values {
            switch v.state {
            case .number: break
            case .notANumber: f.insert(.valueNotANumber)
            case .notAtThisResolution: f.insert(.valueNotAtThisResolution)
            case .positiveInfinity, .negativeInfinity: f.insert(.valueInfinite)
            case .reserved: f.insert(.valueReserved)
            }
        }
        return f
    }

    public static func bloodPressure(_ m: BloodPressureMeasurement, raw: [UInt8], context c: Context) -> Reading {
        let kPa = m.unit == .kPa
        let wireUnit = kPa ? "kPa" : "mmHg"
        let toMmHg: (Double) -> Double = kPa ? { (UnitConversion.mmHg(fromKilopascal: $0) * 10).rounded() / 10 } : { $0 }
        var obs = [
            observation(.systolic, m.systolic, unit: .millimetreOfMercury, wireUnit: wireUnit, scale: toMmHg),
            observation(.diastolic, m.diastolic, unit: .millimetreOfMercury, wireUnit: wireUnit, scale: toMmHg),
            observation(.meanArterialPressure, m.meanArterialPressure, unit: .millimetreOfMercury, wireUnit: wireUnit, scale: toMmHg),
        ]
        // MAP is often NaN on cuffs that do not compute it; that does not void the reading, so it is not flagged.
        var values = [m.systolic, m.diastolic]
        if let p = m.pulseRate {
            obs.append(observation(.pulseRateNonInvasive, p, unit: .perMinute, wireUnit: "bpm"))
            values.append(p)
        }
        var flags = valueFlags(values)
        // The conditions the cuff says it detects (BP Feature) and reported on this measurement: validation
        // judges the others unchecked.
        let f = c.bloodPressureFeature
        let detects: [(Bool, BloodPressureCheck)] = [
            (f?.bodyMovementDetection ?? false, .bodyMovement), (f?.cuffFitDetection ?? false, .cuffFit),
            (f?.irregularPulseDetection ?? false, .irregularPulse), (f?.pulseRateRangeDetection ?? false, .pulseRateRange),
            (f?.measurementPositionDetection ?? false, .measurementPosition),
        ]
        let checked: Set<BloodPressureCheck> = m.status == nil ? [] : Set(detects.filter(\.0).map(\.1))
        if let s = m.status {
            if s.bodyMovementDetected { flags.insert(.bodyMovement) }
            if s.cuffTooLoose { flags.insert(.cuffTooLoose) }
            if s.irregularPulseDetected { flags.insert(.irregularPulse) }
            if s.pulseRateRange == .exceedsUpperLimit { flags.insert(.pulseAboveRange) }
            if s.pulseRateRange == .belowLowerLimit { flags.insert(.pulseBelowRange) }
            if s.improperMeasurementPosition { flags.insert(.improperPosition) }
        }
        let (effective, deviceTime, timeFlags, clockOffset) = times(m.timeStamp, offsetMinutes: nil, context: c)
        var reading = Reading(
            subject: c.subject, device: c.device, kind: .bloodPressure, observations: obs, effectiveTime: effective,
            deviceTime: deviceTime, receivedTime: c.received, sequence: nil, flags: flags.union(timeFlags),
            raw: RawFrame(source: "2A35", bytes: raw), report: DeviceReport(clockOffset: clockOffset, checkedConditions: checked))
        reading.deviceUser = m.userID
        return reading
    }

    public static func glucoseMetric(_ type: GlucoseMeasurement.SampleType?) -> Metric {
        switch type {
        case .capillaryWholeBlood?: .glucoseCapillaryWholeBlood
        case .capillaryPlasma?: .glucoseCapillaryPlasma
        case .interstitialFluid?: .glucoseInterstitial
        default: .glucoseGeneric
        }
    }

    /// A glucose device's ±INFINITY, or its "result lower / higher than the device can process" status: the
    /// flag that says which side of its range the result lies on.
    public static func deviceRangeFlag(_ state: ValueState) -> QualityFlag {
        state == .negativeInfinity ? .resultBelowDeviceRange : .resultAboveDeviceRange
    }

    /// A result beyond the device's range (LOW / HIGH by its flags) is censored the way IEEE 11073 says it, −INF
    /// below and +INF above: the number the device sent (often its limit) is not the result, so it is not kept
    /// as one (the wire value still has it).
    static func censored(_ o: Observation, flags: Set<QualityFlag>) -> Observation {
        var o = o
        if flags.contains(.resultBelowDeviceRange) {
            (o.value, o.state) = (nil, .negativeInfinity)
        } else if flags.contains(.resultAboveDeviceRange) {
            (o.value, o.state) = (nil, .positiveInfinity)
        }
        return o
    }

    public static func glucose(_ g: GlucoseMeasurement, raw: [UInt8], context c: Context) -> Reading {
        var obs: [Observation] = []
        var flags: Set<QualityFlag> = []
        if let s = g.sensorStatus {
            let map: [(Int, QualityFlag)] = [
                (0, .batteryLow), (1, .sensorMalfunction), (2, .sampleSizeInsufficient), (3, .stripInsertionError),
                (4, .stripTypeIncorrect), (5, .resultAboveDeviceRange), (6, .resultBelowDeviceRange), (7, .temperatureTooHigh),
                (8, .temperatureTooLow), (9, .readInterrupted), (10, .generalDeviceFault), (11, .timeFault),
            ]
            for (bit, flag) in map where s.isSet(bit) { flags.insert(flag) }
        }
        if let conc = g.concentration {
            // Canonical mg/dL: kg/L × 10⁵, or mol/L × 10³ × 18.016. The wire value keeps what was sent.
            let scale: (Double) -> Double = g.unit == .kilogramPerLitre
                ? { ($0 * 100_000 * 1000).rounded() / 1000 }
                : { (UnitConversion.glucoseMgPerDl(fromMmolPerL: $0 * 1000) * 10).rounded() / 10 }
            let o = observation(glucoseMetric(g.sampleType), conc, unit: .milligramPerDecilitre, wireUnit: g.unit.rawValue, scale: scale)
            if conc.state == .negativeInfinity || conc.state == .positiveInfinity {
                // The meter's LOW / HIGH sent as ±INFINITY: censored, still a measurement of the person.
                flags.insert(deviceRangeFlag(conc.state))
            } else {
                flags.formUnion(valueFlags([conc]))
            }
            obs.append(censored(o, flags: flags))
        }
        if g.sampleType == .controlSolution || g.sampleLocation == .controlSolution { flags.insert(.controlSolution) }
        let (effective, deviceTime, timeFlags, clockOffset) = times(g.baseTime, offsetMinutes: g.timeOffsetMinutes, context: c)
        return Reading(
            subject: c.subject, device: c.device, kind: .glucose, observations: obs, effectiveTime: effective,
            deviceTime: deviceTime, receivedTime: c.received, sequence: UInt32(g.sequenceNumber), flags: flags.union(timeFlags),
            raw: RawFrame(source: "2A18", bytes: raw), report: DeviceReport(clockOffset: clockOffset))
    }

    /// Effective time from the device's clock (plus any offset), or the receive time when the device gave none;
    /// the clock offset it was corrected by, for validation to judge (drift, `DeviceRules`).
    static func times(_ t: BLEDateTime?, offsetMinutes: Int16?, context c: Context) -> (Date, DeviceTime?, Set<QualityFlag>, TimeInterval?) {
        guard let t else { return (c.received, nil, [.deviceTimeMissing], nil) }
        guard t.isValid, let base = t.deviceTime.date(in: c.deviceTimeZone) else {
            return (c.received, t.deviceTime, [.deviceTimeInvalid], nil)
        }
        // Correct by the offset measured at this download, so stored records keep the offset of their download.
        let corrected = base.addingTimeInterval(-(c.deviceClockOffset ?? 0))
        let effective = corrected.addingTimeInterval(Double(offsetMinutes ?? 0) * 60)
        var dt = t.deviceTime
        // The device time (the natural key of a reading without a sequence) stays as the device said it:
        // the measured offset varies a little from one connection to the next.
        if let o = offsetMinutes, o != 0, let shifted = Optional(base.addingTimeInterval(Double(o) * 60)) {
            var cal = Calendar(identifier: .gregorian)
            cal.timeZone = c.deviceTimeZone
            let k = cal.dateComponents([.year, .month, .day, .hour, .minute, .second], from: shifted)
            dt = DeviceTime(year: k.year!, month: k.month!, day: k.day!, hour: k.hour!, minute: k.minute!, second: k.second!)
        }
        return (effective, dt, [], c.deviceClockOffset)
    }
}

extension ObservationMapper {
    /// What the hub knows about a CGM session when its records arrive.
    public struct CGMSessionInfo: Sendable {
        /// From the CGM Feature: every record ends in an E2E-CRC.
        public var crcExpected: Bool
        /// From the Session Start Time, in UTC; records are offsets from it.
        public var sessionStart: Date?
        public init(crcExpected: Bool, sessionStart: Date?) {
            self.crcExpected = crcExpected
            self.sessionStart = sessionStart
        }
    }

    /// One 0x2AA7 notification, record by record: a record that fails (a bad E2E-CRC, say) is returned as
    /// its own error with its bytes, and the records around it still become readings.
    public static func cgmReadings(_ bytes: [UInt8], session: CGMSessionInfo, context c: Context) -> [Result<Reading, CGMRecordError>] {
        var out: [Result<Reading, CGMRecordError>] = []
        var offset = 0
        while offset < bytes.count {
            let size = Int(bytes[offset])
            let end = size > 0 ? min(bytes.count, offset + size) : bytes.count
            let record = Array(bytes[offset..<end])
            do {
                let m = try CGMMeasurement(bytes: record, crcExpected: session.crcExpected)
                out.append(.success(cgmReading(m, raw: record, session: session, context: c)))
            } catch {
                let shifted = WireError(entity: error.entity, field: error.field, offset: error.offset + offset, reason: error.reason)
                out.append(.failure(CGMRecordError(bytes: record, error: shifted)))
            }
            guard size > 0 else { break }
            offset = end
        }
        return out
    }

    public struct CGMRecordError: Error, Sendable {
        public var bytes: [UInt8]
        public var error: WireError
    }

    /// CGM Sensor Status Annunciation bits kept as flags by name (CGMS 1.0 §3.1.1.6). The service has no
    /// warm-up bit: warm-up is the profile's `warmUpMinutes` from the session start (`cgm.warm-up`).
    static let cgmStatusFlags: [(Int, QualityFlag)] = [
        (0, .cgmSessionStopped), (4, .cgmDeviceSpecificAlert), (8, .cgmTimeSyncRequired), (9, .cgmCalibrationNotAllowed),
        (10, .cgmCalibrationRecommended), (11, .cgmCalibrationRequired), (16, .cgmBelowPatientLow), (17, .cgmAbovePatientHigh),
        (18, .cgmBelowHypoLevel), (19, .cgmAboveHyperLevel), (20, .cgmRateOfDecreaseExceeded), (21, .cgmRateOfIncreaseExceeded),
    ]

    static func cgmReading(_ m: CGMMeasurement, raw: [UInt8], session: CGMSessionInfo, context c: Context) -> Reading {
        var flags = valueFlags([m.glucoseConcentration])
        // Annunciation bits that make a value untrustworthy or out of the sensor's range.
        let s = m.sensorStatus
        if s.isSet(1) { flags.insert(.batteryLow) }
        // A wrong sensor type, a malfunction or a general fault: not a measurement.
        if s.isSet(2) || s.isSet(3) { flags.insert(.sensorMalfunction) }
        if s.isSet(5) { flags.insert(.generalDeviceFault) }
        for (bit, flag) in Self.cgmStatusFlags where s.isSet(bit) { flags.insert(flag) }
        if s.isSet(12) { flags.insert(.temperatureTooHigh) }
        if s.isSet(13) { flags.insert(.temperatureTooLow) }
        if s.isSet(22) { flags.insert(.resultBelowDeviceRange) }
        if s.isSet(23) { flags.insert(.resultAboveDeviceRange) }
        // The service has no warm-up bit: the record's time offset in the session says it.
        if let w = c.cgmWarmUpMinutes, Int(m.timeOffsetMinutes) < w { flags.insert(.cgmWarmUp) }
        let obs = censored(observation(.glucoseInterstitial, m.glucoseConcentration, unit: .milligramPerDecilitre, wireUnit: "mg/dL"), flags: flags)
        var effective = c.received
        var deviceTime: DeviceTime?
        if let start = session.sessionStart {
            effective = start.addingTimeInterval(Double(m.timeOffsetMinutes) * 60)
            var cal = Calendar(identifier: .gregorian)
            cal.timeZone = TimeZone(identifier: "UTC")!
            let k = cal.dateComponents([.year, .month, .day, .hour, .minute, .second], from: effective)
            deviceTime = DeviceTime(year: k.year!, month: k.month!, day: k.day!, hour: k.hour!, minute: k.minute!, second: k.second!)
        } else {
            flags.insert(.deviceTimeMissing)
        }
        // The time offset identifies a record within its session; with the session start it is a time stamp.
        return Reading(
            subject: c.subject, device: c.device, kind: .glucose, observations: [obs], effectiveTime: effective,
            deviceTime: deviceTime, receivedTime: c.received, sequence: deviceTime == nil ? UInt32(m.timeOffsetMinutes) : nil,
            flags: flags, raw: RawFrame(source: "2AA7", bytes: raw))
    }

    /// The session start as a UTC instant, when the device gave its time zone (otherwise taken as UTC).
    public static func sessionStart(_ t: CGMSessionStartTime) -> Date? {
        guard t.sessionStartTime.isValid, let local = t.sessionStartTime.deviceTime.date(in: TimeZone(identifier: "UTC")!) else { return nil }
        return local.addingTimeInterval(-Double(t.utcOffsetMinutes ?? 0) * 60)
    }
}

extension ObservationMapper {
    public static func heartRate(_ m: HeartRateMeasurement, raw: [UInt8], context c: Context) -> Reading {
        let wire = WireValue(encoding: m.valueFormat == .uint16 ? "uint16" : "uint8", bits: UInt64(m.heartRate), unit: "bpm")
        var flags: Set<QualityFlag> = []
        if m.sensorContact == .supportedNotDetected { flags.insert(.noSkinContact) }
        // A strap's notification has no time stamp: it is "now".
        return Reading(
            subject: c.subject, device: c.device, kind: .heartRate,
            observations: [Observation(metric: .heartRate, value: Double(m.heartRate), unit: .perMinute, wire: wire)],
            effectiveTime: c.received, deviceTime: nil, receivedTime: c.received, sequence: nil, flags: flags,
            raw: RawFrame(source: "2A37", bytes: raw))
    }

    /// Flags named after the PLX status bits that are set, e.g. `plx.questionableMeasurementDetected`.
    static func plxFlags(_ status: PLXMeasurementStatus?, _ device: PLXDeviceAndSensorStatus?) -> Set<QualityFlag> {
        var f: Set<QualityFlag> = []
        for b in PLXMeasurementStatus.namedBits where (status?.rawValue ?? 0) & (1 << UInt16(b.bit)) != 0 { f.insert(.pulseOximetry(b.key)) }
        for b in PLXDeviceAndSensorStatus.namedBits where (device?.rawValue ?? 0) & (1 << UInt32(b.bit)) != 0 { f.insert(.pulseOximetry(b.key)) }
        return f
    }

    static func pulseOximetry(
        _ v: PLXSpO2PR, timestamp: BLEDateTime?, status: PLXMeasurementStatus?, device: PLXDeviceAndSensorStatus?, source: String,
        raw: [UInt8], context c: Context
    ) -> Reading {
        let obs = [
            observation(.spo2, v.spO2, unit: .percent, wireUnit: "%"),
            observation(.pulseOximeterRate, v.pulseRate, unit: .perMinute, wireUnit: "bpm"),
        ]
        var flags = valueFlags([v.spO2, v.pulseRate]).union(plxFlags(status, device))
        let effective: Date
        let deviceTime: DeviceTime?
        var clockOffset: TimeInterval?
        if source == "2A5E" {
            let (e, d, timeFlags, offset) = times(timestamp, offsetMinutes: nil, context: c)
            (effective, deviceTime, clockOffset) = (e, d, offset)
            flags.formUnion(timeFlags)
        } else {
            (effective, deviceTime) = (c.received, nil)
        }
        return Reading(
            subject: c.subject, device: c.device, kind: .spo2, observations: obs, effectiveTime: effective, deviceTime: deviceTime,
            receivedTime: c.received, sequence: nil, flags: flags, raw: RawFrame(source: source, bytes: raw),
            report: DeviceReport(clockOffset: clockOffset))
    }
}
