import Logging
import PostgresNIO

extension PostgresDatabase {
    /// Transaction advisory lock serialising partition creation between instances ("IoTFlow" + 2).
    static let partitionLockKey: Int64 = 0x496F_5446_6C6F_7702

    /// Creates monthly telemetry partitions covering [now - 1 month, now + 3 months] that do not exist yet
    /// (the server calls this at start and daily). Must not fail when a range already has rows in the default partition (skip it, log).
    public func ensurePartitions(now: Int64, logger: Logger) async throws {
        for month in try await self.months(around: now) {
            try await self.ensurePartition(month, logger: logger)
        }
    }

    /// One calendar month (UTC) as a half-open range of epoch ms, and its partition's name.
    struct TelemetryMonth: Sendable {
        var start: Int64
        var end: Int64
        var tableName: String
    }

    /// The UTC months from the one before `now` to the third after it; PostgreSQL does the calendar arithmetic.
    func months(around now: Int64) async throws -> [TelemetryMonth] {
        let rows = try await self.rows(
            """
            WITH base AS (SELECT date_trunc('month', to_timestamp(\(now)::float8 / 1000) AT TIME ZONE 'UTC') AS month)
            SELECT (extract(epoch FROM m) * 1000)::int8, (extract(epoch FROM m + interval '1 month') * 1000)::int8, to_char(m, 'YYYY_MM')
            FROM base, generate_series(base.month - interval '1 month', base.month + interval '3 months', interval '1 month') AS m
            ORDER BY 1
            """
        )
        return try rows.map { row in
            let (start, end, suffix) = try row.decode((Int64, Int64, String).self)
            // The name is spliced into DDL, so accept only what to_char can produce here.
            guard suffix.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == "_") }) else {
                throw MigrationError(message: "unexpected partition suffix \(suffix)")
            }
            return TelemetryMonth(start: start, end: end, tableName: "telemetry_p\(suffix)")
        }
    }

    /// Creates one month's partition unless it exists or the default partition already holds rows of that month.
    private func ensurePartition(_ month: TelemetryMonth, logger: Logger) async throws {
        var logger = logger
        logger[metadataKey: "partition"] = "\(month.tableName)"
        do {
            let created = try await self.transaction { connection in
                try await connection.rows("SELECT pg_advisory_xact_lock(\(Self.partitionLockKey))", logger: logger)
                let existing = try await connection.rows("SELECT to_regclass(\(month.tableName)) IS NOT NULL", logger: logger)
                if try existing.first?.decode(Bool.self) == true { return false }
                let occupied = try await connection.rows(
                    "SELECT EXISTS (SELECT 1 FROM telemetry_default WHERE ts_ms >= \(month.start) AND ts_ms < \(month.end))", logger: logger
                )
                if try occupied.first?.decode(Bool.self) == true {
                    // Attaching would have to move those rows under an exclusive lock; they stay where they are.
                    logger.warning("telemetry partition skipped: the default partition already holds rows of this month")
                    return false
                }
                try await connection.rows(
                    PostgresQuery(
                        unsafeSQL: "CREATE TABLE \(month.tableName) PARTITION OF telemetry FOR VALUES FROM (\(month.start)) TO (\(month.end))"
                    ),
                    logger: logger
                )
                return true
            }
            if created { logger.info("created telemetry partition") }
        } catch let error as PSQLError where error.serverInfo?[.sqlState] == "23514" {
            // A row of that month reached the default partition between the check and the CREATE.
            logger.warning("telemetry partition skipped: the default partition received rows of this month meanwhile")
        }
    }
}
