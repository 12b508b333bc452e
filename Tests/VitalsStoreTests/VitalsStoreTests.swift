import Foundation
import Logging
import Testing
import VitalsCore
@testable import VitalsStore

func tempDB() -> String { FileManager.default.temporaryDirectory.appendingPathComponent("store-\(UUID().uuidString).sqlite").path }
import VitalsTestSupport

func bpReading(_ sys: Double, _ dia: Double, key second: Int, device: String = "C0:FF:EE:00:01:01") -> Reading {
    let wire = { (v: Double) in WireValue(encoding: "sfloat", bits: UInt64(v), unit: "mmHg") }
    return Reading(
        subject: SubjectID("alice"), device: DeviceIdentity(transport: .simBLE, address: device, profileID: "sim-bp-cuff"), kind: .bloodPressure,
        observations: [
            Observation(metric: .systolic, value: sys, unit: .millimetreOfMercury, wire: wire(sys)),
            Observation(metric: .diastolic, value: dia, unit: .millimetreOfMercury, wire: wire(dia)),
            Observation(metric: .meanArterialPressure, value: nil, state: .notANumber, unit: .millimetreOfMercury, wire: WireValue(encoding: "sfloat", bits: 0x07FF, unit: "mmHg")),
        ],
        effectiveTime: Date(timeIntervalSince1970: 1_700_000_000 + Double(second)),
        deviceTime: DeviceTime(year: 2023, month: 11, day: 14, hour: 22, minute: 13, second: second), receivedTime: Date(timeIntervalSince1970: 1_700_000_100),
        sequence: nil, flags: [.irregularPulse], grade: .medical, raw: RawFrame(source: "2A35", bytes: [0x00, 0x01]))
}

struct VitalsStoreTests {
    @Test func migratesCreatesPrivateFileAndUsesWAL() async throws {
        let path = tempDB()
        let store = try VitalsStore(path: path, logger: quiet)
        #expect(try await store.schemaVersion() == 11)
        let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        _ = try await store.record([bpReading(120, 80, key: 1)])
        #expect(FileManager.default.fileExists(atPath: path + "-wal"))
        let walMode = try FileManager.default.attributesOfItem(atPath: path + "-wal")[.posixPermissions] as? Int
        #expect(walMode == 0o600)
    }

    /// The batch insert upserts each device once, not once per reading: the device row must still end as the
    /// reading-by-reading upserts left it (first seen from the first reading, last seen the latest, the last grade and
    /// model), and the same whether the readings come in one batch or one at a time.
    @Test func oneBatchLeavesTheDeviceAsReadingByReadingDoes() async throws {
        func batch() -> [Reading] {
            var rs = (0..<5).map { i in
                var r = bpReading(120, 80, key: i)
                r.receivedTime = Date(timeIntervalSince1970: 1_700_000_100 + Double([3, 1, 4, 1, 5][i]))
                return r
            }
            // The profile is refined mid-batch (Device Information read): a new model and grade from there on.
            rs[3].device.model = "SIM-BP-7"
            rs[3].grade = .medicalUnvalidated
            rs[4].device.model = "SIM-BP-7"
            rs[4].grade = .medicalUnvalidated
            // A second subject appears mid-batch.
            rs[2].subject = SubjectID("bob")
            return rs
        }
        let together = try VitalsStore(path: tempDB(), logger: quiet)
        #expect(try await together.record(batch()).count == 5)
        let oneByOne = try VitalsStore(path: tempDB(), logger: quiet)
        for r in batch() { _ = try await oneByOne.record([r]) }
        let a = try #require(try await together.devices().first)
        let b = try #require(try await oneByOne.devices().first)
        #expect(a.firstSeen == b.firstSeen && a.lastSeen == b.lastSeen && a.grade == b.grade && a.model == b.model && a.profileID == b.profileID)
        #expect(a.firstSeen == Date(timeIntervalSince1970: 1_700_000_103))
        #expect(a.lastSeen == Date(timeIntervalSince1970: 1_700_000_105))
        #expect(a.grade == "medical-unvalidated" && a.model == "SIM-BP-7")
        #expect(try await together.readings().count == 5)
        #expect(Set(try await together.readings().map(\.subjectID)) == ["alice", "bob"])
    }

