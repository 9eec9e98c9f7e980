import IoTFlowCore
import Logging
import RedisNIO

extension RedisCache {
    /// A Redis cache for the server's settings (`REDIS_*`).
    convenience init(settings: RedisSettings, clock: any WallClock, logger: Logger) {
        var redis = RedisConfiguration(host: settings.host, port: settings.port)
        redis.password = settings.password
        redis.database = settings.database
        var configuration = RedisCacheConfiguration(redis: redis)
        configuration.keyPrefix = settings.keyPrefix
        self.init(configuration: configuration, clock: clock, logger: logger)
    }
}
