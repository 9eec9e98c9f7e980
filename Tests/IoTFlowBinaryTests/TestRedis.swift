import Foundation
import Testing

/// A Redis server of one test's own (scripts/redis-server.sh, named by `IOTFLOW_TEST_REDIS_SCRIPT`), so
/// killing it disturbs no other test.
struct TestRedis {
    let script: String
    let directory: String
    let port: Int
    /// `requirepass`, when the test needs AUTH.
    let password: String?

    init(password: String? = nil) throws {
        self.password = password
        self.script = try #require(
            ProcessInfo.processInfo.environment["IOTFLOW_TEST_REDIS_SCRIPT"],
            "IOTFLOW_TEST_REDIS_SCRIPT must name scripts/redis-server.sh (scripts/test.sh sets it)"
        )
        self.directory = FileManager.default.temporaryDirectory.appendingPathComponent("iotflow-test-redis-\(UUID().uuidString)").path
        self.port = try ServerProcess.restartablePort()
    }

    /// The environment that points `iotflow serve` at this Redis.
    var environment: [String: String] {
        var environment = ["REDIS_HOST": "127.0.0.1", "REDIS_PORT": String(self.port)]
        if let password = self.password { environment["REDIS_PASSWORD"] = password }
        return environment
    }

    func start() async throws {
        let status = try await spawnAndWait(
            "/bin/bash", [self.script, "start", self.directory, String(self.port)] + (self.password.map { [$0] } ?? []))
        #expect(status == 0, "redis-server.sh start failed with status \(status)")
    }

    /// SIGKILL: Redis vanishes mid-stream, connections reset, data gone.
    func kill() throws {
        let text = try String(contentsOfFile: self.directory + "/redis.pid", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        let pid = try #require(pid_t(text), "redis.pid holds \(text)")
        #expect(Foundation.kill(pid, SIGKILL) == 0)
        try? FileManager.default.removeItem(atPath: self.directory + "/redis.pid")
    }

    func remove() {
        _ = try? spawnAndWaitBlocking("/bin/bash", [self.script, "stop", self.directory])
        try? FileManager.default.removeItem(atPath: self.directory)
    }
}
