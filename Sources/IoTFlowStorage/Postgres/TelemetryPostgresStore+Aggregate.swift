import IoTFlowCore
import PostgresNIO

/// Bucketed aggregation over numbers and booleans (as 0/1); strings are skipped.
extension TelemetryPostgresStore {
    /// A numeric value, booleans counted as 0 or 1.
    private static let numericValue = "COALESCE(num_value, bool_value::int::float8)"
    /// Rows of the query's device, key and range that hold a number or a boolean; binds $2…$5.
    private static let numericRows = """
        FROM telemetry WHERE device_id = $2 AND key_id = (SELECT id FROM telemetry_keys WHERE name = $3)
        AND ts_ms >= $4 AND ts_ms < $5 AND (num_value IS NOT NULL OR bool_value IS NOT NULL)
        """

    func aggregateRaw(_ query: AggregationQuery) async throws -> [AggregationBucket] {
        let value = Self.numericValue
        let sql: String
        switch query.function {
        case .mean, .avg: sql = Self.grouped("avg(\(value))")
        case .sum: sql = Self.grouped("sum(\(value))")
        case .count: sql = Self.grouped("count(*)::float8")
        case .min: sql = Self.grouped("min(\(value))")
        case .max: sql = Self.grouped("max(\(value))")
        case .first: sql = Self.edge("min")
        case .last: sql = Self.edge("max")
        }
        do {
            return try await self.buckets(sql, query)
        } catch let error as PSQLError where error.serverInfo?[.sqlState] == "22003" {
            // float8 sums raise "value out of range: overflow" where SQLite's went to infinity; numeric
            // sums cannot overflow, so the mean of finite values comes out finite, and an overflowing
            // sum reads back as ±infinity like SQLite's.
            switch query.function {
            case .mean, .avg: return try await self.buckets(Self.grouped("avg(\(value)::numeric)::text"), query)
            case .sum: return try await self.buckets(Self.grouped("sum(\(value)::numeric)::text"), query)
            default: throw error
            }
        }
    }

    /// `agg` per bucket in one GROUP BY.
    private static func grouped(_ aggregate: String) -> String {
        "SELECT (ts_ms / $1) * $1 AS bucket, \(aggregate), count(*) \(Self.numericRows) GROUP BY bucket ORDER BY bucket"
    }

    /// The value at each bucket's earliest (`min`) or latest (`max`) timestamp: one pass finds the
    /// timestamps, then one primary-key lookup per bucket reads the value.
    private static func edge(_ extreme: String) -> String {
        """
        WITH b AS (SELECT (ts_ms / $1) * $1 AS bucket, \(extreme)(ts_ms) AS edge, count(*) AS n \(Self.numericRows) GROUP BY bucket)
        SELECT b.bucket, COALESCE(t.num_value, t.bool_value::int::float8), b.n FROM b
        JOIN telemetry t ON t.device_id = $2 AND t.key_id = (SELECT id FROM telemetry_keys WHERE name = $3)
            AND t.ts_ms = b.edge AND t.ts_ms >= $4 AND t.ts_ms < $5
        ORDER BY b.bucket
        """
    }

    /// Runs an aggregation statement whose rows are (bucket, value as float8 or text, count).
    private func buckets(_ sql: String, _ query: AggregationQuery) async throws -> [AggregationBucket] {
        var binds = PostgresBindings()
        binds.append(query.windowMilliseconds)
        binds.append(query.deviceID)
        binds.append(query.field)
        binds.append(query.start)
        binds.append(query.end)
        let rows = try await self.database.rows(PostgresQuery(unsafeSQL: sql, binds: binds))
        return try rows.map { row in
            let columns = row.makeRandomAccess()
            let value: Double
            if columns[1].dataType == .text {
                value = Double(try columns[1].decode(String.self)) ?? .nan
            } else {
                value = try columns[1].decode(Double.self)
            }
            return AggregationBucket(start: try columns[0].decode(Int64.self), value: value, count: Int(try columns[2].decode(Int64.self)))
        }
    }
}
