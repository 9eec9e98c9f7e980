import Synchronization

/// The embedded cache: bounded, expiring maps in this process.
///
/// Also serves as the in-process first level (L1) in front of a shared cache such as Redis.
public final class InMemoryCache: Cache {
    private struct State {
        var devices: ExpiringMap<String, AuthenticatedDevice>
        var sessions: ExpiringMap<String, TokenSession>
        var latest: ExpiringMap<Int64, [LatestValue]>
        var counters: [String: (windowStart: Int64, count: Int)] = [:]
        var invalidatedDevices = InvalidationLog<Int64>()
        var invalidatedOwners = InvalidationLog<Int64>()
        var invalidatedTokens = InvalidationLog<String>()
        var invalidatedUsers = InvalidationLog<Int64>()
        var changedLatest = InvalidationLog<Int64>()
        var hits = 0
        var misses = 0
        /// Moves on every alert-rule change and whenever entries may have missed invalidations.
        var rulesVersion: Int64 = 0

        mutating func count(hit: Bool) {
            if hit { self.hits += 1 } else { self.misses += 1 }
        }
    }

    private let state: Mutex<State>
    private let clock: any WallClock
    /// False where other instances share the registry and cannot be heard: rule caches then read the registry.
    private let cachesAlertRules: Bool

    /// Creates a cache; lifetimes follow ARCHITECTURE.md (devices 1 h, latest values 10 min); sessions
    /// are kept 5 min at most and never past their token's expiry. A lifetime of 0 disables that kind.
    public init(
        clock: any WallClock = SystemWallClock(), deviceCapacity: Int = 100_000, latestCapacity: Int = 100_000,
        deviceLifetimeMilliseconds: Int64 = 3_600_000, latestLifetimeMilliseconds: Int64 = 600_000,
        sessionLifetimeMilliseconds: Int64 = 300_000, cachesAlertRules: Bool = true
    ) {
        self.clock = clock
        self.cachesAlertRules = cachesAlertRules
        self.state = Mutex(
            State(
                devices: ExpiringMap(capacity: deviceCapacity, lifetimeMilliseconds: deviceLifetimeMilliseconds),
                sessions: ExpiringMap(capacity: deviceCapacity, lifetimeMilliseconds: sessionLifetimeMilliseconds),
                latest: ExpiringMap(capacity: latestCapacity, lifetimeMilliseconds: latestLifetimeMilliseconds)
            )
        )
    }

    public func device(keyHash: String) async -> AuthenticatedDevice? {
        let now = self.clock.nowMilliseconds()
        return self.state.withLock { state in
            let found = state.devices.value(for: keyHash, now: now)
            state.count(hit: found != nil)
            return found
        }
    }

    public func storeDevice(_ device: AuthenticatedDevice, keyHash: String, readStartedAt: Int64) async {
        let now = self.clock.nowMilliseconds()
        self.state.withLock { state in
            guard state.devices.lifetimeMilliseconds > 0,
                state.invalidatedDevices.allows(device.device.id, readStartedAt: readStartedAt),
                state.invalidatedOwners.allows(device.device.ownerID, readStartedAt: readStartedAt)
            else { return }
            state.devices.set(device, for: keyHash, now: now)
        }
    }

    public func invalidateDevice(id: Int64) async {
        let now = self.clock.nowMilliseconds()
        self.state.withLock { state in
            state.invalidatedDevices.record(id, now: now)
            state.devices.removeAll { $0.device.id == id }
        }
    }

    public func invalidateDevices(ownerID: Int64) async {
        let now = self.clock.nowMilliseconds()
        self.state.withLock { state in
            state.invalidatedOwners.record(ownerID, now: now)
            state.devices.removeAll { $0.device.ownerID == ownerID }
        }
    }

    public func session(tokenHash: String) async -> TokenSession? {
        let now = self.clock.nowMilliseconds()
        return self.state.withLock { state in
            var found = state.sessions.value(for: tokenHash, now: now)
            if let session = found, session.expiresAt <= now {
                state.sessions.remove(tokenHash)
                found = nil
            }
            state.count(hit: found != nil)
            return found
        }
    }

    public func storeSession(_ session: TokenSession, tokenHash: String, readStartedAt: Int64) async {
        let now = self.clock.nowMilliseconds()
        self.state.withLock { state in
            guard state.sessions.lifetimeMilliseconds > 0, session.expiresAt > now,
                state.invalidatedTokens.allows(tokenHash, readStartedAt: readStartedAt),
                state.invalidatedUsers.allows(session.user.id, readStartedAt: readStartedAt)
            else { return }
            state.sessions.set(session.withoutSecrets, for: tokenHash, now: now)
        }
    }

