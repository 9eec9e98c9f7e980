import IoTFlowCore
import SQLiteNIO

/// Retention: raw values and rollups older than a cutoff go in chunks, one short transaction each, so writes wait at
/// most one chunk. Both walk the (device, key) pairs of `telemetry_latest` and seek each pair's primary-key range, so
/// no index on time is needed (it would cost every write). Latest values stay: they are a device's last known state.
extension TelemetrySQLiteStore {
    public func expireValues(before cutoff: Int64, limit: Int) async throws -> Int {
        let recentSince = self.recentSince
        return try await self.database.write { connection in
            let removed = try await connection.query(
                """
                DELETE FROM telemetry WHERE (device_id, key_id, ts_ms) IN (
                    SELECT t.device_id, t.key_id, t.ts_ms FROM telemetry_latest l
                    JOIN telemetry t ON t.device_id = l.device_id AND t.key_id = l.key_id AND t.ts_ms < ?1
                    LIMIT ?2
                ) RETURNING device_id, ts_ms
                """,
                [.int(cutoff), .integer(limit)]
            )
            guard !removed.isEmpty else { return 0 }
            var delta = CountDelta()
            for row in removed {
                guard let deviceID = row.int64("device_id"), let timestamp = row.int64("ts_ms") else { continue }
                delta.add(deviceID: deviceID, timestamp: timestamp, recentSince: recentSince)
            }
            try await Self.apply(delta, sign: -1, on: connection)
            // Metadata goes with the last value at its timestamp.
            for deviceID in delta.byDevice.keys.sorted() {
                _ = try await connection.query(
                    """
                    DELETE FROM telemetry_metadata WHERE device_id = ?1 AND ts_ms < ?2
                    AND NOT EXISTS (SELECT 1 FROM telemetry t WHERE t.device_id = ?1 AND t.ts_ms = telemetry_metadata.ts_ms)
                    """,
                    [.int(deviceID), .int(cutoff)]
                )
            }
            return removed.count
        }
    }

    public func expireRollups(before cutoff: Int64, limit: Int) async throws -> Int {
        try await self.database.write { connection in
            _ = try await connection.query(
                """
                DELETE FROM telemetry_rollups WHERE (device_id, key_id, period_ms, bucket_ms) IN (
                    SELECT r.device_id, r.key_id, r.period_ms, r.bucket_ms FROM telemetry_latest l
                    JOIN telemetry_rollups r ON r.device_id = l.device_id AND r.key_id = l.key_id AND r.period_ms IN (60000, 3600000)
                        AND r.bucket_ms + r.period_ms <= ?1
                    LIMIT ?2
                )
                """,
                [.int(cutoff), .integer(limit)]
            )
            return await connection.changes()
        }
    }
}
