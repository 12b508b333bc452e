/// The schema as history: each migration is applied once, in order, and never edited after it ships.
/// Migrations reference no application types, only SQL.
enum Migrations {
    struct Migration {
        var version: Int
        var name: String
        var sql: String
        /// Rebuilds tables other tables reference (SQLite's documented way to change a CHECK): foreign keys
        /// are switched off around it and checked before it commits.
        var rebuildsTables = false
    }

    static let all: [Migration] = [
        Migration(version: 1, name: "v1: devices, subjects, readings, observations, waveforms, alerts, outbox", sql: """
            CREATE TABLE subjects (
                id TEXT PRIMARY KEY CHECK (length(id) > 0),
                created_at INTEGER NOT NULL
            ) STRICT;

            CREATE TABLE devices (
                id TEXT PRIMARY KEY,
                transport TEXT NOT NULL CHECK (transport IN ('ble', 'usb', 'sim-ble', 'sim-usb')),
                address TEXT NOT NULL CHECK (length(address) > 0),
                profile_id TEXT,
                manufacturer TEXT,
                model TEXT,
                serial TEXT,
                grade TEXT NOT NULL CHECK (grade IN ('medical', 'medical-unvalidated', 'consumer', 'unverified')),
                first_seen INTEGER NOT NULL,
                last_seen INTEGER NOT NULL CHECK (last_seen >= first_seen),
                UNIQUE (transport, address)
            ) STRICT;

            CREATE TABLE raw_frames (
                id INTEGER PRIMARY KEY,
                device_id TEXT NOT NULL REFERENCES devices (id),
                source TEXT NOT NULL,
                received_at INTEGER NOT NULL,
                bytes BLOB NOT NULL,
                decode_error TEXT
            ) STRICT;

            CREATE TABLE readings (
                id INTEGER PRIMARY KEY,
                device_id TEXT NOT NULL REFERENCES devices (id),
                subject_id TEXT NOT NULL REFERENCES subjects (id),
                kind TEXT NOT NULL CHECK (kind IN ('blood-pressure', 'glucose', 'heart-rate', 'spo2', 'ecg')),
                natural_key TEXT NOT NULL,
                sequence INTEGER CHECK (sequence IS NULL OR sequence >= 0),
                effective_at INTEGER NOT NULL,
                device_time TEXT,
                received_at INTEGER NOT NULL,
                grade TEXT NOT NULL CHECK (grade IN ('medical', 'medical-unvalidated', 'consumer', 'unverified')),
                flags TEXT NOT NULL DEFAULT '',
                raw_frame_id INTEGER NOT NULL REFERENCES raw_frames (id),
                UNIQUE (device_id, kind, natural_key)
            ) STRICT;
            CREATE INDEX readings_subject_time ON readings (subject_id, effective_at);
            CREATE INDEX readings_device_sequence ON readings (device_id, sequence) WHERE sequence IS NOT NULL;

            CREATE TABLE observations (
                reading_id INTEGER NOT NULL REFERENCES readings (id) ON DELETE CASCADE,
                mdc_code INTEGER NOT NULL CHECK (mdc_code > 0),
                ordinal INTEGER NOT NULL CHECK (ordinal >= 0),
                metric TEXT NOT NULL,
                loinc TEXT,
                value REAL,
                state TEXT NOT NULL CHECK (state IN ('number', 'nan', 'nres', '+inf', '-inf', 'reserved')),
                unit TEXT NOT NULL CHECK (unit IN ('mm[Hg]', 'kPa', '/min', 'mg/dL', 'mmol/L', '%', 'mV', 'uV')),
                wire_encoding TEXT NOT NULL,
                wire_bits INTEGER NOT NULL,
                wire_unit TEXT NOT NULL,
                PRIMARY KEY (reading_id, mdc_code),
                CHECK ((state = 'number') = (value IS NOT NULL))
            ) STRICT, WITHOUT ROWID;

            CREATE TABLE waveform_blocks (
                id INTEGER PRIMARY KEY,
                device_id TEXT NOT NULL REFERENCES devices (id),
                subject_id TEXT NOT NULL REFERENCES subjects (id),
                lead_mdc INTEGER NOT NULL,
                start_us INTEGER NOT NULL,
                sample_rate REAL NOT NULL CHECK (sample_rate > 0),
                gain REAL NOT NULL CHECK (gain > 0),
                baseline INTEGER NOT NULL,
                unit TEXT NOT NULL,
                sample_count INTEGER NOT NULL CHECK (sample_count > 0),
                codec INTEGER NOT NULL CHECK (codec IN (0)),
                data BLOB NOT NULL,
                UNIQUE (device_id, lead_mdc, start_us)
            ) STRICT;

            CREATE TABLE alerts (
                id TEXT PRIMARY KEY,
                rule_id TEXT NOT NULL,
                subject_id TEXT NOT NULL REFERENCES subjects (id),
                device_id TEXT NOT NULL REFERENCES devices (id),
                reading_id INTEGER REFERENCES readings (id),
                severity TEXT NOT NULL CHECK (severity IN ('advisory', 'urgent', 'critical')),
                state TEXT NOT NULL CHECK (state IN ('raised', 'updated', 'acknowledged', 'resolved')),
                message TEXT NOT NULL,
                citation TEXT NOT NULL,
                raised_at INTEGER NOT NULL,
                effective_at INTEGER NOT NULL,
                evidence_key TEXT NOT NULL
            ) STRICT;
            CREATE INDEX alerts_subject_time ON alerts (subject_id, raised_at);

            CREATE TABLE outbox (
                seq INTEGER PRIMARY KEY AUTOINCREMENT,
                kind TEXT NOT NULL CHECK (kind IN ('reading', 'alert', 'waveform')),
                ref TEXT NOT NULL,
                created_at INTEGER NOT NULL
            ) STRICT;
            """),
        Migration(version: 2, name: "v2: what devices say about themselves (certified classes, clock offset)", sql: """
            ALTER TABLE devices ADD COLUMN certified_classes TEXT;
            ALTER TABLE devices ADD COLUMN clock_offset_s REAL;
            ALTER TABLE devices ADD COLUMN clock_checked_at INTEGER;
            """),
        Migration(version: 3, name: "v3: thermometer and scale readings (kinds, units); IEEE 11073 configurations learned per agent", sql: """
            CREATE TABLE readings_v3 (
                id INTEGER PRIMARY KEY,
                device_id TEXT NOT NULL REFERENCES devices (id),
                subject_id TEXT NOT NULL REFERENCES subjects (id),
                kind TEXT NOT NULL CHECK (kind IN ('blood-pressure', 'glucose', 'heart-rate', 'spo2', 'ecg', 'temperature', 'weight')),
                natural_key TEXT NOT NULL,
                sequence INTEGER CHECK (sequence IS NULL OR sequence >= 0),
                effective_at INTEGER NOT NULL,
                device_time TEXT,
                received_at INTEGER NOT NULL,
                grade TEXT NOT NULL CHECK (grade IN ('medical', 'medical-unvalidated', 'consumer', 'unverified')),
                flags TEXT NOT NULL DEFAULT '',
                raw_frame_id INTEGER NOT NULL REFERENCES raw_frames (id),
                UNIQUE (device_id, kind, natural_key)
            ) STRICT;
            INSERT INTO readings_v3 SELECT * FROM readings;
            DROP TABLE readings;
            ALTER TABLE readings_v3 RENAME TO readings;
            CREATE INDEX readings_subject_time ON readings (subject_id, effective_at);
            CREATE INDEX readings_device_sequence ON readings (device_id, sequence) WHERE sequence IS NOT NULL;

            CREATE TABLE observations_v3 (
                reading_id INTEGER NOT NULL REFERENCES readings (id) ON DELETE CASCADE,
                mdc_code INTEGER NOT NULL CHECK (mdc_code > 0),
                ordinal INTEGER NOT NULL CHECK (ordinal >= 0),
                metric TEXT NOT NULL,
                loinc TEXT,
                value REAL,
                state TEXT NOT NULL CHECK (state IN ('number', 'nan', 'nres', '+inf', '-inf', 'reserved')),
                unit TEXT NOT NULL CHECK (unit IN ('mm[Hg]', 'kPa', '/min', 'mg/dL', 'mmol/L', '%', 'mV', 'uV', 'Cel', '[degF]', 'kg', '[lb_av]')),
                wire_encoding TEXT NOT NULL,
                wire_bits INTEGER NOT NULL,
                wire_unit TEXT NOT NULL,
                PRIMARY KEY (reading_id, mdc_code),
                CHECK ((state = 'number') = (value IS NOT NULL))
            ) STRICT, WITHOUT ROWID;
            INSERT INTO observations_v3 SELECT * FROM observations;
            DROP TABLE observations;
            ALTER TABLE observations_v3 RENAME TO observations;

            CREATE TABLE phd_configurations (
                system_id TEXT NOT NULL CHECK (length(system_id) = 16),
                config_id INTEGER NOT NULL CHECK (config_id BETWEEN 16384 AND 32767),
                report BLOB NOT NULL,
                learned_at INTEGER NOT NULL,
                PRIMARY KEY (system_id, config_id)
            ) STRICT;
            """, rebuildsTables: true),
        // SQLite cannot change a CHECK constraint in place, so the table is rebuilt with the same columns;
        // existing rows (codec 0) are copied unchanged and stay readable.
        Migration(version: 4, name: "v4: waveform codec 1 (lossless fixed-predictor Rice blocks with CRC-32)", sql: """
            CREATE TABLE waveform_blocks_v4 (
                id INTEGER PRIMARY KEY,
                device_id TEXT NOT NULL REFERENCES devices (id),
                subject_id TEXT NOT NULL REFERENCES subjects (id),
                lead_mdc INTEGER NOT NULL,
                start_us INTEGER NOT NULL,
                sample_rate REAL NOT NULL CHECK (sample_rate > 0),
                gain REAL NOT NULL CHECK (gain > 0),
                baseline INTEGER NOT NULL,
                unit TEXT NOT NULL,
                sample_count INTEGER NOT NULL CHECK (sample_count > 0),
                codec INTEGER NOT NULL CHECK (codec IN (0, 1)),
                data BLOB NOT NULL,
                UNIQUE (device_id, lead_mdc, start_us)
            ) STRICT;
            INSERT INTO waveform_blocks_v4 (id, device_id, subject_id, lead_mdc, start_us, sample_rate, gain, baseline, unit, sample_count, codec, data)
                SELECT id, device_id, subject_id, lead_mdc, start_us, sample_rate, gain, baseline, unit, sample_count, codec, data FROM waveform_blocks;
            DROP TABLE waveform_blocks;
            ALTER TABLE waveform_blocks_v4 RENAME TO waveform_blocks;
            """),
        Migration(version: 5, name: "v5: alert lifecycle (history, backfill events, evidence span, escalation), deliveries, stream state", sql: """
            ALTER TABLE alerts ADD COLUMN historical INTEGER NOT NULL DEFAULT 0 CHECK (historical IN (0, 1));
            ALTER TABLE alerts ADD COLUMN evidence_from INTEGER;
            ALTER TABLE alerts ADD COLUMN evidence_to INTEGER;
            ALTER TABLE alerts ADD COLUMN escalations INTEGER NOT NULL DEFAULT 0 CHECK (escalations >= 0);
            ALTER TABLE alerts ADD COLUMN updated_at INTEGER;
            CREATE INDEX alerts_open ON alerts (state) WHERE state <> 'resolved';

            CREATE TABLE alert_events (
                seq INTEGER PRIMARY KEY AUTOINCREMENT,
                event_id TEXT NOT NULL UNIQUE,
                alert_id TEXT NOT NULL REFERENCES alerts (id),
                transition TEXT NOT NULL CHECK (transition IN ('raised', 'updated', 'escalated', 'acknowledged', 'resolved', 'recorded')),
                state TEXT NOT NULL CHECK (state IN ('raised', 'updated', 'acknowledged', 'resolved')),
                severity TEXT NOT NULL CHECK (severity IN ('advisory', 'urgent', 'critical')),
                at INTEGER NOT NULL,
                event_time INTEGER NOT NULL,
                detail TEXT NOT NULL DEFAULT ''
            ) STRICT;
            CREATE INDEX alert_events_alert ON alert_events (alert_id, seq);

            CREATE TABLE alert_deliveries (
                event_seq INTEGER NOT NULL REFERENCES alert_events (seq),
                channel TEXT NOT NULL CHECK (length(channel) > 0),
                attempts INTEGER NOT NULL CHECK (attempts > 0),
                delivered_at INTEGER NOT NULL,
                PRIMARY KEY (event_seq, channel)
            ) STRICT, WITHOUT ROWID;

            CREATE TABLE stream_state (
                name TEXT PRIMARY KEY CHECK (length(name) > 0),
                state BLOB NOT NULL,
                updated_at INTEGER NOT NULL
            ) STRICT;
            """),
        Migration(version: 6, name: "v6: device UDI (0x2BFF); every device clock check kept (offset history); ECG signal quality per window", sql: """
            ALTER TABLE devices ADD COLUMN udi TEXT CHECK (udi IS NULL OR length(udi) > 0);
            ALTER TABLE devices ADD COLUMN udi_device_identifier TEXT CHECK (udi_device_identifier IS NULL OR length(udi_device_identifier) > 0);

            CREATE TABLE device_clock_checks (
                device_id TEXT NOT NULL REFERENCES devices (id),
                checked_at INTEGER NOT NULL,
                offset_s REAL NOT NULL,
                PRIMARY KEY (device_id, checked_at)
            ) STRICT, WITHOUT ROWID;
            INSERT OR IGNORE INTO device_clock_checks (device_id, checked_at, offset_s)
                SELECT id, clock_checked_at, clock_offset_s FROM devices
                WHERE clock_checked_at IS NOT NULL AND clock_offset_s IS NOT NULL;

            CREATE TABLE waveform_quality (
                device_id TEXT NOT NULL REFERENCES devices (id),
                lead_mdc INTEGER NOT NULL,
                start_us INTEGER NOT NULL,
                end_us INTEGER NOT NULL CHECK (end_us > start_us),
                sqi REAL NOT NULL CHECK (sqi >= 0 AND sqi <= 1),
                usable INTEGER NOT NULL CHECK (usable IN (0, 1)),
                flags TEXT NOT NULL DEFAULT '',
                PRIMARY KEY (device_id, lead_mdc, start_us)
            ) STRICT, WITHOUT ROWID;
            """),
        Migration(version: 7, name: "v7: the device's own user id on readings (multi-user cuffs); alert steps a delivery channel refused, parked", sql: """
            ALTER TABLE readings ADD COLUMN device_user INTEGER CHECK (device_user IS NULL OR device_user BETWEEN 0 AND 255);

            CREATE TABLE alert_dead_letters (
                event_seq INTEGER NOT NULL REFERENCES alert_events (seq),
                channel TEXT NOT NULL CHECK (length(channel) > 0),
                reason TEXT NOT NULL CHECK (length(reason) > 0),
                attempts INTEGER NOT NULL CHECK (attempts > 0),
                parked_at INTEGER NOT NULL,
                PRIMARY KEY (event_seq, channel)
            ) STRICT, WITHOUT ROWID;
            """),
        // Audit tables are append-only (triggers refuse UPDATE and DELETE); a reading's subject changes only
        // together with the re-filing row that records it.
        Migration(version: 8, name: "v8: subject display names; device assignments, re-filed readings and alert acknowledgements, each audited", sql: """
            ALTER TABLE subjects ADD COLUMN display_name TEXT CHECK (display_name IS NULL OR length(trim(display_name)) > 0);

            CREATE TABLE device_assignments (
                device_id TEXT NOT NULL REFERENCES devices (id),
                device_user INTEGER CHECK (device_user IS NULL OR device_user BETWEEN 0 AND 254),
                subject_id TEXT NOT NULL REFERENCES subjects (id),
                acted_at INTEGER NOT NULL,
                acted_by TEXT NOT NULL CHECK (length(trim(acted_by)) > 0)
            ) STRICT;
            CREATE UNIQUE INDEX device_assignments_key ON device_assignments (device_id, ifnull(device_user, -1));

            CREATE TABLE device_assignment_audit (
                seq INTEGER PRIMARY KEY AUTOINCREMENT,
                device_id TEXT NOT NULL REFERENCES devices (id),
                device_user INTEGER CHECK (device_user IS NULL OR device_user BETWEEN 0 AND 254),
                from_subject TEXT REFERENCES subjects (id),
                to_subject TEXT NOT NULL REFERENCES subjects (id),
                acted_at INTEGER NOT NULL,
                acted_by TEXT NOT NULL CHECK (length(trim(acted_by)) > 0),
                reason TEXT CHECK (reason IS NULL OR length(trim(reason)) > 0),
                CHECK (from_subject IS NULL OR from_subject <> to_subject)
            ) STRICT;
            CREATE INDEX device_assignment_audit_device ON device_assignment_audit (device_id, seq);

            CREATE TABLE reading_refilings (
                seq INTEGER PRIMARY KEY AUTOINCREMENT,
                reading_id INTEGER NOT NULL REFERENCES readings (id),
                from_subject TEXT NOT NULL REFERENCES subjects (id),
                to_subject TEXT NOT NULL REFERENCES subjects (id),
                acted_at INTEGER NOT NULL,
                acted_by TEXT NOT NULL CHECK (length(trim(acted_by)) > 0),
                reason TEXT NOT NULL CHECK (length(trim(reason)) > 0),
                CHECK (from_subject <> to_subject)
            ) STRICT;
            CREATE INDEX reading_refilings_reading ON reading_refilings (reading_id, seq);

            CREATE TRIGGER readings_refile_audited BEFORE UPDATE OF subject_id ON readings
            WHEN NEW.subject_id <> OLD.subject_id AND NOT EXISTS (
                SELECT 1 FROM reading_refilings f
                WHERE f.seq = (SELECT max(seq) FROM reading_refilings WHERE reading_id = NEW.id)
                  AND f.from_subject = OLD.subject_id AND f.to_subject = NEW.subject_id)
            BEGIN SELECT RAISE(ABORT, 'a reading changes subject only with its reading_refilings row'); END;

            CREATE TABLE alert_acknowledgements (
                event_seq INTEGER PRIMARY KEY REFERENCES alert_events (seq),
                alert_id TEXT NOT NULL REFERENCES alerts (id),
                acted_at INTEGER NOT NULL,
                acted_by TEXT NOT NULL CHECK (length(trim(acted_by)) > 0)
            ) STRICT;
            CREATE INDEX alert_acknowledgements_alert ON alert_acknowledgements (alert_id);

            CREATE TRIGGER device_assignment_audit_no_update BEFORE UPDATE ON device_assignment_audit
            BEGIN SELECT RAISE(ABORT, 'audit rows are never changed'); END;
            CREATE TRIGGER device_assignment_audit_no_delete BEFORE DELETE ON device_assignment_audit
            BEGIN SELECT RAISE(ABORT, 'audit rows are never deleted'); END;
            CREATE TRIGGER reading_refilings_no_update BEFORE UPDATE ON reading_refilings
            BEGIN SELECT RAISE(ABORT, 'audit rows are never changed'); END;
            CREATE TRIGGER reading_refilings_no_delete BEFORE DELETE ON reading_refilings
            BEGIN SELECT RAISE(ABORT, 'audit rows are never deleted'); END;
            CREATE TRIGGER alert_acknowledgements_no_update BEFORE UPDATE ON alert_acknowledgements
            BEGIN SELECT RAISE(ABORT, 'audit rows are never changed'); END;
            CREATE TRIGGER alert_acknowledgements_no_delete BEFORE DELETE ON alert_acknowledgements
            BEGIN SELECT RAISE(ABORT, 'audit rows are never deleted'); END;
            """),
        // The outbox (v1) gets its first reader: an uplink marks, per target, the highest outbox seq the target
        // has committed. The hub gets a stable random id, so many hubs can share one central server.
        Migration(version: 9, name: "v9: uplink acknowledgements per target (outbox watermark); the hub's own id", sql: """
            CREATE TABLE uplink_acks (
                target TEXT PRIMARY KEY CHECK (length(target) > 0),
                acked_seq INTEGER NOT NULL CHECK (acked_seq >= 0),
                rows_sent INTEGER NOT NULL DEFAULT 0 CHECK (rows_sent >= 0),
                acked_at INTEGER NOT NULL
            ) STRICT;

            CREATE TABLE hub_identity (
                singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
                hub_id TEXT NOT NULL CHECK (length(hub_id) > 0),
                created_at INTEGER NOT NULL
            ) STRICT;
            INSERT INTO hub_identity (singleton, hub_id, created_at)
                VALUES (1, 'hub-' || lower(hex(randomblob(8))), CAST(strftime('%s', 'now') AS INTEGER) * 1000);
            """),
        // Erasure (a subject's data deleted on request) and retention (old data deleted once every uplink has it).
        // Each is recorded in `erasures` with who, when and how much, and no patient data beyond the subject id.
        // The v8 audit tables stay append-only except while an erasure of the subject a row names is open: the
        // erasure row is inserted first, the rows go, and the erasure row is completed in the same transaction.
        Migration(version: 10, name: "v10: erasures (subject deletion, retention), audited; audit rows deletable only by an open erasure of their subject", sql: """
            CREATE TABLE erasures (
                seq INTEGER PRIMARY KEY AUTOINCREMENT,
                kind TEXT NOT NULL CHECK (kind IN ('subject', 'retention')),
                subject_id TEXT CHECK ((kind = 'subject') = (subject_id IS NOT NULL)),
                cutoff_at INTEGER CHECK ((kind = 'retention') = (cutoff_at IS NOT NULL)),
                acted_at INTEGER NOT NULL,
                acted_by TEXT NOT NULL CHECK (length(trim(acted_by)) > 0),
                readings INTEGER CHECK (readings IS NULL OR readings >= 0),
                waveform_blocks INTEGER CHECK (waveform_blocks IS NULL OR waveform_blocks >= 0),
                alerts INTEGER CHECK (alerts IS NULL OR alerts >= 0),
                completed_at INTEGER,
                CHECK (subject_id IS NULL OR length(subject_id) > 0)
            ) STRICT;
            CREATE TRIGGER erasures_no_delete BEFORE DELETE ON erasures
            BEGIN SELECT RAISE(ABORT, 'audit rows are never deleted'); END;
            CREATE TRIGGER erasures_completed_once BEFORE UPDATE ON erasures
            WHEN OLD.completed_at IS NOT NULL OR NEW.completed_at IS NULL OR NEW.seq IS NOT OLD.seq OR NEW.kind IS NOT OLD.kind
              OR NEW.subject_id IS NOT OLD.subject_id OR NEW.cutoff_at IS NOT OLD.cutoff_at OR NEW.acted_at IS NOT OLD.acted_at
              OR NEW.acted_by IS NOT OLD.acted_by
            BEGIN SELECT RAISE(ABORT, 'an erasure record is only completed, once'); END;

            DROP TRIGGER device_assignment_audit_no_delete;
            CREATE TRIGGER device_assignment_audit_no_delete BEFORE DELETE ON device_assignment_audit
            WHEN NOT EXISTS (SELECT 1 FROM erasures e WHERE e.kind = 'subject' AND e.completed_at IS NULL
                             AND e.subject_id IN (OLD.from_subject, OLD.to_subject))
            BEGIN SELECT RAISE(ABORT, 'audit rows are deleted only by an open erasure of the subject they name'); END;
            DROP TRIGGER reading_refilings_no_delete;
            CREATE TRIGGER reading_refilings_no_delete BEFORE DELETE ON reading_refilings
            WHEN NOT EXISTS (SELECT 1 FROM erasures e WHERE e.kind = 'subject' AND e.completed_at IS NULL
                             AND (e.subject_id IN (OLD.from_subject, OLD.to_subject)
                                  OR e.subject_id = (SELECT subject_id FROM readings WHERE id = OLD.reading_id)))
            BEGIN SELECT RAISE(ABORT, 'audit rows are deleted only by an open erasure of the subject they name'); END;
            DROP TRIGGER alert_acknowledgements_no_delete;
            CREATE TRIGGER alert_acknowledgements_no_delete BEFORE DELETE ON alert_acknowledgements
            WHEN NOT EXISTS (SELECT 1 FROM erasures e WHERE e.kind = 'subject' AND e.completed_at IS NULL
                             AND e.subject_id = (SELECT subject_id FROM alerts WHERE id = OLD.alert_id))
            BEGIN SELECT RAISE(ABORT, 'audit rows are deleted only by an open erasure of the subject they name'); END;

            CREATE INDEX outbox_ref ON outbox (kind, ref);
            """),
        // An entry an uplink's far side refuses for good (a FHIR server's 422: it will refuse it every time) would
        // stop that uplink, and retention behind it, for ever. It is parked instead: acknowledged with its batch,
        // recorded here with the reason (no patient data), and kept from retention until someone deals with it.
        Migration(version: 11, name: "v11: outbox entries an uplink refuses for good, parked with the reason", sql: """
            CREATE TABLE uplink_parked (
                target TEXT NOT NULL CHECK (length(target) > 0),
                kind TEXT NOT NULL CHECK (kind IN ('reading', 'waveform')),
                ref TEXT NOT NULL CHECK (length(ref) > 0),
                reason TEXT NOT NULL CHECK (length(reason) > 0),
                parked_at INTEGER NOT NULL,
                PRIMARY KEY (target, kind, ref)
            ) STRICT, WITHOUT ROWID;
            CREATE INDEX uplink_parked_ref ON uplink_parked (kind, ref);
            """),
    ]
}
