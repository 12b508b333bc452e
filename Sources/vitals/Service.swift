import ArgumentParser
import Foundation
import Logging
import VitalsAnalytics
import VitalsCore
import VitalsProfiles
import VitalsService
import VitalsStore
import VitalsTransport
import VitalsTransportLinux

/// The database path for the maintenance commands: --db, else hub.database of --config, else vitals.sqlite.
struct StoreLocation: ParsableArguments {
    @Option(help: "The SQLite database file (default: hub.database of --config, else vitals.sqlite).") var db: String?
    @Option(help: "The hub's TOML configuration file, for its hub.database (and, for retention, retention.*).") var config: String?

    func configuration() throws -> HubConfiguration? {
        guard let config else { return nil }
        do { return try HubConfiguration.load(path: config) } catch { throw ValidationError("--config: \(error)") }
    }

    func path(_ file: HubConfiguration?) -> String { db ?? file?.database ?? "vitals.sqlite" }

    /// Opens an existing database for changes (migrating it to this build's schema).
    func openForChanges(_ file: HubConfiguration?, logger: Logger) throws -> VitalsStore {
        let p = path(file)
        guard FileManager.default.fileExists(atPath: p) else { throw ValidationError("no database at \(p)") }
        return try VitalsStore(path: p, logger: logger)
    }
}

/// `vitals subject delete`: a person's data erased from the hub.
struct SubjectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "subject", abstract: "Manage the people readings are filed under.", subcommands: [Delete.self])

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Delete every reading, waveform, alert, assignment and outbox entry of a subject, and the subject itself.",
            discussion: """
                One transaction; deleted content is overwritten (SQLite secure_delete) and the write-ahead log truncated. \
                What remains is one erasure record: the subject id, --by, the time and the counts. It refuses while \
                the hub runs on the database (systemctl stop openvitals first): a running hub keeps what it holds in \
                memory and files new readings from the subject's devices under their --subject/assignment again. Data an uplink already sent is not deleted \
                on the server.
                """)

        @Argument(help: "The subject id (as `vitals readings` and the API show it).") var id: String
        @Option(help: "Who asked for the deletion (kept in the erasure record).") var by: String
        @Flag(help: "Confirm: the deletion cannot be undone.") var yes = false
        @OptionGroup var location: StoreLocation

        func validate() throws {
            if by.trimmingCharacters(in: .whitespaces).isEmpty { throw ValidationError("--by must name who asked for the deletion") }
            if !yes { throw ValidationError("this deletes every reading of '\(id)' for good; add --yes to confirm") }
        }

        func run() async throws {
            let file = try location.configuration()
            if HubLock.isHeld(database: location.path(file)) {
                FileHandle.standardError.write(Data("""
                    error: the hub is running on \(location.path(file)) (it holds \(HubLock.path(for: location.path(file)))); \
                    stop it first (systemctl stop openvitals), or it would save this subject's analytics state back and \
                    file their new readings again; nothing was deleted

                    """.utf8))
                throw ExitCode.failure
            }
            let store = try location.openForChanges(file, logger: Logger(label: "vitals", factory: { _ in SwiftLogNoOpLogHandler() }))
            let subject = id
            let outcome = try await store.deleteSubject(subject, by: by) { _, state in
                Array(try StreamingAnalytics.forgetting(subject: subject, in: Data(state)))
            }
            switch outcome {
            case .unknownSubject:
                FileHandle.standardError.write(Data("error: no subject '\(id)' in \(location.path(nil))\n".utf8))
                throw ExitCode.failure
            case .erased(let e):
                print("deleted subject \(e.subjectID): \(e.readings) readings, \(e.waveformBlocks) waveform blocks, \(e.alerts) alerts (erasure record \(e.seq))")
                if !e.walTruncated { print("note: the write-ahead log could not be truncated now (another process reads the database); SQLite truncates it at a later checkpoint") }
            }
        }
    }
}

/// `vitals retention apply`: old data deleted once every uplink has it.
struct Retention: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Delete old readings and waveform blocks that have left the hub.", subcommands: [Apply.self])

    struct Apply: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Delete readings and waveform blocks older than --days that every uplink has acknowledged.",
            discussion: """
                Never deleted: what an uplink has not acknowledged yet, alerts (open or not) and the readings they cite, \
                re-filed readings (with their audit record), and frames that could not be decoded. With no uplink that ever \
                acknowledged anything, nothing is deleted unless --without-uplink (or retention.without_uplink) says this hub \
                sends nowhere. Each pass leaves an erasure record with the cutoff and the counts.
                """)

        @Option(help: "Keep this many days (default: retention.days of --config).") var days: Int?
        @Flag(inversion: .prefixedNo, help: "Delete by age alone when no uplink has ever acknowledged anything (default: retention.without_uplink, else off).") var withoutUplink: Bool?
        @Option(help: "Who applies it (kept in the erasure record).") var by = "vitals retention"
        @OptionGroup var location: StoreLocation

        func run() async throws {
            let file = try location.configuration()
            guard let days = days ?? file?.retentionDays, days >= 1 else { throw ValidationError("give --days N (at least 1), or retention.days in --config") }
            let store = try location.openForChanges(file, logger: Logger(label: "vitals", factory: { _ in SwiftLogNoOpLogHandler() }))
            let r = try await store.applyRetention(
                olderThan: Date().addingTimeInterval(-Double(days) * 86_400), withoutUplink: withoutUplink ?? file?.retentionWithoutUplink ?? false, by: by)
            print("deleted \(r.readings) readings and \(r.waveformBlocks) waveform blocks older than \(days) days")
            if r.keptUnsent > 0 {
                print("kept \(r.keptUnsent) older ones an uplink has not acknowledged\(r.noUplink ? " (no uplink has acknowledged anything; --without-uplink deletes by age alone)" : "")")
            }
            if r.keptCited > 0 { print("kept \(r.keptCited) older readings that an alert cites or that were re-filed") }
        }
    }
}

