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
    ///
    /// A server that finds the transaction itself invalid (`FHIRClient.Failure.invalid`, a 422 for instance) would
    /// refuse it every time, and the uplink would never get past it. The batch is then split in halves, each sent as
    /// its own transaction, down to the single readings or blocks the server refuses; those are parked (acknowledged
    /// with the batch, recorded with the server's status line, kept on the hub) and everything else arrives.
    /// Any other failure (unreachable, 5xx, 401/403, a partial answer) fails the batch, to be sent again later.
    public func send(_ batch: PendingBatch<FHIRBatch>) async throws -> SentBatch {
        let p = batch.payload
        guard !p.readings.isEmpty || !p.blocks.isEmpty else { return SentBatch(rows: 0, inserted: 0) }
        return try await sendSplitting(devices: p.devices, readings: p.readings[...], blocks: p.blocks[...])
    }

    func sendSplitting(devices: [VitalsStore.DeviceRecord], readings: ArraySlice<StoredReading>,
                       blocks: ArraySlice<VitalsStore.StoredWaveformBlock>) async throws -> SentBatch {
        do {
            let answer = try await client.transaction(FHIRExport(gateway: gateway).bundle(devices: devices, readings: Array(readings), blocks: Array(blocks)))
            return SentBatch(rows: answer.created + answer.alreadyPresent, inserted: answer.created)
        } catch let failure {
            guard case .invalid = failure else { throw failure }
            let count = readings.count + blocks.count
            if count == 1 {
                let reason = failure.summary
                if let r = readings.first { return SentBatch(rows: 0, inserted: 0, parked: [UplinkParkedEntry(kind: .reading, ref: String(r.id), reason: reason)]) }
                return SentBatch(rows: 0, inserted: 0, parked: [UplinkParkedEntry(kind: .waveform, ref: String(blocks.first!.id), reason: reason)])
            }
            // Halves by position over readings then blocks.
            let half = count / 2
            let firstReadings = readings.prefix(half), firstBlocks = blocks.prefix(max(0, half - readings.count))
            let a = try await sendSplitting(devices: devices, readings: firstReadings, blocks: firstBlocks)
            let b = try await sendSplitting(devices: devices, readings: readings.dropFirst(firstReadings.count), blocks: blocks.dropFirst(firstBlocks.count))
            return SentBatch(rows: a.rows + b.rows, inserted: a.inserted + b.inserted, parked: a.parked + b.parked)
        }
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
