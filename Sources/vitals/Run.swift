import ArgumentParser
import Foundation
import Logging
import Metrics
import Prometheus
import Synchronization
import VitalsAnalytics
import VitalsCore
import VitalsFHIR
import VitalsHTTP
import VitalsKiosk
import VitalsPipeline
import VitalsProfiles
import VitalsService
import VitalsStore
import VitalsTransport
import VitalsTransportLinux
import VitalsUplink
import VitalsWire

struct Run: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the hub: connect to devices, store their readings, raise alerts.",
        discussion: "The hub reaches devices through the simulator link (--sim SOCKET) or the host's Bluetooth adapter (--ble). Readings and alerts are printed as they arrive; SIGINT or SIGTERM stop it without losing what was received. With --config FILE the settings come from a TOML file (packaging/vitals.toml documents every key); a flag given on the command line wins over the file.")

    @Option(help: "A TOML configuration file (packaging/vitals.toml documents it). Flags given on the command line win over it; an unknown key or a wrong type is an error.") var config: String?
    @OptionGroup var radioOptions: RadioOptions
    @Flag(inversion: .prefixedNo, help: "Run the IEEE 11073-20601 manager for USB Personal Healthcare devices (libusb), alone or beside a radio (default: off).") var usb: Bool?
    @Option(help: "With --usb: exit once every USB agent has released and nothing happened for this many seconds.") var exitWhenIdle: Double?
    @Flag(inversion: .prefixedNo, help: "Let devices on a real bus or radio match simulated profiles (a device lab running firmware-sim over USB/IP or on an adapter; default: off).") var acceptSimulatedDevices: Bool?
    @Option(help: "The person readings are filed under (default: default).") var subject: String?
    @Flag(help: "Exit when the simulator says its scenario is over.") var exitWhenDone = false
    @Flag(inversion: .prefixedNo, help: "Print no per-reading lines, only the summary (default: off).") var quiet: Bool?
    @Option(help: "The SQLite database file (created, mode 0600, if missing; default: vitals.sqlite).") var db: String?
    @OptionGroup var profileOptions: ProfileOptions
    @OptionGroup var logging: LoggingOptions
    @Option(help: "Readings measured longer ago than this many minutes are recorded as historical events, not live alerts (default: 60).") var liveHorizon: Double?
    @Option(help: "Escalate an alert nobody acknowledged after this many minutes (default: 15).") var escalateAfter: Double?
    @Option(help: "POST every alert step to this URL (signed with HMAC-SHA256; the secret is read from $VITALS_WEBHOOK_SECRET).") var webhook: String?
    @Option(help: ArgumentHelp(
        "The time zone device clocks keep (IANA name, e.g. Europe/Berlin), or DEVICE=ZONE for one device (its id as `vitals devices` prints it). Repeatable.",
        discussion: "Default: this machine's zone (TZ, else /etc/localtime): devices are set to local time by their owners.")) var deviceTimeZone: [String] = []
    @Option(help: "File a device's readings under a person: DEVICE=SUBJECT, or DEVICE#USER=SUBJECT for one user of a multi-user cuff. Repeatable; wins over an assignment stored through the API (read at start). Unassigned users of a multi-user device get SUBJECT/user-N.") var assign: [String] = []
    @Option(help: "Also serve the HTTP API (as vitals serve) on HOST:PORT while the hub runs; /metrics then includes the hub's own metrics.") var http: String?
    @Flag(inversion: .prefixedNo, help: "Kiosk mode: one walk-in patient at a time, guided by the kiosk screen through the API (needs --http). Readings are filed under the current session (kiosk/<id>) only after its consent, otherwise under kiosk/no-session.") var kiosk: Bool?
    @Option(help: "With --kiosk: the seated rest before the first blood-pressure reading, in seconds (guidelines and default: 300; shorter only for demonstrations and tests).") var kioskRestSeconds: Double?
    @Option(help: "With --kiosk: the wait between blood-pressure readings, in seconds (guidelines and default: 60).") var kioskIntervalSeconds: Double?
    @OptionGroup var webOptions: WebOptions
    @Option(help: "With --http: a file (mode 0600) holding the API token. Default: $\(APIToken.environmentVariable), if set. A non-loopback HOST requires one.") var tokenFile: String?
    @Option(help: "Send every stored reading to a central PostgreSQL: postgres://USER@HOST:PORT/DB. The password comes from $\(uplinkPasswordVariable) or --uplink-password-file, never from the URL.") var uplink: String?
    @Option(help: "With --uplink: a file (mode 0600) holding the server password (its first line).") var uplinkPasswordFile: String?
    @Option(help: "With --uplink or --fhir-push: this hub's id on the server (default: the random id the store made for this hub).") var hubID: String?
    @Option(help: "Send every stored reading and ECG block to a FHIR R4 server: its base URL, taking transaction Bundles (as vitals export fhir --push). A bearer token comes from $VITALS_FHIR_TOKEN or --fhir-token-file.") var fhirPush: String?
    @Option(help: "With --fhir-push: a file (mode 0600) holding the bearer token (its first line).") var fhirTokenFile: String?
    @Option(help: "Delete readings and waveform blocks older than this many days, once every uplink has them (checked at start and then every retention.every_hours, default 24). Alerts and the readings they cite are kept.") var retentionDays: Int?

    /// Settings only the configuration file carries.
    var retentionWithoutUplink = false
    var retentionEveryHours: Double = 24

    var useUSB: Bool { usb ?? false }
    var subjectID: String { subject ?? "default" }
    var dbPath: String { db ?? "vitals.sqlite" }
    var isKiosk: Bool { kiosk ?? false }

    enum CodingKeys: String, CodingKey {
        case config, radioOptions, usb, exitWhenIdle, acceptSimulatedDevices, subject, exitWhenDone, quiet, db, profileOptions, logging
        case liveHorizon, escalateAfter, webhook, deviceTimeZone, assign, http, kiosk, kioskRestSeconds, kioskIntervalSeconds, webOptions
        case tokenFile, uplink, uplinkPasswordFile, hubID, fhirPush, fhirTokenFile, retentionDays
    }

    /// Fills every setting not given on the command line from the configuration file.
    mutating func applyConfiguration() throws {
        guard let config else { return }
        let file: HubConfiguration
        do { file = try HubConfiguration.load(path: config) } catch { throw ValidationError("--config: \(error)") }
        if radioOptions.sim == nil && !radioOptions.ble {
            radioOptions.sim = file.sim
            radioOptions.ble = file.ble ?? false
        }
        if radioOptions.adapter == nil { radioOptions.adapter = file.adapter.map { Int32($0) } }
        if file.pairingAgent == false { radioOptions.noPairingAgent = true }
        if radioOptions.bleKeys == nil { radioOptions.bleKeys = file.bleKeys }
        if radioOptions.blePasskeyFile == nil { radioOptions.blePasskeyFile = file.blePasskeyFile }
        if file.ignoreBluetoothd == true { radioOptions.ignoreBluetoothd = true }
        usb = usb ?? file.usb
        acceptSimulatedDevices = acceptSimulatedDevices ?? file.acceptSimulatedDevices
        subject = subject ?? file.subject
        quiet = quiet ?? file.quiet
        db = db ?? file.database
        if profileOptions.profiles == nil { profileOptions.profiles = file.profiles }
        if webOptions.web == nil { webOptions.web = file.web }
        if logging.logLevel == nil { logging.logLevel = file.logLevel.flatMap(Logger.Level.init(rawValue:)) }
        liveHorizon = liveHorizon ?? file.liveHorizonMinutes
        escalateAfter = escalateAfter ?? file.escalateAfterMinutes
        webhook = webhook ?? file.webhook
        if deviceTimeZone.isEmpty { deviceTimeZone = file.deviceTimeZones ?? [] }
        if assign.isEmpty { assign = file.assign ?? [] }
        http = http ?? file.httpListen
        tokenFile = tokenFile ?? file.tokenFile
        kiosk = kiosk ?? file.kiosk
        kioskRestSeconds = kioskRestSeconds ?? file.kioskRestSeconds
        kioskIntervalSeconds = kioskIntervalSeconds ?? file.kioskIntervalSeconds
        uplink = uplink ?? file.uplink
        uplinkPasswordFile = uplinkPasswordFile ?? file.uplinkPasswordFile
        hubID = hubID ?? file.hubID
        fhirPush = fhirPush ?? file.fhirPush
        fhirTokenFile = fhirTokenFile ?? file.fhirTokenFile
        retentionDays = retentionDays ?? file.retentionDays
        retentionWithoutUplink = file.retentionWithoutUplink ?? false
        retentionEveryHours = file.retentionEveryHours ?? 24
    }

    mutating func validate() throws {
        try applyConfiguration()
        if let webhook, URL(string: webhook)?.scheme.map({ ["http", "https"].contains($0) }) != true { throw ValidationError("--webhook must be an http(s) URL") }
        if webhook != nil, (ProcessInfo.processInfo.environment["VITALS_WEBHOOK_SECRET"] ?? "").isEmpty {
            throw ValidationError("--webhook needs the shared secret in $VITALS_WEBHOOK_SECRET")
        }
        if (liveHorizon ?? 60) <= 0 || (escalateAfter ?? 15) <= 0 { throw ValidationError("--live-horizon and --escalate-after must be positive") }
        if !useUSB || radioOptions.sim != nil || radioOptions.ble { try radioOptions.check() }
        if exitWhenIdle != nil && !useUSB { throw ValidationError("--exit-when-idle applies to --usb") }
        if subjectID.isEmpty { throw ValidationError("--subject must not be empty") }
        if let retentionDays, retentionDays < 1 { throw ValidationError("--retention-days must be at least 1") }
        if let http { _ = try hostAndPort(http) }
        if tokenFile != nil && http == nil { throw ValidationError("--token-file applies to --http") }
        if isKiosk && http == nil { throw ValidationError("--kiosk needs --http HOST:PORT: the kiosk screen works through the API") }
        if (kioskRestSeconds ?? 0) < 0 || (kioskIntervalSeconds ?? 0) < 0 { throw ValidationError("--kiosk-rest-seconds and --kiosk-interval-seconds must not be negative") }
        if let uplink {
            do { _ = try UplinkConfiguration.parse(url: uplink, hubID: "-") } catch { throw ValidationError("--uplink: \(error)") }
        }
        if uplinkPasswordFile != nil && uplink == nil { throw ValidationError("--uplink-password-file applies to --uplink") }
        if hubID != nil && uplink == nil && fhirPush == nil { throw ValidationError("--hub-id applies to --uplink and --fhir-push") }
        if let fhirPush, URL(string: fhirPush)?.scheme.map({ ["http", "https"].contains($0) }) != true { throw ValidationError("--fhir-push must be an http(s) URL") }
        if fhirTokenFile != nil && fhirPush == nil { throw ValidationError("--fhir-token-file applies to --fhir-push") }
        if isKiosk && !assign.isEmpty { throw ValidationError("--assign does not apply to --kiosk: a kiosk files readings under the current walk-in session") }
    }

    func run() async throws {
        let api = try http.map { (text: String) throws -> APIConfiguration in
            let (host, port) = try hostAndPort(text)
            return try apiConfiguration(host: host, port: port, tokenFile: tokenFile)
        }
        let logger = logging.bootstrap()
        let catalogue: ProfileCatalogue
        do { catalogue = try ProfileCatalogue.load(directory: try profileOptions.directory()) } catch let e as ProfileError {
            FileHandle.standardError.write(Data("error: device profile refused: \(e)\n".utf8))
            throw ExitCode(exitMalformed)
        }
        let store = try VitalsStore(path: dbPath, logger: logger)
        // Held until this process ends: `vitals subject delete` refuses while it is.
        if HubLock.hold(database: dbPath) == nil {
            logger.warning("another process holds \(HubLock.path(for: dbPath)): is a second hub running on this database?")
        }
        let console = ConsoleReporter(quiet: quiet ?? false)
        let usbSource: USBHostService.Source?
        if useUSB {
            let monitor = Mutex<LinuxUSBMonitor?>(nil)
            usbSource = USBHostService.Source(
                events: {
                    let m = try LinuxUSBMonitor(logger: logger)
                    monitor.withLock { $0 = m }
                    return m.events
                },
                open: { d in try LinuxUSBBulkLink(device: d, logger: logger) },
                stop: { monitor.withLock { $0?.stop() } })
        } else {
            usbSource = nil
        }
        let hasRadio = radioOptions.sim != nil || radioOptions.ble
        var central = BLECentralService.Configuration(subject: SubjectID(subjectID), exitWhenScenarioEnds: exitWhenDone)
        central.acceptSimulatedProfiles = acceptSimulatedDevices ?? false
        central.deviceTimeZone = TimeZone.current
        for z in deviceTimeZone {
            let (device, name) = z.lastIndex(of: "=").map { (String(z[..<$0]), String(z[z.index(after: $0)...])) } ?? ("", z)
            guard let zone = TimeZone(identifier: name) else { throw ValidationError("--device-time-zone: '\(name)' is not a time zone name (e.g. Europe/Berlin, UTC)") }
            if device.isEmpty { central.deviceTimeZone = zone } else { central.deviceTimeZones[device] = zone }
        }
        // Assignments stored through the API (PUT /api/v1/devices/{id}/assignment), as the hub starts; --assign wins.
        var subjects = try await store.subjectAssignment(defaultSubject: SubjectID(subjectID))
        for a in assign {
            do { try subjects.add(a) } catch { throw ValidationError("--assign: \(error)") }
        }
        var configuration = HubPipeline.Configuration(
            central: central,
            usbExitWhenIdle: exitWhenIdle.map { .milliseconds(Int($0 * 1000)) }, usbAcceptSimulatedProfiles: acceptSimulatedDevices ?? false)
        configuration.subjects = subjects
        var kioskConfiguration = KioskSession.Configuration()
        kioskConfiguration.restSeconds = kioskRestSeconds ?? 300
        kioskConfiguration.readingIntervalSeconds = kioskIntervalSeconds ?? 60
        let desk = isKiosk ? KioskDesk(configuration: kioskConfiguration) : nil
        if let desk { configuration.subjects = desk }
        configuration.analytics.liveHorizon = (liveHorizon ?? 60) * 60
        configuration.analytics.escalateAfter = (escalateAfter ?? 15) * 60
        if let webhook, let url = URL(string: webhook) {
            configuration.webhook = WebhookDelivery(url: url, secret: Array((ProcessInfo.processInfo.environment["VITALS_WEBHOOK_SECRET"] ?? "").utf8))
        }
        // With --http, the hub's metrics go to the registry the API's /metrics serves.
        var metricsFactory: any MetricsFactory = MetricsSystem.factory
        let live = api == nil ? nil : LiveFeed()
        if let api {
            let registry = PrometheusCollectorRegistry()
            metricsFactory = PrometheusMetricsFactory(registry: registry)
            configuration.surfaces.append(try VitalsAPI.application(
                store: store, configuration: api, registry: registry, logger: logger, kiosk: desk, live: live, web: webOptions.ui(),
                onServerRunning: { address in announce(address, token: api.token != nil) }))
        }
        if let uplink {
            let storeHubID = try await store.hubID()
            var u = try UplinkConfiguration.parse(url: uplink, hubID: hubID ?? storeHubID)
            if let uplinkPasswordFile {
                do { u.password = try UplinkConfiguration.readPasswordFile(uplinkPasswordFile) } catch { throw ValidationError("--uplink-password-file: \(error)") }
            } else {
                u.password = ProcessInfo.processInfo.environment[uplinkPasswordVariable]
            }
            // Registered before any service starts, so retention holds back for it from the first moment.
            try await store.registerUplink(target: u.target, at: Date())
            configuration.surfaces.append(UplinkService(store: store, configuration: u, logger: logger))
        }
        if let fhirPush, let url = URL(string: fhirPush) {
            var token = ProcessInfo.processInfo.environment["VITALS_FHIR_TOKEN"]
            if let fhirTokenFile {
                do { token = try UplinkConfiguration.readPasswordFile(fhirTokenFile) } catch { throw ValidationError("--fhir-token-file: \(error)") }
            }
            let storeHubID = try await store.hubID()
            let gateway = FHIRGateway(id: hubID ?? storeHubID)
            let sink = FHIRUplink(client: FHIRClient(transport: URLSessionFHIRTransport(url: url, bearerToken: token)),
                                  target: FHIRUplink.target(for: url), gateway: gateway)
            try await store.registerUplink(target: sink.target, at: Date())
            // A transaction Bundle per 100 outbox entries: a few hundred resources, well within what servers take.
            configuration.surfaces.append(FHIRUplinkService(store: store, sink: sink, schedule: ForwardingSchedule(batchSize: 100), logger: logger))
        }
        if let retentionDays {
            configuration.surfaces.append(RetentionService(
                store: store, policy: .init(days: retentionDays, withoutUplink: retentionWithoutUplink, every: .seconds(Int(retentionEveryHours * 3600))),
                logger: logger))
        }
        let pipeline = HubPipeline(
            configuration: configuration,
            radio: hasRadio ? radioOptions.factory(logger: logger, defaultBondKeys: dbPath + ".ble-keys.json") : nil, usb: usbSource,
            catalogue: catalogue, store: store, logger: logger, metrics: metricsFactory
        ) { event in
            console.report(event)
            // The kiosk counts what its current session's devices measured, once it is stored.
            switch event {
            case .stored(let r): desk?.take(r, now: Date())
            case .waveformStored(let b): desk?.take(b, now: Date())
            default: break
            }
            // The dashboard's live view (GET /api/v1/events): stored readings and every alert step.
            switch event {
            case .stored(let r): live?.publish(reading: r)
            case .alert(let a): live?.publish(alert: a, kind: a.historical ? AlertTransitionKind.recorded.rawValue : AlertTransitionKind.raised.rawValue, at: a.raisedAt)
            case .alertUpdate(let t): live?.publish(alert: t.alert, kind: t.kind.rawValue, at: t.at)
            default: break
            }
        }
        try await pipeline.run()
        let t = pipeline.totals.value
        print("summary: \(t.received) readings received, \(t.stored) stored, \(t.duplicates) duplicates ignored, \(t.rejected) rejected, \(t.alerts) alerts raised\(t.waveformSamples > 0 ? ", \(t.waveformSamples) waveform samples stored" : "")")
    }
}

