/// Hot lookups kept close to the request path. Implementations: in-process, Redis.
///
/// Every method is best effort: a miss or failure only costs a trip to the primary store.
public protocol Cache: Sendable {
    /// The device whose key hashes to `keyHash`, if cached.
    func device(keyHash: String) async -> AuthenticatedDevice?
    /// Caches a device under its key hash. `readStartedAt` (epoch ms) is when the registry read that found
    /// it began: a device invalidated after that moment is not stored, so a read racing a key rotation or
    /// deletion cannot put the old key back.
    func storeDevice(_ device: AuthenticatedDevice, keyHash: String, readStartedAt: Int64) async
    /// Forgets the cached device with this id.
    func invalidateDevice(id: Int64) async
    /// Forgets every cached device of this owner.
    func invalidateDevices(ownerID: Int64) async

    /// The cached session behind a bearer token's hash, if cached and not expired.
    func session(tokenHash: String) async -> TokenSession?
    /// Caches a session (never longer than the token lives); `readStartedAt` as for ``storeDevice(_:keyHash:readStartedAt:)``.
    func storeSession(_ session: TokenSession, tokenHash: String, readStartedAt: Int64) async
    /// Forgets one token (logout).
    func invalidateToken(hash: String) async
    /// Forgets every cached session of a user (changed, deactivated or deleted).
    func invalidateUser(id: Int64) async

    /// The cached latest values of a device.
    func latest(deviceID: Int64) async -> [LatestValue]?
    /// Caches the full set of latest values of a device, read from the store from `readStartedAt` on;
    /// values written since then are not overwritten by this older snapshot.
    func storeLatest(_ values: [LatestValue], deviceID: Int64, readStartedAt: Int64) async
    /// Merges newly written values into a cached set (newer timestamps win); no-op when not cached.
    func mergeLatest(_ values: [LatestValue], deviceID: Int64) async
    /// Forgets the cached latest values of a device.
    func invalidateLatest(deviceID: Int64) async

    /// Records when devices were last seen (device id → epoch ms), for the online set.
    func markOnline(_ lastSeen: [Int64: Int64]) async
    /// How many devices were seen since `since` (epoch ms), or nil when the cache cannot tell for that whole
    /// window (then the registry answers).
    func onlineDevices(since: Int64) async -> Int?
    /// Drops deleted devices from the online set.
    func forgetOnline(deviceIDs: [Int64]) async

    /// Counts `amount` hits (at least 1) on a fixed-window counter (e.g. a rate limit); returns the count in the
    /// current window and the seconds until it ends. Atomic across instances sharing the cache.
    func increment(_ key: String, by amount: Int, windowSeconds: Int) async -> RateWindow

    /// Tells every instance sharing the cache that alert rules or the devices they apply to changed.
    func alertRulesChanged() async
    /// A number that moves whenever ``alertRulesChanged()`` runs on any instance (or changes may have been
    /// missed); nil while this instance cannot know, and then rules are read from the registry every time.
    func alertRulesVersion() async -> Int64?

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
    /// Commands a shared cache failed (down, slow or refusing); 0 in process.
    public var errors: Int

    /// Creates the value.
    public init(hits: Int, misses: Int, errors: Int = 0) {
        self.hits = hits
        self.misses = misses
        self.errors = errors
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

extension Cache {
    /// Counts one hit on a fixed-window counter.
    public func increment(_ key: String, windowSeconds: Int) async -> RateWindow {
        await self.increment(key, by: 1, windowSeconds: windowSeconds)
    }
}
