import Logging
import SQLiteNIO

/// Versioned schema changes, tracked in `PRAGMA user_version`; each version runs in one transaction.
enum SQLiteMigrations {
    /// Statements of each version, in order; never edit a released version, append a new one.
    static let versions: [[String]] = [
        [
            """
            CREATE TABLE users (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                user_id TEXT NOT NULL UNIQUE,
                username TEXT NOT NULL COLLATE NOCASE UNIQUE,
                email TEXT NOT NULL COLLATE NOCASE UNIQUE,
                password_hash TEXT NOT NULL,
                is_active INTEGER NOT NULL DEFAULT 1,
                is_admin INTEGER NOT NULL DEFAULT 0,
                created_at INTEGER NOT NULL,
                updated_at INTEGER NOT NULL,
                last_login INTEGER
            )
            """,
            """
            CREATE TABLE tokens (
                token_hash TEXT PRIMARY KEY,
                user_pk INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                created_at INTEGER NOT NULL,
                expires_at INTEGER NOT NULL
            ) WITHOUT ROWID
            """,
            "CREATE INDEX tokens_by_user ON tokens(user_pk)",
            """
            CREATE TABLE devices (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                user_pk INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                name TEXT NOT NULL,
                description TEXT,
                device_type TEXT NOT NULL,
                status TEXT NOT NULL DEFAULT 'active',
                location TEXT,
                firmware_version TEXT,
                hardware_version TEXT,
                api_key_hash TEXT NOT NULL UNIQUE,
                config TEXT NOT NULL DEFAULT '{}',
                config_updated_at INTEGER,
                created_at INTEGER NOT NULL,
                updated_at INTEGER NOT NULL,
                last_seen INTEGER,
                UNIQUE (user_pk, name)
            )
            """,
            "CREATE INDEX devices_by_last_seen ON devices(last_seen)",
            """
            CREATE TABLE device_groups (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                user_pk INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                name TEXT NOT NULL,
                description TEXT,
                color TEXT,
                created_at INTEGER NOT NULL,
                updated_at INTEGER NOT NULL,
                UNIQUE (user_pk, name)
            )
            """,
            """
            CREATE TABLE group_members (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                group_id INTEGER NOT NULL REFERENCES device_groups(id) ON DELETE CASCADE,
                device_id INTEGER NOT NULL REFERENCES devices(id) ON DELETE CASCADE,
                added_at INTEGER NOT NULL,
                UNIQUE (group_id, device_id)
            )
            """,
            "CREATE INDEX group_members_by_device ON group_members(device_id)",
            "CREATE TABLE telemetry_keys (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE)",
            """
            CREATE TABLE telemetry (
                device_id INTEGER NOT NULL,
                key_id INTEGER NOT NULL,
                ts_ms INTEGER NOT NULL,
                num_value REAL,
                str_value TEXT,
                bool_value INTEGER,
                PRIMARY KEY (device_id, key_id, ts_ms)
            ) WITHOUT ROWID
            """,
            """
            CREATE TABLE telemetry_latest (
                device_id INTEGER NOT NULL,
                key_id INTEGER NOT NULL,
                ts_ms INTEGER NOT NULL,
                num_value REAL,
                str_value TEXT,
                bool_value INTEGER,
                PRIMARY KEY (device_id, key_id)
            ) WITHOUT ROWID
            """,
            """
            CREATE TABLE telemetry_metadata (
                device_id INTEGER NOT NULL,
                ts_ms INTEGER NOT NULL,
                metadata TEXT NOT NULL,
                PRIMARY KEY (device_id, ts_ms)
            ) WITHOUT ROWID
            """,
            """
            CREATE TABLE events (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                event_type TEXT NOT NULL,
                ts_ms INTEGER NOT NULL,
                user_id TEXT,
                device_id INTEGER,
                details TEXT NOT NULL
            )
            """,
            "CREATE INDEX events_by_time ON events(ts_ms)",
            "CREATE INDEX events_by_type ON events(event_type, ts_ms)",
            "CREATE INDEX events_by_device ON events(device_id, ts_ms)",
            "CREATE INDEX events_by_user ON events(user_id, ts_ms)",
        ],
        // 2: counters of stored values, so totals never scan the telemetry table (TelemetrySQLiteStore+Counts).
        [
            "CREATE TABLE telemetry_counts (device_id INTEGER PRIMARY KEY, points INTEGER NOT NULL)",
            "INSERT INTO telemetry_counts (device_id, points) SELECT device_id, COUNT(*) FROM telemetry GROUP BY device_id",
            "CREATE TABLE telemetry_recent_counts (minute INTEGER PRIMARY KEY, points INTEGER NOT NULL)",
            """
            INSERT INTO telemetry_recent_counts (minute, points)
            SELECT ts_ms / 60000, COUNT(*) FROM telemetry WHERE ts_ms >= CAST(strftime('%s', 'now') AS INTEGER) * 1000 - 90000000
            GROUP BY ts_ms / 60000
            """,
        ],
        // 3: the counters of version 2 in one table (scope 0 per device, bucket = device id; scope 1 per minute of
        // timestamp over the recent window, bucket = minute), and a view whose INSTEAD OF trigger applies what a
        // write changes besides its values (latest values, metadata, counters, last seen) from the rows of one
        // INSERT: one statement, so one thread-pool hop, per write transaction instead of four
        // (TelemetrySQLiteStore+Effects).
        [
            "ALTER TABLE telemetry_counts RENAME TO telemetry_device_counts_v2",
            """
            CREATE TABLE telemetry_counts (
                scope INTEGER NOT NULL,
                bucket INTEGER NOT NULL,
                points INTEGER NOT NULL,
                PRIMARY KEY (scope, bucket)
            ) WITHOUT ROWID
            """,
            "INSERT INTO telemetry_counts (scope, bucket, points) SELECT 0, device_id, points FROM telemetry_device_counts_v2",
            "INSERT INTO telemetry_counts (scope, bucket, points) SELECT 1, minute, points FROM telemetry_recent_counts",
            "DROP TABLE telemetry_device_counts_v2",
            "DROP TABLE telemetry_recent_counts",
            """
            CREATE VIEW telemetry_write_effects (kind, a, b, c, d, e, f) AS
            SELECT 0, 0, 0, 0, NULL, NULL, NULL WHERE 0
            """,
            """
            CREATE TRIGGER telemetry_write_effects_apply INSTEAD OF INSERT ON telemetry_write_effects
            BEGIN
                INSERT INTO telemetry_latest (device_id, key_id, ts_ms, num_value, str_value, bool_value)
                SELECT NEW.a, NEW.b, NEW.c, NEW.d, NEW.e, NEW.f WHERE NEW.kind = 0
                ON CONFLICT (device_id, key_id) DO UPDATE SET ts_ms = excluded.ts_ms, num_value = excluded.num_value,
                    str_value = excluded.str_value, bool_value = excluded.bool_value
                WHERE excluded.ts_ms >= telemetry_latest.ts_ms;
                INSERT INTO telemetry_metadata (device_id, ts_ms, metadata)
                SELECT NEW.a, NEW.b, NEW.e WHERE NEW.kind = 1
                ON CONFLICT (device_id, ts_ms) DO UPDATE SET metadata = excluded.metadata;
                INSERT INTO telemetry_counts (scope, bucket, points)
                SELECT NEW.a, NEW.b, NEW.c WHERE NEW.kind = 2
                ON CONFLICT (scope, bucket) DO UPDATE SET points = points + excluded.points;
                UPDATE devices SET last_seen = MAX(COALESCE(last_seen, 0), NEW.b) WHERE NEW.kind = 3 AND id = NEW.a;
            END
            """,
        ],
        // 4: alert rules (registry: they go with their owner, device or group), leases for jobs one instance runs at a
        // time, and alerts (events data: no foreign keys, since other deployments keep them in another database).
        // The partial unique index is what keeps one unresolved alert per rule and device when several writers race
        // (AlertSQLiteStore.openAlert).
        [
            """
            CREATE TABLE alert_rules (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                user_pk INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                name TEXT NOT NULL,
                device_id INTEGER REFERENCES devices(id) ON DELETE CASCADE,
                group_id INTEGER REFERENCES device_groups(id) ON DELETE CASCADE,
                type TEXT NOT NULL,
                key TEXT,
                operator TEXT,
                threshold REAL,
                duration_s INTEGER NOT NULL,
                offline_after_s INTEGER,
                severity TEXT NOT NULL,
                cooldown_s INTEGER NOT NULL,
                enabled INTEGER NOT NULL,
                created_at INTEGER NOT NULL,
                updated_at INTEGER NOT NULL,
                UNIQUE (user_pk, name)
            )
            """,
            "CREATE INDEX alert_rules_by_device ON alert_rules(device_id)",
            "CREATE INDEX alert_rules_by_group ON alert_rules(group_id)",
            "CREATE TABLE leases (name TEXT PRIMARY KEY, holder TEXT NOT NULL, expires_at INTEGER NOT NULL) WITHOUT ROWID",
            """
            CREATE TABLE alerts (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                rule_id INTEGER NOT NULL,
                rule_name TEXT NOT NULL,
                type TEXT NOT NULL,
                device_id INTEGER NOT NULL,
                device_name TEXT NOT NULL,
                user_id TEXT NOT NULL,
                key TEXT,
                operator TEXT,
                threshold REAL,
                value REAL,
                severity TEXT NOT NULL,
                status TEXT NOT NULL,
                message TEXT NOT NULL,
                triggered_at INTEGER NOT NULL,
                last_value_at INTEGER,
                acknowledged_at INTEGER,
                resolved_at INTEGER,
                resolved_by TEXT,
                note TEXT
            )
            """,
            "CREATE UNIQUE INDEX alerts_one_unresolved ON alerts(rule_id, device_id) WHERE status <> 'resolved'",
            "CREATE INDEX alerts_by_time ON alerts(triggered_at)",
            "CREATE INDEX alerts_by_user ON alerts(user_id, triggered_at)",
            "CREATE INDEX alerts_by_device ON alerts(device_id, triggered_at)",
            "CREATE INDEX alerts_by_rule ON alerts(rule_id, triggered_at)",
            // Cooldowns ask for the latest resolution of one rule and device.
            "CREATE INDEX alerts_resolutions ON alerts(rule_id, device_id, resolved_at)",
            "CREATE INDEX alerts_by_status ON alerts(status, resolved_at)",
        ],
        // 5: per-minute and per-hour rollups of numeric values (TelemetrySQLiteStore+Rollups), filled from the values
        // already stored. `total` is NULL when the sum is not a number.
        [
            """
            CREATE TABLE telemetry_rollups (
                device_id INTEGER NOT NULL,
                key_id INTEGER NOT NULL,
                period_ms INTEGER NOT NULL,
                bucket_ms INTEGER NOT NULL,
                n INTEGER NOT NULL,
                total REAL,
                min_v REAL NOT NULL,
                max_v REAL NOT NULL,
                first_ts INTEGER NOT NULL,
                first_v REAL NOT NULL,
                last_ts INTEGER NOT NULL,
                last_v REAL NOT NULL,
                PRIMARY KEY (device_id, key_id, period_ms, bucket_ms)
            ) WITHOUT ROWID
            """,
            """
            INSERT INTO telemetry_rollups (device_id, key_id, period_ms, bucket_ms, n, total, min_v, max_v, first_ts, first_v, last_ts, last_v)
            SELECT device_id, key_id, 60000, b, COUNT(*), TOTAL(x), MIN(x), MAX(x), MIN(ts_ms), MIN(fv), MAX(ts_ms), MIN(lv) FROM (
                SELECT device_id, key_id, b, ts_ms, x,
                    FIRST_VALUE(x) OVER (PARTITION BY device_id, key_id, b ORDER BY ts_ms) AS fv,
                    FIRST_VALUE(x) OVER (PARTITION BY device_id, key_id, b ORDER BY ts_ms DESC) AS lv
                FROM (
                    SELECT device_id, key_id, ts_ms - (((ts_ms % 60000) + 60000) % 60000) AS b, ts_ms, COALESCE(num_value, bool_value) AS x
                    FROM telemetry WHERE num_value IS NOT NULL OR bool_value IS NOT NULL
                )
            ) GROUP BY device_id, key_id, b
            """,
            """
            INSERT INTO telemetry_rollups (device_id, key_id, period_ms, bucket_ms, n, total, min_v, max_v, first_ts, first_v, last_ts, last_v)
            SELECT device_id, key_id, 3600000, h, SUM(n), CASE WHEN COUNT(total) = COUNT(*) THEN TOTAL(total) END, MIN(min_v), MAX(max_v),
                MIN(first_ts), MIN(fv), MAX(last_ts), MIN(lv) FROM (
                SELECT *, FIRST_VALUE(first_v) OVER (PARTITION BY device_id, key_id, h ORDER BY first_ts) AS fv,
                    FIRST_VALUE(last_v) OVER (PARTITION BY device_id, key_id, h ORDER BY last_ts DESC) AS lv
                FROM (
                    SELECT *, bucket_ms - (((bucket_ms % 3600000) + 3600000) % 3600000) AS h FROM telemetry_rollups WHERE period_ms = 60000
                )
            ) GROUP BY device_id, key_id, h
            """,
        ],
    ]

    /// The schema version this build expects.
    static var latestVersion: Int { Self.versions.count }

    /// Brings the schema up to ``latestVersion``; refuses a file written by a newer build.
    static func apply(on connection: isolated SQLiteHandle, logger: Logger) async throws {
        let current = try await connection.query("PRAGMA user_version").first?.column("user_version")?.integer ?? 0
        guard current <= Self.latestVersion else {
            throw MigrationError(message: "database schema version \(current) is newer than this build supports (\(Self.latestVersion))")
        }
        for version in current..<Self.latestVersion {
            _ = try await connection.query("BEGIN IMMEDIATE")
            do {
                for statement in Self.versions[version] { _ = try await connection.query(statement) }
                _ = try await connection.query("PRAGMA user_version = \(version + 1)")
                _ = try await connection.query("COMMIT")
            } catch {
                _ = try? await connection.query("ROLLBACK")
                throw error
            }
            logger.info("applied SQLite schema version \(version + 1)")
        }
    }
}

/// A schema that cannot be brought up to date.
public struct MigrationError: Error, CustomStringConvertible {
    /// What is wrong.
    public let message: String
    public var description: String { self.message }
}