/// Where `vitals run --uplink` reads the server password from when no file is given.
let uplinkPasswordVariable = "VITALS_UPLINK_PASSWORD"

/// Plain-words lines for a person watching the hub.
struct ConsoleReporter: Sendable {
    var quiet: Bool

    static func time(_ d: Date) -> String {
        d.formatted(Date.VerbatimFormatStyle(
            format: "\(year: .defaultDigits)-\(month: .twoDigits)-\(day: .twoDigits) \(hour: .twoDigits(clock: .twentyFourHour, hourCycle: .zeroBased)):\(minute: .twoDigits) UTC",
            timeZone: TimeZone(identifier: "UTC")!, calendar: Calendar(identifier: .gregorian)))
    }

    static func number(_ v: Double?) -> String {
        guard let v else { return "—" }
        return v == v.rounded() ? String(Int(v)) : String(format: "%.1f", v)
    }

    /// `[#####     ] 400/1000`
    static func bar(_ done: Int, of total: Int) -> String {
        let width = 20
        let filled = total == 0 ? width : min(width, done * width / total)
        return "[" + String(repeating: "#", count: filled) + String(repeating: " ", count: width - filled) + "] \(done)/\(total) records"
    }

    static func describe(_ r: Reading) -> String {
        switch r.kind {
        case .bloodPressure:
            var s = "blood pressure \(number(r.observation(.systolic)?.value))/\(number(r.observation(.diastolic)?.value)) mmHg"
            if let p = r.observation(.pulseRateNonInvasive) { s += ", pulse \(number(p.value))/min" }
            return s
        case .glucose:
            let o = r.observations.first
            var s = switch o?.state {
            case .negativeInfinity?: "glucose LOW (below what the device can measure)"
            case .positiveInfinity?: "glucose HIGH (above what the device can measure)"
            default: "glucose \(number(o?.value)) mg/dL"
            }
            if let seq = r.sequence { s += " (record \(seq))" }
            return s
        case .heartRate:
            return "heart rate \(number(r.observation(.heartRate)?.value))/min"
        case .spo2:
            return "SpO2 \(number(r.observation(.spo2)?.value)) %, pulse \(number(r.observation(.pulseOximeterRate)?.value))/min"
        case .ecg:
            return r.kind.rawValue
        case .temperature:
            let o = r.observations.first
            return "temperature \(number(o?.value)) \(o?.unit.code == "Cel" ? "°C" : o?.unit.code ?? "")"
        case .weight:
            let o = r.observations.first
            return "weight \(number(o?.value)) \(o?.unit.code ?? "")"
        }
    }

