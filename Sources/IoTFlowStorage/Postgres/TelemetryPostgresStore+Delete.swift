import IoTFlowCore
import PostgresNIO

/// Range deletion, keeping latest values and metadata consistent in the same transaction.
extension TelemetryPostgresStore {
    public func delete(deviceID: Int64, start: Int64, end: Int64, keys names: [String]) async throws -> Int {
        var keyIDs: [Int64] = []
        if !names.isEmpty {
            keyIDs = try await self.keys.lookup(names, database: self.database).values.sorted()
            guard !keyIDs.isEmpty else { return 0 }
        }
        let keyFilter = keyIDs.isEmpty ? "" : " AND key_id = ANY($4::int8[])"
        var binds = PostgresBindings()
        binds.append(deviceID)
        binds.append(start)
        binds.append(end)
        binds.append(keyIDs)
        binds.append(self.recentSince)
        let logger = self.database.logger
        return try await self.database.transaction { connection in
            let deleted = try await connection.rows(
                PostgresQuery(
                    unsafeSQL: """
                        WITH changed AS (
                            DELETE FROM telemetry WHERE device_id = $1 AND ts_ms >= $2 AND ts_ms < $3\(keyFilter) RETURNING device_id, ts_ms
                        ),
                        \(Self.countUpdates(sign: "-", recentSince: "$5"))
                        SELECT count(*) FROM changed
                        """,
                    binds: binds
                ),
                logger: logger
            )
            // Latest values that were deleted fall back to the newest remaining value of their key.
            let stale = try await connection.rows(
                PostgresQuery(
                    unsafeSQL: """
                        DELETE FROM telemetry_latest WHERE device_id = $1 AND ts_ms >= $2 AND ts_ms < $3\(keyFilter)
                        RETURNING key_id
                        """,
                    binds: binds
                ),
                logger: logger
            ).map { try $0.decode(Int64.self) }
            if !stale.isEmpty {
                try await connection.rows(
                    """
                    INSERT INTO telemetry_latest (device_id, key_id, ts_ms, num_value, str_value, bool_value)
                    SELECT \(deviceID), k.id, t.ts_ms, t.num_value, t.str_value, t.bool_value
                    FROM unnest(\(stale.sorted())::int8[]) AS k(id) CROSS JOIN LATERAL (
                        SELECT ts_ms, num_value, str_value, bool_value FROM telemetry
                        WHERE device_id = \(deviceID) AND key_id = k.id ORDER BY ts_ms DESC LIMIT 1
                    ) t
                    """,
                    logger: logger
                )
            }
            // Metadata goes with the last value at its timestamp. The device's keys come from its latest
            // values (complete again at this point), so each check is a primary-key lookup per key.
            try await connection.rows(
                """
                DELETE FROM telemetry_metadata m WHERE m.device_id = \(deviceID) AND m.ts_ms >= \(start) AND m.ts_ms < \(end)
                AND NOT EXISTS (
                    SELECT 1 FROM telemetry_latest l JOIN telemetry t ON t.device_id = l.device_id AND t.key_id = l.key_id AND t.ts_ms = m.ts_ms
                    WHERE l.device_id = \(deviceID)
                )
                """,
                logger: logger
            )
            try await Self.applyRollupDelete(deviceID: deviceID, start: start, end: end, keyIDs: keyIDs, on: connection, logger: logger)
            return Int(try deleted.first?.decode(Int64.self) ?? 0)
        }
    }
}
