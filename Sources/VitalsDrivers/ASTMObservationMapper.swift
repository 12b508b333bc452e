import Foundation
import VitalsCore
import VitalsWire

/// Turns E1394 result records from glucose meters into coded readings.
///
/// A result whose test ID names glucose (`^^^Glucose`) becomes one `glucose` reading. The unit field's
/// second component is the meter's reference method: `P` plasma → `glucose.capillary-plasma`, `B` whole
/// blood → `glucose.capillary-whole-blood`, anything else → `glucose.blood`. Values are stored in mg/dL;
/// mmol/L is converted (× 18.016, rounded to 0.1) and the wire value keeps the unit as sent. The markers in
/// field 7 (separated by `/`) become flags: `C` control solution, `B` before a meal, `A` after a meal,
/// `>` above and `<` below the meter's reportable range. An out-of-range result, or a value of `HI`/`LO`,
/// is never stored as a number: its value is nil, with the range flag. The record sequence number is the
/// reading's `sequence`, so a download repeated later is recognised by the store. The record's own bytes
/// are kept in `RawFrame(source: "ASTM E1394 R")`.
public enum ASTMObservationMapper {
    public static let preprandial = QualityFlag.mealPreprandial
    public static let postprandial = QualityFlag.mealPostprandial

    public struct Output: Sendable {
        public var readings: [Reading] = []
        /// Results this build does not code, with why.
        public var unmapped: [String] = []
    }

    /// The meter's identity from the header, Contour style: sender field `model^versions^serial^SKU`.
    public struct MeterInfo: Hashable, Sendable {
        public var model: String?
        public var serial: String?
        public var clock: ASTMDateTime?
        /// The number of results the header announces (field 7), when it is a number.
        public var resultCount: Int?
    }

    public static func meterInfo(_ h: ASTMHeaderRecord) -> MeterInfo {
        let s = h.senderName
        func nonEmpty(_ i: Int) -> String? { i < s.count && !s[i].isEmpty ? s[i] : nil }
        return MeterInfo(model: nonEmpty(0), serial: nonEmpty(2), clock: h.dateTime, resultCount: Int(h.reserved))
    }

    public static func map(_ message: ASTMMessage, context: ObservationMapper.Context) -> Output {
        var out = Output()
        for case .result(let r) in message.records {
            if let reading = reading(r, context: context) {
                out.readings.append(reading)
            } else {
                out.unmapped.append("R \(r.sequence): test '\(r.testID.joined(separator: "^"))' with unit '\(r.units.first ?? "")' is not one this build codes")
            }
        }
        return out
    }

    /// Whether the test ID names glucose.
    public static func isGlucose(_ r: ASTMResultRecord) -> Bool {
        let name = r.testName.lowercased()
        return name.contains("glucose") || name == "glu" || name == "bg"
    }

    public static func metric(method: String) -> Metric {
        switch method.uppercased() {
        case "P": .glucoseCapillaryPlasma
        case "B": .glucoseCapillaryWholeBlood
        default: .glucoseGeneric
        }
    }

    /// The flags the markers in field 7 carry.
    public static func markerFlags(_ markers: String) -> Set<QualityFlag> {
        var flags: Set<QualityFlag> = []
        for token in markers.split(separator: "/") {
            switch token.uppercased() {
            case "C": flags.insert(.controlSolution)
            case "B": flags.insert(preprandial)
            case "A": flags.insert(postprandial)
            default:
                if token.contains(">") { flags.insert(.resultAboveDeviceRange) }
                if token.contains("<") { flags.insert(.resultBelowDeviceRange) }
            }
        }
        return flags
    }

    /// One result as a reading, or nil when it is not glucose in a unit this build knows.
    public static func reading(_ r: ASTMResultRecord, context c: ObservationMapper.Context) -> Reading? {
        guard isGlucose(r) else { return nil }
        let unitText = r.units.first ?? ""
        let isMmol: Bool
        switch unitText.lowercased() {
        case "mg/dl": isMmol = false
        case "mmol/l": isMmol = true
        default: return nil
        }
        var flags = markerFlags(r.abnormalFlags)
        let valueText = r.value.trimmingCharacters(in: .whitespaces)
        switch valueText.uppercased() {
        case "HI", "HIGH": flags.insert(.resultAboveDeviceRange)
        case "LO", "LOW": flags.insert(.resultBelowDeviceRange)
        default: break
        }
        let parsed = Double(valueText)
        var value: Double?
        var state = ValueState.number
        if flags.contains(.resultAboveDeviceRange) {
            state = .positiveInfinity
        } else if flags.contains(.resultBelowDeviceRange) {
            state = .negativeInfinity
        } else if let parsed, parsed.isFinite {
            value = isMmol ? (UnitConversion.glucoseMgPerDl(fromMmolPerL: parsed) * 10).rounded() / 10 : parsed
        } else {
            state = .notANumber
            flags.insert(.valueNotANumber)
        }
        let obs = Observation(
            metric: metric(method: r.units.count > 1 ? r.units[1] : ""), value: value, state: state, unit: .milligramPerDecilitre,
            wire: WireValue(encoding: "ascii-decimal", bits: (parsed ?? .nan).bitPattern, unit: unitText))
        let t = r.testTime
        let ble = t.map { BLEDateTime(year: UInt16(clamping: $0.year), month: UInt8(clamping: $0.month), day: UInt8(clamping: $0.day), hours: UInt8(clamping: $0.hour ?? 0), minutes: UInt8(clamping: $0.minute ?? 0), seconds: UInt8(clamping: $0.second ?? 0)) }
        let (effective, deviceTime, timeFlags, clockOffset) = ObservationMapper.times(ble, offsetMinutes: nil, context: c)
        return Reading(
            subject: c.subject, device: c.device, kind: .glucose, observations: [obs], effectiveTime: effective,
            deviceTime: deviceTime, receivedTime: c.received, sequence: UInt32(clamping: r.sequence), flags: flags.union(timeFlags),
            raw: RawFrame(source: "ASTM E1394 R", bytes: r.record.encoded(r.delimiters)), report: DeviceReport(clockOffset: clockOffset))
    }
}