struct Doctor: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Report the host libraries and adapters the hub can use, and check a service installation.",
        discussion: """
            Each check prints ok, warn or fail with what to do; the exit code is 1 when any check fails. With --config \
            (or --db) it checks the configuration file, the database and its -wal/-shm files (0600, owned by this user), \
            the key files it names (bond keys, API token, uplink password, FHIR token: 0600), the state directory (not readable by \
            others), the udev rules, whether this user can open the attached USB meters, and the capabilities Bluetooth \
            needs (CAP_NET_RAW, CAP_NET_ADMIN). Run it as the service's user: sudo -u openvitals vitals doctor --config /etc/openvitals/vitals.toml
            """)

    @Option(help: "The hub's TOML configuration file.") var config: String?
    @Option(help: "The database (default: hub.database of --config).") var db: String?
    @OptionGroup var profileOptions: ProfileOptions

    func run() async throws {
        print("libusb: \(HostLibraries.libusbVersion()) (\(LinuxUSB.hasHotplug ? "hot-plug events" : "no hot-plug: polling"))")
        let devices = (try? LinuxUSB.devices()) ?? []
        let phdc = devices.filter { $0.interfaces.contains(where: \.isPHDC) }.count
        print("usb: \(devices.count) device(s), \(phdc) with a PHDC interface (vitals scan --usb lists them)")
        if let id = HostLibraries.firstBluetoothAdapter() {
            print("bluetooth: adapter hci\(id) present")
        } else {
            print("bluetooth: no HCI adapter (use --sim, or see docs/sim-link.md)")
        }

        var findings: [Finding] = []
        var file: HubConfiguration?
        if let config {
            let (f, c) = ServiceChecks.configuration(path: config)
            findings.append(f)
            file = c
        }
        if let path = db ?? file?.database {
            findings += ServiceChecks.database(path)
            if FileManager.default.fileExists(atPath: path),
               let parked = try? await VitalsStore(readingFrom: path, logger: Logger(label: "vitals", factory: { _ in SwiftLogNoOpLogHandler() })).parkedUplinkEntries() {
                findings.append(ServiceChecks.parkedUplinkEntries(parked.map { ($0.target, $0.reason) }))
            }
            findings.append(ServiceChecks.stateDirectory(URL(fileURLWithPath: path).deletingLastPathComponent().path))
            let keys = file?.bleKeys ?? path + ".ble-keys.json"
            if file?.ble == true || FileManager.default.fileExists(atPath: keys) {
                findings.append(ServiceChecks.privateFile(keys, what: "bond key file", required: false))
            }
        }
        if let token = file?.tokenFile { findings.append(ServiceChecks.privateFile(token, what: "token file", required: true)) }
        if let password = file?.uplinkPasswordFile { findings.append(ServiceChecks.privateFile(password, what: "uplink password file", required: true)) }
        if let fhirToken = file?.fhirTokenFile { findings.append(ServiceChecks.privateFile(fhirToken, what: "FHIR token file", required: true)) }

        findings.append(ServiceChecks.udevRules())
        let catalogue = try? ProfileCatalogue.load(directory: try profileOptions.directory())
        let meters = devices.filter { d in
            d.interfaces.contains(where: \.isPHDC)
                || catalogue?.match(usbVendorID: d.vendorID, productID: d.productID, interfaceClass: d.interfaces.first?.interfaceClass ?? 0,
                                    product: d.product ?? "", transport: .usb) != nil
        }
        findings += ServiceChecks.usbAccess(
            meters.map { d in
                (name: String(format: "%04x:%04x %@", d.vendorID, d.productID, d.product ?? "USB device"),
                 node: String(format: "/dev/bus/usb/%03d/%03d", d.bus, d.address))
            }, canOpen: ServiceChecks.canOpenReadWrite)
        let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
        findings.append(ServiceChecks.capabilities(status: status, needed: file?.ble == true))

        for f in findings { print(f) }
        if ServiceChecks.worst(findings) == .fail { throw ExitCode.failure }
    }
}
