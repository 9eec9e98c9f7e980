import IoTFlowCore
import IoTFlowStorage
import Logging
import NIOCore

/// Everything `iotflow serve` can be told, from the environment (names as in ARCHITECTURE.md) or flags.
public struct AppConfiguration: Sendable {
    /// Interface to listen on (`HOST`).
    public var host: String = "127.0.0.1"
    /// Port (`PORT`).
    public var port: Int = 5000
    /// Folder of the embedded database (`IOTFLOW_DATA_DIR`).
    public var dataDirectory: String = "./data"
    /// Operator token for `Authorization: admin <token>` (`IOTFLOW_ADMIN_TOKEN`); nil disables it.
    public var adminToken: String?
    /// Accept `X-User-ID` in place of a bearer token (`IOTFLOW_LEGACY_USER_HEADER`); insecure, for migration only.
    public var legacyUserHeader: Bool = false
    /// Log level (`LOG_LEVEL`).
    public var logLevel: Logger.Level = .info
    /// bcrypt cost factor (`IOTFLOW_BCRYPT_COST`); 4–31.
    public var bcryptCost: Int = 10
    /// Seconds since last contact for a device to count as online (`IOTFLOW_ONLINE_WINDOW_SECONDS`).
    public var onlineWindowSeconds: Int = 300
    /// Bearer token lifetime in seconds (`IOTFLOW_TOKEN_TTL_SECONDS`).
    public var tokenLifetimeSeconds: Int = 7 * 86_400
    /// Commit durability of the embedded database (`IOTFLOW_SQLITE_SYNC`: full or normal).
    public var sqliteSynchronous: String = "full"
    /// Largest number of points committed in one transaction by the ingest batcher.
    public var ingestMaxBatchPoints: Int = 20_000
    /// Retention of raw values and rollups, and the sweeper's interval (`TELEMETRY_RETENTION_DAYS`, `ROLLUP_RETENTION_DAYS`,
    /// `IOTFLOW_RETENTION_INTERVAL_SECONDS`).
    public var retention = RetentionSettings()
    /// Seconds between offline-rule checks (`IOTFLOW_ALERT_OFFLINE_CHECK_SECONDS`).
    public var alertOfflineCheckSeconds: Int = 10
    /// Points waiting for alert evaluation before it falls behind and reads them back later
    /// (`IOTFLOW_ALERT_QUEUE_POINTS`).
    public var alertQueuePoints: Int = 100_000
    /// PostgreSQL for registry, telemetry and events (`DATABASE_URL`); nil keeps them in SQLite.
    public var databaseURL: DatabaseURL?
    /// Most PostgreSQL connections this instance opens (`IOTFLOW_PG_POOL_SIZE`).
    public var postgresPoolSize: Int = 20
    /// Redis for the cache role (`REDIS_HOST`, `REDIS_PORT`, `REDIS_PASSWORD`, `REDIS_DB`, `IOTFLOW_REDIS_PREFIX`);
    /// nil keeps the cache in process.
    public var redis: RedisSettings?
    /// Cassandra for the telemetry role (`CASSANDRA_HOSTS`, `CASSANDRA_PORT`, `CASSANDRA_KEYSPACE`, `CASSANDRA_USERNAME`,
    /// `CASSANDRA_PASSWORD`, `CASSANDRA_CONSISTENCY`, `CASSANDRA_TLS`, `CASSANDRA_REPLICATION`, `CASSANDRA_BUCKET`); nil keeps
    /// telemetry with the registry.
    public var cassandra: CassandraSettings?
    /// MongoDB for the events role (`MONGODB_URI`, `MONGODB_DATABASE`, `EVENT_RETENTION_DAYS`); nil keeps events with
    /// the registry.
    public var mongo: MongoSettings?
    /// A request that has not finished after this many seconds gets 503 (`IOTFLOW_REQUEST_TIMEOUT_SECONDS`),
    /// so an unreachable store fails requests quickly instead of holding them.
    public var requestTimeoutSeconds: Int = 10
    /// Slow-client timeouts and the connection cap (`IOTFLOW_HEADER_TIMEOUT_SECONDS`, `IOTFLOW_IDLE_TIMEOUT_SECONDS`,
    /// `IOTFLOW_MAX_CONNECTIONS`); a request body must arrive within `requestTimeoutSeconds`.
    public var connectionLimits = ConnectionLimits()
    /// `POST /telemetry` requests per device and minute (`RATE_LIMIT_PER_MINUTE`); 0 disables.
    public var rateLimitPerMinute: Int = 6000
    /// Registration and login attempts per client address and minute (`RATE_LIMIT_AUTH_PER_MINUTE`); 0 disables.
    public var authRateLimitPerMinute: Int = 120
    /// Device registrations per user and minute (`RATE_LIMIT_DEVICE_REGISTRATION_PER_MINUTE`); 0 disables.
    public var deviceRegistrationRateLimitPerMinute: Int = 120
    /// Threads that run bcrypt (`IOTFLOW_BCRYPT_THREADS`); default half the cores, at least one.
    public var bcryptThreads: Int = max(1, System.coreCount / 2)
    /// Percent of one core that bcrypt may use on average (`IOTFLOW_BCRYPT_CPU_PERCENT`); 0 lifts the limit. The
    /// default is an eighth of the machine (25 on two cores, 100 on eight): on two cores, 50 still let a burst of
    /// sign-ins double write p99 in some runs, 25 never did (BENCHMARKS.md).
    public var bcryptCPUPercent: Int = max(25, System.coreCount * 100 / 8)
    /// Most distinct telemetry keys per device (`IOTFLOW_MAX_KEYS_PER_DEVICE`).
    public var maxKeysPerDevice: Int = 1000
    /// Queue size, ping interval and access rechecks of the live streams (`IOTFLOW_STREAM_*`).
    public var liveStreams = LiveStreamSettings()
    /// The MQTT listeners for devices (`MQTT_PORT`, `MQTTS_PORT`, `MQTT_TLS_CERT`, `MQTT_TLS_KEY`). Off in a
    /// configuration made in code (tests build many applications at once); `fromEnvironment`, which `serve` uses,
    /// starts from the standard port 1883.
    public var mqtt = MQTTSettings(port: .off)
    /// Turn undocumented answers into 500s naming the mismatch with the OpenAPI document; for tests.
    public var checkContract: Bool = false

