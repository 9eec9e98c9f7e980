import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import TestProcess
import Testing

/// The built binary with PostgreSQL as its primary store, when PostgreSQL is missing, malformed in the
/// configuration, or goes away while the server runs. Each test runs a cluster of its own (started with
/// scripts/pg-cluster.sh, named by `IOTFLOW_TEST_PG_CLUSTER_SCRIPT`) so stopping it disturbs no other test.
@Suite("iotflow binary on PostgreSQL faults", .serialized)
struct PostgresFaultTests {
    @Test("PostgreSQL unreachable at start: serve exits non-zero with one line naming host and port, no password")
    func unreachableAtStart() async throws {
        let port = try ServerProcess.restartablePort()
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let server = try ServerProcess(
            launching: directory, environment: ["DATABASE_URL": "postgres://iotflow:s3cret-Passw0rd@127.0.0.1:\(port)/iotflow?sslmode=disable"]
        )
        let (status, output) = await server.waitForExit()
        #expect(status != 0)
        let lines = output.split(separator: "\n").filter { !$0.isEmpty }
        #expect(lines.count == 1, "expected one line, got: \(output)")
        #expect(output.contains("127.0.0.1:\(port)"))
        #expect(!output.contains("s3cret-Passw0rd"))
    }

    @Test("a malformed DATABASE_URL is one clear line", arguments: ["mysql://u@h/db", "postgres://", "postgres://u@h:99999/db", "not a url at all"])
    func malformedURL(_ url: String) async throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let server = try ServerProcess(launching: directory, environment: ["DATABASE_URL": url])
        let (status, output) = await server.waitForExit()
        #expect(status != 0)
        #expect(output.contains("DATABASE_URL"), "got: \(output)")
        #expect(output.split(separator: "\n").filter { !$0.isEmpty }.count == 1, "got: \(output)")
    }

    @Test("PostgreSQL stopped while serving: 503 JSON where it is needed, the rest keeps working, recovery on restart")
    func outageAndRecovery() async throws {
        let cluster = try TestCluster()
        defer { cluster.remove() }
        try await cluster.start()
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let server = try await ServerProcess(
            dataDirectory: directory, environment: ["DATABASE_URL": cluster.url, "IOTFLOW_REQUEST_TIMEOUT_SECONDS": "3"]
        )
        defer { _ = server.terminate() }
        let (token, deviceID, apiKey) = try await DurabilityTests().provision(server)
        var deviceHeaders: HTTPFields = [.contentType: "application/json"]
        deviceHeaders[HTTPField.Name("X-API-Key")!] = apiKey
        let before = try await server.request("/api/v1/telemetry", method: .post, headers: deviceHeaders, body: #"{"data":{"t":1}}"#)
        #expect(before.status == .created)

        try await cluster.stop()
        let during = try await server.request("/api/v1/telemetry", method: .post, headers: deviceHeaders, body: #"{"data":{"t":2}}"#)
        #expect(during.status == .serviceUnavailable)
        #expect(during.headers[.contentType]?.hasPrefix("application/json") == true)
        #expect((try during.json["error"] as? String)?.isEmpty == false)
        let health = try await server.request("/health", method: .get)
        #expect(health.status == .ok, "the plain health check needs no store")
        let detailed = try await server.request("/health?detailed=true", method: .get)
        #expect(detailed.status == .serviceUnavailable)

        try await cluster.start()
        var recovered = false
        let deadline = ContinuousClock.now + .seconds(60)
        while !recovered, ContinuousClock.now < deadline {
            let after = try await server.request("/api/v1/telemetry", method: .post, headers: deviceHeaders, body: #"{"data":{"t":3}}"#)
            recovered = after.status == .created
            if !recovered { try await Task.sleep(for: .milliseconds(500)) }
        }
        #expect(recovered, "no 201 within 60 s of PostgreSQL's restart")
        let latest = try await server.request("/api/v1/telemetry/\(deviceID)/latest", method: .get, headers: [.authorization: "Bearer \(token)"])
        #expect(latest.status == .ok)
        #expect((try latest.json["latest_data"] as? [String: Any])?["t"] as? Int == 3)
    }
}

/// A PostgreSQL cluster of this test's own, on a free loopback port.
struct TestCluster {
    let script: String
    let directory: String
    let port: Int

    init() throws {
        self.script = try #require(
            ProcessInfo.processInfo.environment["IOTFLOW_TEST_PG_CLUSTER_SCRIPT"],
            "IOTFLOW_TEST_PG_CLUSTER_SCRIPT must name scripts/pg-cluster.sh (scripts/test.sh sets it)"
        )
        self.directory = FileManager.default.temporaryDirectory.appendingPathComponent("iotflow-fault-pg-\(UUID().uuidString)").path
        self.port = try ServerProcess.restartablePort()
    }

    var url: String { "postgres://postgres@127.0.0.1:\(self.port)/postgres?sslmode=disable" }

    func start() async throws {
        try await self.run(["start", self.directory, String(self.port)])
    }

    func stop() async throws {
        try await self.run(["stop", self.directory])
    }

    func remove() {
        _ = try? spawnAndWaitBlocking("/bin/bash", [self.script, "stop", self.directory])
        try? FileManager.default.removeItem(atPath: self.directory)
    }

    private func run(_ arguments: [String]) async throws {
        let status = try await spawnAndWait("/bin/bash", [self.script] + arguments)
        #expect(status == 0, "pg-cluster.sh \(arguments.joined(separator: " ")) failed with status \(status)")
    }
}

/// Runs a script to completion, its output discarded (a daemon it starts must not hold the test's pipes), and returns its
/// exit status. Waiting polls, so a slow `initdb` holds no thread of the cooperative pool.
func spawnAndWait(_ path: String, _ arguments: [String]) async throws -> Int32 {
    try await ChildProcess.launch(path, arguments).waitForExit(within: .seconds(300), what: "\(path) \(arguments.joined(separator: " "))")
}

/// ``spawnAndWait(_:_:)`` on the calling thread, for the cleanups in `defer` (stopping a server is quick).
func spawnAndWaitBlocking(_ path: String, _ arguments: [String]) throws -> Int32 {
    try ChildProcess.launch(path, arguments).waitForExitBlocking()
}