    public func invalidateToken(hash: String) async {
        let now = self.clock.nowMilliseconds()
        self.state.withLock { state in
            state.invalidatedTokens.record(hash, now: now)
            state.sessions.remove(hash)
        }
    }

    public func invalidateUser(id: Int64) async {
        let now = self.clock.nowMilliseconds()
        self.state.withLock { state in
            state.invalidatedUsers.record(id, now: now)
            state.sessions.removeAll { $0.user.id == id }
        }
    }

    public func latest(deviceID: Int64) async -> [LatestValue]? {
        let now = self.clock.nowMilliseconds()
        return self.state.withLock { state in
            let found = state.latest.value(for: deviceID, now: now)
            state.count(hit: found != nil)
            return found
        }
    }

    public func storeLatest(_ values: [LatestValue], deviceID: Int64, readStartedAt: Int64) async {
        let now = self.clock.nowMilliseconds()
        self.state.withLock { state in
            guard state.latest.lifetimeMilliseconds > 0, state.changedLatest.allows(deviceID, readStartedAt: readStartedAt) else { return }
            state.latest.set(values, for: deviceID, now: now)
        }
    }

    public func mergeLatest(_ values: [LatestValue], deviceID: Int64) async {
        let now = self.clock.nowMilliseconds()
        self.state.withLock { state in
            // Not cached: a read in flight may be about to store an older snapshot; the log stops it.
            state.changedLatest.record(deviceID, now: now)
            state.latest.update(deviceID, now: now) { cached in
                cached = LatestValue.merging(cached, values)
            }
        }
    }

    public func invalidateLatest(deviceID: Int64) async {
        let now = self.clock.nowMilliseconds()
        self.state.withLock { state in
            state.changedLatest.record(deviceID, now: now)
            state.latest.remove(deviceID)
        }
    }

    /// In process, the registry's `last_seen` is as close as the cache would be: no separate online set.
    public func markOnline(_ lastSeen: [Int64: Int64]) async {}

    public func onlineDevices(since: Int64) async -> Int? { nil }

    public func forgetOnline(deviceIDs: [Int64]) async {}

    public func increment(_ key: String, by amount: Int, windowSeconds: Int) async -> RateWindow {
        let now = self.clock.nowMilliseconds()
        let window = Int64(windowSeconds) * 1000
        let windowStart = now - ISO8601.floorDivide(now, window).1
        return self.state.withLock { state in
            // Counters of past windows are useless; sweep them when the map grows.
            if state.counters.count > 100_000 {
                state.counters = state.counters.filter { $0.value.windowStart == windowStart }
            }
            var entry = state.counters[key] ?? (windowStart, 0)
            if entry.windowStart != windowStart { entry = (windowStart, 0) }
            entry.count += max(1, amount)
            state.counters[key] = entry
            let remaining = windowStart + window - now
            return RateWindow(count: entry.count, secondsUntilReset: max(1, Int((remaining + 999) / 1000)))
        }
    }

    /// Forgets every cached device, session and latest value (counters stay); used when invalidations
    /// from other instances may have been missed.
    public func removeAll() {
        self.state.withLock { state in
            state.devices.removeAll { _ in true }
            state.sessions.removeAll { _ in true }
            state.latest.removeAll { _ in true }
            state.rulesVersion += 1
        }
    }

    public func alertRulesChanged() async {
        self.state.withLock { $0.rulesVersion += 1 }
    }

    public func alertRulesVersion() async -> Int64? {
        guard self.cachesAlertRules else { return nil }
        return self.state.withLock { $0.rulesVersion }
    }

    public func statistics() async -> CacheStatistics {
        self.state.withLock { CacheStatistics(hits: $0.hits, misses: $0.misses) }
    }

    public func ping() async throws -> Double { 0 }
}

extension LatestValue {
    /// Combines two sets of latest values; per key the greater timestamp wins, the later set on ties.
    public static func merging(_ base: [LatestValue], _ newer: [LatestValue]) -> [LatestValue] {
        var byKey: [String: LatestValue] = [:]
        for value in base { byKey[value.key] = value }
        for value in newer where (byKey[value.key]?.timestamp ?? Int64.min) <= value.timestamp {
            byKey[value.key] = value
        }
        return byKey.values.sorted { $0.key < $1.key }
    }
}