    @Test func replayedReadingIsIgnoredAndCounted() async throws {
        let store = try VitalsStore(path: tempDB(), logger: quiet)
        let first = try await store.record([bpReading(120, 80, key: 1), bpReading(186, 124, key: 2)])
        #expect(first.allSatisfy { if case .inserted = $0 { true } else { false } })
        let again = try await store.record([bpReading(120, 80, key: 1), bpReading(130, 85, key: 3)])
        #expect(again[0] == .duplicate)
        if case .inserted = again[1] {} else { Issue.record("new reading not inserted") }
        let rows = try await store.readings()
        #expect(rows.count == 3)
        #expect(rows[0].observations.map(\.mdc) == [150_021, 150_022, 150_023])
        #expect(rows[0].observations[2].value == nil && rows[0].observations[2].state == "nan")
        #expect(rows[0].observations[0].wire == "sfloat:0x0078 mmHg")
        #expect(rows[0].flags == ["bp.irregular-pulse"])
        #expect(rows[0].rawHex == "0001")
        let counts = try await store.counts()
        #expect(counts["outbox"] == 3)
        #expect(counts["devices"] == 1)
    }

    @Test func dataSurvivesReopening() async throws {
        let path = tempDB()
        do {
            let store = try VitalsStore(path: path, logger: quiet)
            _ = try await store.record([bpReading(120, 80, key: 1)])
        }
        let reopened = try VitalsStore(path: path, logger: quiet)
        #expect(try await reopened.readings().count == 1)
        #expect(try await reopened.schemaVersion() == 11)
    }

    @Test func schemaRefusesWhatTheModelWouldNot() async throws {
        let store = try VitalsStore(path: tempDB(), logger: quiet)
        _ = try await store.record([bpReading(120, 80, key: 1)])
        // A unit outside UCUM's list, a number with a NaN state, a reading for an unknown device: all refused.
        await #expect(throws: StoreError.self) { try await store.unsafeExecute("INSERT INTO observations VALUES (1, 999, 5, 'x', NULL, 1.0, 'number', 'mmHg', 'sfloat', 1, 'mmHg')") }
        await #expect(throws: StoreError.self) { try await store.unsafeExecute("INSERT INTO observations VALUES (1, 998, 6, 'x', NULL, 1.0, 'nan', 'mm[Hg]', 'sfloat', 1, 'mmHg')") }
        await #expect(throws: StoreError.self) { try await store.unsafeExecute("INSERT INTO readings (device_id, subject_id, kind, natural_key, effective_at, received_at, grade, raw_frame_id) VALUES ('nope', 'alice', 'glucose', 'k', 0, 0, 'medical', 1)") }
        await #expect(throws: StoreError.self) { try await store.unsafeExecute("UPDATE devices SET grade = 'excellent'") }
    }

    @Test func newerSchemaIsRefused() async throws {
        let path = tempDB()
        let store = try VitalsStore(path: path, logger: quiet)
        try await store.unsafeExecute("INSERT INTO schema_migrations VALUES (99, 'future', 'x')")
        #expect { try VitalsStore(path: path, logger: quiet) } throws: { "\($0)".contains("newer than this build") }
    }

    @Test func alertsAreIdempotentAndLinkedToTheirReading() async throws {
        let store = try VitalsStore(path: tempDB(), logger: quiet)
        let r = bpReading(186, 124, key: 2)
        _ = try await store.record([r])
        let a = Alert(id: "bp.crisis/1", ruleID: "bp.crisis", subject: r.subject, device: r.device.id, severity: .critical, message: "m", citation: "c", raisedAt: Date(), effectiveTime: r.effectiveTime, evidenceKey: Alert.evidenceKey(for: r))
        let raised = AlertTransition(kind: .raised, alert: a, at: a.raisedAt, eventTime: a.effectiveTime)
        let first = try await store.apply([raised])
        #expect(first.count == 1 && first[0] != nil, "stored as a step")
        #expect(try await store.apply([raised]) == [nil], "the same step again changes nothing")
        #expect(try await store.alerts().map(\.id) == ["bp.crisis/1"])
        #expect(try await store.alerts(subject: "bob").isEmpty)
    }

    @Test func lastSequenceAndRejectedFrames() async throws {
        let store = try VitalsStore(path: tempDB(), logger: quiet)
        var g = bpReading(0, 0, key: 0)
        g.kind = .glucose
        g.observations = [Observation(metric: .glucoseCapillaryWholeBlood, value: 95, unit: .milligramPerDecilitre, wire: WireValue(encoding: "sfloat", bits: 0xB05F, unit: "kg/L"))]
        g.sequence = 41
        #expect(try await store.lastSequence(device: g.device.id) == nil)
        _ = try await store.record([g])
        #expect(try await store.lastSequence(device: g.device.id) == 41)
        try await store.record(rejectedFrame: [0x0B, 0x07], source: "2A18", device: g.device, received: Date(), error: "truncated")
        let rejected = try await store.rejectedFrames()
        #expect(rejected.count == 1 && rejected[0].hex == "0B07" && rejected[0].error == "truncated")
    }