    /// The defaults: embedded stores under ./data on 127.0.0.1:5000.
    public init() {}

    /// Reads the environment; unknown or malformed values are errors, not silently ignored.
    public static func fromEnvironment(_ environment: [String: String]) throws -> AppConfiguration {
        var config = AppConfiguration()
        config.mqtt.port = .standard
        if let host = environment["HOST"], !host.isEmpty { config.host = host }
        if let port = environment["PORT"], !port.isEmpty { config.port = try EnvironmentValue.integer(port, name: "PORT", range: 0...65_535) }
        if let directory = environment["IOTFLOW_DATA_DIR"], !directory.isEmpty { config.dataDirectory = directory }
        if let token = environment["IOTFLOW_ADMIN_TOKEN"], !token.isEmpty { config.adminToken = token }
        if let legacy = environment["IOTFLOW_LEGACY_USER_HEADER"], !legacy.isEmpty {
            config.legacyUserHeader = try EnvironmentValue.boolean(legacy, name: "IOTFLOW_LEGACY_USER_HEADER")
        }
        if let level = environment["LOG_LEVEL"], !level.isEmpty { config.logLevel = try Self.logLevel(level) }
        if let cost = environment["IOTFLOW_BCRYPT_COST"], !cost.isEmpty {
            config.bcryptCost = try EnvironmentValue.integer(cost, name: "IOTFLOW_BCRYPT_COST", range: 4...31)
        }
        if let window = environment["IOTFLOW_ONLINE_WINDOW_SECONDS"], !window.isEmpty {
            config.onlineWindowSeconds = try EnvironmentValue.integer(window, name: "IOTFLOW_ONLINE_WINDOW_SECONDS", range: 1...86_400 * 30)
        }
        if let ttl = environment["IOTFLOW_TOKEN_TTL_SECONDS"], !ttl.isEmpty {
            config.tokenLifetimeSeconds = try EnvironmentValue.integer(ttl, name: "IOTFLOW_TOKEN_TTL_SECONDS", range: 60...86_400 * 365)
        }
        config.retention = try RetentionSettings.parse(environment)
        if let seconds = environment["IOTFLOW_ALERT_OFFLINE_CHECK_SECONDS"], !seconds.isEmpty {
            config.alertOfflineCheckSeconds = try EnvironmentValue.integer(seconds, name: "IOTFLOW_ALERT_OFFLINE_CHECK_SECONDS", range: 1...3600)
        }
        if let points = environment["IOTFLOW_ALERT_QUEUE_POINTS"], !points.isEmpty {
            config.alertQueuePoints = try EnvironmentValue.integer(points, name: "IOTFLOW_ALERT_QUEUE_POINTS", range: 1...10_000_000)
        }
        if let url = environment["DATABASE_URL"], !url.isEmpty { config.databaseURL = try DatabaseURL.parse(url) }
        if let size = environment["IOTFLOW_PG_POOL_SIZE"], !size.isEmpty {
            config.postgresPoolSize = try EnvironmentValue.integer(size, name: "IOTFLOW_PG_POOL_SIZE", range: 1...1000)
        }
        config.redis = try RedisSettings.fromEnvironment(environment)
        config.cassandra = try CassandraSettings.fromEnvironment(environment)
        config.mongo = try MongoSettings.fromEnvironment(environment)
        if let timeout = environment["IOTFLOW_REQUEST_TIMEOUT_SECONDS"], !timeout.isEmpty {
            config.requestTimeoutSeconds = try EnvironmentValue.integer(timeout, name: "IOTFLOW_REQUEST_TIMEOUT_SECONDS", range: 1...3600)
        }
        config.connectionLimits = try ConnectionLimits.fromEnvironment(environment)
        config.liveStreams = try LiveStreamSettings.fromEnvironment(environment)
        config.mqtt = try MQTTSettings.fromEnvironment(environment)
        if let limit = environment["RATE_LIMIT_PER_MINUTE"], !limit.isEmpty {
            config.rateLimitPerMinute = try EnvironmentValue.integer(limit, name: "RATE_LIMIT_PER_MINUTE", range: 0...10_000_000)
        }
        if let limit = environment["RATE_LIMIT_AUTH_PER_MINUTE"], !limit.isEmpty {
            config.authRateLimitPerMinute = try EnvironmentValue.integer(limit, name: "RATE_LIMIT_AUTH_PER_MINUTE", range: 0...10_000_000)
        }
        if let limit = environment["RATE_LIMIT_DEVICE_REGISTRATION_PER_MINUTE"], !limit.isEmpty {
            config.deviceRegistrationRateLimitPerMinute = try EnvironmentValue.integer(
                limit, name: "RATE_LIMIT_DEVICE_REGISTRATION_PER_MINUTE", range: 0...10_000_000)
        }
        if let threads = environment["IOTFLOW_BCRYPT_THREADS"], !threads.isEmpty {
            config.bcryptThreads = try EnvironmentValue.integer(threads, name: "IOTFLOW_BCRYPT_THREADS", range: 1...256)
        }
        if let percent = environment["IOTFLOW_BCRYPT_CPU_PERCENT"], !percent.isEmpty {
            config.bcryptCPUPercent = try EnvironmentValue.integer(percent, name: "IOTFLOW_BCRYPT_CPU_PERCENT", range: 0...25_600)
        }
        if let keys = environment["IOTFLOW_MAX_KEYS_PER_DEVICE"], !keys.isEmpty {
            config.maxKeysPerDevice = try EnvironmentValue.integer(keys, name: "IOTFLOW_MAX_KEYS_PER_DEVICE", range: 1...1_000_000)
        }
        if let sync = environment["IOTFLOW_SQLITE_SYNC"], !sync.isEmpty {
            guard ["full", "normal"].contains(sync.lowercased()) else {
                throw ConfigurationError(message: "IOTFLOW_SQLITE_SYNC must be 'full' or 'normal', not '\(sync)'")
            }
            config.sqliteSynchronous = sync.lowercased()
        }
        return config
    }

    /// Where the stores live, for ``StoreSet/open(configuration:logger:)``.
    public var storeConfiguration: StoreConfiguration {
        var configuration = StoreConfiguration(
            dataDirectory: self.dataDirectory, sqliteDurability: self.sqliteSynchronous == "normal" ? .normal : .full,
            databaseURL: self.databaseURL, postgresPoolSize: self.postgresPoolSize, redis: self.redis,
            cassandra: self.cassandra
        )
        configuration.requestTimeout = .seconds(self.requestTimeoutSeconds)
        configuration.mongo = self.mongo
        return configuration
    }

    /// Parses a log level name (trace, debug, info, notice, warning, error, critical).
    public static func logLevel(_ text: String) throws -> Logger.Level {
        guard let level = Logger.Level(rawValue: text.lowercased()) else {
            throw ConfigurationError(message: "LOG_LEVEL must be one of trace, debug, info, notice, warning, error, critical, not '\(text)'")
        }
        return level
    }
}
