import IoTFlowCore
import PostgresNIO

/// Per-minute and per-hour rollups (`telemetry_rollups`, migration 4), kept exact in the transaction of every write
/// and delete: new values merge into their buckets; minutes whose values were overwritten or partly deleted are
/// recomputed from raw points, and their hours from the minutes. Recomputing folds in Swift (`RollupSummary`), where
/// an overflowing sum becomes infinite instead of raising PostgreSQL's float8 overflow error; a NaN `total` marks a
/// sum that is not known, which sends sums and means back to raw points.
extension TelemetryPostgresStore: RollupAggregating {
    /// Merges rollup rows (sorted by primary key, as every writer does against deadlocks).
    static func mergeRollups(_ rows: [RollupDelta.Row], on connection: PostgresConnection, logger: Logger) async throws {
        guard !rows.isEmpty else { return }
        try await connection.rows(
            """
            INSERT INTO telemetry_rollups (device_id, key_id, period_ms, bucket_ms, n, total, min_v, max_v, first_ts, first_v, last_ts, last_v)
            SELECT * FROM unnest(\(rows.map(\.deviceID))::int8[], \(rows.map(\.keyID))::int8[], \(rows.map(\.period.rawValue))::int8[],
                \(rows.map(\.bucket))::int8[], \(rows.map { Int64($0.summary.count) })::int8[], \(rows.map(\.summary.sum))::float8[],
                \(rows.map(\.summary.min))::float8[], \(rows.map(\.summary.max))::float8[], \(rows.map(\.summary.firstTimestamp))::int8[],
                \(rows.map(\.summary.first))::float8[], \(rows.map(\.summary.lastTimestamp))::int8[], \(rows.map(\.summary.last))::float8[])
            ON CONFLICT (device_id, key_id, period_ms, bucket_ms) DO UPDATE SET n = telemetry_rollups.n + excluded.n,
                total = CASE WHEN abs(telemetry_rollups.total) < 8.9e307 AND abs(excluded.total) < 8.9e307
                    THEN telemetry_rollups.total + excluded.total ELSE 'NaN' END,
                min_v = LEAST(telemetry_rollups.min_v, excluded.min_v), max_v = GREATEST(telemetry_rollups.max_v, excluded.max_v),
                first_v = CASE WHEN excluded.first_ts < telemetry_rollups.first_ts THEN excluded.first_v ELSE telemetry_rollups.first_v END,
                first_ts = LEAST(telemetry_rollups.first_ts, excluded.first_ts),
                last_v = CASE WHEN excluded.last_ts > telemetry_rollups.last_ts THEN excluded.last_v ELSE telemetry_rollups.last_v END,
                last_ts = GREATEST(telemetry_rollups.last_ts, excluded.last_ts)
            """,
            logger: logger
        )
    }

    /// Merges new values and recomputes overwritten minutes, inside the write's transaction.
    static func applyRollups(_ delta: RollupDelta, on connection: PostgresConnection, logger: Logger) async throws {
        try await Self.mergeRollups(delta.rows, on: connection, logger: logger)
        for bucket in delta.overwrittenMinutes {
            try await Self.recompute(
                .minute, deviceID: bucket.deviceID, bucket: bucket.minute, keyIDs: [bucket.keyID], on: connection, logger: logger)
        }
        for bucket in delta.overwrittenHours {
            try await Self.recompute(.hour, deviceID: bucket.deviceID, bucket: bucket.minute, keyIDs: [bucket.keyID], on: connection, logger: logger)
        }
    }

    /// Brings the rollups of one device in line after its values in `[start, end)` were deleted (of `keyIDs`, or all
    /// keys when empty).
    static func applyRollupDelete(
        deviceID: Int64, start: Int64, end: Int64, keyIDs: [Int64], on connection: PostgresConnection, logger: Logger
    ) async throws {
        let edit = RollupRangeEdit(start: start, end: end)
        for whole in edit.whole {
            try await connection.rows(
                """
                DELETE FROM telemetry_rollups WHERE device_id = \(deviceID) AND period_ms = \(whole.period.rawValue)
                AND bucket_ms >= \(whole.start) AND bucket_ms < \(whole.end) AND (cardinality(\(keyIDs)::int8[]) = 0 OR key_id = ANY(\(keyIDs)::int8[]))
                """,
                logger: logger
            )
        }
        for minute in edit.minutes {
            try await Self.recompute(.minute, deviceID: deviceID, bucket: minute, keyIDs: keyIDs, on: connection, logger: logger)
        }
        for hour in edit.hours {
            try await Self.recompute(.hour, deviceID: deviceID, bucket: hour, keyIDs: keyIDs, on: connection, logger: logger)
        }
    }

