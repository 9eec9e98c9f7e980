import IoTFlowCore
import PostgresNIO

/// Counters of stored values, kept in the statement or transaction of every write and delete so that totals
/// for `/status` and `/admin/stats` never scan the telemetry table: values per device (`telemetry_counts`)
/// and values per minute of timestamp and device shard over the last ``TelemetryCounts/recentWindowMilliseconds``
/// (`telemetry_recent_counts`).
extension TelemetryPostgresStore {
    /// Shards of the per-minute counters: instances writing different devices update different rows.
    static let countShards = 16

    /// Start of the recent window for writes and deletes happening now.
    var recentSince: Int64 {
        self.clock.nowMilliseconds() - TelemetryCounts.recentWindowMilliseconds
    }

    /// SQL that, given a CTE `changed(device_id, ts_ms)` of inserted (sign +) or deleted (sign -) rows, adds them to
    /// both counters; `recentSince` is the bind placeholder of the window's start. Rows are upserted in key order,
    /// as every writer does, so concurrent transactions cannot deadlock on them.
    static func countUpdates(sign: String, recentSince: String) -> String {
        """
        per_device AS (
            INSERT INTO telemetry_counts (device_id, points)
            SELECT device_id, \(sign)count(*) FROM changed GROUP BY device_id ORDER BY device_id
            ON CONFLICT (device_id) DO UPDATE SET points = telemetry_counts.points + excluded.points
        ),
        per_minute AS (
            INSERT INTO telemetry_recent_counts (minute, shard, points)
            SELECT ts_ms / 60000, (device_id % \(Self.countShards))::int2, \(sign)count(*) FROM changed
            WHERE ts_ms >= \(recentSince) GROUP BY 1, 2 ORDER BY 1, 2
            ON CONFLICT (minute, shard) DO UPDATE SET points = telemetry_recent_counts.points + excluded.points
        )
        """
    }

    /// Drops per-minute counters that fell out of the recent window.
    static func pruneRecentCounts(before recentSince: Int64, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.rows("DELETE FROM telemetry_recent_counts WHERE minute < \(recentSince / 60_000)", logger: logger)
    }

    public func counts(recentSince: Int64) async throws -> TelemetryCounts {
        guard
            let row = try await self.database.rows(
                """
                SELECT (SELECT COALESCE(sum(points), 0)::int8 FROM telemetry_counts),
                    (SELECT COALESCE(sum(points), 0)::int8 FROM telemetry_recent_counts WHERE minute >= \(recentSince / 60_000))
                """
            ).first
        else { return TelemetryCounts(total: 0, recent: 0) }
        let (total, recent) = try row.decode((Int64, Int64).self)
        return TelemetryCounts(total: Int(total), recent: Int(recent))
    }
}