    @Test func waveformBlocksRoundTrip() async throws {
        let store = try VitalsStore(path: tempDB(), logger: quiet)
        let device = DeviceIdentity(transport: .simBLE, address: "C0:FF:EE:00:03:01", profileID: nil)
        let a = SampleBlock(subject: SubjectID("alice"), device: device, lead: .ecgLeadII, startTime: Date(timeIntervalSince1970: 10), sampleRate: 130, gain: 1000, baseline: 0, unit: .millivolt, samples: [1, -2, 3, Int32.min, Int32.max])
        var b = a
        b.startTime = Date(timeIntervalSince1970: 11)
        b.samples = [7, 8]
        #expect(try await store.record(block: b))
        #expect(try await store.record(block: a))
        #expect(try await store.record(block: a) == false)
        #expect(try await store.waveformSamples(device: device.id, lead: .ecgLeadII) == [1, -2, 3, Int32.min, Int32.max, 7, 8])
    }
}

struct MigrationHistoryTests {
    /// A database made by schema v1 is brought to v2 without losing what it holds.
    @Test func v1DatabaseMigratesForward() async throws {
        let path = tempDB()
        do {
            let db = try SQLiteConnection(path: path)
            try db.execute("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL) STRICT")
            try db.execute(Migrations.all[0].sql)
            try db.execute("INSERT INTO schema_migrations VALUES (1, 'v1', 'then')")
            try db.execute("INSERT INTO devices (id, transport, address, grade, first_seen, last_seen) VALUES ('ble:AA', 'ble', 'AA', 'medical', 1, 1)")
            try db.execute("INSERT INTO subjects (id, created_at) VALUES ('alice', 1)")
            try db.execute("INSERT INTO raw_frames (id, device_id, source, received_at, bytes) VALUES (7, 'ble:AA', '2A35', 1, x'00')")
            try db.execute("""
                INSERT INTO readings (id, device_id, subject_id, kind, natural_key, effective_at, received_at, grade, raw_frame_id)
                VALUES (5, 'ble:AA', 'alice', 'blood-pressure', 'dt:x', 1, 1, 'medical', 7)
                """)
            try db.execute("""
                INSERT INTO observations VALUES (5, 150021, 0, 'bp.systolic', '8480-6', 120, 'number', 'mm[Hg]', 'sfloat', 120, 'mmHg')
                """)
        }
        let store = try VitalsStore(path: path, logger: quiet)
        #expect(try await store.schemaVersion() == 11)
        let device = try await store.devices().first { $0.id == "ble:AA" }
        #expect(device != nil && device?.clockOffsetSeconds == nil && device?.udi == nil, "the v1 row is kept and has the new columns")
        // v3 rebuilt readings and observations: the old rows are there, still joined, and the new kinds fit.
        let stored = try await store.readings(subject: "alice")
        #expect(stored.count == 1 && stored.first?.observations.first?.value == 120 && stored.first?.observations.first?.metric == "bp.systolic")
        var t = Reading(
            subject: SubjectID("alice"), device: DeviceIdentity(transport: .simUSB, address: "4F56000000000001", profileID: nil), kind: .temperature,
            observations: [Observation(metric: .bodyTemperature, value: 37.4, unit: .degreeCelsius, wire: WireValue(encoding: "sfloat", bits: 0xF176, unit: "MDC_DIM_DEGC"))],
            effectiveTime: Date(timeIntervalSince1970: 100), deviceTime: nil, receivedTime: Date(timeIntervalSince1970: 100), sequence: nil,
            raw: RawFrame(source: "test", bytes: [1]))
        t.receiptIndex = 1
        let outcome = try await store.record([t])
        guard case .inserted = outcome.first else {
            Issue.record("a temperature reading was not stored: \(outcome)")
            return
        }
        try await store.record(phdConfiguration: [0x40, 0x00, 0, 0, 0, 0], systemID: "4F56000000000001", configID: 0x4000, at: Date())
        try await store.record(phdConfiguration: [0x40, 0x00, 0, 0, 0, 1], systemID: "4F56000000000001", configID: 0x4000, at: Date())
        let cached = try await store.phdConfigurations()
        #expect(cached.count == 1 && cached[0].report.last == 1, "learning a configuration again replaces it")
    }

