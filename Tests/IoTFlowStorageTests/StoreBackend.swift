import Foundation
import IoTFlowCore
import Logging
import Testing

@testable import IoTFlowStorage

/// The store backends the contract runs against. A new backend is a new case and its `makeFixture`.
enum StoreBackend: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case sqlite
    /// Needs the server named by `IOTFLOW_TEST_DATABASE_URL`; fails without it.
    case postgres
    /// Telemetry in Cassandra (the CQL peer named by `IOTFLOW_TEST_CASSANDRA_HOST`/`_PORT`), registry in SQLite.
    case cassandra
    /// Events in MongoDB (nx-27017 named by `IOTFLOW_TEST_MONGODB_URI`), the other roles in SQLite.
    case mongo

    /// Backends of telemetry: MongoDB holds events only, so its fixture's telemetry would repeat SQLite's run.
    static let all: [Self] = [.sqlite, .postgres, .cassandra]

    /// Backends able to make a write fail on purpose, for atomicity tests. Cassandra has no transaction across
    /// partitions, so a failed write may leave some points (its store says so); its fault tests check instead that
    /// nothing acknowledged is lost and a retry converges.
    static let failureInjecting = Self.all.filter(\.canInjectFailures)
    /// Backends of the registry, groups and events: Cassandra holds telemetry only, so its fixture's other stores
    /// are SQLite's and would only repeat that backend's run.
    static let registry: [Self] = [.sqlite, .postgres]
    /// Backends of the event log.
    static let events: [Self] = [.sqlite, .postgres, .mongo]
    /// Backends whose telemetry is SQL, for tests that go behind the store's back with SQL.
    static let sql: [Self] = [.sqlite, .postgres]

    var testDescription: String { self.rawValue }

    var canInjectFailures: Bool {
        switch self {
        case .sqlite, .postgres: true
        case .cassandra, .mongo: false
        }
    }

    /// Fresh, empty stores.
    func makeFixture() async throws -> StoreFixture {
        switch self {
        case .sqlite: try await SQLiteTestFile.makeFixture()
        case .postgres: try await PostgresTestDatabase.makeFixture()
        case .cassandra: try await CassandraTestKeyspace.makeFixture()
        case .mongo: try await MongoTestDatabase.makeFixture()
        }
    }

    /// Runs `contract` on fresh stores and tears them down afterwards, also when it throws.
    func run(_ contract: (StoreFixture) async throws -> Void) async throws {
        let fixture = try await self.makeFixture()
        do {
            try await contract(fixture)
        } catch {
            await fixture.tearDown()
            throw error
        }
        await fixture.tearDown()
    }
}

/// SQLite databases in their own temporary directories.
enum SQLiteTestFile {
    static var logger: Logger {
        var logger = Logger(label: "iotflow.storage-tests")
        logger.logLevel = .error
        return logger
    }

    /// A new empty directory under the system's temporary directory.
    static func makeDirectory() throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("iotflow-store-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory
    }

    static func open(_ path: String) async throws -> SQLiteDatabaseFile {
        try await SQLiteDatabaseFile.open(path: path, readers: 2, durability: .normal, logger: Self.logger)
    }

    static func makeFixture() async throws -> StoreFixture {
        let directory = try Self.makeDirectory()
        let database: SQLiteDatabaseFile
        do {
            database = try await Self.open(directory.appendingPathComponent("iotflow.sqlite").path)
        } catch {
            try? FileManager.default.removeItem(at: directory)
            throw error
        }
        return StoreFixture(
            accounts: AccountSQLiteStore(database: database), devices: DeviceSQLiteStore(database: database),
            groups: GroupSQLiteStore(database: database),
            telemetry: TelemetrySQLiteStore(database: database),
            events: EventSQLiteStore(database: database),
            alertRules: AlertRuleSQLiteStore(database: database), alerts: AlertSQLiteStore(database: database),
            injectTelemetryFailure: { deviceID in
                // A temporary trigger lives on the writer connection only and aborts the statement that hits it.
                _ = try await database.execute(
                    """
                    CREATE TEMP TRIGGER fail_device_\(deviceID) BEFORE INSERT ON main.telemetry WHEN NEW.device_id = \(deviceID)
                    BEGIN SELECT RAISE(ABORT, 'injected failure'); END
                    """
                )
            },
            tearDown: {
                await database.close()
                try? FileManager.default.removeItem(at: directory)
            },
            executeSQL: { sql in _ = try await database.execute(sql) }
        )
    }
}
