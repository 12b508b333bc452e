import ArgumentParser
import Foundation
import VitalsFHIR
import VitalsStore

struct Export: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Export stored data in a standard format.", subcommands: [ExportFHIR.self])
}

struct ExportFHIR: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fhir",
        abstract: "Write stored readings, ECG blocks and devices as a FHIR R4 transaction Bundle (HL7 Personal Health Device IG).",
        discussion: """
            Every reading becomes an Observation (a cuff reading a compound blood-pressure Observation plus its pulse), every \
            waveform block an Observation with SampledData, every device a PhdDevice and the hub a PhgDevice. Entries are \
            conditional creates with deterministic urn:uuid full URLs, so posting the same Bundle twice stores nothing new. \
            The output file is created with mode 0600. The mapping is in docs/fhir.md.
            """)

    @OptionGroup var database: DatabaseOptions
    @Option(help: "Only this person's readings and blocks.") var subject: String?
    @Option(help: "Only what was measured at or after this time (ISO 8601: 2026-11-22T00:00:00Z, or a date, read as UTC midnight).")
    var since: String?
    @Option(help: "Write the Bundle to this file (mode 0600) instead of standard output.") var out: String?
    @Option(help: "A stable id for this hub, used in its PhgDevice identifiers.") var gatewayID: String = "openvitals-hub"
    @Option(help: "POST the Bundle to this FHIR server base URL (a transaction) instead of writing it; a bearer token is read from $VITALS_FHIR_TOKEN if set.")
    var push: String?

    static func parseTime(_ text: String) -> Date? {
        let full = ISO8601DateFormatter()
        if let d = full.date(from: text) { return d }
        full.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let d = full.date(from: text) { return d }
        let day = ISO8601DateFormatter()
        day.formatOptions = [.withFullDate]
        return day.date(from: text)
    }

    func validate() throws {
        if let since, Self.parseTime(since) == nil { throw ValidationError("--since \(since) is not an ISO 8601 time or date") }
        if let push, URL(string: push)?.scheme.map({ ["http", "https"].contains($0) }) != true { throw ValidationError("--push must be an http(s) URL") }
        if push != nil && out != nil { throw ValidationError("--push and --out: choose one") }
    }

    func run() async throws {
        let sinceDate = since.flatMap(Self.parseTime)
        let store = try database.openForReading()
        let readings = try await store.readings(subject: subject, since: sinceDate, limit: Int(Int64.max))
        let blocks = try await store.waveformBlockRecords(subject: subject, since: sinceDate)
        let devices = try await store.devices()
        let bundle = FHIRExport(gateway: FHIRGateway(id: gatewayID)).bundle(devices: devices, readings: readings, blocks: blocks)
        let text = bundle.serialized(pretty: true) + "\n"
        let entries = bundle["entry"].map { if case .array(let a) = $0 { a.count } else { 0 } } ?? 0
        if let push, let url = URL(string: push) {
            try await Self.push(bundle, entries: entries, to: url)
            return
        }
        guard let out else {
            FileHandle.standardOutput.write(Data(text.utf8))
            return
        }
        try Self.writePrivate(Data(text.utf8), to: out)
        // Counts only: the Bundle itself is patient data and goes to the file, never to the log.
        FileHandle.standardError.write(Data("wrote \(entries) entries (\(readings.count) readings, \(blocks.count) waveform blocks) to \(out)\n".utf8))
    }

    /// POSTs the transaction to the server's base URL and checks its transaction-response. Every entry is a
    /// conditional create, so sending again after a failure (or twice) stores nothing twice. Exits 1 when the server
    /// did not take the whole transaction, saying why; only counts are printed, never the data.
    static func push(_ bundle: JSONValue, entries: Int, to url: URL) async throws {
        let token = ProcessInfo.processInfo.environment["VITALS_FHIR_TOKEN"]
        let client = FHIRClient(transport: URLSessionFHIRTransport(url: url, bearerToken: token))
        do {
            let r = try await client.transaction(bundle)
            FileHandle.standardError.write(Data("pushed \(entries) entries to \(url.absoluteString): \(r.created) created, \(r.alreadyPresent) already there\n".utf8))
        } catch {
            FileHandle.standardError.write(Data("error: \(error) at \(url.absoluteString); nothing is marked sent, push again\n".utf8))
            throw ExitCode.failure
        }
    }

    /// Writes `data` to `path` through a 0600 temporary file beside it, renamed over the target once complete.
    static func writePrivate(_ data: Data, to path: String) throws {
        let tmp = path + ".tmp-\(getpid())"
        let fd = open(tmp, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw ValidationError("cannot create \(tmp): \(String(cString: strerror(errno)))") }
        var ok = fchmod(fd, 0o600) == 0
        data.withUnsafeBytes { raw in
            var offset = 0
            while ok, offset < raw.count {
                let n = write(fd, raw.baseAddress! + offset, raw.count - offset)
                if n <= 0 { ok = false } else { offset += n }
            }
        }
        ok = ok && fsync(fd) == 0
        let err = errno
        close(fd)
        guard ok, rename(tmp, path) == 0 else {
            unlink(tmp)
            throw ValidationError("cannot write \(path): \(String(cString: strerror(ok ? errno : err)))")
        }
    }
}
