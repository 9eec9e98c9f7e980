import IoTFlowCore
import Logging
import PostgresNIO

/// Time series in PostgreSQL: `telemetry` partitioned by month of `ts_ms`, a latest-value table maintained
/// in the same transaction, and metadata per (device, timestamp).
public struct TelemetryPostgresStore: TelemetryStore {
    let database: PostgresDatabase
    let keys = TelemetryKeyDictionary()
    /// Dates the counters of recent values.
    let clock: any WallClock
    /// Keeps pruning of per-minute counters to once a minute.
    let pruning = RecentCountPruning()

    /// Creates the store on a database whose pool is running and whose schema is migrated.
    public init(database: PostgresDatabase, clock: any WallClock = SystemWallClock()) {
        self.database = database
        self.clock = clock
    }

    /// The unnested column list of ``TelemetryColumns``, as `u(d, k, t, v, n, s, b)`.
    private static func unnest(_ columns: TelemetryColumns) -> PostgresQuery {
        """
        unnest(\(columns.deviceIDs)::int8[], \(columns.keyIDs)::int8[], \(columns.timestamps)::int8[], \(columns.kinds)::int2[],
            \(columns.numbers)::float8[], \(columns.strings)::text[], \(columns.bools)::bool[]) AS u(d, k, t, v, n, s, b)
        """
    }

    public func write(_ writes: [TelemetryWrite]) async throws {
        _ = try await self.write(writes, lastSeen: [:])
    }

    /// The registry lives in the same database, so last-seen times commit with the points: one commit
    /// (one WAL flush) per batch. Devices are updated last, after every telemetry table, like every writer.
    public func write(_ writes: [TelemetryWrite], lastSeen: [Int64: Int64]) async throws -> Bool {
        let batch = TelemetryBatch(writes)
        guard !batch.isEmpty else {
            if !lastSeen.isEmpty { _ = try await self.database.rows(DevicePostgresStore.markSeenQuery(lastSeen)) }
            return true
        }
        let logger = self.database.logger
        let recentSince = self.recentSince
        let pruneCounts = self.pruning.isDue(recentSince)
        let keyIDs = try await self.database.transaction { connection in
            let ids = try await self.keys.ensureIDs(batch.keyNames, on: connection, logger: logger)
            // One statement per table, whatever the batch size. Order matters against deadlocks: every
            // writer takes keys, then values, then latest rows, then metadata, each sorted.
            var rollups = RollupDelta()
            if !batch.rows.isEmpty {
                let overwritten = try await connection.rows(
                    Self.insertValues(try TelemetryColumns(batch.rows, keyIDs: ids), recentSince: recentSince), logger: logger)
                rollups = try Self.rollupDelta(batch, ids: ids, overwritten: overwritten)
                try await connection.rows(
                    Self.upsert(
                        into: "telemetry_latest", try TelemetryColumns(batch.latest, keyIDs: ids),
                        conflict: "(device_id, key_id) DO UPDATE SET ts_ms = excluded.ts_ms, num_value = excluded.num_value, "
                            + "str_value = excluded.str_value, bool_value = excluded.bool_value WHERE excluded.ts_ms >= telemetry_latest.ts_ms"
                    ),
                    logger: logger
                )
            }
            if !batch.metadata.isEmpty {
                try await connection.rows(
                    """
                    INSERT INTO telemetry_metadata (device_id, ts_ms, metadata)
                    SELECT * FROM unnest(\(batch.metadata.map(\.deviceID))::int8[], \(batch.metadata.map(\.timestamp))::int8[],
                        \(batch.metadata.map(\.text))::text[])
                    ON CONFLICT (device_id, ts_ms) DO UPDATE SET metadata = excluded.metadata
                    """,
                    logger: logger
                )
            }
            try await Self.applyRollups(rollups, on: connection, logger: logger)
            if pruneCounts { try await Self.pruneRecentCounts(before: recentSince, on: connection, logger: logger) }
            if !lastSeen.isEmpty {
                try await connection.rows(DevicePostgresStore.markSeenQuery(lastSeen), logger: logger)
            }
            return ids
        }
        // Only now: ids created by a transaction that rolled back must not be cached.
        self.keys.remember(keyIDs)
        return true
    }

