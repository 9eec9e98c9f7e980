import IoTFlowCore
import PostgresNIO

/// Retention: a monthly partition wholly older than the cutoff is dropped in one statement (its counts and metadata
/// first); what remains before the cutoff goes in chunks, one short transaction each, walking the (device, key) pairs
/// of `telemetry_latest` through the primary key. Latest values stay: they are a device's last known state.
extension TelemetryPostgresStore {
    public func expireValues(before cutoff: Int64, limit: Int) async throws -> Int {
        // Each partition goes in its own short transaction.
        var dropped = 0
        while let count = try await self.dropExpiredPartition(before: cutoff) { dropped += count }
        let logger = self.database.logger
        var binds = PostgresBindings()
        binds.append(cutoff)
        binds.append(Int64(limit))
        binds.append(self.recentSince)
        return try await dropped
            + self.database.transaction { connection in
                let rows = try await connection.rows(
                    PostgresQuery(
                        unsafeSQL: """
                            WITH doomed AS (
                                SELECT t.device_id, t.key_id, t.ts_ms FROM telemetry_latest l CROSS JOIN LATERAL (
                                    SELECT device_id, key_id, ts_ms FROM telemetry WHERE device_id = l.device_id AND key_id = l.key_id AND ts_ms < $1
                                    ORDER BY ts_ms LIMIT $2
                                ) t LIMIT $2
                            ),
                            changed AS (
                                DELETE FROM telemetry t USING doomed d WHERE t.device_id = d.device_id AND t.key_id = d.key_id AND t.ts_ms = d.ts_ms
                                RETURNING t.device_id, t.ts_ms
                            ),
                            \(Self.countUpdates(sign: "-", recentSince: "$3"))
                            SELECT count(*), COALESCE(array_agg(DISTINCT device_id), '{}') FROM changed
                            """,
                        binds: binds
                    ),
                    logger: logger
                )
                guard let row = rows.first else { return 0 }
                let (count, devices) = try row.decode((Int64, [Int64]).self)
                if !devices.isEmpty {
                    // Metadata goes with the last value at its timestamp.
                    try await connection.rows(
                        """
                        DELETE FROM telemetry_metadata m WHERE m.device_id = ANY(\(devices)::int8[]) AND m.ts_ms < \(cutoff)
                        AND NOT EXISTS (
                            SELECT 1 FROM telemetry_latest l JOIN telemetry t ON t.device_id = l.device_id AND t.key_id = l.key_id AND t.ts_ms = m.ts_ms
                            WHERE l.device_id = m.device_id
                        )
                        """,
                        logger: logger
                    )
                }
                return Int(count)
            }
    }

    /// Drops the first monthly partition (by name, so the oldest) whose whole range lies before `cutoff`, after taking its values out of the
    /// counters and its timestamps' metadata; answers how many values it held, or nil when no partition qualifies.
    private func dropExpiredPartition(before cutoff: Int64) async throws -> Int? {
        let logger = self.database.logger
        let recentSince = self.recentSince
        return try await self.database.transaction { connection -> Int? in
            try await connection.rows("SELECT pg_advisory_xact_lock(\(PostgresDatabase.partitionLockKey))", logger: logger)
            let partitions = try await connection.rows(
                """
                SELECT c.relname, pg_get_expr(c.relpartbound, c.oid) FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
                WHERE i.inhparent = 'telemetry'::regclass AND c.relname <> 'telemetry_default' ORDER BY c.relname
                """,
                logger: logger
            )
            for row in partitions {
                let (name, bound) = try row.decode((String, String).self)
                // "FOR VALUES FROM ('a') TO ('b')"; the name is spliced into SQL, so accept only what ensurePartitions creates.
                let numbers = bound.split(whereSeparator: { !$0.isNumber }).compactMap { Int64($0) }
                guard numbers.count == 2, numbers[1] <= cutoff, name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") })
                else { continue }
                try await connection.rows(PostgresQuery(unsafeSQL: "LOCK TABLE \(name) IN SHARE MODE"), logger: logger)
                let counted = try await connection.rows(
                    PostgresQuery(
                        unsafeSQL: """
                            WITH changed AS (SELECT device_id, ts_ms FROM \(name)),
                            \(Self.countUpdates(sign: "-", recentSince: "\(recentSince)"))
                            SELECT count(*) FROM changed
                            """
                    ),
                    logger: logger
                )
                try await connection.rows(
                    "DELETE FROM telemetry_metadata WHERE ts_ms >= \(numbers[0]) AND ts_ms < \(numbers[1])", logger: logger)
                try await connection.rows(PostgresQuery(unsafeSQL: "DROP TABLE \(name)"), logger: logger)
                logger.info("dropped expired telemetry partition", metadata: ["partition": "\(name)"])
                return Int(try counted.first?.decode(Int64.self) ?? 0)
            }
            return nil
        }
    }

    public func expireRollups(before cutoff: Int64, limit: Int) async throws -> Int {
        let rows = try await self.database.rows(
            """
            WITH doomed AS (
                SELECT r.device_id, r.key_id, r.period_ms, r.bucket_ms FROM telemetry_latest l CROSS JOIN LATERAL (
                    SELECT device_id, key_id, period_ms, bucket_ms FROM telemetry_rollups
                    WHERE device_id = l.device_id AND key_id = l.key_id
                    AND ((period_ms = 60000 AND bucket_ms <= \(cutoff - 60_000)) OR (period_ms = 3600000 AND bucket_ms <= \(cutoff - 3_600_000)))
                    LIMIT \(Int64(limit))
                ) r LIMIT \(Int64(limit))
            ),
            gone AS (
                DELETE FROM telemetry_rollups r USING doomed d
                WHERE r.device_id = d.device_id AND r.key_id = d.key_id AND r.period_ms = d.period_ms AND r.bucket_ms = d.bucket_ms
                RETURNING 1
            )
            SELECT count(*) FROM gone
            """
        )
        return Int(try rows.first?.decode(Int64.self) ?? 0)
    }
}
