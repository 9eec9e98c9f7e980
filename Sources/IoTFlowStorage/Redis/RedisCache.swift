import IoTFlowCore
import Logging
import NIOCore
import NIOPosix
import RedisNIO
import ServiceLifecycle
import Synchronization

/// The cache role in Redis, shared by every instance, with an in-process first level (L1) for device
/// and session lookups kept coherent by pub/sub invalidations.
///
/// Every method degrades to a miss (or, for rate limits, this instance's own counter) when Redis is down:
/// requests then go to the primary stores, slower but correct.
public final class RedisCache: Cache, Service {
    struct State {
        var generation: Int64 = 0
        /// L1 is used only while this instance hears invalidations; while unsubscribed it could go stale.
        var subscribed = false
        /// An invalidation or write could not reach Redis, so Redis may hold stale entries: move to a new
        /// generation as soon as Redis answers again.
        var missedWrite = false
        var movingGeneration = false
        /// The online set missed some updates: restart its gap-free period on the next success.
        var onlineGap = false
        var skipUntil: ContinuousClock.Instant?
        /// When this instance last heard its own heartbeat on the invalidation channel.
        var lastHeartbeat: ContinuousClock.Instant?
        /// Heartbeats stopped arriving: invalidations may have been missed too.
        var heartbeatLapsed = false
        var hits = 0
        var misses = 0
        var errors = 0
    }

    /// The client, which this cache runs: other users of the same Redis (the live relay) share its connections.
    public let client: RedisClient
    let configuration: RedisCacheConfiguration
    let keys: RedisCacheKeys
    let local: InMemoryCache
    /// Rate-limit counts while Redis cannot count.
    let fallback = FallbackRateCounters()
    let clock: any WallClock
    let logger: Logger
    let state = Mutex(State())
    /// This instance's heartbeat message, unique per process.
    let heartbeat = "h:\(UInt64.random(in: 0...UInt64.max))"

    /// Creates the cache; `run()` (as a service) connects and listens for invalidations.
    public init(
        configuration: RedisCacheConfiguration, clock: any WallClock = SystemWallClock(),
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton, logger: Logger
    ) {
        self.configuration = configuration
        self.client = RedisClient(configuration: configuration.redis, eventLoopGroup: eventLoopGroup, logger: logger)
        self.keys = RedisCacheKeys(prefix: configuration.keyPrefix)
        self.local = InMemoryCache(
            clock: clock, deviceLifetimeMilliseconds: configuration.localLifetimeMilliseconds,
            latestLifetimeMilliseconds: configuration.localLifetimeMilliseconds,
            sessionLifetimeMilliseconds: configuration.localLifetimeMilliseconds
        )
        self.clock = clock
        self.logger = logger
    }

    /// Keeps the connections up and applies invalidations until shutdown.
    public func run() async throws {
        await withDiscardingTaskGroup { group in
            group.addTask {
                do {
                    try await self.client.run()
                } catch {
                    self.logger.error("redis client stopped", metadata: ["error": "\(error)"])
                }
            }
            group.addTask {
                await cancelWhenGracefulShutdown { await self.listen() }
            }
            group.addTask {
                await cancelWhenGracefulShutdown { await self.beat() }
            }
        }
    }

    // MARK: Devices

    public func device(keyHash: String) async -> AuthenticatedDevice? {
        if self.usesLocal, let found = await self.local.device(keyHash: keyHash) {
            self.count(hit: true)
            return found
        }
        let readStartedAt = self.clock.nowMilliseconds()
        guard let generation = self.readableGeneration else {
            self.count(hit: false)
            return nil
        }
        let reply = await self.attempt { try await self.client.send(RedisCommand("GET", [self.keys.device(keyHash, generation: generation)])) }
        guard let text = reply?.string, let device = RedisCacheCodec.decodeDevice(text) else {
            self.count(hit: false)
            return nil
        }
        self.count(hit: true)
        if self.usesLocal { await self.local.storeDevice(device, keyHash: keyHash, readStartedAt: readStartedAt) }
        return device
    }

