import Foundation
import IoTFlowCore
import Testing

@testable import IoTFlowStorage

@Suite("SQLite database file")
struct SQLiteFileTests {
    private static func schemaVersion(_ database: SQLiteDatabaseFile) async throws -> Int? {
        try await database.read("PRAGMA user_version").first?.int("user_version")
    }

    private static func history(_ telemetry: TelemetrySQLiteStore, _ deviceID: Int64) async throws -> [TelemetryEntry] {
        try await telemetry.history(
            HistoryQuery(deviceID: deviceID, start: 0, end: 10_000, keys: [], limit: 10, descending: false, includeMetadata: false)
        )
    }

    @Test("reopening the same file keeps the data; migrations run once and the schema is current")
    func reopen() async throws {
        let directory = try SQLiteTestFile.makeDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("data.sqlite").path

        let first = try await SQLiteTestFile.open(path)
        let stores = StoreFixture(
            accounts: AccountSQLiteStore(database: first), devices: DeviceSQLiteStore(database: first), groups: GroupSQLiteStore(database: first),
            telemetry: TelemetrySQLiteStore(database: first),
            events: EventSQLiteStore(database: first), alertRules: AlertRuleSQLiteStore(database: first),
            alerts: AlertSQLiteStore(database: first), injectTelemetryFailure: nil, tearDown: {}
        )
        let user = try await stores.makeUser("keeper")
        let device = try await stores.makeDevice(user, "probe")
        try await stores.telemetry.write([TelemetryWrite(deviceID: device.id, points: [point(1000, [("t", .number(1.5))])])])
        try await stores.events.append([Event(type: "user.registered", timestamp: 1000, userPublicID: user.publicID)])
        #expect(try await Self.schemaVersion(first) == SQLiteMigrations.latestVersion)
        await first.close()

        let second = try await SQLiteTestFile.open(path)
        #expect(try await Self.schemaVersion(second) == SQLiteMigrations.latestVersion)
        #expect(try await AccountSQLiteStore(database: second).user(id: user.id) == user)
        #expect(try await DeviceSQLiteStore(database: second).device(id: device.id) == device)
        let telemetry = TelemetrySQLiteStore(database: second)
        #expect(try await Self.history(telemetry, device.id) == [entry(1000, [("t", .number(1.5))])])
        #expect(try await telemetry.latest(deviceID: device.id) == [LatestValue(key: "t", value: .number(1.5), timestamp: 1000)])
        #expect(try await EventSQLiteStore(database: second).events(EventQuery()).total == 1)
        // New keys still get ids after a reopen.
        try await telemetry.write([TelemetryWrite(deviceID: device.id, points: [point(2000, [("u", .bool(true))])])])
        await second.close()

        let third = try await SQLiteTestFile.open(path)
        #expect(try await Self.schemaVersion(third) == SQLiteMigrations.latestVersion)
        #expect(
            try await Self.history(TelemetrySQLiteStore(database: third), device.id) == [
                entry(1000, [("t", .number(1.5))]), entry(2000, [("u", .bool(true))]),
            ]
        )
        #expect(try await AccountSQLiteStore(database: third).users(limit: 10, offset: 0).total == 1)
        await third.close()
    }

    @Test("a file at schema version 2 keeps its counters when upgraded, and writes after the upgrade count on")
    func upgradeFromVersion2() async throws {
        let directory = try SQLiteTestFile.makeDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("data.sqlite").path
        let now = SystemWallClock().nowMilliseconds()
        let recentSince = now - TelemetryCounts.recentWindowMilliseconds

        let first = try await SQLiteTestFile.open(path)
        let stores = StoreFixture(
            accounts: AccountSQLiteStore(database: first), devices: DeviceSQLiteStore(database: first), groups: GroupSQLiteStore(database: first),
            telemetry: TelemetrySQLiteStore(database: first),
            events: EventSQLiteStore(database: first), alertRules: AlertRuleSQLiteStore(database: first),
            alerts: AlertSQLiteStore(database: first), injectTelemetryFailure: nil, tearDown: {}
        )
        let device = try await stores.makeDevice(try await stores.makeUser("keeper"), "probe")
        // Two recent values and one from a year ago.
        let points = [point(now - 1000, [("t", .number(1)), ("h", .number(2))]), point(now - 31_536_000_000, [("t", .number(3))])]
        try await stores.telemetry.write([TelemetryWrite(deviceID: device.id, points: points)])
        // Back to version 2 as it was released: what later versions made dropped, and its two counter tables, filled by
        // its own statements.
        for statement in [
            "DROP TABLE telemetry_rollups", "DROP TABLE alerts", "DROP TABLE leases", "DROP TABLE alert_rules",
            "DROP TRIGGER telemetry_write_effects_apply", "DROP VIEW telemetry_write_effects", "DROP TABLE telemetry_counts",
        ] + SQLiteMigrations.versions[1] + ["PRAGMA user_version = 2"] {
            _ = try await first.execute(statement)
        }
        await first.close()

        let second = try await SQLiteTestFile.open(path)
        #expect(try await Self.schemaVersion(second) == SQLiteMigrations.latestVersion)
        let telemetry = TelemetrySQLiteStore(database: second)
        #expect(try await telemetry.counts(recentSince: recentSince) == TelemetryCounts(total: 3, recent: 2))
        // Version 5 filled the rollups from the values already there.
        for (window, function) in [(Int64(60_000), AggregationFunction.sum), (3_600_000, .count), (3_600_000, .last)] {
            let query = AggregationQuery(
                deviceID: device.id, field: "t", function: function, windowMilliseconds: window,
                start: RollupPeriod.hour.bucket(of: now - 31_536_000_000), end: RollupPeriod.hour.bucket(of: now) + 3_600_000)
            let fromRollups = try await telemetry.aggregate(query, source: .rollups)
            let fromRaw = try await telemetry.aggregate(query, source: .raw)
            #expect(fromRollups?.count == 2 && fromRollups == fromRaw, "\(window) \(function)")
        }
        try await telemetry.write([TelemetryWrite(deviceID: device.id, points: [point(now, [("t", .number(4))])])])
        #expect(try await telemetry.counts(recentSince: recentSince) == TelemetryCounts(total: 4, recent: 3))
        #expect(try await telemetry.latest(deviceID: device.id).first { $0.key == "t" }?.timestamp == now)
        await second.close()
    }

    @Test("a file written by a newer schema version is refused")
    func newerSchemaRefused() async throws {
        let directory = try SQLiteTestFile.makeDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("data.sqlite").path
        let database = try await SQLiteTestFile.open(path)
        _ = try await database.execute("PRAGMA user_version = \(SQLiteMigrations.latestVersion + 1)")
        await database.close()
        await #expect(throws: MigrationError.self) { try await SQLiteTestFile.open(path) }
    }
}
