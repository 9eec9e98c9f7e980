import Foundation
import IoTFlowCore
import PostgresNIO
import Testing

@testable import IoTFlowStorage

/// What only the PostgreSQL backend has: versioned migrations under a lock, and monthly partitions.
@Suite("PostgreSQL database")
struct PostgresDatabaseTests {
    private static let logger = PostgresTestDatabase.logger

    /// Values of the first column, as Int64.
    private static func integers(_ database: IoTFlowStorage.PostgresDatabase, _ query: PostgresQuery) async throws -> [Int64] {
        try await database.rows(query).map { try $0.decode(Int64.self) }
    }

    /// Names of the tables attached to `telemetry`.
    private static func partitions(_ database: IoTFlowStorage.PostgresDatabase) async throws -> Set<String> {
        let rows = try await database.rows(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'telemetry'::regclass"
        )
        return Set(try rows.map { try $0.decode(String.self) })
    }

    /// The partition holding the value of `key` at `timestamp`.
    private static func partition(
        _ database: IoTFlowStorage.PostgresDatabase, deviceID: Int64, timestamp: Int64
    ) async throws -> String? {
        try await database.rows("SELECT tableoid::regclass::text FROM telemetry WHERE device_id = \(deviceID) AND ts_ms = \(timestamp)")
            .first?.decode(String.self)
    }

    /// `telemetry_pYYYY_MM` of the UTC month holding `timestamp`, shifted by `months`.
    private static func partitionName(_ timestamp: Int64, plusMonths months: Int = 0) throws -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = try #require(TimeZone(identifier: "UTC"))
        let date = Date(timeIntervalSince1970: Double(timestamp) / 1000)
        let shifted = try #require(calendar.date(byAdding: .month, value: months, to: date))
        let parts = calendar.dateComponents([.year, .month], from: shifted)
        return String(format: "telemetry_p%04d_%02d", try #require(parts.year), try #require(parts.month))
    }

    private static func stores(_ database: IoTFlowStorage.PostgresDatabase) -> StoreFixture {
        StoreFixture(
            accounts: AccountPostgresStore(database: database), devices: DevicePostgresStore(database: database),
            groups: GroupPostgresStore(database: database), telemetry: TelemetryPostgresStore(database: database),
            events: EventPostgresStore(database: database), alertRules: AlertRulePostgresStore(database: database),
            alerts: AlertPostgresStore(database: database), injectTelemetryFailure: nil, tearDown: {}
        )
    }

    @Test("two instances migrating at once apply each version once; migrating again changes nothing")
    func concurrentMigrations() async throws {
        try await PostgresTestDatabase.with(prepared: false) { fresh in
            let (other, otherTask) = fresh.secondInstance()
            defer { otherTask.cancel() }
            async let first: Void = fresh.database.migrate(logger: Self.logger)
            async let second: Void = other.migrate(logger: Self.logger)
            _ = try await (first, second)
            try await fresh.database.migrate(logger: Self.logger)

            let versions = try await Self.integers(fresh.database, "SELECT version::int8 FROM schema_migrations ORDER BY version")
            #expect(versions == (1...PostgresMigrations.latestVersion).map(Int64.init))
            let applied = try await Self.integers(fresh.database, "SELECT applied_at FROM schema_migrations")
            #expect(applied.allSatisfy { abs($0 - PostgresTestDatabase.now) < 600_000 })
            // The schema works: a user round-trips.
            let stores = Self.stores(fresh.database)
            let user = try await stores.makeUser("migrated")
            #expect(try await stores.accounts.user(login: "MIGRATED") == user)
        }
    }

    @Test("a database migrated by a newer build is refused")
    func newerSchemaRefused() async throws {
        try await PostgresTestDatabase.with { fresh in
            try await fresh.database.rows(
                "INSERT INTO schema_migrations (version, applied_at) VALUES (\(Int32(PostgresMigrations.latestVersion + 1)), 0)")
            await #expect(throws: MigrationError.self) { try await fresh.database.migrate(logger: Self.logger) }
        }
    }

    @Test("partitions cover the current month and the next three; ensurePartitions twice is harmless")
    func partitionsAhead() async throws {
        try await PostgresTestDatabase.with { fresh in
            let now = PostgresTestDatabase.now
            let expected = try Set((-1...3).map { try Self.partitionName(now, plusMonths: $0) } + ["telemetry_default"])
            #expect(try await Self.partitions(fresh.database) == expected)
            try await fresh.database.ensurePartitions(now: now, logger: Self.logger)
            try await fresh.database.ensurePartitions(now: now, logger: Self.logger)
            #expect(try await Self.partitions(fresh.database) == expected)

            let stores = Self.stores(fresh.database)
            let device = try await stores.makeDevices(1)[0].id
            try await stores.telemetry.write([TelemetryWrite(deviceID: device, points: [point(now, [("t", .number(1))])])])
            #expect(try await Self.partition(fresh.database, deviceID: device, timestamp: now) == Self.partitionName(now))
        }
    }

