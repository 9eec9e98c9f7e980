import CassandraNIO
import Foundation
import IoTFlowCore
import Logging
import Testing

@testable import IoTFlowStorage

/// Telemetry in a fresh keyspace of the CQL server named by `IOTFLOW_TEST_CASSANDRA_HOST` and `IOTFLOW_TEST_CASSANDRA_PORT`
/// (scripts/test.sh starts the project's CQL protocol peer; no Cassandra server runs on these machines), with the
/// registry in a temporary SQLite file.
struct CassandraTestKeyspace: Sendable {
    let client: CassandraClient
    let settings: CassandraSettings
    private let runTask: Task<Void, any Error>

    static let slots = TestSlots(8)

    static var logger: Logger {
        var logger = Logger(label: "iotflow.storage-tests.cassandra")
        logger.logLevel = .error
        return logger
    }

    /// The peer's endpoint; a missing variable fails the test, it never skips it.
    static func endpoint() throws -> CassandraEndpoint {
        let environment = ProcessInfo.processInfo.environment
        let host = try #require(
            environment["IOTFLOW_TEST_CASSANDRA_HOST"], "IOTFLOW_TEST_CASSANDRA_HOST must name a CQL server (scripts/test.sh starts one)")
        let port = try #require(environment["IOTFLOW_TEST_CASSANDRA_PORT"].flatMap(Int.init), "IOTFLOW_TEST_CASSANDRA_PORT must be a port")
        return CassandraEndpoint(host: host, port: port)
    }

    /// A client on a new, migrated keyspace.
    static func create(
        bucket: CassandraSettings.Bucket = .day, retentionDays: Int = 0, clock: any WallClock = SystemWallClock()
    ) async throws -> CassandraTestKeyspace {
        var settings = CassandraSettings(hosts: [try Self.endpoint()])
        settings.keyspace = "iotflow_t_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(12).lowercased()
        settings.bucket = bucket
        settings.retentionDays = retentionDays
        settings.consistency = .localOne
        let client = CassandraClient(configuration: CassandraConfiguration(endpoints: settings.hosts), logger: Self.logger)
        let created = CassandraTestKeyspace(client: client, settings: settings, runTask: Task { try await client.run() })
        do {
            try await created.store(clock: clock).migrate()
        } catch {
            await created.drop()
            throw error
        }
        return created
    }

    func store(clock: any WallClock = SystemWallClock()) -> TelemetryCassandraStore {
        TelemetryCassandraStore(client: self.client, settings: self.settings, clock: clock, logger: Self.logger)
    }

    func drop() async {
        _ = try? await self.client.query("DROP KEYSPACE IF EXISTS \(self.settings.keyspace)")
        self.runTask.cancel()
        _ = try? await self.runTask.value
    }

    /// Contract fixture: registry, groups and events in SQLite, telemetry in Cassandra (points expiring after
    /// `retentionDays` when not 0).
    static func makeFixture(retentionDays: Int = 0) async throws -> StoreFixture {
        await Self.slots.acquire()
        let keyspace: CassandraTestKeyspace
        let directory: URL
        let database: SQLiteDatabaseFile
        do {
            keyspace = try await Self.create(retentionDays: retentionDays)
            directory = try SQLiteTestFile.makeDirectory()
            database = try await SQLiteTestFile.open(directory.appendingPathComponent("iotflow.sqlite").path)
        } catch {
            await Self.slots.release()
            throw error
        }
        let client = keyspace.client
        return StoreFixture(
            accounts: AccountSQLiteStore(database: database), devices: DeviceSQLiteStore(database: database),
            groups: GroupSQLiteStore(database: database), telemetry: keyspace.store(), events: EventSQLiteStore(database: database),
            alertRules: AlertRuleSQLiteStore(database: database), alerts: AlertSQLiteStore(database: database), injectTelemetryFailure: nil,
            tearDown: {
                await keyspace.drop()
                await database.close()
                try? FileManager.default.removeItem(at: directory)
                await Self.slots.release()
            },
            executeCQL: { cql in _ = try await client.query(cql) },
            cassandraKeyspace: keyspace.settings.keyspace
        )
    }
}
