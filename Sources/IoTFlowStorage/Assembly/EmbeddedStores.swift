import Foundation
import IoTFlowCore
import Logging
import ServiceLifecycle

/// The embedded backends: one SQLite file for registry, telemetry and events, and an in-process cache.
enum EmbeddedStores {
    static func open(configuration: StoreConfiguration, logger: Logger) async throws -> StoreSet {
        let database = try await Self.openDatabase(configuration: configuration, logger: logger)
        let accounts = AccountSQLiteStore(database: database)
        let telemetry = TelemetrySQLiteStore(database: database, clock: configuration.clock)
        let events = EventSQLiteStore(database: database)
        let cache = InMemoryCache(clock: configuration.clock)
        return StoreSet(
            accounts: accounts, devices: DeviceSQLiteStore(database: database), groups: GroupSQLiteStore(database: database), telemetry: telemetry,
            events: events, alertRules: AlertRuleSQLiteStore(database: database), alerts: AlertSQLiteStore(database: database), cache: cache,
            services: [DatabaseCloser(database: database)], prepare: {},
            healthChecker: StoreHealthChecker(probes: [
                .init(role: "registry", backend: "sqlite", primary: true, ping: { try await accounts.ping() }),
                .init(role: "telemetry", backend: "sqlite", primary: true, ping: { try await telemetry.ping() }),
                .init(role: "cache", backend: "memory", primary: false, ping: { try await cache.ping() }),
                .init(role: "events", backend: "sqlite", primary: false, ping: { try await events.ping() }),
            ])
        )
    }

    /// Creates the data folder and opens (and migrates) `iotflow.sqlite` in it.
    static func openDatabase(configuration: StoreConfiguration, logger: Logger) async throws -> SQLiteDatabaseFile {
        let directory = URL(fileURLWithPath: configuration.dataDirectory, isDirectory: true)
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw ConfigurationError(message: "cannot create IOTFLOW_DATA_DIR '\(configuration.dataDirectory)': \(error.localizedDescription)")
        }
        let path = directory.appendingPathComponent("iotflow.sqlite").path
        return try await SQLiteDatabaseFile.open(path: path, durability: configuration.sqliteDurability, logger: logger)
    }
}

/// Closes the database once everything that writes to it has stopped.
struct DatabaseCloser: Service {
    let database: SQLiteDatabaseFile

    func run() async throws {
        try? await gracefulShutdown()
        await self.database.close()
    }
}
