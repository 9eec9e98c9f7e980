/// Hot lookups kept close to the request path. Implementations: in-process, Redis.
///
/// Every method is best effort: a miss or failure only costs a trip to the primary store.
public protocol Cache: Sendable {
    /// The device whose key hashes to `keyHash`, if cached.
    func device(keyHash: String) async -> AuthenticatedDevice?
    /// Caches a device under its key hash.
    func storeDevice(_ device: AuthenticatedDevice, keyHash: String) async
    /// Forgets the cached device with this id.
    func invalidateDevice(id: Int64) async
    /// Forgets every cached device of this owner.
    func invalidateDevices(ownerID: Int64) async

    /// The cached latest values of a device.
    func latest(deviceID: Int64) async -> [LatestValue]?
    /// Caches the full set of latest values of a device.
    func storeLatest(_ values: [LatestValue], deviceID: Int64) async
    /// Merges newly written values into a cached set (newer timestamps win); no-op when not cached.
    func mergeLatest(_ values: [LatestValue], deviceID: Int64) async
    /// Forgets the cached latest values of a device.
    func invalidateLatest(deviceID: Int64) async

    /// Counts one hit on a fixed-window counter (e.g. a rate limit); returns the count in the current
    /// window and the seconds until it ends. Atomic across instances sharing the cache.
    func increment(_ key: String, windowSeconds: Int) async -> RateWindow

    /// Hit and miss counters.
    func statistics() async -> CacheStatistics
    /// Checks the cache answers; returns round-trip latency in ms.
    func ping() async throws -> Double
}

/// Cache counters.
public struct CacheStatistics: Sendable, Equatable {
    /// Lookups answered from the cache.
    public var hits: Int
    /// Lookups that went to the primary store.
    public var misses: Int

    /// Creates the value.
    public init(hits: Int, misses: Int) {
        self.hits = hits
        self.misses = misses
    }

    /// hits / (hits + misses), 0 when both are 0.
    public var hitRate: Double {
        self.hits + self.misses == 0 ? 0 : Double(self.hits) / Double(self.hits + self.misses)
    }
}

/// The state of a fixed-window counter after one increment.
public struct RateWindow: Sendable, Equatable {
    /// Hits in the current window, this one included.
    public var count: Int
    /// Seconds until the window ends (at least 1).
    public var secondsUntilReset: Int

    /// Creates the value.
    public init(count: Int, secondsUntilReset: Int) {
        self.count = count
        self.secondsUntilReset = secondsUntilReset
    }
}