    /// Upserts values (later writes win) and, in the same statement, counts the rows that were new: the
    /// `DO UPDATE` of an existing row sets `overwritten`, so rows returned without it were inserted. Answers the
    /// rows that existed before (nearly always none), whose minutes the rollups recompute.
    private static func insertValues(_ columns: TelemetryColumns, recentSince: Int64) -> PostgresQuery {
        let source = Self.unnest(columns)
        var binds = source.binds
        binds.append(recentSince)
        return PostgresQuery(
            unsafeSQL: """
                WITH written AS (
                    INSERT INTO telemetry (device_id, key_id, ts_ms, num_value, str_value, bool_value)
                    SELECT \(TelemetryColumns.selectList) FROM \(source.sql)
                    ON CONFLICT (device_id, key_id, ts_ms) DO UPDATE
                    SET num_value = excluded.num_value, str_value = excluded.str_value, bool_value = excluded.bool_value, overwritten = true
                    RETURNING device_id, key_id, ts_ms, NOT overwritten AS fresh
                ),
                changed AS (SELECT device_id, ts_ms FROM written WHERE fresh),
                \(Self.countUpdates(sign: "", recentSince: "$\(binds.count)"))
                SELECT device_id, key_id, ts_ms FROM written WHERE NOT fresh
                """,
            binds: binds
        )
    }

    /// The rollup changes of a batch whose `overwritten` rows (device, key id, timestamp) existed before.
    private static func rollupDelta(_ batch: TelemetryBatch, ids: [String: Int64], overwritten: [PostgresRow]) throws -> RollupDelta {
        var existing = Set<StoredValueID>()
        for row in overwritten {
            let (deviceID, keyID, timestamp) = try row.decode((Int64, Int64, Int64).self)
            existing.insert(StoredValueID(deviceID: deviceID, keyID: keyID, timestamp: timestamp))
        }
        var delta = RollupDelta()
        for row in batch.rows {
            let keyID = try TelemetryBatch.keyID(row.key, in: ids)
            if existing.contains(StoredValueID(deviceID: row.deviceID, keyID: keyID, timestamp: row.timestamp)) {
                delta.addOverwritten(deviceID: row.deviceID, keyID: keyID, timestamp: row.timestamp)
            } else {
                delta.addInserted(deviceID: row.deviceID, keyID: keyID, timestamp: row.timestamp, value: row.value)
            }
        }
        return delta
    }

    /// `INSERT INTO table … SELECT FROM unnest(…) ON CONFLICT conflict` for rows in ``TelemetryColumns``.
    private static func upsert(into table: String, _ columns: TelemetryColumns, conflict: String) -> PostgresQuery {
        let source = Self.unnest(columns)
        return PostgresQuery(
            unsafeSQL: """
                INSERT INTO \(table) (device_id, key_id, ts_ms, num_value, str_value, bool_value)
                SELECT \(TelemetryColumns.selectList) FROM \(source.sql) ON CONFLICT \(conflict)
                """,
            binds: source.binds
        )
    }

    public func latest(deviceID: Int64) async throws -> [LatestValue] {
        try await self.latest(deviceIDs: [deviceID])[deviceID] ?? []
    }

    public func latest(deviceIDs: [Int64]) async throws -> [Int64: [LatestValue]] {
        guard !deviceIDs.isEmpty else { return [:] }
        let rows = try await self.database.rows(
            """
            SELECT l.device_id, k.name, l.ts_ms, l.num_value, l.str_value, l.bool_value
            FROM telemetry_latest l JOIN telemetry_keys k ON k.id = l.key_id
            WHERE l.device_id = ANY(\(deviceIDs)::int8[]) ORDER BY l.device_id, k.name COLLATE "C"
            """
        )
        var result: [Int64: [LatestValue]] = [:]
        for row in rows {
            let (deviceID, name, timestamp, number, string, bool) = try row.decode((Int64, String, Int64, Double?, String?, Bool?).self)
            guard let value = Self.value(number: number, string: string, bool: bool) else { continue }
            result[deviceID, default: []].append(LatestValue(key: name, value: value, timestamp: timestamp))
        }
        return result
    }

