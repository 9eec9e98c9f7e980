/// Fixed one-minute windows counted in the ``Cache``, so every instance sharing a cache shares the limits.
public struct RateLimiter: Sendable {
    let cache: any Cache

    /// Creates a limiter over a cache.
    public init(cache: any Cache) {
        self.cache = cache
    }

    /// Counts one request for `key`; throws 429 with the seconds to wait when more than `perMinute` arrived
    /// in the current minute. A limit of 0 or less disables the check.
    public func check(_ key: String, perMinute limit: Int) async throws(IoTFlowError) {
        guard limit > 0 else { return }
        let window = await self.cache.increment("rate:" + key, windowSeconds: 60)
        guard window.count <= limit else {
            throw Self.exceeded(limit: limit, retryAfterSeconds: window.secondsUntilReset)
        }
    }

    /// The 429 of a request over `limit`.
    public static func exceeded(limit: Int, retryAfterSeconds: Int) -> IoTFlowError {
        IoTFlowError(
            .tooManyRequests(retryAfterSeconds: retryAfterSeconds), "Too many requests",
            "Rate limit of \(limit) requests per minute exceeded; retry in \(retryAfterSeconds) s."
        )
    }

    /// Counts `count` messages for `key` at once and returns how many of them, from the first on, fit in the current
    /// minute's limit (all of them when the limit is 0 or less), and the seconds until the window ends.
    public func admit(_ key: String, count: Int, perMinute limit: Int) async -> (admitted: Int, retryAfterSeconds: Int) {
        guard limit > 0, count > 0 else { return (max(0, count), 0) }
        let window = await self.cache.increment("rate:" + key, by: count, windowSeconds: 60)
        let over = window.count - limit
        return (over > 0 ? max(0, count - over) : count, window.secondsUntilReset)
    }
}

/// Per-minute limits; 0 disables one.
public struct RateLimits: Sendable {
    /// `POST /telemetry` per device.
    public var telemetryPerDevice: Int
    /// `POST /auth/register` and `/auth/login` per client address.
    public var authPerClient: Int
    /// `POST /devices/register` per user.
    public var deviceRegistrationsPerUser: Int

    /// Creates limits.
    public init(telemetryPerDevice: Int = 6000, authPerClient: Int = 120, deviceRegistrationsPerUser: Int = 120) {
        self.telemetryPerDevice = telemetryPerDevice
        self.authPerClient = authPerClient
        self.deviceRegistrationsPerUser = deviceRegistrationsPerUser
    }
}