    func report(_ e: PipelineEvent) {
        switch e {
        case .deviceConnected(let d, let name, let grade):
            if !quiet { print("connected   \(d.address)  \(name)  [grade: \(grade.rawValue)]") }
        case .deviceIdentified(let d, let name, let grade):
            if !quiet { print("identified  \(d.address)  \(name)  [grade: \(grade.rawValue)]") }
        case .deviceDisconnected(let d, let reason):
            if !quiet { print("disconnected \(d.address)  (\(reason))") }
        case .transferComplete(let d, let detail):
            if !quiet { print("transfer    \(d.address)  \(detail)") }
        case .transferProgress(let d, let received, let expected):
            if !quiet { print("download    \(d.address)  \(Self.bar(received, of: expected))") }
        case .stored(let r):
            if quiet { return }
            let flags = r.flags.isEmpty ? "" : "  flags: " + r.flags.sorted().map(\.rawValue).joined(separator: ", ")
            print("reading     \(Self.describe(r)), measured \(Self.time(r.effectiveTime)), saved\(flags)")
        case .duplicate(let r):
            if !quiet { print("duplicate   \(Self.describe(r)) already stored; ignored") }
        case .rejected(let d, let source, let error):
            print("rejected    \(d.address) \(source): \(error) (raw bytes kept)")
        case .alert(let a) where a.historical:
            print("EVENT       \(a.severity.rawValue.uppercased()) (historical, measured \(Self.time(a.effectiveTime))): \(a.message)")
        case .alert(let a):
            print("ALERT       \(a.severity.rawValue.uppercased()): \(a.message)  [\(a.id)]")
        case .alertUpdate(let t):
            if t.alert.historical { return }
            print("ALERT \(t.kind.rawValue.uppercased().padding(toLength: 11, withPad: " ", startingAt: 0))\(t.alert.severity.rawValue.uppercased()): \(t.alert.ruleID)\(t.detail.isEmpty ? "" : " (" + t.detail + ")")  [\(t.alert.id)]")
        case .waveformStored: break
        case .deviceClock(let d, let offset, let set):
            if !quiet, abs(offset) > 60 {
                print("clock       \(d.address)  device clock \(offset > 0 ? "ahead" : "behind") by \(Int(abs(offset) / 60)) min\(set ? "; set to the hub's time" : "")")
            }
        case .scenarioEnded:
            if !quiet { print("simulator   scenario finished") }
        }
    }
}

/// Which radio the hub uses: the simulator link or a Linux Bluetooth adapter.
struct RadioOptions: ParsableArguments {
    @Option(help: "Simulator link socket (firmware-sim run … --socket).") var sim: String?
    @Flag(help: "Use the host's Bluetooth adapter (raw HCI scanning, L2CAP ATT sockets).") var ble = false
    @Option(help: "Bluetooth adapter number, as in hciN (default: the first).") var adapter: Int32?
    @Flag(help: "With --ble: leave pairing to bluetoothd instead of answering the kernel's pairing requests here.") var noPairingAgent = false
    @Option(help: "With --ble: the file (mode 0600) that keeps bonded devices' keys. Default for `run`: the database path + .ble-keys.json.") var bleKeys: String?
    @Option(help: "With --ble: the fixed PIN of a device that pairs with passkey entry, ADDRESS=PIN (up to 6 digits). Repeatable. A command line is visible to other users of the host: prefer --ble-passkey-file.") var blePasskey: [String] = []
    @Option(help: "With --ble: a file (mode 0600 or stricter) of ADDRESS=PIN lines, one per device that pairs with passkey entry.") var blePasskeyFile: String?
    @Flag(help: "With --ble: start the pairing agent even though bluetoothd seems to manage the adapter (see docs/ble-linux.md).") var ignoreBluetoothd = false

