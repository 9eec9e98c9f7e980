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
        // Each of the device's (requested) keys reads its own (device, key, ts) index range in page order,
        // stopping after `limit` rows; the page is merged in Swift from those columns. No DISTINCT, sort or
        // second pass in the database.
        var binds = PostgresBindings()
        binds.append(query.deviceID)
        binds.append(query.keys)
        binds.append(lower)
        binds.append(upper)
        binds.append(Int64(query.limit))
        let rows = try await self.database.rows(
            PostgresQuery(
                unsafeSQL: """
                    WITH keys AS (
                        SELECT l.key_id, k.name FROM telemetry_latest l JOIN telemetry_keys k ON k.id = l.key_id
                        WHERE l.device_id = $1\(keyFilter)
                    )
                    SELECT keys.name, p.ts_ms, p.num_value, p.str_value, p.bool_value FROM keys CROSS JOIN LATERAL (
                        SELECT t.ts_ms, t.num_value, t.str_value, t.bool_value FROM telemetry t
                        WHERE t.device_id = $1 AND t.key_id = keys.key_id AND t.ts_ms >= $3 AND t.ts_ms < $4
                        ORDER BY t.ts_ms \(order) LIMIT $5
                    ) p
                    """,
                binds: binds
            )
        )
        var columnsByName: [String: [(timestamp: Int64, value: TelemetryValue)]] = [:]
        for row in rows {
            var name: String?
            var timestamp: Int64?
            var number: Double?
            var string: String?
            var bool: Bool?
            for cell in row {
                switch cell.columnIndex {
                case 0: name = try cell.string()
                case 1: timestamp = try cell.int64()
                case 2: number = try cell.double()
                case 3: string = try cell.string()
                default: bool = try cell.bool()
                }
            }
            guard let name, let timestamp, let value = Self.value(number: number, string: string, bool: bool) else { continue }
            columnsByName[name, default: []].append((timestamp, value))
        }
        let names = columnsByName.keys.sorted()
        var entries = HistoryPageMerge.entries(
            names.map { columnsByName[$0] ?? [] }, names: names, descending: query.descending, limit: query.limit
        )
        guard query.includeMetadata, let first = entries.first?.timestamp, let last = entries.last?.timestamp else { return entries }
        let metadataRows = try await self.database.rows(
            """
            SELECT ts_ms, metadata FROM telemetry_metadata
            WHERE device_id = \(query.deviceID) AND ts_ms >= \(min(first, last)) AND ts_ms <= \(max(first, last))
            """
        )
        var metadata: [Int64: String] = [:]
        for row in metadataRows {
            let (timestamp, text) = try row.decode((Int64, String).self)
            metadata[timestamp] = text
        }
        for index in entries.indices {
            entries[index].metadata = metadata[entries[index].timestamp]
        }
        return entries
    }
}
