import Foundation
import IoTFlowCore
import Logging
import MongoNIO
import Testing

@testable import IoTFlowStorage

/// Events in a fresh database of the MongoDB-compatible server named by `IOTFLOW_TEST_MONGODB_URI` (scripts/test.sh
/// starts nx-27017; no mongod runs on these machines), with the other roles in a temporary SQLite file.
struct MongoTestDatabase: Sendable {
    let client: MongoClient
    let settings: MongoSettings
    private let runTask: Task<Void, any Error>

    static var logger: Logger {
        var logger = Logger(label: "iotflow.storage-tests.mongo")
        logger.logLevel = .error
        return logger
    }

    /// The test server's connection string; a missing variable fails the test, it never skips it.
    static func connectionString() throws -> MongoConnectionString {
        let uri = try #require(
            ProcessInfo.processInfo.environment["IOTFLOW_TEST_MONGODB_URI"],
            "IOTFLOW_TEST_MONGODB_URI must name a MongoDB-compatible server (scripts/test.sh starts nx-27017)")
        return try MongoConnectionString(uri)
    }

    /// A running client on a new database with the indexes of the event log and the alerts.
    static func create(retentionDays: Int = 0) async throws -> MongoTestDatabase {
        var settings = MongoSettings(
            connectionString: try Self.connectionString(),
            database: "iotflow_t_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(12))
        settings.eventRetentionDays = retentionDays
        var configuration = MongoConfiguration(connectionString: settings.connectionString)
        // nx-27017 (one Python process over SQLite) answers the whole parallel run's commands in turn: on a loaded
        // machine a command can wait longer than the 10 s a production deployment would allow.
        configuration.requestTimeout = .seconds(60)
        let client = MongoClient(configuration: configuration, logger: Self.logger)
        let created = MongoTestDatabase(client: client, settings: settings, runTask: Task { try await client.run() })
        do {
            try await MongoEventSchema.prepare(client: client, settings: settings, logger: Self.logger)
            try await MongoAlertSchema.prepare(client: client, settings: settings, logger: Self.logger)
        } catch {
            await created.drop()
            throw error
        }
        return created
    }

    var store: EventMongoStore { EventMongoStore(client: self.client, settings: self.settings) }

    var alertStore: AlertMongoStore { AlertMongoStore(client: self.client, settings: self.settings) }

    func drop() async {
        _ = try? await self.client.runCommand(["dropDatabase": 1], database: self.settings.database)
        self.runTask.cancel()
        _ = try? await self.runTask.value
    }

    /// Contract fixture: registry, groups and telemetry in SQLite, events in MongoDB.
    static func makeFixture() async throws -> StoreFixture {
        let mongo: MongoTestDatabase
        let directory: URL
        let database: SQLiteDatabaseFile
        mongo = try await Self.create()
        do {
            directory = try SQLiteTestFile.makeDirectory()
            database = try await SQLiteTestFile.open(directory.appendingPathComponent("iotflow.sqlite").path)
        } catch {
            await mongo.drop()
            throw error
        }
        return StoreFixture(
            accounts: AccountSQLiteStore(database: database), devices: DeviceSQLiteStore(database: database),
            groups: GroupSQLiteStore(database: database), telemetry: TelemetrySQLiteStore(database: database), events: mongo.store,
            alertRules: AlertRuleSQLiteStore(database: database), alerts: mongo.alertStore, injectTelemetryFailure: nil,
            tearDown: {
                await mongo.drop()
                await database.close()
                try? FileManager.default.removeItem(at: directory)
            }
        )
    }
}
