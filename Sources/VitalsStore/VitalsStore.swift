import CSQLite
import Foundation
import Logging
import VitalsCore

/// How hard a commit must be on the disk before it returns.
public enum Durability: Sendable {
    /// `synchronous=FULL`: the WAL is synced at every commit. For spot readings people see as saved.
    case full
    /// `synchronous=NORMAL`: synced at checkpoints. For batched streams the device can re-send.
    case normal
}

/// What happened to one reading offered to the store.
public enum RecordOutcome: Hashable, Sendable {
    case inserted(id: Int64)
    /// The same device, kind and natural key is already stored: ignored, counted.
    case duplicate
}

/// A stored reading as read back.
public struct StoredReading: Hashable, Sendable, Codable {
    public var id: Int64
    public var deviceID: String
    public var subjectID: String
    public var kind: String
    public var naturalKey: String
    public var sequence: Int64?
    public var effectiveAt: Date
    public var deviceTime: String?
    public var receivedAt: Date
    public var grade: String
    public var flags: [String]
    public var observations: [StoredObservation]
    public var rawHex: String
    /// The user the device filed the reading under (a multi-user cuff's User ID; 255 is "unknown user").
    public var deviceUser: Int64?

    public init(id: Int64, deviceID: String, subjectID: String, kind: String, naturalKey: String, sequence: Int64?, effectiveAt: Date,
                deviceTime: String?, receivedAt: Date, grade: String, flags: [String], observations: [StoredObservation], rawHex: String,
                deviceUser: Int64? = nil) {
        (self.id, self.deviceID, self.subjectID, self.kind, self.naturalKey, self.sequence) = (id, deviceID, subjectID, kind, naturalKey, sequence)
        (self.effectiveAt, self.deviceTime, self.receivedAt, self.grade, self.flags) = (effectiveAt, deviceTime, receivedAt, grade, flags)
        (self.observations, self.rawHex, self.deviceUser) = (observations, rawHex, deviceUser)
    }
}

public struct StoredObservation: Hashable, Sendable, Codable {
    public var mdc: Int64
    public var metric: String
    public var loinc: String?
    public var value: Double?
    public var state: String
    public var unit: String
    public var wire: String

    public init(mdc: Int64, metric: String, loinc: String?, value: Double?, state: String, unit: String, wire: String) {
        (self.mdc, self.metric, self.loinc, self.value, self.state, self.unit, self.wire) = (mdc, metric, loinc, value, state, unit, wire)
    }
}