    /// Called by the commands that need a radio (not by ArgumentParser: `scan --usb` needs none).
    func check() throws {
        if sim == nil && !ble {
            throw ValidationError("no transport given: pass --sim SOCKET (firmware-sim) or --ble (the host's Bluetooth adapter)")
        }
        if sim != nil && ble { throw ValidationError("choose one of --sim and --ble") }
        if !blePasskey.isEmpty || blePasskeyFile != nil {
            guard ble && !noPairingAgent else { throw ValidationError("--ble-passkey and --ble-passkey-file need --ble and the pairing agent") }
            _ = try passkeyBook()
        }
    }

    /// The configured PINs; errors never repeat a PIN.
    func passkeyBook() throws -> PasskeyBook {
        var book = PasskeyBook()
        do {
            for entry in blePasskey { try book.add(entry) }
            if let blePasskeyFile { try book.load(path: blePasskeyFile) }
        } catch {
            throw ValidationError(error.description)
        }
        return book
    }

    /// `defaultBondKeys`: where `run` keeps bond keys when --ble-keys is not given (nil: kept in the kernel only).
    func factory(logger: Logger, defaultBondKeys: String? = nil, pairing: Bool = true) -> BLECentralService.RadioFactory {
        if let sim {
            return { try await SimRadio.connect(path: sim, timeout: .seconds(10), logger: logger) }
        }
        let adapter = adapter
        let agent = pairing && !noPairingAgent
        let keys = (bleKeys ?? defaultBondKeys).map { BondKeyFile(url: URL(fileURLWithPath: $0)) }
        let ignoreBluetoothd = ignoreBluetoothd
        let options = self
        return {
            let passkeys = agent ? try options.passkeyBook() : PasskeyBook()
            return try LinuxBLERadio(adapter: adapter, logger: logger, pairingAgent: agent, bondKeys: keys, passkeys: passkeys) { id, address in
                try Self.checkBluetoothd(BluetoothdCheck().verdict(adapter: address), adapter: id, ignore: ignoreBluetoothd, logger: logger)
            }
        }
    }

