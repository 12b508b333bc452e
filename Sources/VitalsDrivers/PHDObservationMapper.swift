import Foundation
import VitalsCore
import VitalsWire

/// Turns IEEE 11073-20601 measurements into coded readings: the MDC terms the agent reports map to
/// metrics (with LOINC) and MDC units to UCUM. One scan report's numeric measurements of one kind make
/// one reading (a BP compound and its pulse, an SpO2 and its pulse rate); RT-SA samples become sample blocks.
public enum PHDObservationMapper {
    /// Partition-2 terms this build maps, with their metric.
    public static let metrics: [UInt16: Metric] = [
        MDC.pressureBloodNonInvasiveSystolic: .systolic, MDC.pressureBloodNonInvasiveDiastolic: .diastolic,
        MDC.pressureBloodNonInvasiveMean: .meanArterialPressure, MDC.pulseRateNonInvasive: .pulseRateNonInvasive,
        MDC.pulseOximeterSaturationO2: .spo2, MDC.pulseOximeterPulseRate: .pulseOximeterRate,
        MDC.glucoseCapillaryWholeBlood: .glucoseCapillaryWholeBlood, MDC.temperatureBody: .bodyTemperature,
        MDC.massBodyActual: .bodyWeight, MDC.ecgHeartRate: .heartRate, MDC.ecgLeadII: .ecgLeadII,
        MDC.ecgElectricPotential: .ecgUnspecified,
    ]

    /// MDC dimension terms (partition 4) and their UCUM units.
    public static let units: [UInt16: UCUMUnit] = [
        MDC.dimMillimetreOfMercury: .millimetreOfMercury, MDC.dimKilopascal: .kilopascal, MDC.dimBeatsPerMinute: .perMinute,
        MDC.dimPercent: .percent, MDC.dimMilligramPerDecilitre: .milligramPerDecilitre, MDC.dimMillimolePerLitre: .millimolePerLitre,
        MDC.dimDegreeCelsius: .degreeCelsius, MDC.dimDegreeFahrenheit: .degreeFahrenheit, MDC.dimKilogram: .kilogram,
        MDC.dimPound: .pound, MDC.dimMillivolt: .millivolt,
    ]

    static func kind(_ term: UInt16) -> ReadingKind? {
        switch term {
        case MDC.pressureBloodNonInvasive, MDC.pressureBloodNonInvasiveSystolic, MDC.pressureBloodNonInvasiveDiastolic,
            MDC.pressureBloodNonInvasiveMean, MDC.pulseRateNonInvasive:
            .bloodPressure
        case MDC.pulseOximeterSaturationO2, MDC.pulseOximeterPulseRate: .spo2
        case MDC.glucoseCapillaryWholeBlood: .glucose
        case MDC.temperatureBody: .temperature
        case MDC.massBodyActual: .weight
        case MDC.ecgHeartRate: .heartRate
        default: nil
        }
    }

    public struct Output: Sendable {
        public var readings: [Reading] = []
        public var blocks: [SampleBlock] = []
        /// Measurements this build cannot code (unknown term or unit), with why.
        public var unmapped: [String] = []
    }