    public func storeDevice(_ device: AuthenticatedDevice, keyHash: String, readStartedAt: Int64) async {
        if self.usesLocal { await self.local.storeDevice(device, keyHash: keyHash, readStartedAt: readStartedAt) }
        let generation = self.generation
        let id = device.device.id
        let owner = device.device.ownerID
        _ = await self.attempt {
            try await self.client.evaluate(
                RedisCacheScripts.store,
                keys: [
                    self.keys.device(keyHash, generation: generation), self.keys.deviceKeys(id, generation: generation),
                    self.keys.ownerDevices(owner, generation: generation), self.keys.tombstone("device", "\(id)"),
                    self.keys.tombstone("owner", "\(owner)"),
                ],
                arguments: [
                    RedisCacheCodec.encode(device), keyHash, "\(id)", "\(self.configuration.deviceLifetimeMilliseconds)", "\(readStartedAt)",
                    "\(self.configuration.clockSkewMarginMilliseconds)",
                ]
            )
        }
    }

    public func invalidateDevice(id: Int64) async {
        await self.local.invalidateDevice(id: id)
        let generation = self.generation
        await self.invalidate(
            RedisCacheScripts.invalidateIndexed,
            keys: [self.keys.deviceKeys(id, generation: generation), self.keys.tombstone("device", "\(id)")],
            arguments: [self.keys.device("", generation: generation)], message: .device(id)
        )
    }

    public func invalidateDevices(ownerID: Int64) async {
        await self.local.invalidateDevices(ownerID: ownerID)
        let generation = self.generation
        await self.invalidate(
            RedisCacheScripts.invalidateOwner,
            keys: [self.keys.ownerDevices(ownerID, generation: generation), self.keys.tombstone("owner", "\(ownerID)")],
            arguments: [self.keys.deviceKeys("", generation: generation), self.keys.device("", generation: generation)],
            message: .owner(ownerID)
        )
    }

    // MARK: Sessions

    public func session(tokenHash: String) async -> TokenSession? {
        if self.usesLocal, let found = await self.local.session(tokenHash: tokenHash) {
            self.count(hit: true)
            return found
        }
        let readStartedAt = self.clock.nowMilliseconds()
        guard let generation = self.readableGeneration else {
            self.count(hit: false)
            return nil
        }
        let reply = await self.attempt {
            try await self.client.send(RedisCommand("GET", [self.keys.session(tokenHash, generation: generation)]))
        }
        guard let text = reply?.string, let session = RedisCacheCodec.decodeSession(text), session.expiresAt > readStartedAt else {
            self.count(hit: false)
            return nil
        }
        self.count(hit: true)
        if self.usesLocal { await self.local.storeSession(session, tokenHash: tokenHash, readStartedAt: readStartedAt) }
        return session
    }

    public func storeSession(_ session: TokenSession, tokenHash: String, readStartedAt: Int64) async {
        let lifetime = min(self.configuration.sessionLifetimeMilliseconds, session.expiresAt - self.clock.nowMilliseconds())
        guard lifetime > 0 else { return }
        if self.usesLocal { await self.local.storeSession(session, tokenHash: tokenHash, readStartedAt: readStartedAt) }
        let generation = self.generation
        let userID = session.user.id
        let index = self.keys.userSessions(userID, generation: generation)
        _ = await self.attempt {
            try await self.client.evaluate(
                RedisCacheScripts.store,
                keys: [
                    self.keys.session(tokenHash, generation: generation), index, index, self.keys.tombstone("token", tokenHash),
                    self.keys.tombstone("user", "\(userID)"),
                ],
                arguments: [
                    RedisCacheCodec.encode(session), tokenHash, tokenHash, "\(lifetime)", "\(readStartedAt)",
                    "\(self.configuration.clockSkewMarginMilliseconds)",
                ]
            )
        }
    }

    public func invalidateToken(hash: String) async {
        await self.local.invalidateToken(hash: hash)
        let generation = self.generation
        await self.invalidate(
            RedisCacheScripts.invalidateKey,
            keys: [self.keys.session(hash, generation: generation), self.keys.tombstone("token", hash)], arguments: [], message: .token(hash)
        )
    }

