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
            )
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
            _ = try await client.execute(
                "INSERT INTO \(keyspace).schema_migrations (version, description, applied_at) VALUES (?, ?, ?)",
                [.int(migration.version), .text(migration.description), .timestamp(now)]
            )
            logger.info("cassandra migration applied", metadata: ["version": "\(migration.version)", "keyspace": "\(keyspace)"])
        }
    }
}
