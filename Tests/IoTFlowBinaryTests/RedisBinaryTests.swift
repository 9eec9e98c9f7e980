import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Synchronization
import Testing

/// The built binary with its cache in Redis: Redis dying under load, and two instances kept coherent.
@Suite("iotflow binary with Redis", .serialized)
struct RedisBinaryTests {
    static let adminToken = "redis-binary-admin-token-0123456789"

    @Test("Redis killed during writes and reads: no request fails, no acknowledged point is lost, the cache returns after restart")
    func redisKilledUnderLoad() async throws {
        let redis = try TestRedis()
        defer { redis.remove() }
        try await redis.start()
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var environment = redis.environment
        environment["IOTFLOW_ADMIN_TOKEN"] = Self.adminToken
        let server = try await ServerProcess(dataDirectory: directory, environment: environment)
        defer { _ = server.terminate() }
        let (token, deviceID, apiKey) = try await DurabilityTests().provision(server)
        try await Self.waitForCache(server, available: true)

        let load = LoadRecord()
        let base: Int64 = 1_700_000_000_000
        try await withThrowingTaskGroup { group in
            for writer in 0..<4 {
                group.addTask {
                    var sequence: Int64 = 0
                    while !load.stop.load(ordering: .relaxed) {
                        let timestamp = base + Int64(writer) * 1_000_000 + sequence
                        sequence += 1
                        let response = try await server.request(
                            "/api/v1/telemetry", method: .post, headers: Self.device(apiKey),
                            body: #"{"data":{"t":\#(sequence)},"timestamp":\#(timestamp)}"#
                        )
                        if response.status == .created {
                            load.acknowledged.withLock { _ = $0.insert(timestamp) }
                        } else {
                            load.failures.withLock { $0.append("write: \(response.status)") }
                        }
                    }
                }
            }
            for _ in 0..<2 {
                group.addTask {
                    while !load.stop.load(ordering: .relaxed) {
                        // Sampled before the request: a 404 is fine only if no point was acknowledged when it was sent.
                        let hadData = load.acknowledged.withLock { !$0.isEmpty }
                        let response = try await server.request("/api/v1/telemetry/\(deviceID)/latest", method: .get, headers: Self.user(token))
                        if response.status != .ok && !(response.status == .notFound && !hadData) {
                            load.failures.withLock { $0.append("latest: \(response.status)") }
                        }
                    }
                }
            }
            // Each phase lasts until enough writes were acknowledged in it (a busy machine writes slowly), at most 60 s.
            let acknowledged: @Sendable () -> Int = { load.acknowledged.withLock { $0.count } }
            let waitForWrites: @Sendable (Int) async throws -> Void = { more in
                let target = acknowledged() + more
                let deadline = ContinuousClock.now + .seconds(60)
                while acknowledged() < target && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
            }
            try await waitForWrites(20)
            try redis.kill()
            try await waitForWrites(20)
            // While Redis is gone: the cache is reported unavailable and the service degraded, not down.
            let health = try await server.request("/health?detailed=true", method: .get)
            #expect(health.status == .ok)
            #expect(try health.json["status"] as? String == "degraded")
            let cache = try #require((try health.json["stores"] as? [String: Any])?["cache"] as? [String: Any])
            #expect(cache["available"] as? Bool == false)
            #expect(cache["backend"] as? String == "redis")
            try await waitForWrites(20)
            try await redis.start()
            try await waitForWrites(20)
            load.stop.store(true, ordering: .relaxed)
            try await group.waitForAll()
        }
        #expect(load.failures.withLock { $0 } == [], "requests failed while Redis was down")
        let written = load.acknowledged.withLock { $0 }
        #expect(written.count >= 80, "too few writes to mean anything: \(written.count)")

        // Every acknowledged point reads back.
        let history = try await server.request(
            "/api/v1/telemetry/\(deviceID)?start_time=\(base)&end_time=\(base + 10_000_000)&limit=10000&order=asc", method: .get,
            headers: Self.user(token)
        )
        #expect(history.status == .ok)
        let entries = try #require(try history.json["data"] as? [[String: Any]])
        let stored = Set(try entries.map { try DurabilityTests.milliseconds(try #require($0["timestamp"] as? String)) })
        #expect(written.subtracting(stored).isEmpty, "acknowledged points missing: \(written.subtracting(stored).count)")

        // Redis is back: the cache is available and answers again (latest values come from it, hits move).
        try await Self.waitForCache(server, available: true)
        let hitsBefore = try await Self.cacheHits(server)
        var cachedAnswers = 0
        for _ in 0..<20 {
            let latest = try await server.request("/api/v1/telemetry/\(deviceID)/latest", method: .get, headers: Self.user(token))
            #expect(latest.status == .ok)
            if try latest.json["cached"] as? Bool == true { cachedAnswers += 1 }
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(cachedAnswers > 0, "no latest read was answered from Redis after it came back")
        #expect(try await Self.cacheHits(server) > hitsBefore)
    }

    @Test("two instances sharing Redis and PostgreSQL: a key rotated through A is rejected by B within 1 s")
    func rotationIsSeenByTheOtherInstance() async throws {
        let cluster = try TestCluster()
        defer { cluster.remove() }
        try await cluster.start()
        let redis = try TestRedis()
        defer { redis.remove() }
        try await redis.start()
        var environment = redis.environment
        environment["DATABASE_URL"] = cluster.url
        let directoryA = try makeTemporaryDirectory()
        let directoryB = try makeTemporaryDirectory()
        defer {
            try? FileManager.default.removeItem(atPath: directoryA)
            try? FileManager.default.removeItem(atPath: directoryB)
        }
        let a = try await ServerProcess(dataDirectory: directoryA, environment: environment)
        defer { _ = a.terminate() }
        let b = try await ServerProcess(dataDirectory: directoryB, environment: environment)
        defer { _ = b.terminate() }
        let (token, deviceID, oldKey) = try await DurabilityTests().provision(a)
        try await Self.waitForCache(a, available: true)
        try await Self.waitForCache(b, available: true)

        // B authenticates the old key a few times, so B's in-process cache and Redis both hold it.
        for value in 0..<5 {
            let response = try await b.request(
                "/api/v1/telemetry", method: .post, headers: Self.device(oldKey), body: #"{"data":{"t":\#(value)}}"#)
            #expect(response.status == .created)
        }
        let rotated = try await a.request("/api/v1/devices/\(deviceID)/rotate-key", method: .post, headers: Self.user(token))
        #expect(rotated.status == .ok)
        let newKey = try #require(try rotated.json["api_key"] as? String)
        let rotatedAt = ContinuousClock.now

        var rejected = false
        while ContinuousClock.now - rotatedAt < .seconds(1) {
            let response = try await b.request("/api/v1/devices/status", method: .get, headers: Self.device(oldKey))
            if response.status == .unauthorized {
                rejected = true
                break
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(rejected, "instance B still accepted the old key 1 s after the rotation on A")
        // And stays rejected; the new key works on B.
        #expect(try await b.request("/api/v1/devices/status", method: .get, headers: Self.device(oldKey)).status == .unauthorized)
        #expect(try await b.request("/api/v1/devices/status", method: .get, headers: Self.device(newKey)).status == .ok)
    }

    @Test("a password-protected Redis: the right REDIS_PASSWORD is used; a wrong one leaves the server serving, degraded")
    func authentication() async throws {
        let redis = try TestRedis(password: "redis-s3cret")
        defer { redis.remove() }
        try await redis.start()
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let good = try await ServerProcess(dataDirectory: directory, environment: redis.environment)
        try await Self.waitForCache(good, available: true)
        _ = good.terminate()

        var wrong = redis.environment
        wrong["REDIS_PASSWORD"] = "not-the-password"
        let other = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: other) }
        // (No defer: the process is killed on deinit if a check throws first.)
        let bad = try await ServerProcess(dataDirectory: other, environment: wrong)
        let health = try await bad.request("/health?detailed=true", method: .get)
        #expect(health.status == .ok)
        #expect(try health.json["status"] as? String == "degraded")
        // Still serving everything from the primary stores.
        let (_, deviceID, apiKey) = try await DurabilityTests().provision(bad)
        let write = try await bad.request("/api/v1/telemetry", method: .post, headers: Self.device(apiKey), body: #"{"data":{"t":1}}"#)
        #expect(write.status == .created)
        let latest = try await bad.request("/api/v1/telemetry/\(deviceID)/latest", method: .get, headers: Self.device(apiKey))
        #expect(latest.status == .ok)
        #expect(try latest.json["cached"] as? Bool == false)
        #expect(bad.terminate() == 0)
        let log = bad.printed()
        #expect(!log.contains("not-the-password"), "the Redis password was logged")
        #expect(log.contains("Redis"), "no line told the operator that Redis is unreachable: \(log)")
    }

    static func device(_ apiKey: String) -> HTTPFields {
        var headers: HTTPFields = [.contentType: "application/json"]
        headers[HTTPField.Name("X-API-Key")!] = apiKey
        return headers
    }

    static func user(_ token: String) -> HTTPFields {
        [.authorization: "Bearer \(token)", .contentType: "application/json"]
    }

    /// Waits until `/health?detailed=true` reports the cache as (un)available.
    static func waitForCache(_ server: ServerProcess, available: Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(10)
        while ContinuousClock.now < deadline {
            let health = try await server.request("/health?detailed=true", method: .get)
            let cache = (try? health.json["stores"] as? [String: Any])?["cache"] as? [String: Any]
            if cache?["available"] as? Bool == available { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        Issue.record("the cache did not become \(available ? "available" : "unavailable") within 10 s")
    }

    static func cacheHits(_ server: ServerProcess) async throws -> Int {
        let stats = try await server.request("/api/v1/admin/stats", method: .get, headers: [.authorization: "admin \(Self.adminToken)"])
        #expect(stats.status == .ok)
        let cache = try #require(try stats.json["cache"] as? [String: Any])
        return try #require(cache["hits"] as? Int)
    }
}

/// What the load of the Redis fault test saw, shared by its tasks.
final class LoadRecord: Sendable {
    let failures = Mutex<[String]>([])
    let acknowledged = Mutex<Set<Int64>>([])
    let stop = Atomic<Bool>(false)
}
