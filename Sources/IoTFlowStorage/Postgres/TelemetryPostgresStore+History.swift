import IoTFlowCore
import PostgresNIO

/// History pages, read in one statement.
extension TelemetryPostgresStore {
    public func history(_ query: HistoryQuery) async throws -> [TelemetryEntry] {
        var lower = query.start
        var upper = query.end
        if let after = query.resumeAfter {
            if query.descending { upper = min(upper, after) } else { lower = max(lower, after + 1) }
        }
        guard lower < upper, query.limit > 0 else { return [] }
        let order = query.descending ? "DESC" : "ASC"
        let keyFilter = query.keys.isEmpty ? "" : " AND k.name = ANY($2::text[])"
        // keys: the device's keys (from its latest values) that were asked for.
        // page: the page's timestamps; each key's index range stops after `limit` rows, then the union is
        //       cut to `limit`, so a page costs O(keys × limit) however long the range is.
        // The values of each key between the page's first and last timestamp are exactly the page's values,
        // as no timestamp of these keys lies between them unseen. The LIMITs keep the per-key subqueries
        // from being flattened, so every key reads its own (device, key, ts) index range.
        var binds = PostgresBindings()
        binds.append(query.deviceID)
        binds.append(query.keys)
        binds.append(lower)
        binds.append(upper)
        binds.append(Int64(query.limit))
        binds.append(query.includeMetadata)
        let rows = try await self.database.rows(
            PostgresQuery(
                unsafeSQL: """
                    WITH keys AS (
                        SELECT l.key_id, k.name FROM telemetry_latest l JOIN telemetry_keys k ON k.id = l.key_id
                        WHERE l.device_id = $1\(keyFilter)
                    ), page AS (
                        SELECT DISTINCT p.ts_ms FROM keys CROSS JOIN LATERAL (
                            SELECT t.ts_ms FROM telemetry t
                            WHERE t.device_id = $1 AND t.key_id = keys.key_id AND t.ts_ms >= $3 AND t.ts_ms < $4
                            ORDER BY t.ts_ms \(order) LIMIT $5
                        ) p
                        ORDER BY p.ts_ms \(order) LIMIT $5
                    ), span AS (
                        SELECT min(ts_ms) AS low, max(ts_ms) AS high FROM page
                    ), meta AS MATERIALIZED (
                        SELECT m.ts_ms, m.metadata FROM span, telemetry_metadata m
                        WHERE $6 AND m.device_id = $1 AND m.ts_ms >= span.low AND m.ts_ms <= span.high
                    )
                    SELECT t.ts_ms, keys.name, t.num_value, t.str_value, t.bool_value, meta.metadata
                    FROM span CROSS JOIN keys CROSS JOIN LATERAL (
                        SELECT t.ts_ms, t.num_value, t.str_value, t.bool_value FROM telemetry t
                        WHERE t.device_id = $1 AND t.key_id = keys.key_id AND t.ts_ms >= span.low AND t.ts_ms <= span.high LIMIT $5
                    ) t
                    LEFT JOIN meta ON meta.ts_ms = t.ts_ms
                    ORDER BY t.ts_ms \(order)
                    """,
                binds: binds
            )
        )
        var entries: [TelemetryEntry] = []
        for row in rows {
            let (timestamp, name, number, string, bool, metadata) = try row.decode((Int64, String, Double?, String?, Bool?, String?).self)
            guard let value = Self.value(number: number, string: string, bool: bool) else { continue }
            if entries.last?.timestamp != timestamp {
                entries.append(TelemetryEntry(timestamp: timestamp, measurements: [], metadata: metadata))
            }
            entries[entries.count - 1].measurements.append((name, value))
        }
        for index in entries.indices {
            entries[index].measurements.sort { $0.key < $1.key }
        }
        return entries
    }
}
