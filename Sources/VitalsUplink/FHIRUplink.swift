import Foundation
import VitalsFHIR
import VitalsStore

/// Drains the outbox to a FHIR R4 server (`vitals run --fhir-push URL`): each batch of outbox entries becomes one
/// transaction Bundle (the same mapping as `vitals export fhir`: the gateway, the Patients, the devices that took the
/// readings, an Observation per reading and per ECG block), and the batch counts as sent only when the server
/// answered every entry 201 or 200. Every entry is a conditional create on the Observation's identifier, so a batch
/// sent again after a lost answer stores nothing twice. Alert steps are not Observations and are passed over.
public struct FHIRUplink: OutboxSink {
    public let client: FHIRClient
    public let target: String
    public let gateway: FHIRGateway

    /// `target` names the server in the hub's acknowledgements; `FHIRUplink.target(for:)` makes one from a URL.
    public init(client: FHIRClient, target: String, gateway: FHIRGateway) {
        (self.client, self.target, self.gateway) = (client, target, gateway)
    }

    /// `fhir:` and the base URL without user, password, query or fragment: stable across restarts, never a secret.
    public static func target(for url: URL) -> String {
        guard var c = URLComponents(url: url, resolvingAgainstBaseURL: false) else { return "fhir:" + url.absoluteString }
        (c.user, c.password, c.query, c.fragment) = (nil, nil, nil, nil)
        return "fhir:" + (c.string ?? url.absoluteString)
    }

    /// The readings and waveform blocks after `seq`; alert steps are acknowledged unsent.
    public func read(after seq: Int64, limit: Int, from store: VitalsStore) async throws -> PendingBatch<FHIRBatch>? {
        let records = try await store.outboxRecords(after: seq, limit: limit)
        guard let last = records.lastSeq else { return nil }
        // The devices as stored now: a batch's Devices travel with its Observations.
        let devices = records.readings.isEmpty && records.blocks.isEmpty ? [] : try await store.devices()
        return PendingBatch(lastSeq: last, entries: records.entries, skipped: records.skipped,
                            payload: FHIRBatch(devices: devices, readings: records.readings, blocks: records.blocks))
    }

    /// One transaction Bundle; an alert-only batch is acknowledged without a post.
    public func send(_ batch: PendingBatch<FHIRBatch>) async throws -> SentBatch {
        let p = batch.payload
        guard !p.readings.isEmpty || !p.blocks.isEmpty else { return SentBatch(rows: 0, inserted: 0) }
        let answer = try await client.transaction(FHIRExport(gateway: gateway).bundle(devices: p.devices, readings: p.readings, blocks: p.blocks))
        return SentBatch(rows: answer.created + answer.alreadyPresent, inserted: answer.created)
    }

    public func disconnect() async {}
}

/// What one FHIR batch carries.
public struct FHIRBatch: Sendable {
    public var devices: [VitalsStore.DeviceRecord]
    public var readings: [StoredReading]
    public var blocks: [VitalsStore.StoredWaveformBlock]
}

/// The FHIR uplink as a service.
public typealias FHIRUplinkService = OutboxForwarder<FHIRUplink>
