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

    public func sendBatch(after acked: Int64, limit: Int, from store: VitalsStore) async throws -> SentBatch? {
        let records = try await store.outboxRecords(after: acked, limit: limit)
        guard let last = records.lastSeq else { return nil }
        guard !records.readings.isEmpty || !records.blocks.isEmpty else {
            return SentBatch(lastSeq: last, entries: records.entries, rows: 0, inserted: 0, skipped: records.skipped)
        }
        let devices = try await store.devices()
        let bundle = FHIRExport(gateway: gateway).bundle(devices: devices, readings: records.readings, blocks: records.blocks)
        let answer = try await client.transaction(bundle)
        return SentBatch(lastSeq: last, entries: records.entries, rows: answer.created + answer.alreadyPresent, inserted: answer.created,
                         skipped: records.skipped)
    }

    public func disconnect() async {}
}

/// The FHIR uplink as a service.
public typealias FHIRUplinkService = OutboxForwarder<FHIRUplink>
