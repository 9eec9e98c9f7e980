import Foundation
import IoTFlowCore
import IoTFlowStorage
import RedisNIO
import TestProcess
import Testing

/// A redis-server of the test's own (from `IOTFLOW_TEST_REDIS_SERVER`), for tests that disturb it.
final class OwnRedisServer {
    let process: ChildProcess
    let port: Int

    init() async throws {
        let path = try #require(
            ProcessInfo.processInfo.environment["IOTFLOW_TEST_REDIS_SERVER"],
            "IOTFLOW_TEST_REDIS_SERVER must name redis-server (scripts/test.sh sets it)"
        )
        let port = try freeLoopbackPort()
        self.port = port
        self.process = try ChildProcess.launch(path, ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
        let client = RedisClient(configuration: RedisConfiguration(host: "127.0.0.1", port: port), logger: .init(label: "probe"))
        try await withThrowingTaskGroup { group in
            group.addTask { try await client.run() }
            defer { group.cancelAll() }
            let deadline = ContinuousClock.now + .seconds(60)
            while (try? await client.ping()) == nil {
                guard ContinuousClock.now < deadline else {
                    throw RedisError(code: .connectionUnavailable, message: "own redis-server did not start")
                }
                try await Task.sleep(for: .milliseconds(20))
            }
        }
    }

    var configuration: RedisConfiguration { RedisConfiguration(host: "127.0.0.1", port: self.port) }

    func stop() {
        self.process.killAndReap()
    }
}

@Suite("Redis cache: a silent invalidation channel stops in-process use")
struct RedisCacheLivenessTests {
    @Test("when the instance stops hearing its own heartbeats, it stops using (and then drops) its in-process entries")
    func heartbeatLapse() async throws {
        let server = try await OwnRedisServer()
        defer { server.stop() }
        let configuration = server.configuration
        try await RedisTestServer.withCaches(
            1,
            configure: {
                $0.heartbeatInterval = .milliseconds(100)
                $0.redis.commandTimeout = .milliseconds(200)
            },
            redis: configuration
        ) { caches in
            let cache = caches[0]
            try await RedisTestServer.waitUntilListening(cache)
            let admin = RedisClient(configuration: configuration, logger: .init(label: "admin"))
            try await withThrowingTaskGroup { group in
                group.addTask { try await admin.run() }
                defer { group.cancelAll() }
                try await expectEventually { (try? await admin.ping()) != nil }
                // Writes (PUBLISH included) stall for 1.5 s, as on a connection that died without a reset.
                _ = try await admin.send(RedisCommand("CLIENT", ["PAUSE", "1500", "WRITE"]))
                try await expectEventually(within: .seconds(1)) { !cache.isListening }
                try await expectEventually(within: .seconds(3)) { cache.isListening }
            }
        }
    }
}

@Suite("Redis cache: rate-limit counts survive a slow Redis")
struct RedisCacheCounterOutageTests {
    @Test("a count that cannot reach Redis continues from this instance's own count, not from zero")
    func countContinuesThroughTimeout() async throws {
        let server = try await OwnRedisServer()
        defer { server.stop() }
        let configuration = server.configuration
        try await RedisTestServer.withCaches(
            1,
            configure: {
                // Long enough that the counts before the pause never time out on a loaded machine; the paused one
                // always does (the pause lasts 30 s).
                $0.redis.commandTimeout = .seconds(2)
                $0.backoffAfterTimeout = .zero
            },
            redis: configuration
        ) { caches in
            let cache = caches[0]
            try await RedisTestServer.waitUntilListening(cache)
            for expected in 1...3 { #expect(await cache.increment("device:7", windowSeconds: 86_400).count == expected) }
            let admin = RedisClient(configuration: configuration, logger: .init(label: "admin"))
            try await withThrowingTaskGroup { group in
                group.addTask { try await admin.run() }
                defer { group.cancelAll() }
                try await expectEventually(within: .seconds(60)) { (try? await admin.ping()) != nil }
                let errorsBefore = await cache.statistics().errors
                // Scripts stall while writes are paused, so the count's command times out.
                _ = try await admin.send(RedisCommand("CLIENT", ["PAUSE", "30000", "WRITE"]))
                #expect(await cache.increment("device:7", windowSeconds: 86_400).count == 4, "the window goes on from 3")
                #expect(await cache.statistics().errors > errorsBefore, "the count did time out in Redis")
                _ = try await admin.send(RedisCommand("CLIENT", ["UNPAUSE"]))
                // The stalled command ran once writes resumed, so Redis and the process agree again.
                #expect(await cache.increment("device:7", windowSeconds: 86_400).count == 5)
            }
        }
    }
}
