import IoTFlowStorage
import Logging
import RedisNIO

/// Builds the Redis cache from the server's settings.
enum RedisCacheRole {
    static func make(settings: RedisSettings, logger: Logger) -> RedisCache {
        var redis = RedisConfiguration(host: settings.host, port: settings.port)
        redis.password = settings.password
        redis.database = settings.database
        var configuration = RedisCacheConfiguration(redis: redis)
        configuration.keyPrefix = settings.keyPrefix
        return RedisCache(configuration: configuration, logger: logger)
    }
}
