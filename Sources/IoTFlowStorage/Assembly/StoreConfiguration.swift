import IoTFlowCore

/// Which backends hold the four roles and how to reach them; the server builds it from its environment.
public struct StoreConfiguration: Sendable {
    /// Folder of the embedded database (`IOTFLOW_DATA_DIR`).
    public var dataDirectory: String
    /// Commit durability of the embedded database (`IOTFLOW_SQLITE_SYNC`).
    public var sqliteDurability: SQLiteDatabaseFile.Durability
    /// PostgreSQL for registry, telemetry and events (`DATABASE_URL`); nil keeps them in SQLite.
    public var databaseURL: DatabaseURL?
    /// Most PostgreSQL connections this instance opens (`IOTFLOW_PG_POOL_SIZE`).
    public var postgresPoolSize: Int
    /// Redis for the cache role; nil keeps the cache in process.
    public var redis: RedisSettings?
    /// Cassandra for the telemetry role (`CASSANDRA_HOSTS`); nil keeps telemetry with the registry.
    public var cassandra: CassandraSettings?
    /// MongoDB for the events role (`MONGODB_URI`); nil keeps events with the registry.
    public var mongo: MongoSettings?
    /// How long a store request may take before it fails as unavailable, where the backend's client has such a
    /// limit (Cassandra, MongoDB): the request deadline of the server, so a store never works on for a caller that is gone.
    public var requestTimeout: Duration = .seconds(10)
    /// The wall clock stores use to date what they maintain themselves (counters of recent points).
    public var clock: any WallClock

    /// Creates the configuration; every role embedded under `dataDirectory` unless set otherwise.
    public init(
        dataDirectory: String, sqliteDurability: SQLiteDatabaseFile.Durability = .full, databaseURL: DatabaseURL? = nil,
        postgresPoolSize: Int = 20, redis: RedisSettings? = nil, cassandra: CassandraSettings? = nil, clock: any WallClock = SystemWallClock()
    ) {
        self.cassandra = cassandra
        self.dataDirectory = dataDirectory
        self.sqliteDurability = sqliteDurability
        self.databaseURL = databaseURL
        self.postgresPoolSize = postgresPoolSize
        self.redis = redis
        self.clock = clock
    }
}
