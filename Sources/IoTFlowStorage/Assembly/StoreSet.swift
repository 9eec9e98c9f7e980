import IoTFlowCore
import Logging
import ServiceLifecycle

/// The stores of one server instance, whichever backends the configuration chose, with the
/// background services they need and the work to do before the server accepts requests.
public struct StoreSet: Sendable {
    /// Users and tokens.
    public let accounts: any AccountStore
    /// Devices.
    public let devices: any DeviceStore
    /// Groups.
    public let groups: any GroupStore
    /// Time series.
    public var telemetry: any TelemetryStore
    /// The event log.
    public var events: any EventStore
    /// Alert rules and job leases (registry role).
    public let alertRules: any AlertRuleStore
    /// Alerts and their lifecycle (events role).
    public var alerts: any AlertStore
    /// Hot lookups.
    public var cache: any Cache
    /// Long-running pieces (connection pools, maintenance jobs, closers), started before the server.
    public var services: [any Service]
    /// Runs once the services are up and before the server binds (e.g. migrations).
    public var prepare: @Sendable () async throws -> Void
    /// Pings every store for health reports.
    public var healthChecker: StoreHealthChecker

    /// Opens the backends named by the configuration: PostgreSQL when `DATABASE_URL` is set, else SQLite;
    /// telemetry in Cassandra when `CASSANDRA_HOSTS` is set; events in MongoDB when `MONGODB_URI` is set; the cache in
    /// Redis when `REDIS_HOST` is set, else in process.
    public static func open(configuration: StoreConfiguration, logger: Logger) async throws -> StoreSet {
        var stores: StoreSet
        if let url = configuration.databaseURL {
            stores = try await PostgresStores.open(url: url, configuration: configuration, logger: logger)
        } else {
            stores = try await EmbeddedStores.open(configuration: configuration, logger: logger)
        }
        if let cassandra = configuration.cassandra {
            stores = CassandraTelemetry.attach(
                cassandra, to: stores, requestTimeout: configuration.requestTimeout, clock: configuration.clock, logger: logger)
        }
        if let mongo = configuration.mongo {
            stores = MongoEvents.attach(mongo, to: stores, requestTimeout: configuration.requestTimeout, logger: logger)
        }
        if let redis = configuration.redis {
            let cache = RedisCache(settings: redis, clock: configuration.clock, logger: logger)
            logger.info("cache in Redis", metadata: ["redis": "\(redis)"])
            stores.cache = cache
            // Before the primary stores' services, so it stops after everything that uses it.
            stores.services.insert(cache, at: 0)
            let preparePrimary = stores.prepare
            stores.prepare = {
                try await preparePrimary()
                // Serve from the first request with the cache connected, when Redis is there at all.
                if await !cache.waitUntilReady(timeout: .seconds(2)) {
                    logger.warning("Redis is not reachable; serving from the primary stores until it is", metadata: ["redis": "\(redis)"])
                }
            }
            stores.healthChecker = stores.healthChecker.replacing(
                role: "cache", with: .init(role: "cache", backend: "redis", primary: false, ping: { try await cache.ping() })
            )
        }
        return stores
    }
}
