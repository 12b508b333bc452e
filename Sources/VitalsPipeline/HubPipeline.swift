import Foundation
import Logging
import Metrics
import ServiceLifecycle
import Synchronization
import UnixSignals
import VitalsAnalytics
import VitalsCore
import VitalsProfiles
import VitalsStore
import VitalsValidation

/// The hub: transport and driver → validation → store → analytics → surfaces, each a Service, joined by
/// bounded channels. SIGINT/SIGTERM stop the transport first; every later stage drains what it was handed.
public struct HubPipeline: Sendable {
    public struct Configuration: Sendable {
        public var central: BLECentralService.Configuration
        /// Items each hand-off between stages holds. The store stage commits what is waiting (up to 256) in one
        /// transaction, so under a backlog (a meter's two-week upload, many devices reconnecting) a channel that holds
        /// 256 lets it commit 256 at a time: in `make bench` (ingest) that took the hub path from 0.72 to 0.88–0.90
        /// of raw SQLite at synchronous=FULL, against 64 before. Without a backlog batches stay small.
        public var channelCapacity: Int
        public static let defaultChannelCapacity = 256
        /// USB: end once every agent has released and nothing happened for this long (nil: run until stopped).
        public var usbExitWhenIdle: Duration?
        /// USB devices may match simulated profiles (a device lab's USB/IP rig).
        public var usbAcceptSimulatedProfiles: Bool
        /// The streaming analytics (live horizon, lateness, escalation).
        public var analytics = StreamingConfiguration()
        /// Live view of alert transitions.
        public var alertFeed: AlertFeed?
        /// Deliver every stored alert step to this webhook (channel "webhook"), at least once.
        public var webhook: WebhookDelivery?
        /// Which person each device's readings are filed under; nil: the central's subject, one per user of a
        /// multi-user device (`SubjectAssignment`). A kiosk files them under its current walk-in session.
        public var subjects: (any SubjectFiling)?
        /// More services that run with the hub and stop with it, such as the HTTP API over the same store.
        /// They are stopped last, after every stage has drained.
        public var surfaces: [any Service] = []
        public init(central: BLECentralService.Configuration, channelCapacity: Int = defaultChannelCapacity, usbExitWhenIdle: Duration? = nil, usbAcceptSimulatedProfiles: Bool = false) {
            self.central = central
            self.channelCapacity = channelCapacity
            self.usbExitWhenIdle = usbExitWhenIdle
            self.usbAcceptSimulatedProfiles = usbAcceptSimulatedProfiles
        }
    }

    public let store: VitalsStore
    public let totals = TotalsBox()
    private let group = GroupBox()
    let services: [any Service]
    let logger: Logger

    public init(
        configuration: Configuration, radio: BLECentralService.RadioFactory?, usb: USBHostService.Source? = nil, catalogue: ProfileCatalogue,
        store: VitalsStore, logger: Logger,
        metrics: any MetricsFactory = MetricsSystem.factory, now: @escaping @Sendable () -> Date = { Date() },
        sink: @escaping @Sendable (PipelineEvent) async -> Void
    ) {
        let cap = configuration.channelCapacity
        precondition(radio != nil || usb != nil, "the hub needs a radio or a USB source")
        // Each transport sends into the same channel; it ends when the last of them ends.
        let decoded = BoundedChannel<IngestItem>(capacity: cap, producers: (radio == nil ? 0 : 1) + (usb == nil ? 0 : 1))
        let validated = BoundedChannel<IngestItem>(capacity: cap)
        let stored = BoundedChannel<Reading>(capacity: cap)
        // Events come from analytics and from the ECG rhythm analysis; the reporter sees the end after both.
        let events = BoundedChannel<PipelineEvent>(capacity: cap, producers: 2)
        let waveforms = BoundedChannel<SampleBlock>(capacity: cap)
        self.store = store
        self.logger = logger
        var transports: [any Service] = []
        if let radio {
            transports.append(BLECentralService(config: configuration.central, radio: radio, catalogue: catalogue, store: store, output: decoded, logger: logger, metrics: metrics, now: now))
        }
        if let usb {
            transports.append(USBHostService(
                config: .init(central: configuration.central, exitWhenIdle: configuration.usbExitWhenIdle, acceptSimulatedProfiles: configuration.usbAcceptSimulatedProfiles), source: usb, catalogue: catalogue, store: store,
                output: decoded, logger: logger, metrics: metrics, now: now))
        }
        let validation = ValidationService(
            validator: ReadingValidator(catalogue: catalogue),
            subjects: configuration.subjects ?? SubjectAssignment(defaultSubject: configuration.central.subject), input: decoded, output: validated)
        var record = RecordService(store: store, input: validated, output: stored, events: events, logger: logger, metrics: metrics)
        record.waveforms = waveforms
        let ecg = ECGAnalysisService(
            store: store, catalogue: catalogue, input: waveforms, events: events, logger: logger, now: now,
            escalateAfter: configuration.analytics.escalateAfter, maxEscalations: configuration.analytics.maxEscalations, metrics: metrics)
        let analytics = AnalyticsService(
            rules: AlertRules(), store: store, input: stored, events: events, metrics: metrics, now: now, configuration: configuration.analytics,
            feed: configuration.alertFeed, logger: logger)
        let reporter = ReporterService(input: events, totals: totals, sink: sink)
        var delivery: [any Service] = []
        if let hook = configuration.webhook {
            delivery.append(AlertDeliveryService(store: store, channel: "webhook", logger: logger) { try await hook.send($0) })
        }
        // Listed downstream first: the group shuts services down in reverse order, so the transport stops first.
        services = configuration.surfaces + delivery + [reporter, ecg, analytics, record, validation] + transports
    }

    /// Runs until the transport ends (e.g. the scenario is over) or a shutdown signal arrives, then drains.
    public func run(signals: [UnixSignal] = [.sigterm, .sigint]) async throws {
        var configs: [ServiceGroupConfiguration.ServiceConfiguration] = []
        for s in services {
            configs.append(.init(service: s, successTerminationBehavior: .gracefullyShutdownGroup, failureTerminationBehavior: .gracefullyShutdownGroup))
        }
        var config = ServiceGroupConfiguration(services: configs, gracefulShutdownSignals: signals, cancellationSignals: [], logger: logger)
        config.maximumGracefulShutdownDuration = .seconds(30)
        let group = ServiceGroup(configuration: config)
        if self.group.set(group) { await group.triggerGracefulShutdown() }
        try await group.run()
    }

    /// Starts a graceful shutdown, as SIGTERM does: the transport stops, every stage drains.
    public func shutdown() async {
        if let g = group.requestShutdown() { await g.triggerGracefulShutdown() }
    }
}

/// The running service group, so `shutdown()` can reach it (and a shutdown asked for before the start is kept).
final class GroupBox: Sendable {
    private let state = Mutex<(group: ServiceGroup?, shutdownRequested: Bool)>((nil, false))

    /// Records the group; true if a shutdown was already requested.
    func set(_ g: ServiceGroup) -> Bool {
        state.withLock { s in
            s.group = g
            return s.shutdownRequested
        }
    }

    func requestShutdown() -> ServiceGroup? {
        state.withLock { s in
            s.shutdownRequested = true
            return s.group
        }
    }
}
