import Foundation
import IoTFlowCore
import Logging
import PostgresNIO

@testable import IoTFlowStorage

/// A fresh database `iotflow_test_<random hex>` with a running ``IoTFlowStorage/PostgresDatabase`` on it.
struct PostgresTestDatabase: Sendable {
    let server: PostgresTestServer
    let name: String
    let database: IoTFlowStorage.PostgresDatabase
    private let runTask: Task<Void, Never>

    /// Fixtures alive at once: each holds a pool, and the test runner starts every test together.
    static let slots = TestSlots(8)

    static var logger: Logger {
        var logger = Logger(label: "iotflow.storage-tests.postgres")
        logger.logLevel = .error
        return logger
    }

    /// Now, in epoch ms.
    static var now: Int64 { Int64(Date().timeIntervalSince1970 * 1000) }

    /// Creates the database and starts a pool on it; migrates and creates partitions unless told not to.
    static func create(prepared: Bool = true) async throws -> PostgresTestDatabase {
        let server = try PostgresTestServer.fromEnvironment()
        let name = "iotflow_test_" + (0..<8).map { _ in String(format: "%02x", UInt8.random(in: 0...255)) }.joined()
        try await server.execute("CREATE DATABASE \(name)", logger: Self.logger)
        let database = IoTFlowStorage.PostgresDatabase(configuration: server.clientConfiguration(database: name), logger: Self.logger)
        let created = PostgresTestDatabase(server: server, name: name, database: database, runTask: Task { await database.run() })
        guard prepared else { return created }
        do {
            try await database.migrate(logger: Self.logger)
            try await database.ensurePartitions(now: Self.now, logger: Self.logger)
        } catch {
            await created.drop()
            throw error
        }
        return created
    }

    /// Another pool on the same database, as a second server instance would have; the caller cancels its task.
    func secondInstance() -> (database: IoTFlowStorage.PostgresDatabase, task: Task<Void, Never>) {
        let other = IoTFlowStorage.PostgresDatabase(configuration: self.server.clientConfiguration(database: self.name), logger: Self.logger)
        return (other, Task { await other.run() })
    }

    /// Stops the pool and drops the database, closing whatever connections remain.
    func drop() async {
        self.runTask.cancel()
        await self.runTask.value
        try? await self.server.execute("DROP DATABASE IF EXISTS \(self.name) WITH (FORCE)", logger: Self.logger)
    }

    /// Runs `body` on a fresh prepared database and drops it afterwards, also when `body` throws.
    static func with(prepared: Bool = true, _ body: (PostgresTestDatabase) async throws -> Void) async throws {
        await Self.slots.acquire()
        do {
            let database = try await Self.create(prepared: prepared)
            do {
                try await body(database)
            } catch {
                await database.drop()
                throw error
            }
            await database.drop()
        } catch {
            await Self.slots.release()
            throw error
        }
        await Self.slots.release()
    }

    /// Stores on a fresh database, for the contract suite.
    static func makeFixture() async throws -> StoreFixture {
        await Self.slots.acquire()
        let created: PostgresTestDatabase
        do {
            created = try await Self.create()
        } catch {
            await Self.slots.release()
            throw error
        }
        let database = created.database
        return StoreFixture(
            accounts: AccountPostgresStore(database: database), devices: DevicePostgresStore(database: database),
            groups: GroupPostgresStore(database: database),
            telemetry: TelemetryPostgresStore(database: database),
            events: EventPostgresStore(database: database),
            alertRules: AlertRulePostgresStore(database: database), alerts: AlertPostgresStore(database: database),
            injectTelemetryFailure: { deviceID in
                // A CHECK constraint on the partitioned table reaches every partition and aborts the statement that hits it.
                try await database.client.query(
                    PostgresQuery(unsafeSQL: "ALTER TABLE telemetry ADD CONSTRAINT fail_device_\(deviceID) CHECK (device_id <> \(deviceID))")
                )
            },
            tearDown: {
                await created.drop()
                await Self.slots.release()
            },
            executeSQL: { sql in try await database.client.query(PostgresQuery(unsafeSQL: sql)) }
        )
    }
}