    public func invalidateUser(id: Int64) async {
        await self.local.invalidateUser(id: id)
        let generation = self.generation
        await self.invalidate(
            RedisCacheScripts.invalidateIndexed,
            keys: [self.keys.userSessions(id, generation: generation), self.keys.tombstone("user", "\(id)")],
            arguments: [self.keys.session("", generation: generation)], message: .user(id)
        )
    }

    // MARK: Latest values

    public func latest(deviceID: Int64) async -> [LatestValue]? {
        if self.usesLocal, let found = await self.local.latest(deviceID: deviceID) {
            self.count(hit: true)
            return found
        }
        let readStartedAt = self.clock.nowMilliseconds()
        guard let generation = self.readableGeneration else {
            self.count(hit: false)
            return nil
        }
        let reply = await self.attempt {
            try await self.client.send(RedisCommand("HGETALL", [self.keys.latest(deviceID, generation: generation)]))
        }
        guard let pairs = reply.flatMap(Self.fieldValuePairs), pairs.contains(where: { $0.field == RedisCacheScripts.completeField }) else {
            self.count(hit: false)
            return nil
        }
        var values: [LatestValue] = []
        for pair in pairs where pair.field != RedisCacheScripts.completeField {
            guard let value = RedisCacheCodec.decodeLatest(field: pair.field, value: pair.value) else {
                self.count(hit: false)
                return nil
            }
            values.append(value)
        }
        self.count(hit: true)
        values.sort { $0.key < $1.key }
        if self.usesLocal { await self.local.storeLatest(values, deviceID: deviceID, readStartedAt: readStartedAt) }
        return values
    }

    public func storeLatest(_ values: [LatestValue], deviceID: Int64, readStartedAt: Int64) async {
        guard !values.isEmpty else { return }
        if self.usesLocal { await self.local.storeLatest(values, deviceID: deviceID, readStartedAt: readStartedAt) }
        _ = await self.writeLatest(values, deviceID: deviceID, complete: true, readStartedAt: readStartedAt)
    }

    /// Merges a write's values into Redis, which tells the other instances to drop their copy, and then into this
    /// instance's copy. In that order: a read here that fetched Redis's older snapshot meanwhile either stored it
    /// before the local merge (which then updates it) or is refused for having started before the change.
    public func mergeLatest(_ values: [LatestValue], deviceID: Int64) async {
        guard !values.isEmpty else { return }
        if await self.writeLatest(values, deviceID: deviceID, complete: false, readStartedAt: 0) == nil {
            // A cached snapshot in Redis now lacks this write; it must not be served once Redis answers again.
            self.state.withLock { $0.missedWrite = true }
        }
        await self.local.mergeLatest(values, deviceID: deviceID)
    }

    public func invalidateLatest(deviceID: Int64) async {
        await self.local.invalidateLatest(deviceID: deviceID)
        let generation = self.generation
        await self.invalidate(
            RedisCacheScripts.invalidateKey,
            keys: [self.keys.latest(deviceID, generation: generation), self.keys.tombstone("latest", "\(deviceID)")], arguments: [],
            message: .latest(deviceID, origin: nil)
        )
    }

    private func writeLatest(_ values: [LatestValue], deviceID: Int64, complete: Bool, readStartedAt: Int64) async -> RESPValue? {
        let generation = self.generation
        // A merge (a write) tells the other instances to drop their first-level copy; this instance merged its own.
        let notice = complete ? "" : RedisInvalidation.latest(deviceID, origin: self.heartbeat).message
        var arguments = [
            "\(self.configuration.latestLifetimeMilliseconds)", complete ? "1" : "0", "\(readStartedAt)",
            "\(self.configuration.clockSkewMarginMilliseconds)", complete ? "" : self.keys.invalidationChannel, notice,
        ]
        for value in values {
            let encoded = RedisCacheCodec.encode(value)
            let bar = encoded.value.firstIndex(of: "|")!
            arguments += [encoded.field, String(encoded.value[..<bar]), String(encoded.value[encoded.value.index(after: bar)...])]
        }
        return await self.attempt {
            try await self.client.evaluate(
                RedisCacheScripts.mergeLatest,
                keys: [self.keys.latest(deviceID, generation: generation), self.keys.tombstone("latest", "\(deviceID)")], arguments: arguments
            )
        }
    }

