import Foundation
import IoTFlowCore
import IoTFlowStorage
import Logging
import RedisNIO
import Testing

/// The test Redis from `IOTFLOW_TEST_REDIS_HOST` / `IOTFLOW_TEST_REDIS_PORT` (scripts/test.sh starts it).
enum RedisTestServer {
    static func configuration() throws -> RedisConfiguration {
        let environment = ProcessInfo.processInfo.environment
        let host = try #require(environment["IOTFLOW_TEST_REDIS_HOST"], "IOTFLOW_TEST_REDIS_HOST must name a Redis (scripts/test.sh sets it)")
        let port = try #require(environment["IOTFLOW_TEST_REDIS_PORT"].flatMap { Int($0) }, "IOTFLOW_TEST_REDIS_PORT must be set")
        var configuration = RedisConfiguration(host: host, port: port)
        // These suites check what the cache does with Redis's answers, not how it copes with a slow Redis (the
        // liveness suites do, with their own settings): on a machine busy with the whole test run, an answer later
        // than the 500 ms default would send a command down the fallback path and fail a check for the wrong reason.
        configuration.commandTimeout = .seconds(10)
        configuration.connectTimeout = .seconds(10)
        return configuration
    }

    /// Runs `body` with `count` caches sharing one fresh key prefix, each running as it would in the server.
    static func withCaches(
        _ count: Int = 1, configure: (inout RedisCacheConfiguration) -> Void = { _ in }, redis: RedisConfiguration? = nil,
        _ body: @Sendable ([RedisCache]) async throws -> Void
    ) async throws {
        var configuration = RedisCacheConfiguration(redis: try redis ?? Self.configuration())
        configuration.keyPrefix = "cache-test-\(UUID().uuidString):"
        configure(&configuration)
        let logger = Logger(label: "redis-cache-test")
        let caches = (0..<count).map { _ in RedisCache(configuration: configuration, logger: logger) }
        try await withThrowingTaskGroup { group in
            for cache in caches { group.addTask { try await cache.run() } }
            defer { group.cancelAll() }
            if redis == nil {
                for cache in caches { try await Self.waitUntilListening(cache) }
            }
            try await body(caches)
        }
    }

    /// Waits until the cache answers pings and hears invalidations.
    static func waitUntilListening(_ cache: RedisCache) async throws {
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline {
            if (try? await cache.ping()) != nil, cache.isListening { return }
            try await Task.sleep(for: .milliseconds(10))
        }
        Issue.record("the Redis cache did not connect and subscribe within 60 s")
    }
}

func redisTestDevice(id: Int64, owner: Int64, name: String = "probe") -> AuthenticatedDevice {
    let device = Device(
        id: id, ownerID: owner, ownerPublicID: String(repeating: "b", count: 32), name: name, description: "a \"quoted\" ünïcode text",
        deviceType: "sensor", status: .maintenance, location: nil, firmwareVersion: "1.2", hardwareVersion: nil, createdAt: 1_000,
        updatedAt: 2_000, lastSeen: 3_000
    )
    return AuthenticatedDevice(device: device, ownerIsActive: true, ownerPublicID: String(repeating: "b", count: 32), ownerUsername: "bob")
}

func redisTestSession(userID: Int64, expiresAt: Int64) -> TokenSession {
    let user = User(
        id: userID, publicID: String(repeating: "c", count: 32), username: "carol", email: "carol@example.com", passwordHash: "$2b$04$hash",
        isActive: true, isAdmin: true, createdAt: 10, updatedAt: 20, lastLogin: 30
    )
    return TokenSession(user: user, expiresAt: expiresAt)
}

@Suite("Redis cache role against a real Redis")
struct RedisCacheTests {
    let now = SystemWallClock().nowMilliseconds()

    @Test("a device stored by one instance is read back whole by another; invalidation by id and by owner reaches Redis")
    func devicesRoundTrip() async throws {
        try await RedisTestServer.withCaches(2) { caches in
            let (a, b) = (caches[0], caches[1])
            let now = SystemWallClock().nowMilliseconds()
            await a.storeDevice(redisTestDevice(id: 1, owner: 7), keyHash: "k1", readStartedAt: now)
            await a.storeDevice(redisTestDevice(id: 2, owner: 7), keyHash: "k2", readStartedAt: now)
            await a.storeDevice(redisTestDevice(id: 3, owner: 8), keyHash: "k3", readStartedAt: now)
            #expect(await b.device(keyHash: "k1") == redisTestDevice(id: 1, owner: 7))
            #expect(await b.device(keyHash: "missing") == nil)
            await a.invalidateDevice(id: 1)
            try await expectEventually { await b.device(keyHash: "k1") == nil }
            #expect(await b.device(keyHash: "k2") != nil)
            await a.invalidateDevices(ownerID: 7)
            try await expectEventually { await b.device(keyHash: "k2") == nil }
            #expect(await b.device(keyHash: "k3") != nil)
        }
    }

