import CassandraNIO
import Logging

/// The telemetry schema in Cassandra, applied by `serve` and `iotflow migrate`. Every statement is idempotent
/// (`IF NOT EXISTS`), so instances starting together cannot conflict, and versions are recorded in
/// `schema_migrations`. Never edit a released migration; append a new one.
enum CassandraSchema {
    /// One version of the schema.
    struct Migration {
        let version: Int32
        let description: String
        let statements: [String]
    }

    /// Points are partitioned by device and time bucket (so partitions stay bounded) and clustered by key and
    /// timestamp (so one key's range is one slice); latest values per device and key; metadata per timestamp;
    /// the buckets a device has points in (so reads skip empty ones); counters of points per device and per
    /// minute, so totals never scan.
    static func migrations(keyspace: String) -> [Migration] {
        [
            Migration(
                version: 1, description: "telemetry points, latest values, metadata, buckets and counters",
                statements: [
                    """
                    CREATE TABLE IF NOT EXISTS \(keyspace).points (device_id bigint, bucket bigint, key text, ts timestamp, num double, \
                    str text, flag boolean, PRIMARY KEY ((device_id, bucket), key, ts))
                    """,
                    """
                    CREATE TABLE IF NOT EXISTS \(keyspace).point_metadata (device_id bigint, bucket bigint, ts timestamp, metadata text, \
                    PRIMARY KEY ((device_id, bucket), ts))
                    """,
                    "CREATE TABLE IF NOT EXISTS \(keyspace).buckets_by_device (device_id bigint, bucket bigint, PRIMARY KEY (device_id, bucket))",
                    """
                    CREATE TABLE IF NOT EXISTS \(keyspace).latest_by_device (device_id bigint, key text, ts timestamp, num double, str text, \
                    flag boolean, PRIMARY KEY (device_id, key))
                    """,
                    "CREATE TABLE IF NOT EXISTS \(keyspace).telemetry_counts (scope int, bucket bigint, points counter, PRIMARY KEY (scope, bucket))",
                ]
            ),
            // Rollups: one row per device, key, period (ms) and bucket start. Minute rows are partitioned by UTC day
            // (at most 1,440 rows per key) and hour rows by UTC month (at most 744 per key), so partitions stay bounded
            // and an hourly aggregation over a year reads 12 partitions; clustering by key then bucket makes one key's
            // range one slice, and lets a range delete be one range tombstone per key and partition.
            Migration(
                version: 2, description: "per-minute and per-hour rollups",
                statements: [
                    """
                    CREATE TABLE IF NOT EXISTS \(keyspace).rollups (device_id bigint, period int, span bigint, key text, bucket timestamp, \
                    samples bigint, total double, low double, high double, first_ts timestamp, first_value double, last_ts timestamp, \
                    last_value double, PRIMARY KEY ((device_id, period, span), key, bucket))
                    """
                ]
            ),
        ]
    }

    /// Creates the keyspace when absent and applies the migrations not yet recorded.
    static func migrate(client: CassandraClient, settings: CassandraSettings, now: Int64, logger: Logger) async throws {
        let keyspace = settings.keyspace
        _ = try await client.query("CREATE KEYSPACE IF NOT EXISTS \(keyspace) WITH replication = \(settings.replication)")
        _ = try await client.query(
            "CREATE TABLE IF NOT EXISTS \(keyspace).schema_migrations (version int PRIMARY KEY, description text, applied_at timestamp)")
        var applied = Set<Int32>()
        for try await row in client.rows("SELECT version FROM \(keyspace).schema_migrations") {
            if let version = row[0].int32 { applied.insert(version) }
        }
        for migration in Self.migrations(keyspace: keyspace) where !applied.contains(migration.version) {
            for statement in migration.statements { _ = try await client.query(statement) }
            try await Self.record(migration.version, migration.description, client: client, keyspace: keyspace, now: now)
            logger.info("cassandra migration applied", metadata: ["version": "\(migration.version)", "keyspace": "\(keyspace)"])
        }
    }

    /// Records `version` in `schema_migrations`.
    static func record(_ version: Int32, _ description: String, client: CassandraClient, keyspace: String, now: Int64) async throws {
        _ = try await client.execute(
            "INSERT INTO \(keyspace).schema_migrations (version, description, applied_at) VALUES (?, ?, ?)",
            [.int(version), .text(description), .timestamp(now)]
        )
    }

    /// Whether `version` is recorded in `schema_migrations`.
    static func isRecorded(_ version: Int32, client: CassandraClient, keyspace: String) async throws -> Bool {
        guard case .rows(let rows) = try await client.execute("SELECT version FROM \(keyspace).schema_migrations WHERE version = ?", [.int(version)])
        else { return false }
        return !rows.rows.isEmpty
    }
}