/// The local time-series store: SQLite in WAL mode, schema by migrations, natural keys against replays.
/// A reading is durable when `record` returns; only then may it be acknowledged.
public actor VitalsStore {
    let db: SQLiteConnection
    let logger: Logger
    public nonisolated let path: String
    /// The newest reading's row id when this connection opened (0 for none): everything up to it was stored by an
    /// earlier run. The analytics stage starts there when it has no saved position.
    public nonisolated let readingsAtOpen: Int64
    private var statements: [String: Statement] = [:]
    /// `RecordStatement`s by raw value, prepared on first use.
    private var recordStatements: [Statement] = []
    private let checkpointer: Checkpointer?
    private var synchronous: Durability?

    /// Opens an existing database for queries only: nothing is created, migrated or changed.
    public init(readingFrom path: String, logger: Logger) throws {
        self.path = path
        self.logger = logger
        checkpointer = nil
        db = try SQLiteConnection(path: path, readOnly: true)
        try db.execute("PRAGMA busy_timeout = 5000")
        let version: Int
        do throws(StoreError) { version = Int(try db.prepare("SELECT max(version) FROM schema_migrations").query { $0.int(0) }.first ?? 0) } catch {
            throw StoreIntegrity.explain(error, path: path)
        }
        let known = Migrations.all.map(\.version).max() ?? 0
        guard version == known else {
            throw StoreError(code: 0, message: "database schema version \(version), this build reads \(known)\(version < known ? " (open it once with vitals run to migrate it)" : "")", context: "opening \(path)")
        }
        readingsAtOpen = try db.prepare(Self.newestReadingSQL).query { $0.int(0) }.first ?? 0
    }

    /// Opens (creating if needed, mode 0600) and migrates the database at `path`.
    public init(path: String, logger: Logger) throws {
        self.path = path
        self.logger = logger
        if path != ":memory:" {
            if !FileManager.default.fileExists(atPath: path) {
                let fd = open(path, O_CREAT | O_WRONLY | O_CLOEXEC, 0o600)
                guard fd >= 0 else { throw StoreError(code: SQLITE_CANTOPEN, message: String(cString: strerror(errno)), context: "creating \(path)") }
                close(fd)
            }
            // SQLite gives the -wal and -shm files the database file's permissions. A database (or a log left
            // beside it) that others could read is narrowed to 0600, and that is said: `vitals doctor` reports it too.
            for file in [path, path + "-wal", path + "-shm"] {
                var st = stat()
                guard stat(file, &st) == 0 else { continue }
                if st.st_mode & 0o077 != 0 {
                    logger.warning("database file was readable by others; narrowed to 0600", metadata: [
                        "store.file": "\(file)", "store.mode": "\(String(st.st_mode & 0o777, radix: 8))",
                    ])
                }
                chmod(file, 0o600)
            }
        }
        db = try SQLiteConnection(path: path)
        try db.execute("PRAGMA busy_timeout = 5000")
        // A damaged file is refused before anything is written to it (StoreIntegrity).
        if path != ":memory:" { try StoreIntegrity.check(db, path: path) }
        // Deleted content (an erased subject, readings past retention) is overwritten, not just unlinked.
        try db.execute("PRAGMA secure_delete = ON")
        if path != ":memory:" {
            let mode = try db.prepare("PRAGMA journal_mode = WAL").query { $0.text(0) }.first ?? ""
            guard mode.lowercased() == "wal" else {
                throw StoreError(code: 0, message: "journal_mode is \(mode), not wal", context: "opening \(path)")
            }
        }
        try db.execute("PRAGMA foreign_keys = ON")
        try Self.migrate(db, logger: logger)
        readingsAtOpen = try db.prepare(Self.newestReadingSQL).query { $0.int(0) }.first ?? 0
        if path != ":memory:" {
            // Checkpoints run on their own connection and thread (`Checkpointer`), so a commit seldom pays for one.
            // The writer keeps SQLite's own automatic checkpoint at 1,000 pages: it then finds the WAL already
            // copied (nothing to do), and it stays the backstop that keeps the WAL small when the background one
            // falls behind (a full disk: a WAL allowed to grow larger ate the space freed for it).
            checkpointer = Checkpointer(path: path, interval: 0.5, logger: logger)
        } else {
            checkpointer = nil
        }
    }

    deinit { checkpointer?.stop() }

    /// Applies every migration not yet applied; refuses a database from a newer build.
    static func migrate(_ db: SQLiteConnection, logger: Logger) throws(StoreError) {
        try db.execute("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL) STRICT")
        let applied = Set(try db.prepare("SELECT version FROM schema_migrations").query { Int($0.int(0)) })
        let known = Set(Migrations.all.map(\.version))
        if let newer = applied.subtracting(known).max() {
            throw StoreError(code: 0, message: "database has schema version \(newer), newer than this build knows (\(known.max() ?? 0))", context: "migrating")
        }
        for m in Migrations.all where !applied.contains(m.version) {
            // PRAGMA foreign_keys has no effect inside a transaction, so it is switched around it.
            if m.rebuildsTables { try db.execute("PRAGMA foreign_keys = OFF") }
            defer { if m.rebuildsTables { try? db.execute("PRAGMA foreign_keys = ON") } }
            try db.execute("BEGIN IMMEDIATE")
            do throws(StoreError) {
                try db.execute(m.sql)
                if m.rebuildsTables {
                    let broken = try db.prepare("PRAGMA foreign_key_check").query { $0.text(0) }
                    if !broken.isEmpty {
                        throw StoreError(code: 0, message: "migration \(m.version) would break references in \(Set(broken).sorted())", context: "migrating")
                    }
                }
                try db.prepare("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)")
                    .run([.int(Int64(m.version)), .text(m.name), .text(ISO8601DateFormatter().string(from: Date()))])
                try db.execute("COMMIT")
                logger.info("applied migration", metadata: ["store.migration": "\(m.version)"])
            } catch {
                try? db.execute("ROLLBACK")
                throw error
            }
        }
    }

    func statement(_ sql: String) throws(StoreError) -> Statement {
        if let s = statements[sql] { return s }
        let s = try db.prepare(sql)
        statements[sql] = s
        return s
    }

    private func setDurability(_ d: Durability) throws(StoreError) {
        guard synchronous != d else { return }
        try db.execute(d == .full ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = NORMAL")
        synchronous = d
    }

    /// Runs `body` in one transaction at the given durability.
    func transaction<T>(_ d: Durability, _ body: () throws(StoreError) -> T) throws(StoreError) -> T {
        try setDurability(d)
        try db.execute("BEGIN IMMEDIATE")
        do {
            let r = try body()
            try db.execute("COMMIT")
            return r
        } catch {
            try? db.execute("ROLLBACK")
            throw error
        }
    }

    /// Milliseconds since 1970; a time beyond Int64's range (no reading has one) is clamped rather than trapping.
    static func ms(_ d: Date) -> Int64 {
        let v = (d.timeIntervalSince1970 * 1000).rounded()
        guard v.isFinite, v < 9.2e18, v > -9.2e18 else { return v > 0 ? .max : .min }
        return Int64(v)
    }
    static func date(_ ms: Int64) -> Date { Date(timeIntervalSince1970: Double(ms) / 1000) }

    /// Adds or refreshes a device. `grade` nil keeps the grade already recorded (unverified for a new device).
    static let upsertDeviceSQL = """
        INSERT INTO devices (id, transport, address, profile_id, manufacturer, model, serial, grade, first_seen, last_seen)
        VALUES (?, ?, ?, ?, ?, ?, ?, coalesce(?, 'unverified'), ?, ?)
        ON CONFLICT (id) DO UPDATE SET
            profile_id = coalesce(excluded.profile_id, profile_id), grade = CASE WHEN ?11 IS NULL THEN grade ELSE excluded.grade END,
            manufacturer = coalesce(excluded.manufacturer, manufacturer), model = coalesce(excluded.model, model),
            serial = coalesce(excluded.serial, serial), last_seen = max(last_seen, excluded.last_seen)
        """

    private func upsertDevice(_ d: DeviceIdentity, grade: DeviceGrade?, seen: Date) throws(StoreError) {
        try recordStatement(.device).run([
                .text(d.id.rawValue), .text(d.transport.rawValue), .text(d.address), d.profileID.map { .text($0) } ?? .null,
                d.manufacturer.map { .text($0) } ?? .null, d.model.map { .text($0) } ?? .null, d.serial.map { .text($0) } ?? .null,
                grade.map { .text($0.rawValue) } ?? .null, .int(Self.ms(seen)), .int(Self.ms(seen)), grade.map { .text($0.rawValue) } ?? .null,
            ])
    }

    func ensureSubject(_ s: SubjectID, at: Date) throws(StoreError) {
        try statement("INSERT INTO subjects (id, created_at) VALUES (?, ?) ON CONFLICT (id) DO NOTHING").run([.text(s.rawValue), .int(Self.ms(at))])
    }

    /// The statements of the reading insert path, prepared once and found by index rather than by hashing their SQL.
    enum RecordStatement: Int, CaseIterable {
        case subject, device, exists, frame, reading, observation, outbox

        var sql: String {
            switch self {
            case .subject: "INSERT INTO subjects (id, created_at) VALUES (?, ?) ON CONFLICT (id) DO NOTHING"
            case .device: VitalsStore.upsertDeviceSQL
            case .exists: "SELECT id FROM readings WHERE device_id = ? AND kind = ? AND natural_key = ?"
            case .frame: "INSERT INTO raw_frames (device_id, source, received_at, bytes) VALUES (?, ?, ?, ?)"
            case .reading:
                """
                INSERT INTO readings (device_id, subject_id, kind, natural_key, sequence, effective_at, device_time, received_at, grade, flags, raw_frame_id, device_user)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """
            case .observation:
                """
                INSERT INTO observations (reading_id, mdc_code, ordinal, metric, loinc, value, state, unit, wire_encoding, wire_bits, wire_unit)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """
            case .outbox: "INSERT INTO outbox (kind, ref, created_at) VALUES ('reading', ?, ?)"
            }
        }
    }

    func recordStatement(_ s: RecordStatement) throws(StoreError) -> Statement {
        if recordStatements.isEmpty { recordStatements = try RecordStatement.allCases.map { c throws(StoreError) in try db.prepare(c.sql) } }
        return recordStatements[s.rawValue]
    }

    /// Stores readings in one transaction and returns, per reading, whether it was new or a replay.
    /// When this returns, the new readings are durable at `durability`.
    ///
    /// Each subject is added and each device refreshed once per batch, not once per reading, with what the reading
    /// by reading upserts would have left: a device's first reading of the batch creates it (its first-seen time),
    /// and the batch ends with its last identity and grade and the latest time it was seen.
    public func record(_ readings: [Reading], durability: Durability = .full) throws(StoreError) -> [RecordOutcome] {
        guard !readings.isEmpty else { return [] }
        return try transaction(durability) { () throws(StoreError) -> [RecordOutcome] in
            let subject = try recordStatement(.subject), exists = try recordStatement(.exists), frame = try recordStatement(.frame)
            let reading = try recordStatement(.reading), observation = try recordStatement(.observation), outbox = try recordStatement(.outbox)
            var subjects: Set<SubjectID> = []
            // Per device: the identity and grade last written, and the latest receive time seen since.
            var devices: [DeviceID: (device: DeviceIdentity, grade: DeviceGrade, written: Date, seen: Date)] = [:]
            var out: [RecordOutcome] = []
            out.reserveCapacity(readings.count)
            for r in readings {
                if subjects.insert(r.subject).inserted {
                    subject.bind(1, r.subject.rawValue)
                    subject.bind(2, Self.ms(r.receivedTime))
                    try subject.step()
                }
                let dev = r.device.id
                if let d = devices[dev], d.device == r.device, d.grade == r.grade {
                    if r.receivedTime > d.seen { devices[dev]?.seen = r.receivedTime }
                } else {
                    let seen = max(r.receivedTime, devices[dev]?.seen ?? r.receivedTime)
                    try upsertDevice(r.device, grade: r.grade, seen: seen)
                    devices[dev] = (r.device, r.grade, seen, seen)
                }
                let deviceID = dev.rawValue
                let naturalKey = r.naturalKey
                exists.bind(1, deviceID)
                exists.bind(2, r.kind.rawValue)
                exists.bind(3, naturalKey)
                if try exists.firstInt() != nil {
                    out.append(.duplicate)
                    continue
                }
                let received = Self.ms(r.receivedTime)
                frame.bind(1, deviceID)
                frame.bind(2, r.raw.source)
                frame.bind(3, received)
                frame.bind(4, blob: r.raw.bytes)
                try frame.step()
                let rawID = db.lastInsertRowID
                reading.bind(1, deviceID)
                reading.bind(2, r.subject.rawValue)
                reading.bind(3, r.kind.rawValue)
                reading.bind(4, naturalKey)
                reading.bind(5, r.sequence.map { Int64($0) })
                reading.bind(6, Self.ms(r.effectiveTime))
                reading.bind(7, r.deviceTime?.description)
                reading.bind(8, received)
                reading.bind(9, r.grade.rawValue)
                reading.bind(10, r.flags.isEmpty ? "" : r.flags.sorted().map(\.rawValue).joined(separator: " "))
                reading.bind(11, rawID)
                reading.bind(12, r.deviceUser.map { Int64($0) })
                try reading.step()
                let id = db.lastInsertRowID
                for (ordinal, o) in r.observations.enumerated() {
                    observation.bind(1, id)
                    observation.bind(2, Int64(o.metric.mdc))
                    observation.bind(3, Int64(ordinal))
                    observation.bind(4, o.metric.key)
                    observation.bind(5, o.metric.loinc)
                    observation.bind(6, o.value)
                    observation.bind(7, o.state.rawValue)
                    observation.bind(8, o.unit.code)
                    observation.bind(9, o.wire.encoding)
                    observation.bind(10, Int64(bitPattern: o.wire.bits))
                    observation.bind(11, o.wire.unit)
                    try observation.step()
                }
                outbox.bind(1, String(id))
                outbox.bind(2, received)
                try outbox.step()
                out.append(.inserted(id: id))
            }
            // A device seen again later in the batch, with the same identity and grade: its last-seen time.
            for (_, d) in devices where d.seen > d.written { try upsertDevice(d.device, grade: d.grade, seen: d.seen) }
            return out
        }
    }

    /// Keeps bytes that could not be decoded, with the reason, so nothing the device sent is lost.
    public func record(rejectedFrame bytes: [UInt8], source: String, device: DeviceIdentity, received: Date, error: String) throws(StoreError) {
        try transaction(.full) { () throws(StoreError) in
            try upsertDevice(device, grade: nil, seen: received)
            try statement("INSERT INTO raw_frames (device_id, source, received_at, bytes, decode_error) VALUES (?, ?, ?, ?, ?)")
                .run([.text(device.id.rawValue), .text(source), .int(Self.ms(received)), .blob(bytes), .text(error)])
        }
    }

    /// Frames kept because they could not be decoded: (source, hex, reason).
    public func rejectedFrames() throws(StoreError) -> [(source: String, hex: String, error: String)] {
        try statement("SELECT source, bytes, decode_error FROM raw_frames WHERE decode_error IS NOT NULL ORDER BY id").query([]) { row in
            (row.text(0), row.blob(1).map { String(format: "%02X", $0) }.joined(), row.text(2))
        }
    }

    /// Waveform codecs of the `waveform_blocks.codec` column.
    public enum WaveformCodecID: Int64, Sendable {
        /// int32 little-endian samples.
        case raw = 0
        /// `WaveformCodec` (VitalsCore): fixed predictor, partitioned Rice coding, CRC-32.
        case lossless = 1
    }

    /// The codec a block is stored with: ECG leads use the lossless codec; other waveforms stay raw.
    public static func codec(for lead: Metric) -> WaveformCodecID {
        lead.key == "ecg" || lead.key.hasPrefix("ecg.") ? .lossless : .raw
    }

    /// Stores a waveform block in a stream batch (NORMAL durability): ECG blocks compressed (codec 1),
    /// others as int32 little-endian samples (codec 0).
    public func record(block b: SampleBlock) throws(StoreError) -> Bool {
        try transaction(.normal) { () throws(StoreError) -> Bool in
            try ensureSubject(b.subject, at: b.startTime)
            try upsertDevice(b.device, grade: nil, seen: b.startTime)
            let codec = b.samples.isEmpty ? .raw : Self.codec(for: b.lead)
            var data: [UInt8] = []
            switch codec {
            case .lossless:
                data = WaveformCodec.encode(b.samples)
            case .raw:
                data.reserveCapacity(b.samples.count * 4)
                for s in b.samples { withUnsafeBytes(of: s.littleEndian) { data += $0 } }
            }
            let startUs = Int64((b.startTime.timeIntervalSince1970 * 1_000_000).rounded())
            try statement("""
                INSERT INTO waveform_blocks (device_id, subject_id, lead_mdc, start_us, sample_rate, gain, baseline, unit, sample_count, codec, data)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (device_id, lead_mdc, start_us) DO NOTHING
                """).run([
                    .text(b.device.id.rawValue), .text(b.subject.rawValue), .int(Int64(b.lead.mdc)), .int(startUs), .real(b.sampleRate),
                    .real(b.gain), .int(Int64(b.baseline)), .text(b.unit.code), .int(Int64(b.samples.count)), .int(codec.rawValue), .blob(data),
                ])
            let inserted = db.changes > 0
            if inserted {
                try statement("INSERT INTO outbox (kind, ref, created_at) VALUES ('waveform', ?, ?)").run([.text(String(db.lastInsertRowID)), .int(startUs / 1000)])
            }
            return inserted
        }
    }

    /// One signal-quality window of a device's lead (ECG): its span, the quality index (0…1), whether the
    /// signal is usable, and the flags (`ecg.lead-off`, `ecg.low-signal-quality`, `ecg.sample-rate-below-125`).
    public struct WaveformQuality: Sendable, Equatable, Encodable {
        public var start: Date
        public var end: Date
        public var index: Double
        public var usable: Bool
        public var flags: [String]
        public init(start: Date, end: Date, index: Double, usable: Bool, flags: [String]) {
            self.start = start
            self.end = end
            self.index = index
            self.usable = usable
            self.flags = flags
        }
    }

    /// Keeps quality windows (a window seen again replaces the earlier verdict).
    public func record(quality windows: [WaveformQuality], device: DeviceID, lead: Metric) throws(StoreError) {
        guard !windows.isEmpty else { return }
        try transaction(.normal) { () throws(StoreError) in
            for w in windows {
                try statement("""
                    INSERT INTO waveform_quality (device_id, lead_mdc, start_us, end_us, sqi, usable, flags) VALUES (?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT (device_id, lead_mdc, start_us) DO UPDATE SET end_us = excluded.end_us, sqi = excluded.sqi,
                        usable = excluded.usable, flags = excluded.flags
                    """).run([
                        .text(device.rawValue), .int(Int64(lead.mdc)), .int(Self.us(w.start)), .int(Self.us(w.end)),
                        .real(min(1, max(0, w.index))), .int(w.usable ? 1 : 0), .text(w.flags.sorted().joined(separator: ",")),
                    ])
            }
        }
    }

    public func waveformQuality(device: DeviceID, lead: Metric) throws(StoreError) -> [WaveformQuality] {
        try statement("SELECT start_us, end_us, sqi, usable, flags FROM waveform_quality WHERE device_id = ? AND lead_mdc = ? ORDER BY start_us")
            .query([.text(device.rawValue), .int(Int64(lead.mdc))]) {
                WaveformQuality(start: Date(timeIntervalSince1970: Double($0.int(0)) / 1e6), end: Date(timeIntervalSince1970: Double($0.int(1)) / 1e6),
                                index: $0.double(2), usable: $0.int(3) == 1, flags: $0.text(4).split(separator: ",").map(String.init))
            }
    }

    static func us(_ d: Date) -> Int64 { Int64((d.timeIntervalSince1970 * 1_000_000).rounded()) }

    /// Waveform samples for a device and lead, in time order.
    public func waveformSamples(device: DeviceID, lead: Metric) throws(StoreError) -> [Int32] {
        let rows = try statement("SELECT id, codec, sample_count, data FROM waveform_blocks WHERE device_id = ? AND lead_mdc = ? ORDER BY start_us")
            .query([.text(device.rawValue), .int(Int64(lead.mdc))]) { ($0.int(0), $0.int(1), $0.int(2), $0.blob(3)) }
        var out: [Int32] = []
        for (id, codec, count, b) in rows { out += try Self.samples(block: id, codec: codec, count: count, data: b) }
        return out
    }

    /// The samples of one stored block: codec 1 decoded and checked against the row's count, codec 0 read as int32 little-endian.
    static func samples(block id: Int64, codec: Int64, count: Int64, data b: [UInt8]) throws(StoreError) -> [Int32] {
        if codec == WaveformCodecID.lossless.rawValue {
            let samples: [Int32]
            do { samples = try WaveformCodec.decode(b) } catch {
                throw StoreError(code: 0, message: error.description, context: "waveform block \(id)")
            }
            guard samples.count == count else {
                throw StoreError(code: 0, message: "decoded \(samples.count) samples, the row says \(count)", context: "waveform block \(id)")
            }
            return samples
        }
        var out: [Int32] = []
        out.reserveCapacity(b.count / 4)
        var i = 0
        while i + 4 <= b.count {
            out.append(Int32(bitPattern: UInt32(b[i]) | UInt32(b[i + 1]) << 8 | UInt32(b[i + 2]) << 16 | UInt32(b[i + 3]) << 24))
            i += 4
        }
        return out
    }

    /// A stored waveform block as read back, with its samples decoded: `physical = (sample - baseline) / gain` in `unit`.
    public struct StoredWaveformBlock: Hashable, Sendable {
        public var id: Int64
        public var deviceID: String
        public var subjectID: String
        /// The lead's IEEE 11073-10101 code (e.g. 131330, MDC_ECG_ELEC_POTL_II).
        public var leadMDC: Int64
        /// Time of the first sample, in microseconds since 1970 (UTC).
        public var startMicroseconds: Int64
        public var sampleRate: Double
        public var gain: Double
        public var baseline: Int64
        public var unit: String
        public var samples: [Int32]

        public init(id: Int64, deviceID: String, subjectID: String, leadMDC: Int64, startMicroseconds: Int64, sampleRate: Double,
                    gain: Double, baseline: Int64, unit: String, samples: [Int32]) {
            (self.id, self.deviceID, self.subjectID, self.leadMDC, self.startMicroseconds) = (id, deviceID, subjectID, leadMDC, startMicroseconds)
            (self.sampleRate, self.gain, self.baseline, self.unit, self.samples) = (sampleRate, gain, baseline, unit, samples)
        }
    }

    /// The columns `undecodedBlock(_:)` reads, from `waveform_blocks`.
    static let blockColumns = "id, device_id, subject_id, lead_mdc, start_us, sample_rate, gain, baseline, unit, sample_count, codec, data"
    /// A block row before its samples are decoded: the block, its sample count, codec and encoded samples.
    typealias UndecodedBlock = (StoredWaveformBlock, Int64, Int64, [UInt8])

    static func undecodedBlock(_ row: Row) -> UndecodedBlock {
        (StoredWaveformBlock(id: row.int(0), deviceID: row.text(1), subjectID: row.text(2), leadMDC: row.int(3), startMicroseconds: row.int(4),
                             sampleRate: row.double(5), gain: row.double(6), baseline: row.int(7), unit: row.text(8), samples: []),
         row.int(9), row.int(10), row.blob(11))
    }

    static func decoded(_ r: UndecodedBlock) throws(StoreError) -> StoredWaveformBlock {
        var b = r.0
        b.samples = try samples(block: b.id, codec: r.2, count: r.1, data: r.3)
        return b
    }

    /// Every stored waveform block (optionally one person's, optionally starting at or after `since`), in time order, decoded.
    public func waveformBlockRecords(subject: String? = nil, since: Date? = nil) throws(StoreError) -> [StoredWaveformBlock] {
        let rows = try statement("""
            SELECT \(Self.blockColumns) FROM waveform_blocks WHERE (?1 IS NULL OR subject_id = ?1) AND (?2 IS NULL OR start_us >= ?2) ORDER BY start_us, device_id, lead_mdc
            """).query([subject.map { .text($0) } ?? .null, since.map { .int(Self.us($0)) } ?? .null], Self.undecodedBlock)
        return try rows.map { (r: UndecodedBlock) throws(StoreError) -> StoredWaveformBlock in try Self.decoded(r) }
    }

    /// One device's stored waveform blocks that overlap `[from, to)`, in time order, decoded (a block that
    /// starts before `from` is included when it reaches past it: blocks are looked for from `from - lookBack`).
    public func waveformBlockRecords(device: String, from: Date, to: Date, lookBack: TimeInterval = 120) throws(StoreError) -> [StoredWaveformBlock] {
        let rows = try statement("""
            SELECT \(Self.blockColumns) FROM waveform_blocks WHERE device_id = ? AND start_us >= ? AND start_us < ? ORDER BY start_us, lead_mdc
            """).query([.text(device), .int(Self.us(from.addingTimeInterval(-lookBack))), .int(Self.us(to))], Self.undecodedBlock)
        var out: [StoredWaveformBlock] = []
        for r in rows {
            // Blocks that end before `from` are skipped before decoding.
            let endUs = r.0.startMicroseconds + Int64((Double(r.1) / max(r.0.sampleRate, 1) * 1_000_000).rounded())
            guard endUs > Self.us(from) else { continue }
            out.append(try Self.decoded(r))
        }
        return out
    }

    /// The device and end time of the newest stored waveform block (nil when there is none).
    public func latestWaveform() throws(StoreError) -> (deviceID: String, end: Date)? {
        try statement("SELECT device_id, start_us, sample_count, sample_rate FROM waveform_blocks ORDER BY start_us DESC LIMIT 1")
            .query([]) { row in
                (row.text(0), Date(timeIntervalSince1970: Double(row.int(1)) / 1_000_000 + Double(row.int(2)) / max(row.double(3), 1)))
            }.first.map { (deviceID: $0.0, end: $0.1) }
    }

    /// Records what a device said about itself at a connection: its IEEE 11073-20601 certified device
    /// classes and how far its clock was from the hub's.
    /// A clock offset is also kept in the device's clock history (one row per check).
    public func record(deviceFacts device: DeviceIdentity, certifiedClasses: [String]?, clockOffset: Double?, udi: (label: String?, deviceIdentifier: String?)? = nil, at: Date) throws(StoreError) {
        try transaction(.normal) { () throws(StoreError) in
            try upsertDevice(device, grade: nil, seen: at)
            try statement("""
                UPDATE devices SET certified_classes = coalesce(?, certified_classes),
                    clock_offset_s = coalesce(?, clock_offset_s), clock_checked_at = CASE WHEN ? IS NULL THEN clock_checked_at ELSE ? END,
                    udi = coalesce(?, udi), udi_device_identifier = coalesce(?, udi_device_identifier)
                WHERE id = ?
                """).run([
                    certifiedClasses.map { .text($0.joined(separator: "; ")) } ?? .null, clockOffset.map { .real($0) } ?? .null,
                    clockOffset.map { _ in .int(Self.ms(at)) } ?? .null, .int(Self.ms(at)),
                    udi?.label.flatMap { $0.isEmpty ? nil : .text($0) } ?? .null,
                    udi?.deviceIdentifier.flatMap { $0.isEmpty ? nil : .text($0) } ?? .null,
                    .text(device.id.rawValue),
                ])
            if let clockOffset {
                try statement("INSERT OR IGNORE INTO device_clock_checks (device_id, checked_at, offset_s) VALUES (?, ?, ?)")
                    .run([.text(device.id.rawValue), .int(Self.ms(at)), .real(clockOffset)])
            }
        }
    }

    /// Every clock check of a device, oldest first: when (hub time) and the device clock's offset in seconds
    /// (device minus hub).
    public func clockChecks(_ device: DeviceID) throws(StoreError) -> [(at: Date, offsetSeconds: Double)] {
        try statement("SELECT checked_at, offset_s FROM device_clock_checks WHERE device_id = ? ORDER BY checked_at")
            .query([.text(device.rawValue)]) { (Date(timeIntervalSince1970: Double($0.int(0)) / 1000), $0.double(1)) }
    }

    /// Every device the store knows, with what it said about itself.
    public struct DeviceRecord: Sendable, Encodable {
        public var id: String
        public var transport: String
        public var address: String
        public var profileID: String?
        public var manufacturer: String?
        public var model: String?
        /// The serial number the device reported (Device Information 0x2A25, or the 11073 Production-Specification).
        public var serial: String?
        public var grade: String
        public var certifiedClasses: String?
        public var udi: String?
        public var udiDeviceIdentifier: String?
        public var clockOffsetSeconds: Double?
        public var clockChecks: Int
        public var firstSeen: Date
        public var lastSeen: Date

        public init(id: String, transport: String, address: String, profileID: String?, manufacturer: String?, model: String?, serial: String?,
                    grade: String, certifiedClasses: String?, udi: String?, udiDeviceIdentifier: String?, clockOffsetSeconds: Double?,
                    clockChecks: Int, firstSeen: Date, lastSeen: Date) {
            (self.id, self.transport, self.address, self.profileID, self.manufacturer, self.model, self.serial) =
                (id, transport, address, profileID, manufacturer, model, serial)
            (self.grade, self.certifiedClasses, self.udi, self.udiDeviceIdentifier, self.clockOffsetSeconds) =
                (grade, certifiedClasses, udi, udiDeviceIdentifier, clockOffsetSeconds)
            (self.clockChecks, self.firstSeen, self.lastSeen) = (clockChecks, firstSeen, lastSeen)
        }
    }

    public func devices() throws(StoreError) -> [DeviceRecord] {
        try statement("""
            SELECT d.id, d.transport, d.address, d.profile_id, d.manufacturer, d.model, d.grade, d.certified_classes, d.udi,
                   d.udi_device_identifier, d.clock_offset_s, (SELECT count(*) FROM device_clock_checks c WHERE c.device_id = d.id),
                   d.first_seen, d.last_seen, d.serial
            FROM devices d ORDER BY d.first_seen, d.id
            """).query {
            DeviceRecord(id: $0.text(0), transport: $0.text(1), address: $0.text(2), profileID: $0.optText(3), manufacturer: $0.optText(4),
                         model: $0.optText(5), serial: $0.optText(14), grade: $0.text(6), certifiedClasses: $0.optText(7), udi: $0.optText(8),
                         udiDeviceIdentifier: $0.optText(9), clockOffsetSeconds: $0.optDouble(10), clockChecks: Int($0.int(11)),
                         firstSeen: Date(timeIntervalSince1970: Double($0.int(12)) / 1000), lastSeen: Date(timeIntervalSince1970: Double($0.int(13)) / 1000))
        }
    }

    /// Keeps an IEEE 11073-20601 extended configuration an agent sent (its MDER ConfigReport), so the
    /// agent's next association skips the configuration exchange. Learning it again replaces it.
    public func record(phdConfiguration report: [UInt8], systemID: String, configID: UInt16, at: Date) throws(StoreError) {
        try transaction(.full) { () throws(StoreError) in
            try statement("""
                INSERT INTO phd_configurations (system_id, config_id, report, learned_at) VALUES (?, ?, ?, ?)
                ON CONFLICT (system_id, config_id) DO UPDATE SET report = excluded.report, learned_at = excluded.learned_at
                """).run([.text(systemID), .int(Int64(configID)), .blob(report), .int(Self.ms(at))])
        }
    }

    /// Every cached IEEE 11073-20601 configuration: agent system id (16 hex digits), config id, ConfigReport bytes.
    public func phdConfigurations() throws(StoreError) -> [(systemID: String, configID: UInt16, report: [UInt8])] {
        try statement("SELECT system_id, config_id, report FROM phd_configurations ORDER BY system_id, config_id").query {
            ($0.text(0), UInt16(truncatingIfNeeded: $0.int(1)), $0.blob(2))
        }
    }


    /// Waveform blocks for a device and lead, in time order: start (µs since 1970), sample count, rate.
    public func waveformBlocks(device: DeviceID, lead: Metric) throws(StoreError) -> [(startMicroseconds: Int64, samples: Int, sampleRate: Double)] {
        try statement("SELECT start_us, sample_count, sample_rate FROM waveform_blocks WHERE device_id = ? AND lead_mdc = ? ORDER BY start_us")
            .query([.text(device.rawValue), .int(Int64(lead.mdc))]) { (Int64($0.int(0)), Int($0.int(1)), $0.double(2)) }
    }

    /// The highest sequence number stored for a device, so a meter is asked only for newer records.
    public func lastSequence(device: DeviceID) throws(StoreError) -> UInt32? {
        try statement("SELECT max(sequence) FROM readings WHERE device_id = ?").query([.text(device.rawValue)]) { $0.optInt(0) }.first.flatMap { $0.map { UInt32($0) } }
    }

    /// Stored readings in effective-time order; `since` keeps those measured at or after it.
    public func readings(subject: String? = nil, since: Date? = nil, limit: Int = 1000) throws(StoreError) -> [StoredReading] {
        let rows = try statement("""
            SELECT \(Self.readingColumns)
            FROM readings r JOIN raw_frames f ON f.id = r.raw_frame_id
            WHERE (?1 IS NULL OR r.subject_id = ?1) AND (?3 IS NULL OR r.effective_at >= ?3) ORDER BY r.effective_at, r.id LIMIT ?2
            """).query([subject.map { .text($0) } ?? .null, .int(Int64(limit)), since.map { .int(Self.ms($0)) } ?? .null], Self.storedReading)
        return try withObservations(rows)
    }

    /// A reading's observations in the order the device sent them (columns 0–8: MDC code, metric, LOINC, value, state,
    /// unit, wire encoding, wire bits, wire unit), for `withObservations` and the reading log.
    static let observationRowsSQL = """
        SELECT mdc_code, metric, loinc, value, state, unit, wire_encoding, wire_bits, wire_unit FROM observations WHERE reading_id = ? ORDER BY ordinal
        """

    /// The newest reading's row id, 0 when there is none.
    static let newestReadingSQL = "SELECT ifnull(max(id), 0) FROM readings"

    /// The columns `storedReading(_:)` reads, from `readings r JOIN raw_frames f`.
    static let readingColumns = """
        r.id, r.device_id, r.subject_id, r.kind, r.natural_key, r.sequence, r.effective_at, r.device_time, r.received_at, r.grade, r.flags, f.bytes, r.device_user
        """

    static func storedReading(_ row: Row) -> StoredReading {
        StoredReading(
            id: row.int(0), deviceID: row.text(1), subjectID: row.text(2), kind: row.text(3), naturalKey: row.text(4),
            sequence: row.optInt(5), effectiveAt: date(row.int(6)), deviceTime: row.optText(7), receivedAt: date(row.int(8)),
            grade: row.text(9), flags: row.text(10).split(separator: " ").map(String.init), observations: [],
            rawHex: row.blob(11).map { String(format: "%02X", $0) }.joined(), deviceUser: row.optInt(12))
    }

    /// Fills in each reading's observations, in the order the device sent them.
    func withObservations(_ rows: [StoredReading]) throws(StoreError) -> [StoredReading] {
        let obs = try statement(Self.observationRowsSQL)
        return try rows.map { (r: StoredReading) throws(StoreError) -> StoredReading in
            var r = r
            r.observations = try obs.query([.int(r.id)]) { row in
                let wire = WireValue(encoding: row.text(6), bits: UInt64(bitPattern: row.int(7)), unit: row.text(8))
                return StoredObservation(
                    mdc: row.int(0), metric: row.text(1), loinc: row.optText(2), value: row.optDouble(3), state: row.text(4), unit: row.text(5),
                    wire: wire.description)
            }
            return r
        }
    }

    public func alerts(subject: String? = nil) throws(StoreError) -> [Alert] {
        try statement("""
            SELECT \(Self.alertColumns)
            FROM alerts a WHERE (?1 IS NULL OR a.subject_id = ?1) ORDER BY a.raised_at, a.id
            """).query([subject.map { .text($0) } ?? .null]) { Self.alert($0) }
    }

    /// Row counts per table, for summaries and tests.
    public func counts() throws(StoreError) -> [String: Int] {
        var out: [String: Int] = [:]
        for t in ["devices", "subjects", "readings", "observations", "raw_frames", "waveform_blocks", "alerts", "outbox", "alert_events"] {
            out[t] = Int(try db.prepare("SELECT count(*) FROM \(t)").query { $0.int(0) }.first ?? 0)
        }
        return out
    }

    public func schemaVersion() throws(StoreError) -> Int {
        Int(try db.prepare("SELECT max(version) FROM schema_migrations").query { $0.int(0) }.first ?? 0)
    }

    /// Runs raw SQL (tests use it to prove constraints hold).
    public func unsafeExecute(_ sql: String) throws(StoreError) { try db.execute(sql) }

    /// The first column of a query's rows as integers (for tests and diagnostics).
    public func unsafeQueryInts(_ sql: String) throws(StoreError) -> [Int] { try statement(sql).query([]) { Int($0.int(0)) } }

    /// The first column of a query's rows as text (for tests and diagnostics).
    public func unsafeQueryTexts(_ sql: String) throws(StoreError) -> [String] { try statement(sql).query([]) { $0.text(0) } }
}

extension Alert {
    /// The evidence key for a reading, as alerts store it.
    public static func evidenceKey(for r: Reading) -> String { "\(r.device.id.rawValue)|\(r.kind.rawValue)|\(r.naturalKey)" }
}