    public func deleteAll(deviceIDs: [Int64]) async throws {
        guard !deviceIDs.isEmpty else { return }
        let recentSince = self.recentSince
        try await self.database.transaction { connection in
            // Recent counters drop by the devices' recent values; the devices' own counters go away with them.
            try await connection.rows(
                """
                WITH gone AS (
                    SELECT ts_ms / 60000 AS minute, (device_id % \(unescaped: String(Self.countShards)))::int2 AS shard, count(*) AS n
                    FROM telemetry WHERE device_id = ANY(\(deviceIDs)::int8[]) AND ts_ms >= \(recentSince) GROUP BY 1, 2
                )
                UPDATE telemetry_recent_counts c SET points = c.points - gone.n FROM gone
                WHERE c.minute = gone.minute AND c.shard = gone.shard
                """,
                logger: self.database.logger
            )
            for table in ["telemetry", "telemetry_latest", "telemetry_metadata", "telemetry_counts", "telemetry_rollups"] {
                try await connection.rows(
                    "DELETE FROM \(unescaped: table) WHERE device_id = ANY(\(deviceIDs)::int8[])", logger: self.database.logger
                )
            }
        }
    }

    public func latestSummaries(
        deviceIDs: [Int64], since: Int64, limit: Int, offset: Int
    ) async throws -> (summaries: [DeviceLatest], total: Int) {
        guard !deviceIDs.isEmpty else { return ([], 0) }
        // Devices are ranked in SQL, so only one page of them has its values read.
        let rows = try await self.database.rows(
            """
            WITH d AS (
                SELECT device_id, max(ts_ms) AS newest FROM telemetry_latest
                WHERE device_id = ANY(\(deviceIDs)::int8[]) GROUP BY device_id HAVING max(ts_ms) >= \(since)
            )
            SELECT device_id, newest, count(*) OVER () FROM d ORDER BY newest DESC, device_id DESC LIMIT \(Int64(limit)) OFFSET \(Int64(offset))
            """
        )
        var newest: [(deviceID: Int64, timestamp: Int64)] = []
        var total = 0
        for row in rows {
            let (deviceID, timestamp, count) = try row.decode((Int64, Int64, Int64).self)
            newest.append((deviceID, timestamp))
            total = Int(count)
        }
        if rows.isEmpty {
            total = try Self.count(
                try await self.database.rows(
                    """
                    SELECT count(*) FROM (SELECT device_id FROM telemetry_latest WHERE device_id = ANY(\(deviceIDs)::int8[])
                    GROUP BY device_id HAVING max(ts_ms) >= \(since)) d
                    """
                )
            )
        }
        let values = try await self.latest(deviceIDs: newest.map(\.deviceID))
        return (newest.map { DeviceLatest(deviceID: $0.deviceID, newest: $0.timestamp, values: values[$0.deviceID] ?? []) }, total)
    }

    public func keyNames(deviceID: Int64) async throws -> Set<String> {
        let rows = try await self.database.rows(
            "SELECT k.name FROM telemetry_latest l JOIN telemetry_keys k ON k.id = l.key_id WHERE l.device_id = \(deviceID)"
        )
        return Set(try rows.map { try $0.decode(String.self) })
    }

    /// A `count(*)` result.
    static func count(_ rows: [PostgresRow]) throws -> Int {
        Int(try rows.first?.decode(Int64.self) ?? 0)
    }

    public func ping() async throws -> Double {
        try await self.database.ping()
    }

    /// The value of a row's three nullable value columns.
    static func value(number: Double?, string: String?, bool: Bool?) -> TelemetryValue? {
        if let number { return .number(number) }
        if let string { return .string(string) }
        if let bool { return .bool(bool) }
        return nil
    }
}
