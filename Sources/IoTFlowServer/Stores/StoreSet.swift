import IoTFlowCore
import Logging
import ServiceLifecycle

/// The stores of one server instance, whichever backends the configuration chose, with the
/// background services they need and the work to do before the server accepts requests.
struct StoreSet: Sendable {
    let registry: any RegistryStore
    let telemetry: any TelemetryStore
    let events: any EventStore
    let cache: any Cache
    /// Long-running pieces (connection pools, maintenance jobs, closers), started before the server.
    let services: [any Service]
    /// Runs once the services are up and before the server binds (e.g. migrations).
    let prepare: @Sendable () async throws -> Void
    /// Pings every store for health reports.
    let healthChecker: StoreHealthChecker

    /// Opens the backends named by the configuration: PostgreSQL when `DATABASE_URL` is set, else SQLite.
    static func open(configuration: AppConfiguration, logger: Logger) async throws -> StoreSet {
        if let url = configuration.databaseURL {
            return try await PostgresStores.open(url: url, configuration: configuration, logger: logger)
        }
        return try await EmbeddedStores.open(configuration: configuration, logger: logger)
    }
}