    /// A v2 database holding a raw (codec 0) ECG block is brought to v4: the old block reads back as it
    /// was, a new ECG block is stored compressed (codec 1) and reads back exactly, and a corrupted
    /// compressed block is refused with the codec's field and byte offset.
    @Test func v2WaveformsStayReadableAndNewECGBlocksAreCompressed() async throws {
        let path = tempDB()
        let old: [Int32] = [5, -6, 7, 1000, -1000]
        do {
            let db = try SQLiteConnection(path: path)
            try db.execute("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL) STRICT")
            try db.execute(Migrations.all[0].sql)
            try db.execute(Migrations.all[1].sql)
            try db.execute("INSERT INTO schema_migrations VALUES (1, 'v1', 'then'), (2, 'v2', 'then')")
            try db.execute("INSERT INTO subjects VALUES ('alice', 1)")
            try db.execute("INSERT INTO devices (id, transport, address, grade, first_seen, last_seen) VALUES ('sim-ble:AA', 'sim-ble', 'AA', 'medical', 1, 1)")
            let hex = old.map { v in
                let u = UInt32(bitPattern: v)
                return [u & 0xFF, u >> 8 & 0xFF, u >> 16 & 0xFF, u >> 24].map { String(format: "%02X", $0) }.joined()
            }.joined()
            try db.execute("""
                INSERT INTO waveform_blocks (device_id, subject_id, lead_mdc, start_us, sample_rate, gain, baseline, unit, sample_count, codec, data)
                VALUES ('sim-ble:AA', 'alice', \(Metric.ecgUnspecified.mdc), 1000000, 130, 1000, 0, 'uV', \(old.count), 0, X'\(hex)')
                """)
        }
        let store = try VitalsStore(path: path, logger: quiet)
        #expect(try await store.schemaVersion() == 11)
        let device = DeviceIdentity(transport: .simBLE, address: "AA", profileID: nil)
        #expect(device.id.rawValue == "sim-ble:AA")
        #expect(try await store.waveformSamples(device: device.id, lead: .ecgUnspecified) == old)
        // A new ECG block: a slow ramp with noise, compressed well below 32 bits per sample.
        let fresh: [Int32] = (0..<1300).map { i in Int32(200 * sin(Double(i) / 20)) + Int32(i % 7) - 3 }
        let block = SampleBlock(subject: SubjectID("alice"), device: device, lead: .ecgUnspecified, startTime: Date(timeIntervalSince1970: 2),
                                sampleRate: 130, gain: 1000, baseline: 0, unit: .microvolt, samples: fresh)
        #expect(try await store.record(block: block))
        #expect(try await store.waveformSamples(device: device.id, lead: .ecgUnspecified) == old + fresh)
        let codecs = try await store.unsafeQueryInts("SELECT codec FROM waveform_blocks ORDER BY start_us")
        #expect(codecs == [0, 1])
        let sizes = try await store.unsafeQueryInts("SELECT length(data) FROM waveform_blocks WHERE codec = 1")
        #expect(sizes.count == 1 && sizes[0] * 8 < fresh.count * 12, "compressed to under 12 bits per sample")
        // Change one byte of the compressed block (a warm-up byte, 0xFF for −3): the read fails and says which field and where.
        try await store.unsafeExecute("UPDATE waveform_blocks SET data = CAST(substr(data, 1, 10) || X'00' || substr(data, 12) AS BLOB) WHERE codec = 1")
        await #expect(throws: StoreError.self) { try await store.waveformSamples(device: device.id, lead: .ecgUnspecified) }
        do {
            _ = try await store.waveformSamples(device: device.id, lead: .ecgUnspecified)
        } catch {
            #expect(error.description.contains("CRC-32") && error.description.contains("byte offset"), "\(error)")
        }
    }

    @Test func clockChecksAreKeptAsHistoryAndUDIWithTheDevice() async throws {
        let store = try VitalsStore(path: tempDB(), logger: quiet)
        let cuff = DeviceIdentity(transport: .ble, address: "00:AA:01:00:00:00", profileID: "generic-bls")
        let t0 = Date(timeIntervalSince1970: 1_700_000_000)
        try await store.record(deviceFacts: cuff, certifiedClasses: nil, clockOffset: 400, at: t0)
        try await store.record(deviceFacts: cuff, certifiedClasses: ["10407"], clockOffset: nil, udi: ("(01)0001", "0001"), at: t0.addingTimeInterval(1))
        try await store.record(deviceFacts: cuff, certifiedClasses: nil, clockOffset: -2.5, at: t0.addingTimeInterval(3600))
        // The same check delivered twice (a replay) is one row.
        try await store.record(deviceFacts: cuff, certifiedClasses: nil, clockOffset: -2.5, at: t0.addingTimeInterval(3600))
        let checks = try await store.clockChecks(cuff.id)
        #expect(checks.map(\.offsetSeconds) == [400, -2.5])
        #expect(checks.map(\.at) == [t0, t0.addingTimeInterval(3600)])
        let device = try await store.devices().first
        #expect(device?.clockOffsetSeconds == -2.5 && device?.clockChecks == 2)
        #expect(device?.udi == "(01)0001" && device?.udiDeviceIdentifier == "0001" && device?.certifiedClasses == "10407")
    }
}
