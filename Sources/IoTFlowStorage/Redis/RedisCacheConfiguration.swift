import RedisNIO

/// Settings of the Redis cache role, beyond the connection itself.
public struct RedisCacheConfiguration: Sendable {
    /// How to reach Redis.
    public var redis: RedisConfiguration
    /// Prefix of every key and channel, so several deployments (or test runs) can share one Redis.
    public var keyPrefix: String = "iotflow:"
    /// Devices by key hash (ARCHITECTURE.md: 1 h).
    public var deviceLifetimeMilliseconds: Int64 = 3_600_000
    /// Latest values per device (ARCHITECTURE.md: 10 min).
    public var latestLifetimeMilliseconds: Int64 = 600_000
    /// Sessions by token hash; never beyond the token's own expiry.
    public var sessionLifetimeMilliseconds: Int64 = 300_000
    /// Entries in the in-process first level; invalidations reach it by pub/sub, this only bounds staleness
    /// should a message be lost.
    public var localLifetimeMilliseconds: Int64 = 60_000
    /// How long an invalidation blocks caching of values read before it.
    public var tombstoneMilliseconds: Int64 = 10_000
    /// Allowance for clock differences between instances when comparing a read's start with a tombstone.
    public var clockSkewMarginMilliseconds: Int64 = 1_000
    /// Devices older than this leave the online set.
    public var onlineRetentionMilliseconds: Int64 = 86_400_000
    /// How often each instance publishes a heartbeat to itself on the invalidation channel. The channel
    /// counts as heard only while the instance's own heartbeats arrive, so a connection that is silently
    /// dead (no reset ever arrives) cannot leave stale in-process entries in use.
    public var heartbeatInterval: Duration = .seconds(1)
    /// Heartbeats missed before the channel counts as unheard.
    public var heartbeatsMissedAllowed: Int = 3
    /// After a command times out, Redis is skipped for this long so requests do not each wait for it.
    public var backoffAfterTimeout: Duration = .seconds(1)

    /// Creates the settings with the defaults above.
    public init(redis: RedisConfiguration) {
        self.redis = redis
    }
}
