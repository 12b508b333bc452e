import ArgumentParser
import Foundation
import VitalsAnalytics
import VitalsCore
import VitalsDrivers
import VitalsProfiles
import VitalsValidation
import VitalsWire

/// Decodes a characteristic value as a given device model would send it, and prints the validated
/// observation(s) as JSON: codes, units, the device grade, the quality flags and the alerts they would raise.
struct Validate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Validate a characteristic value as coming from a profiled device; print the result as JSON.",
        discussion: "Malformed input exits 2 naming the field and byte offset; an unknown profile exits 1.")

    @Option(help: "Device profile id (vitals profiles list).") var profile: String
    @Option(help: "Characteristic UUID, e.g. 2A35.") var uuid: String?
    @Option(help: "The value's bytes in hex.") var hex: String?
    @Option(help: "An IEEE 11073-20601 APDU in hex: a PRST carrying a measurement event report (scan report).") var apdu: String?
    @Option(help: "With --apdu: the agent's standard configuration (e.g. 0x02BC blood pressure, 0x06A4 glucose, 0x0190 pulse oximeter). Default: the standard configurations of the profile's kind; the first that lays the report out is used.")
    var config: String?
    @OptionGroup var profileOptions: ProfileOptions

    func validate() throws {
        if apdu == nil && (uuid == nil || hex == nil) { throw ValidationError("give --uuid and --hex for a characteristic, or --apdu (with --config) for an IEEE 11073-20601 APDU") }
        if apdu != nil && (uuid != nil || hex != nil) { throw ValidationError("--apdu cannot be combined with --uuid/--hex") }
    }

    /// The standard configurations to try for a profile: its kind's first, then the others.
    static func candidateConfigurations(for kind: DeviceProfile.Kind) -> [UInt16] {
        let standard: Int? = switch kind {
        case .bloodPressureMonitor: 10407
        case .glucoseMeter: 10417
        case .pulseOximeter: 10404
        case .ecg, .heartRateMonitor: 10406
        case .thermometer: 10408
        case .weighingScale: 10415
        case .continuousGlucoseMonitor: nil
        }
        // Another specialization's configuration could lay the same bytes out as the wrong metric: only the
        // kind's own are tried (all of them when the kind has no 11073 specialization).
        let all = StandardConfiguration.specializations
        let own = all.filter { $0.standard == standard }
        return (own.isEmpty ? all : own).flatMap(\.configIDs)
    }

    /// The readings in an IEEE 11073-20601 measurement report, laid out with a standard configuration
    /// (`config`, or the first candidate for the profile's kind that lays it out).
    func apduReadings(_ text: String, config: String?, kind: DeviceProfile.Kind, context: ObservationMapper.Context) throws -> [Reading] {
        var candidates = Self.candidateConfigurations(for: kind)
        if let config { candidates = [try standardConfigID(config)] }
        let bytes = try Hex.parse(text)
        guard case .data(let d) = try PHDAPDU(bytes: bytes) else { throw Malformed("the APDU is not a PRST (data) APDU: it carries no measurements") }
        let report: EventReport
        switch d.message {
        case .eventReport(let e, _): report = e
        default: throw Malformed("the data APDU carries \(d.message.name), not a measurement event report")
        }
        guard let scan = report.scanReport else { throw Malformed("the event report (type \(report.eventType)) is not a scan report") }
        var laidOut: (UInt16, [PHDMeasurement])?
        var firstProblems: [String] = []
        for id in candidates {
            let (measurements, problems) = PHDManagerSession.measurements(in: scan, from: report.handle, objects: StandardConfiguration.objects(configID: id)!)
            if problems.isEmpty && !measurements.isEmpty {
                laidOut = (id, measurements)
                break
            }
            if firstProblems.isEmpty { firstProblems = problems }
        }
        guard let (id, measurements) = laidOut else {
            throw Malformed(config == nil
                ? "no standard configuration lays this report out (first tried: \(firstProblems.joined(separator: "; "))); give --config"
                : firstProblems.joined(separator: "; "))
        }
        if config == nil {
            let name = StandardConfiguration.specialization(configID: id)?.name ?? "?"
            FileHandle.standardError.write(Data("note: laid out with standard configuration 0x\(String(id, radix: 16, uppercase: true)) (\(name))\n".utf8))
        }
        let out = PHDObservationMapper.map(measurements, apdu: bytes, context: context)
        for u in out.unmapped { FileHandle.standardError.write(Data("note: \(u)\n".utf8)) }
        return out.readings
    }

    struct Malformed: Error, CustomStringConvertible { var description: String; init(_ d: String) { description = d } }

    func run() throws {
        let catalogue = try ProfileCatalogue.load(directory: try profileOptions.directory())
        guard let p = catalogue.profile(id: profile) else {
            FileHandle.standardError.write(Data("error: no profile '\(profile)'\n".utf8))
            throw ExitCode(1)
        }
        let now = Date()
        let device = DeviceIdentity(transport: p.transport, address: "00:00:00:00:00:00", profileID: p.id, manufacturer: p.manufacturer, model: p.model)
        let context = ObservationMapper.Context(subject: SubjectID("validate"), device: device, received: now)
        var readings: [Reading] = []
        do {
            if let apdu {
                readings = try apduReadings(apdu, config: config, kind: p.kind, context: context)
            } else if let uuid, let hex {
            guard let u = BluetoothUUID(string: uuid) else {
                FileHandle.standardError.write(Data("error: '\(uuid)' is not a Bluetooth UUID\n".utf8))
                throw ExitCode(exitMalformed)
            }
            let bytes = try Hex.parse(hex)
            if u == CGMMeasurement.uuid {
                for result in ObservationMapper.cgmReadings(bytes, session: .init(crcExpected: false, sessionStart: nil), context: context) {
                    readings.append(try result.get())
                }
            } else if let r = try ObservationMapper.reading(characteristic: u, value: bytes, context: context) {
                readings.append(r)
            } else {
                FileHandle.standardError.write(Data("error: characteristic \(u) carries no reading\n".utf8))
                throw ExitCode(exitMalformed)
            }
            }
        } catch let e as ExitCode {
            throw e
        } catch let e as ValidationError {
            throw e
        } catch let e as ObservationMapper.CGMRecordError {
            FileHandle.standardError.write(Data("error: \(e.error)\n".utf8))
            throw ExitCode(exitMalformed)
        } catch {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode(exitMalformed)
        }
        let validator = ReadingValidator(catalogue: catalogue)
        let rules = AlertRules()
        let out: [JSONValue] = readings.map { reading in
            let r = validator.validate(reading)
            return .object([
                ("profile", .string(p.id)),
                ("grade", .string(r.grade.rawValue)),
                ("kind", .string(r.kind.rawValue)),
                ("flags", .array(r.flags.sorted().map { .string($0.rawValue) })),
                ("deviceTime", r.deviceTime.map { .string($0.description) } ?? .null),
                (
                    "observations",
                    .array(r.observations.map { o in
                        .object([
                            ("metric", .string(o.metric.key)), ("mdc", .int(Int64(o.metric.mdc))), ("loinc", o.metric.loinc.map { .string($0) } ?? .null),
                            ("value", o.value.map { .number($0) } ?? .null), ("state", .string(o.state.rawValue)), ("unit", .string(o.unit.code)),
                            ("wire", .string(o.wire.description)),
                        ])
                    })
                ),
                (
                    "alerts",
                    .array(rules.evaluate(r, now: now).map { a in
                        .object([("rule", .string(a.ruleID)), ("severity", .string(a.severity.rawValue)), ("message", .string(a.message))])
                    })
                ),
            ])
        }
        print(JSONValue.array(out).serialized(pretty: true))
    }
}
