import VitalsStore

/// The central PostgreSQL schema, as history like the hub's: each migration applied once, in order, recorded in
/// `vitals_schema_migrations` on the server, never edited after it ships. Applied by the uplink under an advisory
/// lock, so many hubs starting against an empty server create it once.
public enum CentralSchema {
    public struct Migration: Sendable {
        public var version: Int
        public var name: String
        public var statements: [String]
    }

    /// Serialises schema and partition changes between hubs (any number; "OVUP").
    static let lockKey: Int64 = 0x4F56_5550

    public static let measurements = "vitals_measurements"
    public static let watermarks = "vitals_hub_watermarks"
    public static let migrationsTable = "vitals_schema_migrations"
    /// The per-session staging table COPY writes into (TEMP: unlogged, private to the connection, emptied at commit).
    public static let staging = "vitals_uplink_staging"

    public static let all: [Migration] = [
        Migration(version: 1, name: "v1: measurements (one row per observation, natural key, monthly range partitions), per-hub watermarks", statements: [
            // PostgreSQL needs the partition key in every unique constraint of a partitioned table, so effective_at is
            // in the key. It is a function of the rest: a hub stores one reading per (device, kind, natural key) and
            // sends that stored row, the same effective time every time, so the key is still the natural key.
            """
            CREATE TABLE vitals_measurements (
                hub_id text NOT NULL CHECK (length(hub_id) > 0),
                device_id text NOT NULL,
                natural_key text NOT NULL,
                metric text NOT NULL,
                kind text NOT NULL,
                subject_id text NOT NULL,
                mdc_code integer NOT NULL,
                loinc text,
                value double precision,
                state text NOT NULL,
                unit text NOT NULL,
                effective_at timestamptz NOT NULL,
                received_at timestamptz NOT NULL,
                grade text NOT NULL,
                flags text NOT NULL DEFAULT '',
                hub_seq bigint NOT NULL,
                PRIMARY KEY (hub_id, device_id, natural_key, metric, effective_at)
            ) PARTITION BY RANGE (effective_at)
            """,
            """
            CREATE TABLE vitals_hub_watermarks (
                hub_id text PRIMARY KEY CHECK (length(hub_id) > 0),
                last_seq bigint NOT NULL CHECK (last_seq >= 0),
                rows_inserted bigint NOT NULL DEFAULT 0,
                batches bigint NOT NULL DEFAULT 0,
                updated_at timestamptz NOT NULL
            )
            """,
        ]),
    ]

    /// The columns COPY writes into the staging table, in order (times as milliseconds since 1970, converted by the server).
    static let stagingColumns = [
        "hub_seq", "device_id", "natural_key", "metric", "kind", "subject_id", "mdc_code", "loinc", "value", "state", "unit",
        "effective_ms", "received_ms", "grade", "flags",
    ]

    /// The session's temp_buffers, in MB: room for a whole batch of staging rows (about 160 bytes each in memory).
    static let stagingBuffersMB = 64

    static let createStaging = """
        CREATE TEMP TABLE IF NOT EXISTS vitals_uplink_staging (
            hub_seq bigint NOT NULL, device_id text NOT NULL, natural_key text NOT NULL, metric text NOT NULL, kind text NOT NULL,
            subject_id text NOT NULL, mdc_code integer NOT NULL, loinc text, value double precision, state text NOT NULL, unit text NOT NULL,
            effective_ms bigint NOT NULL, received_ms bigint NOT NULL, grade text NOT NULL, flags text NOT NULL
        ) ON COMMIT DELETE ROWS
        """

    /// Staging to the central table; `$1` is the hub id. Rows already there (a replay) are skipped.
    static let insertFromStaging = """
        WITH ins AS (
            INSERT INTO vitals_measurements (hub_id, device_id, natural_key, metric, kind, subject_id, mdc_code, loinc, value, state, unit,
                                             effective_at, received_at, grade, flags, hub_seq)
            SELECT $1, device_id, natural_key, metric, kind, subject_id, mdc_code, loinc, value, state, unit,
                   timestamptz 'epoch' + effective_ms * interval '1 millisecond', timestamptz 'epoch' + received_ms * interval '1 millisecond',
                   grade, flags, hub_seq
            FROM vitals_uplink_staging
            ON CONFLICT DO NOTHING
            RETURNING 1
        )
        SELECT count(*)::bigint FROM ins
        """

    static let advanceWatermark = """
        INSERT INTO vitals_hub_watermarks (hub_id, last_seq, rows_inserted, batches, updated_at) VALUES ($1, $2, $3, 1, now())
        ON CONFLICT (hub_id) DO UPDATE SET last_seq = GREATEST(vitals_hub_watermarks.last_seq, excluded.last_seq),
            rows_inserted = vitals_hub_watermarks.rows_inserted + excluded.rows_inserted,
            batches = vitals_hub_watermarks.batches + 1, updated_at = now()
        """

    /// A calendar month in UTC, as `year * 12 + (month - 1)`.
    public struct Month: Hashable, Sendable, Comparable {
        public var index: Int64
        public init(year: Int64, month: Int64) { index = year * 12 + (month - 1) }
        init(index: Int64) { self.index = index }

        /// The month that holds `ms` milliseconds since 1970 (UTC).
        public init(milliseconds ms: Int64) {
            let days = ms >= 0 ? ms / 86_400_000 : (ms - 86_399_999) / 86_400_000
            let (y, m, _) = CentralSchema.civil(days: days)
            self.init(year: y, month: m)
        }

        public var year: Int64 { index >= 0 ? index / 12 : (index - 11) / 12 }
        public var month: Int64 { index - year * 12 + 1 }
        public var next: Month { Month(index: index + 1) }
        public static func < (a: Month, b: Month) -> Bool { a.index < b.index }

        /// `vitals_measurements_y2026m03`.
        public var partitionName: String { "\(CentralSchema.measurements)_y\(pad(year, 4))m\(pad(month, 2))" }
        /// `'2026-03-01 00:00:00+00'`.
        var lowerBound: String { "'\(pad(year, 4))-\(pad(month, 2))-01 00:00:00+00'" }

        func pad(_ v: Int64, _ width: Int) -> String {
            let s = String(abs(v))
            return (v < 0 ? "-" : "") + String(repeating: "0", count: max(0, width - s.count)) + s
        }

        var createPartition: String {
            "CREATE TABLE IF NOT EXISTS \(partitionName) PARTITION OF \(CentralSchema.measurements) FOR VALUES FROM (\(lowerBound)) TO (\(next.lowerBound))"
        }
    }

    /// Days since 1970-01-01 to (year, month, day) in the proleptic Gregorian calendar (H. Hinnant's civil_from_days).
    static func civil(days: Int64) -> (Int64, Int64, Int64) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }
}
