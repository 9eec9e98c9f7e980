import IoTFlowCore
import SQLiteNIO

/// Per-minute and per-hour rollups (`telemetry_rollups`, migration 5), kept exact in the transaction of every write and
/// delete: new values merge into their buckets; minutes whose values were overwritten or partly deleted are recomputed
/// from raw points, and their hours from the minutes. A NULL `total` marks a sum that is not a number (SQLite stores
/// NaN as NULL), which sends sums and means back to raw points.
extension TelemetrySQLiteStore: RollupAggregating {
    /// Rollup columns in table order.
    static let rollupColumns = "device_id, key_id, period_ms, bucket_ms, n, total, min_v, max_v, first_ts, first_v, last_ts, last_v"
    /// Rows per merge statement: 12 variables each, within SQLite's 32,766.
    private static let rollupRowsPerStatement = 2000

    /// Merges new values and recomputes overwritten minutes, inside the write's transaction.
    static func applyRollups(_ delta: RollupDelta, on connection: isolated SQLiteHandle) async throws {
        let rows = delta.rows
        var start = 0
        while start < rows.count {
            let chunk = rows[start..<min(rows.count, start + Self.rollupRowsPerStatement)]
            var binds: [SQLiteData] = []
            binds.reserveCapacity(chunk.count * 12)
            for row in chunk {
                let summary = row.summary
                binds.append(contentsOf: [
                    .int(row.deviceID), .int(row.keyID), .int(row.period.milliseconds), .int(row.bucket), .integer(summary.count),
                    .float(summary.sum), .float(summary.min), .float(summary.max), .int(summary.firstTimestamp), .float(summary.first),
                    .int(summary.lastTimestamp), .float(summary.last),
                ])
            }
            _ = try await connection.query(
                """
                INSERT INTO telemetry_rollups (\(Self.rollupColumns)) VALUES \
                \(Array(repeating: "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", count: chunk.count).joined(separator: ", ")) \
                ON CONFLICT (device_id, key_id, period_ms, bucket_ms) DO UPDATE SET n = n + excluded.n, total = total + excluded.total,
                min_v = MIN(min_v, excluded.min_v), max_v = MAX(max_v, excluded.max_v),
                first_v = CASE WHEN excluded.first_ts < first_ts THEN excluded.first_v ELSE first_v END, first_ts = MIN(first_ts, excluded.first_ts),
                last_v = CASE WHEN excluded.last_ts > last_ts THEN excluded.last_v ELSE last_v END, last_ts = MAX(last_ts, excluded.last_ts)
                """,
                binds
            )
            start += chunk.count
        }
        for bucket in delta.overwrittenMinutes {
            try await Self.recompute(
                .minute, deviceID: bucket.deviceID, bucket: bucket.minute, keyFilter: "key_id = ?", [.int(bucket.keyID)], on: connection)
        }
        for bucket in delta.overwrittenHours {
            try await Self.recompute(
                .hour, deviceID: bucket.deviceID, bucket: bucket.minute, keyFilter: "key_id = ?", [.int(bucket.keyID)], on: connection)
        }
    }

    /// Brings the rollups of one device in line after its values in `[start, end)` were deleted (of the keys
    /// `keyFilter` selects, or all).
    static func applyRollupDelete(
        deviceID: Int64, start: Int64, end: Int64, keyFilter: String?, _ keyBinds: [SQLiteData], on connection: isolated SQLiteHandle
    ) async throws {
        let edit = RollupRangeEdit(start: start, end: end)
        let filter = keyFilter.map { " AND \($0)" } ?? ""
        for whole in edit.whole {
            _ = try await connection.query(
                "DELETE FROM telemetry_rollups WHERE device_id = ? AND period_ms = ? AND bucket_ms >= ? AND bucket_ms < ?\(filter)",
                [.int(deviceID), .int(whole.period.milliseconds), .int(whole.start), .int(whole.end)] + keyBinds
            )
        }
        for minute in edit.minutes {
            try await Self.recompute(.minute, deviceID: deviceID, bucket: minute, keyFilter: keyFilter, keyBinds, on: connection)
        }
        for hour in edit.hours {
            try await Self.recompute(.hour, deviceID: deviceID, bucket: hour, keyFilter: keyFilter, keyBinds, on: connection)
        }
    }

