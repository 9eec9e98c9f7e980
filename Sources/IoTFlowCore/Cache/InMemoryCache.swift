import Synchronization

/// The embedded cache: bounded, expiring maps in this process.
public final class InMemoryCache: Cache {
    private struct State {
        var devices: ExpiringMap<String, AuthenticatedDevice>
        var latest: ExpiringMap<Int64, [LatestValue]>
        var counters: [String: (windowStart: Int64, count: Int)] = [:]
        var hits = 0
        var misses = 0
    }

    private let state: Mutex<State>
    private let clock: any WallClock

    /// Creates a cache; lifetimes follow ARCHITECTURE.md (devices 1 h, latest values 10 min).
    public init(
        clock: any WallClock = SystemWallClock(), deviceCapacity: Int = 100_000, latestCapacity: Int = 100_000,
        deviceLifetimeMilliseconds: Int64 = 3_600_000, latestLifetimeMilliseconds: Int64 = 600_000
    ) {
        self.clock = clock
        self.state = Mutex(
            State(
                devices: ExpiringMap(capacity: deviceCapacity, lifetimeMilliseconds: deviceLifetimeMilliseconds),
                latest: ExpiringMap(capacity: latestCapacity, lifetimeMilliseconds: latestLifetimeMilliseconds)
            )
        )
    }

    public func device(keyHash: String) async -> AuthenticatedDevice? {
        let now = self.clock.nowMilliseconds()
        return self.state.withLock { state in
            let found = state.devices.value(for: keyHash, now: now)
            if found == nil { state.misses += 1 } else { state.hits += 1 }
            return found
        }
    }

    public func storeDevice(_ device: AuthenticatedDevice, keyHash: String) async {
        let now = self.clock.nowMilliseconds()
        self.state.withLock { $0.devices.set(device, for: keyHash, now: now) }
    }

    public func invalidateDevice(id: Int64) async {
        self.state.withLock { $0.devices.removeAll { $0.device.id == id } }
    }

    public func invalidateDevices(ownerID: Int64) async {
        self.state.withLock { $0.devices.removeAll { $0.device.ownerID == ownerID } }
    }

    public func latest(deviceID: Int64) async -> [LatestValue]? {
        let now = self.clock.nowMilliseconds()
        return self.state.withLock { state in
            let found = state.latest.value(for: deviceID, now: now)
            if found == nil { state.misses += 1 } else { state.hits += 1 }
            return found
        }
    }

    public func storeLatest(_ values: [LatestValue], deviceID: Int64) async {
        let now = self.clock.nowMilliseconds()
        self.state.withLock { $0.latest.set(values, for: deviceID, now: now) }
    }

    public func mergeLatest(_ values: [LatestValue], deviceID: Int64) async {
        let now = self.clock.nowMilliseconds()
        self.state.withLock { state in
            state.latest.update(deviceID, now: now) { cached in
                cached = LatestValue.merging(cached, values)
            }
        }
    }

    public func invalidateLatest(deviceID: Int64) async {
        self.state.withLock { $0.latest.remove(deviceID) }
    }

    public func increment(_ key: String, windowSeconds: Int) async -> RateWindow {
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
            entry.count += 1
            state.counters[key] = entry
            let remaining = windowStart + window - now
            return RateWindow(count: entry.count, secondsUntilReset: max(1, Int((remaining + 999) / 1000)))
        }
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