    /// Replaces the rollups of one bucket (of `keyIDs`, or all keys when empty): minutes from raw points, hours from
    /// minute rollups.
    private static func recompute(
        _ period: RollupPeriod, deviceID: Int64, bucket: Int64, keyIDs: [Int64], on connection: PostgresConnection, logger: Logger
    ) async throws {
        let end = bucket + period.milliseconds
        var folded: [Int64: RollupSummary] = [:]
        switch period {
        case .minute:
            let rows = try await connection.rows(
                """
                SELECT key_id, ts_ms, COALESCE(num_value, bool_value::int::float8) FROM telemetry
                WHERE device_id = \(deviceID) AND ts_ms >= \(bucket) AND ts_ms < \(end) AND (num_value IS NOT NULL OR bool_value IS NOT NULL)
                AND (cardinality(\(keyIDs)::int8[]) = 0 OR key_id = ANY(\(keyIDs)::int8[])) ORDER BY ts_ms
                """,
                logger: logger
            )
            for row in rows {
                let (keyID, timestamp, value) = try row.decode((Int64, Int64, Double).self)
                if folded[keyID] == nil {
                    folded[keyID] = RollupSummary(value: value, at: timestamp)
                } else {
                    folded[keyID]?.add(value, at: timestamp)
                }
            }
        case .hour:
            let rows = try await connection.rows(
                """
                SELECT key_id, n, total, min_v, max_v, first_ts, first_v, last_ts, last_v FROM telemetry_rollups
                WHERE device_id = \(deviceID) AND period_ms = 60000 AND bucket_ms >= \(bucket) AND bucket_ms < \(end)
                AND (cardinality(\(keyIDs)::int8[]) = 0 OR key_id = ANY(\(keyIDs)::int8[]))
                """,
                logger: logger
            )
            for row in rows {
                let (keyID, summary) = try Self.rollup(row)
                if folded[keyID] == nil { folded[keyID] = summary } else { folded[keyID]?.merge(summary) }
            }
        }
        try await connection.rows(
            """
            DELETE FROM telemetry_rollups WHERE device_id = \(deviceID) AND period_ms = \(period.rawValue) AND bucket_ms = \(bucket)
            AND (cardinality(\(keyIDs)::int8[]) = 0 OR key_id = ANY(\(keyIDs)::int8[]))
            """,
            logger: logger
        )
        let rows = folded.sorted { $0.key < $1.key }.map {
            RollupDelta.Row(deviceID: deviceID, keyID: $0.key, period: period, bucket: bucket, summary: $0.value)
        }
        try await Self.mergeRollups(rows, on: connection, logger: logger)
    }

    /// A rollup row read as (key id, summary); a NaN total reads as NaN, which `RollupSummary` treats as unknown.
    private static func rollup(_ row: PostgresRow) throws -> (Int64, RollupSummary) {
        let (keyID, count, total, low, high, firstTimestamp, first, lastTimestamp, last) = try row.decode(
            (Int64, Int64, Double, Double, Double, Int64, Double, Int64, Double).self)
        return (
            keyID,
            RollupSummary(
                count: Int(count), sum: total, min: low, max: high, firstTimestamp: firstTimestamp, first: first, lastTimestamp: lastTimestamp,
                last: last)
        )
    }

    /// The query's windows from rollups of `period`; nil when a window's sum is not known. Reads only the columns the
    /// function needs, in bucket order.
    func aggregateFromRollups(_ query: AggregationQuery, period: RollupPeriod) async throws -> [AggregationBucket]? {
        let names = RollupColumns.names(for: query.function)
        var binds = PostgresBindings()
        binds.append(query.deviceID)
        binds.append(query.field)
        binds.append(period.rawValue)
        binds.append(query.start)
        binds.append(query.end)
        let rows = try await self.database.rows(
            PostgresQuery(
                unsafeSQL: """
                    SELECT \((["bucket_ms", "n"] + names).joined(separator: ", ")) FROM telemetry_rollups
                    WHERE device_id = $1 AND key_id = (SELECT id FROM telemetry_keys WHERE name = $2)
                    AND period_ms = $3 AND bucket_ms >= $4 AND bucket_ms < $5 ORDER BY bucket_ms
                    """,
                binds: binds))
        var rollups: [(bucket: Int64, summary: RollupSummary)] = []
        rollups.reserveCapacity(rows.count)
        for row in rows {
            // bucket_ms, n, then the function's columns: at most two, numbers or times by position.
            var integers: [Int64?] = [nil, nil, nil, nil]
            var numbers: [Double?] = [nil, nil]
            for cell in row {
                let index = cell.columnIndex
                if index < 2 || cell.dataType == .int8 {
                    integers[index] = try cell.int64()
                } else {
                    numbers[index - 2] = try cell.double()
                }
            }
            guard let bucket = integers[0], let count = integers[1] else { continue }
            let summary = RollupColumns.summary(
                count: Int(count), function: query.function, number: { numbers[$0] }, time: { integers[2 + $0] })
            rollups.append((bucket, summary))
        }
        return RollupSummary.windows(rollups, query)
    }
}
