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
    /// The wall clock stores use to date what they maintain themselves (counters of recent points).
    public var clock: any WallClock

    /// Creates the configuration; every role embedded under `dataDirectory` unless set otherwise.
    public init(
        dataDirectory: String, sqliteDurability: SQLiteDatabaseFile.Durability = .full, databaseURL: DatabaseURL? = nil,
        postgresPoolSize: Int = 20, redis: RedisSettings? = nil, clock: any WallClock = SystemWallClock()
    ) {
        self.dataDirectory = dataDirectory
        self.sqliteDurability = sqliteDurability
        self.databaseURL = databaseURL
        self.postgresPoolSize = postgresPoolSize
        self.redis = redis
        self.clock = clock
    }
}