    /// Replaces the rollups of one bucket (of the keys `keyFilter` selects, or all): minutes from raw points, hours
    /// from minute rollups. `FIRST_VALUE` over the bucket in time order picks the first and last values.
    private static func recompute(
        _ period: RollupPeriod, deviceID: Int64, bucket: Int64, keyFilter: String?, _ keyBinds: [SQLiteData], on connection: isolated SQLiteHandle
    ) async throws {
        let filter = keyFilter.map { " AND \($0)" } ?? ""
        let range: [SQLiteData] = [.int(deviceID), .int(bucket), .int(bucket + period.milliseconds)]
        _ = try await connection.query(
            "DELETE FROM telemetry_rollups WHERE device_id = ? AND period_ms = \(period.milliseconds) AND bucket_ms >= ? AND bucket_ms < ?\(filter)",
            range + keyBinds
        )
        let source: String
        switch period {
        case .minute:
            source = """
                SELECT key_id, ts_ms AS t, COALESCE(num_value, bool_value) AS x, 1 AS n, COALESCE(num_value, bool_value) AS s,
                    COALESCE(num_value, bool_value) AS lo, COALESCE(num_value, bool_value) AS hi,
                    ts_ms AS ft, COALESCE(num_value, bool_value) AS fv, ts_ms AS lt, COALESCE(num_value, bool_value) AS lv
                FROM telemetry WHERE device_id = ?1 AND ts_ms >= ?2 AND ts_ms < ?3 AND (num_value IS NOT NULL OR bool_value IS NOT NULL)\(filter)
                """
        case .hour:
            source = """
                SELECT key_id, bucket_ms AS t, NULL AS x, n, total AS s, min_v AS lo, max_v AS hi, first_ts AS ft, first_v AS fv,
                    last_ts AS lt, last_v AS lv
                FROM telemetry_rollups WHERE device_id = ?1 AND period_ms = 60000 AND bucket_ms >= ?2 AND bucket_ms < ?3\(filter)
                """
        }
        // A sum with a NULL part (not a number) stays NULL, as the merge's `total + excluded.total` keeps it.
        _ = try await connection.query(
            """
            INSERT INTO telemetry_rollups (\(Self.rollupColumns))
            SELECT ?1, key_id, \(period.milliseconds), ?2, SUM(n), CASE WHEN COUNT(s) = COUNT(*) THEN TOTAL(s) END, MIN(lo), MAX(hi),
                MIN(ft), MIN(first_of), MAX(lt), MIN(last_of)
            FROM (
                SELECT *, FIRST_VALUE(fv) OVER (PARTITION BY key_id ORDER BY ft) AS first_of,
                    FIRST_VALUE(lv) OVER (PARTITION BY key_id ORDER BY lt DESC) AS last_of
                FROM (\(source))
            ) GROUP BY key_id
            """,
            range + keyBinds
        )
    }

    /// The query's windows from rollups of `period`; nil when a window's sum is not a number. Reads only the columns
    /// the function needs, in bucket order.
    func aggregateFromRollups(_ query: AggregationQuery, period: RollupPeriod) async throws -> [AggregationBucket]? {
        guard let keyID = try await self.keys.lookup([query.field], database: self.database)[query.field] else { return [] }
        let names = RollupColumns.names(for: query.function)
        let function = query.function
        let rollups = try await self.database.reading { reader in
            var rollups: [(bucket: Int64, summary: RollupSummary)] = []
            try await reader.forEachRow(
                """
                SELECT \((["bucket_ms", "n"] + names).joined(separator: ", ")) FROM telemetry_rollups
                WHERE device_id = ? AND key_id = ? AND period_ms = ? AND bucket_ms >= ? AND bucket_ms < ? ORDER BY bucket_ms
                """,
                [.int(query.deviceID), .int(keyID), .int(period.milliseconds), .int(query.start), .int(query.end)]
            ) { row in
                // The function's columns follow `bucket_ms, n`.
                let summary = RollupColumns.summary(
                    count: Int(row.int64(1)), function: function, number: { row.optionalDouble(Int32(2 + $0)) },
                    time: { row.optionalInt64(Int32(2 + $0)) })
                rollups.append((row.int64(0), summary))
            }
            return rollups
        }
        return RollupSummary.windows(rollups, query)
    }
}
