import IoTFlowCore
import SQLiteNIO

/// Counters of stored values, kept in the transaction of every write and delete so that totals for `/status`
/// and `/admin/stats` never scan the telemetry table: values per device and values per minute of timestamp over
/// the last ``TelemetryCounts/recentWindowMilliseconds``, both in `telemetry_counts`.
extension TelemetrySQLiteStore {
    /// Newly stored values of a batch, by device and by recent minute.
    struct CountDelta {
        var byDevice: [Int64: Int] = [:]
        var byMinute: [Int64: Int] = [:]

        mutating func add(deviceID: Int64, timestamp: Int64, recentSince: Int64, count: Int = 1) {
            self.byDevice[deviceID, default: 0] += count
            if timestamp >= recentSince { self.byMinute[timestamp / 60_000, default: 0] += count }
        }

        var isEmpty: Bool { self.byDevice.isEmpty && self.byMinute.isEmpty }
    }

    /// Start of the recent window for writes and deletes happening now.
    var recentSince: Int64 {
        self.clock.nowMilliseconds() - TelemetryCounts.recentWindowMilliseconds
    }

    /// Scopes of `telemetry_counts`.
    static let deviceScope = 0
    static let minuteScope = 1

    /// Adds `delta` (negative for deletes) to the counters, inside the caller's transaction (writes add theirs
    /// with their other effects, TelemetrySQLiteStore+Effects).
    static func apply(_ delta: CountDelta, sign: Int, on connection: isolated SQLiteHandle) async throws {
        var binds: [SQLiteData] = []
        Self.appendCounts(delta, sign: sign, to: &binds)
        try await Self.insertEffects(binds, on: connection)
    }

    /// Counts per device and recent minute of the rows a delete is about to remove (`filter` over `telemetry`).
    static func delta(
        ofRowsWhere filter: String, _ binds: [SQLiteData], recentSince: Int64, on connection: isolated SQLiteHandle
    ) async throws
        -> CountDelta
    {
        var delta = CountDelta()
        for row in try await connection.query("SELECT device_id, COUNT(*) AS n FROM telemetry WHERE \(filter) GROUP BY device_id", binds) {
            if let deviceID = row.int64("device_id") { delta.byDevice[deviceID] = row.int("n") }
        }
        let recent = try await connection.query(
            "SELECT ts_ms / 60000 AS minute, COUNT(*) AS n FROM telemetry WHERE \(filter) AND ts_ms >= ? GROUP BY ts_ms / 60000",
            binds + [.int(recentSince)]
        )
        for row in recent {
            if let minute = row.int64("minute") { delta.byMinute[minute] = row.int("n") }
        }
        return delta
    }

    /// Drops per-minute counters that fell out of the recent window (cheap: a range of the primary key).
    static func pruneRecentCounts(before recentSince: Int64, on connection: isolated SQLiteHandle) async throws {
        _ = try await connection.query(
            "DELETE FROM telemetry_counts WHERE scope = ? AND bucket < ?", [.integer(Self.minuteScope), .int(recentSince / 60_000)])
    }

    public func counts(recentSince: Int64) async throws -> TelemetryCounts {
        let row = try await self.database.read(
            """
            SELECT (SELECT COALESCE(SUM(points), 0) FROM telemetry_counts WHERE scope = ?1) AS total,
                (SELECT COALESCE(SUM(points), 0) FROM telemetry_counts WHERE scope = ?2 AND bucket >= ?3) AS recent
            """,
            [.integer(Self.deviceScope), .integer(Self.minuteScope), .int(recentSince / 60_000)]
        ).first
        return TelemetryCounts(total: row?.int("total") ?? 0, recent: row?.int("recent") ?? 0)
    }
}
