import Foundation
import IoTFlowCore
import IoTFlowStorage
import RedisNIO
import Testing

/// A redis-server of the test's own (from `IOTFLOW_TEST_REDIS_SERVER`), for tests that disturb it.
/// Started with posix_spawn and reaped with waitpid: Foundation's Process.waitUntilExit can hang here.
final class OwnRedisServer {
    let pid: pid_t
    let port: Int

    init() async throws {
        let path = try #require(
            ProcessInfo.processInfo.environment["IOTFLOW_TEST_REDIS_SERVER"],
            "IOTFLOW_TEST_REDIS_SERVER must name redis-server (scripts/test.sh sets it)"
        )
        let port = try freeLoopbackPort()
        self.port = port
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        let arguments = [path, "--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        let argv = arguments.map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var pid = pid_t()
        let spawned = posix_spawn(&pid, path, &actions, nil, argv, environ)
        guard spawned == 0 else { throw POSIXError(POSIXErrorCode(rawValue: spawned) ?? .EINVAL) }
        self.pid = pid
        let client = RedisClient(configuration: RedisConfiguration(host: "127.0.0.1", port: port), logger: .init(label: "probe"))
        try await withThrowingTaskGroup { group in
            group.addTask { try await client.run() }
            defer { group.cancelAll() }
            let deadline = ContinuousClock.now + .seconds(5)
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
        kill(self.pid, SIGKILL)
        var status: Int32 = 0
        while waitpid(self.pid, &status, 0) == -1 && errno == EINTR {}
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