    /// Keeps the pairing agent off an adapter bluetoothd manages (`BluetoothdCheck`), unless told to ignore it.
    static func checkBluetoothd(_ verdict: BluetoothdCheck.Verdict, adapter: Int32, ignore: Bool, logger: Logger) throws {
        switch verdict {
        case .notRunning:
            break
        case .manages(let pid, let reason):
            if ignore {
                logger.warning("bluetoothd seems to manage this adapter; starting the pairing agent anyway (--ignore-bluetoothd)", metadata: ["adapter": "hci\(adapter)", "bluetoothd.pid": "\(pid)", "reason": "\(reason)"])
                return
            }
            throw ValidationError("""
                bluetoothd (pid \(pid)) manages hci\(adapter): \(reason). The hub's pairing agent would replace its bond keys \
                on that adapter and answer its pairings. Give the hub an adapter bluetoothd leaves alone (MaxControllers in \
                /etc/bluetooth/main.conf; docs/ble-linux.md), or pass --no-pairing-agent to leave pairing to bluetoothd, or \
                --ignore-bluetoothd if bluetoothd does not in fact manage hci\(adapter).
                """)
        case .limitedElsewhere(let pid, let limit):
            logger.notice("bluetoothd is running but limited to \(limit) controller(s) and keeps no state for this adapter: taking it as the hub's", metadata: ["adapter": "hci\(adapter)", "bluetoothd.pid": "\(pid)"])
        }
    }
}

struct Scan: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List BLE devices in range, with the device profile each matches; with --usb, the USB devices attached.")
    @OptionGroup var radioOptions: RadioOptions
    @OptionGroup var profileOptions: ProfileOptions
    @Option(help: "How long to listen, in seconds.") var seconds: Double = 5
    @Flag(help: "JSON output.") var json = false
    @Flag(help: "List USB devices (through libusb) instead of scanning BLE.") var usb = false