    // MARK: Online set

    public func markOnline(_ lastSeen: [Int64: Int64]) async {
        guard !lastSeen.isEmpty else { return }
        let now = self.clock.nowMilliseconds()
        var zadd = [self.keys.online, "GT"]
        for (id, seen) in lastSeen {
            zadd += ["\(seen)", "\(id)"]
        }
        let restartPeriod = self.state.withLock { $0.onlineGap }
        let commands = [
            RedisCommand("ZADD", zadd),
            // The period without gaps starts now unless one is already running (NX); after a gap it restarts.
            RedisCommand("SET", restartPeriod ? [self.keys.onlineSince, "\(now)"] : [self.keys.onlineSince, "\(now)", "NX"]),
            RedisCommand("ZREMRANGEBYSCORE", [self.keys.online, "-inf", "(\(now - self.configuration.onlineRetentionMilliseconds)"]),
        ]
        let replies = await self.attempt { try await self.client.pipeline(commands) }
        let succeeded = replies?.allSatisfy { if case .success = $0 { true } else { false } } ?? false
        self.state.withLock { $0.onlineGap = !succeeded }
    }

    public func onlineDevices(since: Int64) async -> Int? {
        let commands = [RedisCommand("GET", [self.keys.onlineSince]), RedisCommand("ZCOUNT", [self.keys.online, "\(since)", "+inf"])]
        guard let replies = await self.attempt({ try await self.client.pipeline(commands) }), replies.count == 2,
            case .success(let periodStart) = replies[0], let start = periodStart.string.flatMap({ Int64($0) }), start <= since,
            case .success(let count) = replies[1], let online = count.integer
        else { return nil }
        return Int(online)
    }

    public func forgetOnline(deviceIDs: [Int64]) async {
        guard !deviceIDs.isEmpty else { return }
        _ = await self.attempt { try await self.client.send(RedisCommand("ZREM", [self.keys.online] + deviceIDs.map { "\($0)" })) }
    }

    // MARK: Counters, statistics, health

    /// The window's count across instances from Redis; while Redis cannot count, this instance's own count,
    /// continued from the last count Redis gave (see `FallbackRateCounters`).
    public func increment(_ key: String, by amount: Int, windowSeconds: Int) async -> RateWindow {
        let amount = max(1, amount)
        let now = self.clock.nowMilliseconds()
        let window = Int64(windowSeconds) * 1000
        let windowStart = now - ((now % window) + window) % window
        let reply = await self.attempt {
            try await self.client.evaluate(
                RedisCacheScripts.increment, keys: [self.keys.rate(key, windowStart: windowStart)], arguments: ["\(window)", "\(amount)"]
            )
        }
        let count: Int
        if let counted = reply?.integer {
            count = Int(counted)
            self.fallback.observe(key, windowStart: windowStart, count: count)
        } else {
            count = self.fallback.increment(key, by: amount, windowStart: windowStart)
        }
        let remaining = windowStart + window - now
        return RateWindow(count: count, secondsUntilReset: max(1, Int((remaining + 999) / 1000)))
    }

    public func alertRulesChanged() async {
        await self.local.alertRulesChanged()
        let message = RedisInvalidation.alertRules.message
        _ = await self.attempt { try await self.client.publish(channel: self.keys.invalidationChannel, message: message) }
    }

    /// In-process rule caches are trusted only while invalidations are heard; every lapse empties L1, which moves
    /// the local version too.
    public func alertRulesVersion() async -> Int64? {
        guard self.usesLocal else { return nil }
        return await self.local.alertRulesVersion()
    }

