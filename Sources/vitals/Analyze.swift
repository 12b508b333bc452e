import ArgumentParser
import Foundation
import VitalsAnalytics
import VitalsWire

/// `vitals analyze`: summary analytics over exported CSV files (issue 8).
struct Analyze: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Analyse exported CGM or blood-pressure CSV files and print JSON.",
        subcommands: [AnalyzeGlucose.self, AnalyzeBP.self])
}

/// Reads and parses a CSV file; a malformed file exits 2 naming the line (and column).
private func loadCSV(_ path: String) throws -> CSVTable {
    let data: Data
    do {
        data = try Data(contentsOf: URL(fileURLWithPath: path))
    } catch {
        FileHandle.standardError.write(Data("error: cannot read \(path): \(error.localizedDescription)\n".utf8))
        throw ExitCode.failure
    }
    do {
        return try CSVTable.parse(String(decoding: data, as: UTF8.self))
    } catch {
        failMalformed(path, error)
    }
}

private func failMalformed(_ path: String, _ error: CSVError) -> Never {
    FileHandle.standardError.write(Data("error: \(path): \(error)\n".utf8))
    Foundation.exit(exitMalformed)
}

private func number(_ v: Double?) -> JSONValue { v.map { .number(roundedTo2($0)) } ?? .null }

struct AnalyzeGlucose: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "glucose",
        abstract: "CGM metrics per id: mean, TIR/TBR/TAR, CV, GMI, data sufficiency and hypoglycaemia episodes.",
        discussion: "The CSV needs columns id, time (YYYY-MM-DD HH:MM:SS) and gl (mg/dL). Rows with a missing or non-numeric gl are skipped and counted. Percentages are by reading count, rounded to 2 decimals. A malformed file exits 2 naming the line and column.")

    @Option(help: "The CSV file.") var csv: String

    func run() throws {
        let table = try loadCSV(csv)
        let summaries: [GlucoseSummary]
        do { summaries = try GlucoseMetrics.summarize(csv: table) } catch { failMalformed(csv, error) }
        print(JSONValue.array(summaries.map(Self.json)).serialized(pretty: true))
    }

    static func json(_ s: GlucoseSummary) -> JSONValue {
        .object([
            ("id", .string(s.id)),
            ("readings", .int(Int64(s.readings))),
            ("skipped", .int(Int64(s.skipped))),
            ("mean_mg_dl", number(s.meanMgdl)),
            ("tir_pct", number(s.tirPct)),
            ("tbr70_pct", number(s.tbr70Pct)),
            ("tbr54_pct", number(s.tbr54Pct)),
            ("tar180_pct", number(s.tar180Pct)),
            ("tar250_pct", number(s.tar250Pct)),
            ("cv_pct", number(s.cvPct)),
            ("gmi_pct", number(s.gmiPct)),
            ("sufficient", .bool(s.sufficient)),
            ("hypo_episodes", .object([("level1", .int(Int64(s.hypoLevel1))), ("level2", .int(Int64(s.hypoLevel2)))])),
            ("agp", .array(s.agp.map { b in
                .object([
                    ("hour", .int(Int64(b.minuteOfDay / 60))), ("n", .int(Int64(b.count))), ("p5", number(b.p5)), ("p25", number(b.p25)),
                    ("p50", number(b.p50)), ("p75", number(b.p75)), ("p95", number(b.p95)),
                ])
            })),
        ])
    }
}

struct AnalyzeBP: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bp",
        abstract: "Blood-pressure categories (ACC/AHA 2017, ESH 2023), crises and the ESH home-monitoring protocol.",
        discussion: "The CSV needs columns time, sys and dia (pulse optional), matched case-insensitively; --columns maps them to other header names. Rows without numeric sys and dia are skipped. A malformed file exits 2 naming the line and column.")

    @Option(help: "The CSV file.") var csv: String
    @Option(help: "Header names for the fields, e.g. time=DateTime,sys=Sys.mmHg.,dia=Dias.mmHg.,pulse=Pulse.bpm.")
    var columns: String?

    func run() throws {
        let mapping: BloodPressureCategories.Columns
        do {
            mapping = try columns.map { try BloodPressureCategories.Columns(mapping: $0) } ?? .init()
        } catch {
            throw ValidationError("\(error)")
        }
        let table = try loadCSV(csv)
        let analysis: BPAnalysis
        do { analysis = try BloodPressureCategories.analyze(csv: table, columns: mapping) } catch { failMalformed(csv, error) }
        let home = analysis.homeProtocol
        let out = JSONValue.object([
            ("readings", .array(analysis.readings.map(Self.json))),
            ("crises", .array(analysis.crises.map(Self.json))),
            ("home_protocol", .object([
                ("readings", .int(Int64(home.readings))),
                ("mean_sys", number(home.meanSystolic)),
                ("mean_dia", number(home.meanDiastolic)),
                ("home_hypertension", .bool(home.homeHypertension)),
                ("sufficient", .bool(home.sufficient)),
            ])),
            ("kiosk_sittings", .array(BPProtocols.kiosk(analysis.readings.map { ($0.time, $0.systolic, $0.diastolic) }).filter(\.complete).map { k in
                .object([("start", .string(CivilTime.format(k.start))), ("readings", .int(Int64(k.readings))), ("sys", number(k.systolic)), ("dia", number(k.diastolic))])
            })),
            ("skipped", .int(Int64(analysis.skipped))),
        ])
        print(out.serialized(pretty: true))
    }

    static func json(_ r: BPReading) -> JSONValue {
        var o: [(String, JSONValue)] = [
            ("time", .string(r.timeText)),
            ("sys", .number(r.systolic)),
            ("dia", .number(r.diastolic)),
        ]
        if let p = r.pulse { o.append(("pulse", .number(p))) }
        o.append(("acc_aha_2017", .string(r.accAHA2017.rawValue)))
        o.append(("esh_2023", .string(r.esh2023.rawValue)))
        return .object(o)
    }
}