    @Test("a timestamp far outside the partitions lands in the default partition and reads back")
    func defaultPartition() async throws {
        try await PostgresTestDatabase.with { fresh in
            let stores = Self.stores(fresh.database)
            let device = try await stores.makeDevices(1)[0].id
            let old: Int64 = 978_307_200_000  // 2001-01-01
            try await stores.telemetry.write([TelemetryWrite(deviceID: device, points: [point(old, [("t", .number(7)), ("s", .string("x"))])])])
            #expect(try await Self.partition(fresh.database, deviceID: device, timestamp: old) == "telemetry_default")
            #expect(try await stores.history(device) == [entry(old, [("s", .string("x")), ("t", .number(7))])])
            #expect(try await stores.latestByKey(device).map(\.timestamp) == [old, old])
            let buckets = try await stores.telemetry.aggregate(
                AggregationQuery(deviceID: device, field: "t", function: .last, windowMilliseconds: 86_400_000, start: 0, end: old + 1)
            )
            #expect(buckets == [AggregationBucket(start: old, value: 7, count: 1)])
        }
    }

    @Test("retention drops whole expired monthly partitions, with their counts and metadata, and deletes the rest in chunks")
    func retentionDropsPartitions() async throws {
        try await PostgresTestDatabase.with { fresh in
            let stores = Self.stores(fresh.database)
            let device = try await stores.makeDevices(1)[0].id
            let now = PostgresTestDatabase.now
            // Partitions for a month half a year back (and the months around it), then values in it and now.
            let old = now - 183 * 86_400_000
            try await fresh.database.ensurePartitions(now: old, logger: Self.logger)
            let oldMonth = try Self.partitionName(old)
            #expect(try await Self.partitions(fresh.database).contains(oldMonth))
            try await stores.telemetry.write([
                TelemetryWrite(
                    deviceID: device,
                    points: [
                        point(old, [("t", .number(1))], metadata: "{}"), point(old + 1000, [("t", .number(2))]), point(now, [("t", .number(3))]),
                    ]
                )
            ])
            #expect(try await Self.partition(fresh.database, deviceID: device, timestamp: old) == oldMonth)
            // The cutoff is past the end of the old month: its partition goes whole.
            let removed = try await stores.telemetry.expireValues(before: now - 60 * 86_400_000, limit: 1000)
            #expect(removed == 2)
            #expect(!(try await Self.partitions(fresh.database).contains(oldMonth)))
            #expect(try await stores.history(device).map(\.timestamp) == [now])
            #expect(try await stores.telemetry.counts(recentSince: 0).total == 1)
            #expect(try await Self.integers(fresh.database, "SELECT count(*) FROM telemetry_metadata") == [0])
        }
    }

    @Test("a month whose rows already sit in the default partition is skipped, not an error")
    func occupiedMonthSkipped() async throws {
        try await PostgresTestDatabase.with { fresh in
            let stores = Self.stores(fresh.database)
            let device = try await stores.makeDevices(1)[0].id
            let now = PostgresTestDatabase.now
            let later = now + 8 * 31 * 86_400_000  // beyond the months created at start
            try await stores.telemetry.write([TelemetryWrite(deviceID: device, points: [point(later, [("t", .number(1))])])])
            #expect(try await Self.partition(fresh.database, deviceID: device, timestamp: later) == "telemetry_default")

            try await fresh.database.ensurePartitions(now: later, logger: Self.logger)
            let partitions = try await Self.partitions(fresh.database)
            #expect(!partitions.contains(try Self.partitionName(later)))
            #expect(partitions.contains(try Self.partitionName(later, plusMonths: 1)))
            #expect(try await Self.partition(fresh.database, deviceID: device, timestamp: later) == "telemetry_default")
            #expect(try await stores.history(device).map(\.timestamp) == [later])
        }
    }

    @Test("the test server URL parser")
    func urlParsing() throws {
        let full = try #require(PostgresTestServer.parse("postgresql://user:p%40ss@db.local:6543/iot"))
        #expect(full.host == "db.local" && full.port == 6543 && full.username == "user" && full.password == "p@ss" && full.database == "iot")
        let short = try #require(PostgresTestServer.parse("postgres://postgres@127.0.0.1"))
        #expect(short.port == 5432 && short.password == nil && short.database == "postgres")
        #expect(PostgresTestServer.parse("mysql://x@y/z") == nil)
    }
}