    public func statistics() async -> CacheStatistics {
        self.state.withLock { CacheStatistics(hits: $0.hits, misses: $0.misses, errors: $0.errors) }
    }

    public func ping() async throws -> Double {
        let duration = try await self.client.ping()
        let (seconds, attoseconds) = duration.components
        return Double(seconds) * 1000 + Double(attoseconds) / 1e15
    }

    // MARK: Plumbing

    var generation: Int64 { self.state.withLock { $0.generation } }

    var usesLocal: Bool {
        let now = ContinuousClock.now
        let allowed = self.configuration.heartbeatInterval * self.configuration.heartbeatsMissedAllowed
        return self.state.withLock { state in
            guard state.subscribed, let last = state.lastHeartbeat else { return false }
            if now - last > allowed { state.heartbeatLapsed = true }
            return !state.heartbeatLapsed
        }
    }

    /// The generation to read, or nil while Redis may hold entries this instance failed to invalidate.
    var readableGeneration: Int64? { self.state.withLock { $0.missedWrite ? nil : $0.generation } }

    private func count(hit: Bool) {
        self.state.withLock { state in
            if hit { state.hits += 1 } else { state.misses += 1 }
        }
    }

    /// Runs one Redis exchange; nil when Redis is unavailable, slow or refused it.
    func attempt<T: Sendable>(_ body: () async throws -> T) async -> T? {
        let now = ContinuousClock.now
        let skipping = self.state.withLock { state -> Bool in
            guard let until = state.skipUntil else { return false }
            if now < until { return true }
            state.skipUntil = nil
            return false
        }
        guard !skipping else { return nil }
        do {
            let result = try await body()
            let move = self.state.withLock { state -> Bool in
                guard state.missedWrite, !state.movingGeneration else { return false }
                state.movingGeneration = true
                return true
            }
            if move {
                // Redis answers again after missing a write: leave the possibly stale generation behind.
                Task {
                    await self.moveGenerationIfNeeded()
                    self.state.withLock { $0.movingGeneration = false }
                }
            }
            return result
        } catch {
            let timedOut = (error as? RedisError)?.code == .timeout
            self.state.withLock { state in
                state.errors += 1
                if timedOut { state.skipUntil = now + self.configuration.backoffAfterTimeout }
            }
            self.logger.debug("redis cache command failed", metadata: ["error": "\(error)"])
            return nil
        }
    }

    /// Runs an invalidation script (which also publishes `message` to the other instances); when it cannot
    /// reach Redis, Redis may keep the stale entry, so a generation change is due.
    private func invalidate(_ script: RedisScript, keys: [String], arguments: [String], message: RedisInvalidation?) async {
        let now = "\(self.clock.nowMilliseconds())"
        let tombstone = "\(self.configuration.tombstoneMilliseconds)"
        let channel = message == nil ? "" : self.keys.invalidationChannel
        let text = message?.message ?? ""
        // Scripts take their own arguments first, then the time, tombstone lifetime, channel and message.
        let all = arguments + [now, tombstone, channel, text]
        let done = await self.attempt { try await self.client.evaluate(script, keys: keys, arguments: all) }
        if done == nil { self.state.withLock { $0.missedWrite = true } }
    }

    /// Reads a hash reply (RESP3 map or RESP2 flat array) as field/value pairs.
    static func fieldValuePairs(_ reply: RESPValue) -> [(field: String, value: String)]? {
        switch reply {
        case .map(let entries):
            var pairs: [(field: String, value: String)] = []
            for entry in entries {
                guard let field = entry.key.string, let value = entry.value.string else { return nil }
                pairs.append((field, value))
            }
            return pairs
        case .array(let items):
            guard items.count % 2 == 0 else { return nil }
            var pairs: [(field: String, value: String)] = []
            var index = 0
            while index < items.count {
                guard let field = items[index].string, let value = items[index + 1].string else { return nil }
                pairs.append((field, value))
                index += 2
            }
            return pairs
        case .null:
            return []
        default:
            return nil
        }
    }
}