    @Test("an invalidation on one instance empties the other's in-process copy within 1 s")
    func localCopiesFollowInvalidations() async throws {
        try await RedisTestServer.withCaches(2) { caches in
            let (a, b) = (caches[0], caches[1])
            let now = SystemWallClock().nowMilliseconds()
            await a.storeDevice(redisTestDevice(id: 5, owner: 9), keyHash: "key", readStartedAt: now)
            #expect(await b.device(keyHash: "key") != nil)  // now also in B's L1
            await a.invalidateDevice(id: 5)
            let start = ContinuousClock.now
            try await expectEventually(within: .seconds(1)) { await b.device(keyHash: "key") == nil }
            #expect(ContinuousClock.now - start < .seconds(1))
        }
    }

    @Test("a device read before an invalidation (on any instance) is not put back into Redis")
    func readRacingInvalidation() async throws {
        try await RedisTestServer.withCaches(2) { caches in
            let (a, b) = (caches[0], caches[1])
            let readStartedAt = SystemWallClock().nowMilliseconds() - 5_000
            await a.invalidateDevice(id: 11)
            await b.storeDevice(redisTestDevice(id: 11, owner: 1), keyHash: "old", readStartedAt: readStartedAt)
            #expect(await a.device(keyHash: "old") == nil)
            // B may hold it in process until the invalidation message reaches it, moments later.
            try await expectEventually { await b.device(keyHash: "old") == nil }
        }
    }

    @Test("sessions: no password hash in Redis, bounded by the token's expiry, forgotten on logout and user invalidation")
    func sessions() async throws {
        try await RedisTestServer.withCaches(2) { caches in
            let (a, b) = (caches[0], caches[1])
            let now = SystemWallClock().nowMilliseconds()
            await a.storeSession(redisTestSession(userID: 4, expiresAt: now + 60_000), tokenHash: "t1", readStartedAt: now)
            await a.storeSession(redisTestSession(userID: 4, expiresAt: now + 60_000), tokenHash: "t2", readStartedAt: now)
            await a.storeSession(redisTestSession(userID: 4, expiresAt: now + 300), tokenHash: "short", readStartedAt: now)
            let read = try #require(await b.session(tokenHash: "t1"))
            #expect(read.user.passwordHash == "")
            #expect(read == redisTestSession(userID: 4, expiresAt: now + 60_000).withoutSecrets)
            try await Task.sleep(for: .milliseconds(400))
            #expect(await b.session(tokenHash: "short") == nil, "a session outlived its token")
            await a.invalidateToken(hash: "t1")
            try await expectEventually { await b.session(tokenHash: "t1") == nil }
            #expect(await b.session(tokenHash: "t2") != nil)
            await a.invalidateUser(id: 4)
            try await expectEventually { await b.session(tokenHash: "t2") == nil }
        }
    }

