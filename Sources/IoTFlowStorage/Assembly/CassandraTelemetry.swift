import CassandraNIO
import IoTFlowCore
import Logging
import NIOSSL

/// Moves the telemetry role of a store set to Cassandra; the registry, events and cache stay where they were.
enum CassandraTelemetry {
    static func attach(_ settings: CassandraSettings, to stores: StoreSet, requestTimeout: Duration, clock: any WallClock, logger: Logger) -> StoreSet
    {
        var configuration = CassandraConfiguration(endpoints: settings.hosts, username: settings.username, password: settings.password)
        configuration.consistency = settings.consistency
        configuration.requestTimeout = requestTimeout
        if settings.tls { configuration.tls = TLSConfiguration.makeClientConfiguration() }
        let client = CassandraClient(configuration: configuration, logger: logger)
        let telemetry = TelemetryCassandraStore(client: client, settings: settings, clock: clock, logger: logger)
        logger.info("telemetry in Cassandra", metadata: ["cassandra": "\(settings)"])
        var stores = stores
        stores.telemetry = telemetry
        // First among the services, so it stops after everything that writes telemetry.
        stores.services.insert(client, at: 0)
        let preparePrimary = stores.prepare
        stores.prepare = {
            try await preparePrimary()
            do {
                // Before this instance serves: migrations, then the rollups backfill when due (see TelemetryCassandraStore+Backfill.swift).
                try await telemetry.migrate()
            } catch let error as CassandraError {
                throw ConfigurationError(message: "cannot prepare telemetry in Cassandra at \(settings): \(error)")
            }
        }
        stores.healthChecker = stores.healthChecker.replacing(
            role: "telemetry", with: .init(role: "telemetry", backend: "cassandra", primary: true, ping: { try await telemetry.ping() })
        )
        return stores
    }
}