    func validate() throws {
        if !usb { try radioOptions.check() }
    }

    struct Seen: Encodable {
        var address: String
        var name: String?
        var rssi: Int
        var services: [String]
        var profile: String?
        var grade: String?
    }

    func run() async throws {
        if usb { return try USBScan.run(json: json, catalogue: try? ProfileCatalogue.load(directory: try profileOptions.directory())) }
        let logger = Logger(label: "vitals", factory: { _ in SwiftLogNoOpLogHandler() })
        let catalogue = try ProfileCatalogue.load(directory: try profileOptions.directory())
        let radio = try await radioOptions.factory(logger: logger, pairing: false)()
        try radio.startScan()
        let transport = radio.transport
        var seen: [String: Seen] = [:]
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                try await Task.sleep(for: .milliseconds(Int(seconds * 1000)))
                radio.close()
            }
            for try await e in radio.events {
                radio.consumed(e)
                guard case .advertisement(let address, _, let rssi, let data) = e, let ad = try? AdvertisingData(bytes: data) else { continue }
                let p = catalogue.match(advertisement: ad, transport: transport)
                seen[address.description] = Seen(address: address.description, name: ad.localName, rssi: Int(rssi), services: ad.serviceUUIDs.map(\.description), profile: p?.id, grade: p?.grade.rawValue)
            }
            group.cancelAll()
        }
        let list = seen.values.sorted { $0.address < $1.address }
        if json { return try printJSON(list) }
        if list.isEmpty { print("no devices seen in \(seconds) s") }
        for d in list {
            print("\(d.address)  \(d.name ?? "(no name)")  rssi \(d.rssi)  services \(d.services.joined(separator: ","))  profile \(d.profile.map { "\($0) [\(d.grade ?? "")]" } ?? "none")")
        }
    }
}