    @Test("latest values: merges alone never make a hit; a snapshot never overwrites newer merged values")
    func latestValues() async throws {
        try await RedisTestServer.withCaches(2) { caches in
            let (a, b) = (caches[0], caches[1])
            let readStartedAt = SystemWallClock().nowMilliseconds()
            await a.mergeLatest([LatestValue(key: "t", value: .number(2.5), timestamp: 2_000)], deviceID: 3)
            #expect(await b.latest(deviceID: 3) == nil, "a partial set must not be served")
            // A snapshot read before that write arrives late: it fills the other keys but keeps the newer value.
            await b.storeLatest(
                [LatestValue(key: "t", value: .number(1), timestamp: 1_000), LatestValue(key: "s", value: .string("on|off"), timestamp: 1_000)],
                deviceID: 3, readStartedAt: readStartedAt
            )
            #expect(
                await a.latest(deviceID: 3) == [
                    LatestValue(key: "s", value: .string("on|off"), timestamp: 1_000), LatestValue(key: "t", value: .number(2.5), timestamp: 2_000),
                ]
            )
            await a.mergeLatest([LatestValue(key: "b", value: .bool(true), timestamp: 500)], deviceID: 3)
            // B may hold a copy in process until A's notice reaches it, moments later.
            try await expectEventually { await b.latest(deviceID: 3)?.map(\.key) == ["b", "s", "t"] }
            await a.invalidateLatest(deviceID: 3)
            try await expectEventually { await b.latest(deviceID: 3) == nil }
            // A snapshot read before the invalidation (telemetry deleted) must not come back.
            await b.storeLatest([LatestValue(key: "t", value: .number(1), timestamp: 1_000)], deviceID: 3, readStartedAt: readStartedAt)
            #expect(await a.latest(deviceID: 3) == nil)
        }
    }

    @Test("latest values in process: a write updates its own instance's copy at once and the others' within 1 s")
    func latestCopiesFollowWrites() async throws {
        try await RedisTestServer.withCaches(2) { caches in
            let (a, b) = (caches[0], caches[1])
            let first = [LatestValue(key: "t", value: .number(1), timestamp: 1_000)]
            await a.storeLatest(first, deviceID: 8, readStartedAt: SystemWallClock().nowMilliseconds())
            #expect(await a.latest(deviceID: 8) == first)
            #expect(await b.latest(deviceID: 8) == first)  // now also in B's L1
            let newer = LatestValue(key: "t", value: .number(2), timestamp: 2_000)
            await a.mergeLatest([newer], deviceID: 8)
            // Read-your-writes on the writing instance, from its own copy.
            #expect(await a.latest(deviceID: 8) == [newer])
            let start = ContinuousClock.now
            try await expectEventually(within: .seconds(1)) { await b.latest(deviceID: 8) == [newer] }
            #expect(ContinuousClock.now - start < .seconds(1))
            // B drops its copy on the notice, reads Redis again and keeps the fresh snapshot in process.
            #expect(await b.latest(deviceID: 8) == [newer])
            await b.invalidateLatest(deviceID: 8)
            #expect(await b.latest(deviceID: 8) == nil)
            try await expectEventually(within: .seconds(1)) { await a.latest(deviceID: 8) == nil }
        }
    }

    @Test("the online set counts devices seen since a time, only over a gap-free period, and forgets deleted devices")
    func onlineSet() async throws {
        try await RedisTestServer.withCaches(1) { caches in
            let cache = caches[0]
            let now = SystemWallClock().nowMilliseconds()
            #expect(await cache.onlineDevices(since: now - 1_000) == nil, "no period yet: the registry must answer")
            await cache.markOnline([1: now, 2: now - 100, 3: now - 10_000])
            #expect(await cache.onlineDevices(since: now - 60_000) == nil, "the set does not cover a window older than its start")
            try await Task.sleep(for: .milliseconds(20))
            let afterStart = SystemWallClock().nowMilliseconds()
            await cache.markOnline([4: afterStart])
            #expect(await cache.onlineDevices(since: afterStart) == 1)
            await cache.markOnline([1: afterStart, 2: afterStart - 1_000_000])  // GT: an older sighting never moves a device back
            #expect(await cache.onlineDevices(since: afterStart) == 2)
            await cache.forgetOnline(deviceIDs: [1])
            #expect(await cache.onlineDevices(since: afterStart) == 1)
        }
    }

    @Test("rate-limit counters are atomic across instances")
    func countersAcrossInstances() async throws {
        try await RedisTestServer.withCaches(2) { caches in
            let counts = try await withThrowingTaskGroup { group in
                for index in 0..<100 {
                    group.addTask { await caches[index % 2].increment("login:1.2.3.4", windowSeconds: 60).count }
                }
                return try await group.reduce(into: [Int]()) { $0.append($1) }
            }
            #expect(counts.sorted() == Array(1...100))
            let next = await caches[0].increment("login:1.2.3.4", windowSeconds: 60)
            #expect(next.count == 101)
            #expect((1...60).contains(next.secondsUntilReset))
        }
    }

    @Test("Redis unreachable: every lookup misses at once, counters fall back to the process, ping fails")
    func unreachable() async throws {
        let port = try freeLoopbackPort()
        try await RedisTestServer.withCaches(1, redis: RedisConfiguration(host: "127.0.0.1", port: port)) { caches in
            let cache = caches[0]
            let start = ContinuousClock.now
            let now = SystemWallClock().nowMilliseconds()
            await cache.storeDevice(redisTestDevice(id: 1, owner: 1), keyHash: "k", readStartedAt: now)
            #expect(await cache.device(keyHash: "k") == nil)
            #expect(await cache.session(tokenHash: "t") == nil)
            #expect(await cache.latest(deviceID: 1) == nil)
            #expect(await cache.onlineDevices(since: 0) == nil)
            #expect(await cache.increment("x", windowSeconds: 60).count == 1)
            #expect(await cache.increment("x", windowSeconds: 60).count == 2)
            await #expect(throws: (any Error).self) { try await cache.ping() }
            #expect(ContinuousClock.now - start < .seconds(5), "a down Redis must not make requests wait")
            #expect(await cache.statistics().hits == 0)
        }
    }
}

/// Polls `condition` until it holds or `within` passes.
func expectEventually(
    within: Duration = .seconds(2), sourceLocation: SourceLocation = #_sourceLocation, _ condition: () async -> Bool
) async throws {
    let deadline = ContinuousClock.now + within
    while ContinuousClock.now < deadline {
        if await condition() { return }
        try await Task.sleep(for: .milliseconds(5))
    }
    Issue.record("condition did not hold within \(within)", sourceLocation: sourceLocation)
}

/// A loopback port nothing listens on (bound then released).
func freeLoopbackPort() throws -> Int {
    let socketFD = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(socketFD) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socketFD, $0, length) == 0 && getsockname(socketFD, $0, &length) == 0 }
    }
    guard bound else { throw POSIXError(.EADDRINUSE) }
    return Int(UInt16(bigEndian: address.sin_port))
}
