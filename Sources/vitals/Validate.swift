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
    @Option(help: "Characteristic UUID, e.g. 2A35.") var uuid: String
    @Option(help: "The value's bytes in hex.") var hex: String
    @OptionGroup var profileOptions: ProfileOptions

    func run() throws {
        let catalogue = try ProfileCatalogue.load(directory: try profileOptions.directory())
        guard let p = catalogue.profile(id: profile) else {
            FileHandle.standardError.write(Data("error: no profile '\(profile)'\n".utf8))
            throw ExitCode(1)
        }
        guard let u = BluetoothUUID(string: uuid) else {
            FileHandle.standardError.write(Data("error: '\(uuid)' is not a Bluetooth UUID\n".utf8))
            throw ExitCode(exitMalformed)
        }
        let now = Date()
        let device = DeviceIdentity(transport: p.transport, address: "00:00:00:00:00:00", profileID: p.id, manufacturer: p.manufacturer, model: p.model)
        let context = ObservationMapper.Context(subject: SubjectID("validate"), device: device, received: now)
        var readings: [Reading] = []
        do {
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
        } catch let e as ExitCode {
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
