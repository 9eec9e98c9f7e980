/// The logger metadata keys of this module, in one place so they stay consistent.
enum RedisLoggingKey {
    static let connectionID = "redis.connection.id"
    static let address = "redis.address"
    static let error = "redis.error"
    static let role = "redis.connection.role"
    static let delay = "redis.reconnect.delay"
}