    /// `apdu` is the scan report's bytes, kept raw with every reading.
    public static func map(_ measurements: [PHDMeasurement], apdu: [UInt8], context c: ObservationMapper.Context) -> Output {
        var out = Output()
        var groups: [(ReadingKind, [PHDMeasurement])] = []
        for m in measurements {
            if let samples = m.samples {
                if let b = block(m, samples: samples, context: c) { out.blocks.append(b) } else { out.unmapped.append("RT-SA object \(m.handle): no sample period or scale") }
                continue
            }
            guard let k = kind(m.type) else {
                out.unmapped.append("object \(m.handle): term \(m.type) (\(MDC.name(partition: 2, term: m.type) ?? "unknown")) is not one this build codes")
                continue
            }
            // One reading per kind and time: a BP compound with its pulse; stored entries each their own.
            // A reading holds each object once: a second value from the same object (grouped or stored
            // reports without their own time) starts a new reading.
            if let i = groups.lastIndex(where: { $0.0 == k && $0.1.first?.timeStamp == m.timeStamp }), !groups[i].1.contains(where: { $0.handle == m.handle }) {
                groups[i].1.append(m)
            } else {
                groups.append((k, [m]))
            }
        }
        for (kind, ms) in groups {
            var obs: [Observation] = []
            var flags: Set<QualityFlag> = []
            for m in ms {
                guard let unitCode = m.unitCode, let unit = units[unitCode] else {
                    out.unmapped.append("object \(m.handle): unit \(m.unitCode.map(String.init) ?? "missing") is not one this build codes")
                    continue
                }
                for (term, value) in m.values {
                    guard let metric = metrics[term] else {
                        out.unmapped.append("object \(m.handle): component term \(term) is not one this build codes")
                        continue
                    }
                    let state: ValueState
                    switch value {
                    case .basic(let s): state = s.state
                    case .simple(let f): state = f.state
                    }
                    switch state {
                    case .number: break
                    case .notANumber: flags.insert(.valueNotANumber)
                    case .notAtThisResolution: flags.insert(.valueNotAtThisResolution)
                    case .positiveInfinity, .negativeInfinity:
                        // A glucose meter's ±INFINITY is its LOW / HIGH: censored, still a measurement.
                        flags.insert(kind == .glucose ? ObservationMapper.deviceRangeFlag(state) : .valueInfinite)
                    case .reserved: flags.insert(.valueReserved)
                    }
                    let mdcUnitName = MDC.name(partition: 4, term: unitCode) ?? "\(unitCode)"
                    obs.append(Observation(
                        metric: metric, value: value.number, state: state, unit: unit,
                        wire: WireValue(encoding: value.encoding, bits: value.bits, unit: mdcUnitName)))
                }
            }
            guard !obs.isEmpty else { continue }
            let stamp = ms.compactMap(\.timeStamp).first
            let (effective, deviceTime, timeFlags, clockOffset) = times(stamp, context: c)
            flags.formUnion(timeFlags)
            out.readings.append(Reading(
                subject: c.subject, device: c.device, kind: kind, observations: obs, effectiveTime: effective,
                deviceTime: deviceTime, receivedTime: c.received, sequence: nil, flags: flags,
                raw: RawFrame(source: "11073-20601 scan report", bytes: apdu), report: DeviceReport(clockOffset: clockOffset)))
        }
        return out
    }

    /// Device time → effective time, corrected by the clock offset measured at this association, and that
    /// offset for validation to judge (as for BLE devices: `DeviceRules`).
    static func times(_ t: AbsoluteTime?, context c: ObservationMapper.Context) -> (Date, DeviceTime?, Set<QualityFlag>, TimeInterval?) {
        guard let t else { return (c.received, nil, [.deviceTimeMissing], nil) }
        let dt = t.deviceTime
        guard let base = dt.date(in: c.deviceTimeZone) else { return (c.received, dt, [.deviceTimeInvalid], nil) }
        let effective = base.addingTimeInterval(Double(t.hundredths) / 100 - (c.deviceClockOffset ?? 0))
        return (effective, dt, [], c.deviceClockOffset)
    }

    /// RT-SA samples as a block: rate from the sample period (1/8 ms units), gain and baseline from the
    /// linear scale (value = lowerAbsolute + (s − lowerScaled) × step).
    static func block(_ m: PHDMeasurement, samples: [Int32], context c: ObservationMapper.Context) -> SampleBlock? {
        guard let period = m.samplePeriod, period > 0, !samples.isEmpty,
            case .scaleRange16(let la, let ua, let ls, let us)? = m.scale, let lo = la.value, let hi = ua.value, us > ls
        else { return nil }
        let step = (hi - lo) / Double(us - ls)  // units per count
        guard step > 0 else { return nil }
        let rate = 8000 / Double(period)
        // Baseline: the count at which the value is 0.
        let baseline = Int32((Double(ls) - lo / step).rounded())
        let (start, _, _, _) = times(m.timeStamp, context: c)
        let lead = metrics[m.type] ?? .ecgUnspecified
        let unit = m.unitCode.flatMap { units[$0] } ?? .millivolt
        return SampleBlock(
            subject: c.subject, device: c.device, lead: lead, startTime: start, sampleRate: rate, gain: 1 / step, baseline: baseline,
            unit: unit, samples: samples)
    }
}
