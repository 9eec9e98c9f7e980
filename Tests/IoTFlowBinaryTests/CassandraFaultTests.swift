import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Synchronization
import Testing

/// The built binary with telemetry in Cassandra, against the project's CQL protocol peer (no Cassandra server runs
/// on these machines): each test runs a peer of its own (scripts/cql-peer.sh, named by `IOTFLOW_TEST_CQL_PEER_SCRIPT`),
/// kills it, restarts it on the same folder and port, or makes it answer with Cassandra's errors.
@Suite("iotflow binary on Cassandra faults", .serialized)
struct CassandraFaultTests {
    static let json: HTTPFields = [.contentType: "application/json"]

    @Test("the peer killed with SIGKILL under writes: 503 while down, recovery without a restart, no acknowledged point lost")
    func killedUnderWrites() async throws {
        let peer = try TestPeer()
        defer { peer.remove() }
        try await peer.start()
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let server = try await ServerProcess(dataDirectory: directory, environment: peer.environment)
        defer { _ = server.terminate() }
        let (token, deviceID, apiKey) = try await DurabilityTests().provision(server)
        var writeHeaders = Self.json
        writeHeaders[HTTPField.Name("X-API-Key")!] = apiKey
        let headers = writeHeaders

        let base = Int64(Date().timeIntervalSince1970 * 1000) - 3_600_000
        let progress = WriteProgress()
        let flags = WriterFlags()
        let port = server.port
        try await withThrowingTaskGroup(of: Void.self) { group in
            for writer in 0..<4 {
                group.addTask {
                    try await TestClient.withClient(host: "127.0.0.1", port: port, configuration: .init(timeout: .seconds(30))) { client in
                        var request = 0
                        while !flags.stop.load(ordering: .relaxed) {
                            let timestamps = (0..<5).map { base + Int64(writer) * 1_000_000 + Int64(request) * 10 + Int64($0) }
                            request += 1
                            let points = timestamps.map { #"{"timestamp":\#($0),"data":{"v":\#($0 % 100_000)}}"# }
                            let response = try await client.execute(
                                TestClient.Request(
                                    "/api/v1/telemetry", method: .post, headers: headers,
                                    body: ByteBuffer(string: #"{"points":[\#(points.joined(separator: ","))]}"#)))
                            if response.status == .created {
                                progress.acknowledged.withLock { $0.append(contentsOf: timestamps) }
                                progress.requests.add(1, ordering: .relaxed)
                            } else {
                                #expect(response.status == .serviceUnavailable, "a write while Cassandra is down is 503, not \(response.status)")
                                flags.refused.add(1, ordering: .relaxed)
                                try await Task.sleep(for: .milliseconds(20))
                            }
                        }
                    }
                }
            }
            try await Self.waitUntil("100 acknowledged writes") { progress.requests.load(ordering: .relaxed) >= 100 }
            try await peer.kill()
            try await Self.waitUntil("a write refused while the peer is down") { flags.refused.load(ordering: .relaxed) > 0 }
            let health = try await server.request("/health?detailed=true", method: .get)
            #expect(health.status == .serviceUnavailable)
            let plain = try await server.request("/health", method: .get)
            #expect(plain.status == .ok, "the plain health check needs no store")
            let device = try await server.request("/api/v1/devices/\(deviceID)", method: .get, headers: [.authorization: "Bearer \(token)"])
            #expect(device.status == .ok, "the registry keeps working without Cassandra")
            let groups = try await server.request("/api/v1/groups", method: .get, headers: [.authorization: "Bearer \(token)"])
            #expect(groups.status == .ok)

            try await peer.start()
            let acknowledgedBefore = progress.requests.load(ordering: .relaxed)
            try await Self.waitUntil("writes acknowledged again after the restart") {
                progress.requests.load(ordering: .relaxed) >= acknowledgedBefore + 50
            }
            flags.stop.store(true, ordering: .relaxed)
            try await group.waitForAll()
        }

        let expected = Set(progress.acknowledged.withLock { $0 })
        var found = Set<Int64>()
        for writer in 0..<4 {
            let start = base + Int64(writer) * 1_000_000
            var cursor: String?
            repeat {
                var uri = "/api/v1/telemetry/\(deviceID)?start_time=\(start)&end_time=\(start + 999_999)&order=asc&limit=1000"
                if let cursor { uri += "&cursor=\(cursor)" }
                let page = try await server.request(uri, method: .get, headers: [.authorization: "Bearer \(token)"])
                #expect(page.status == .ok)
                let body = try page.json
                for entry in try #require(body["data"] as? [[String: Any]]) {
                    found.insert(try DurabilityTests.milliseconds(try #require(entry["timestamp"] as? String)))
                }
                cursor = body["next"] as? String
            } while cursor != nil
        }
        let missing = expected.subtracting(found)
        #expect(missing.isEmpty, "\(missing.count) of \(expected.count) acknowledged points are missing after the peer's kill -9")
    }

    @Test(
        "Cassandra's WriteTimeout, Unavailable and Overloaded answers are 503 JSON; nothing is acknowledged; a retry lands once",
        arguments: ["write_timeout", "unavailable", "overloaded"])
    func errorAnswers(_ action: String) async throws {
        let peer = try TestPeer()
        defer { peer.remove() }
        try await peer.start()
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let server = try await ServerProcess(dataDirectory: directory, environment: peer.environment)
        defer { _ = server.terminate() }
        let (token, deviceID, apiKey) = try await DurabilityTests().provision(server)
        var headers = Self.json
        headers[HTTPField.Name("X-API-Key")!] = apiKey
        let body = #"{"timestamp":1700000000000,"data":{"t":21.5}}"#

        try peer.setFaults(#"{"rules":[{"action":"\#(action)","opcodes":["BATCH"],"count":-1,"match":"points"}]}"#)
        let refused = try await server.request("/api/v1/telemetry", method: .post, headers: headers, body: body)
        #expect(refused.status == .serviceUnavailable)
        #expect(refused.headers[.contentType]?.hasPrefix("application/json") == true)
        #expect((try refused.json["error"] as? String)?.isEmpty == false)
        #expect(try peer.firedFaults() > 0, "the peer answered with \(action)")

        try peer.setFaults(#"{"rules":[]}"#)
        let accepted = try await server.request("/api/v1/telemetry", method: .post, headers: headers, body: body)
        #expect(accepted.status == .created)
        let history = try await server.request(
            "/api/v1/telemetry/\(deviceID)?start_time=1699999999000&end_time=1700000001000", method: .get,
            headers: [.authorization: "Bearer \(token)"])
        #expect(history.status == .ok)
        #expect((try history.json["data"] as? [Any])?.count == 1)
    }

    @Test("a request Cassandra never answers is 503 within the request deadline, and the next one is served")
    func neverAnswered() async throws {
        let peer = try TestPeer()
        defer { peer.remove() }
        try await peer.start()
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var environment = peer.environment
        environment["IOTFLOW_REQUEST_TIMEOUT_SECONDS"] = "3"
        let server = try await ServerProcess(dataDirectory: directory, environment: environment)
        defer { _ = server.terminate() }
        let (_, _, apiKey) = try await DurabilityTests().provision(server)
        var headers = Self.json
        headers[HTTPField.Name("X-API-Key")!] = apiKey

        try peer.setFaults(#"{"rules":[{"action":"no_response","opcodes":["BATCH"],"count":1,"match":"points"}]}"#)
        let started = ContinuousClock.now
        let unanswered = try await server.request("/api/v1/telemetry", method: .post, headers: headers, body: #"{"data":{"t":1}}"#)
        #expect(unanswered.status == .serviceUnavailable)
        #expect(ContinuousClock.now - started < .seconds(9), "answered within the request deadline")
        // The unanswered statement times out with the request; writes queued behind it are served again.
        var served = false
        let deadline = ContinuousClock.now + .seconds(60)
        while !served, ContinuousClock.now < deadline {
            let next = try await server.request("/api/v1/telemetry", method: .post, headers: headers, body: #"{"data":{"t":2}}"#)
            served = next.status == .created
            if !served { try await Task.sleep(for: .milliseconds(200)) }
        }
        #expect(served, "no write was served within 60 s after the unanswered one")
        #expect(ContinuousClock.now - started < .seconds(20), "served again soon after the request deadline")
    }

    @Test("an answer split across two writes is read whole; a frame cut off by a closed connection is 503, then writes recover")
    func cutFrames() async throws {
        let peer = try TestPeer()
        defer { peer.remove() }
        try await peer.start()
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let server = try await ServerProcess(dataDirectory: directory, environment: peer.environment)
        defer { _ = server.terminate() }
        let (_, _, apiKey) = try await DurabilityTests().provision(server)
        var headers = Self.json
        headers[HTTPField.Name("X-API-Key")!] = apiKey

        try peer.setFaults(#"{"rules":[{"action":"split_response","opcodes":["BATCH"],"count":1,"match":"points","pause_ms":300,"split_at":5}]}"#)
        let split = try await server.request("/api/v1/telemetry", method: .post, headers: headers, body: #"{"data":{"t":1}}"#)
        #expect(split.status == .created)
        #expect(try peer.firedFaults() == 1)

        try peer.setFaults(#"{"rules":[{"action":"half_then_close","opcodes":["BATCH"],"count":1,"match":"points"}]}"#)
        let cut = try await server.request("/api/v1/telemetry", method: .post, headers: headers, body: #"{"data":{"t":2}}"#)
        #expect(cut.status == .serviceUnavailable)
        #expect(try peer.firedFaults() == 2)
        var served = false
        let deadline = ContinuousClock.now + .seconds(60)
        while !served, ContinuousClock.now < deadline {
            let next = try await server.request("/api/v1/telemetry", method: .post, headers: headers, body: #"{"data":{"t":3}}"#)
            served = next.status == .created
            if !served { try await Task.sleep(for: .milliseconds(200)) }
        }
        #expect(served, "writes recover after the connection was cut")
    }

    @Test("PasswordAuthenticator: the right CASSANDRA_PASSWORD signs in; a wrong one stops serve with one line that shows no password")
    func authentication() async throws {
        let peer = try TestPeer(credentials: (username: "iotflow", password: "right-Secret1"))
        defer { peer.remove() }
        try await peer.start()
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var wrong = peer.environment
        wrong["CASSANDRA_USERNAME"] = "iotflow"
        wrong["CASSANDRA_PASSWORD"] = "wrong-Secret2"
        let refused = try ServerProcess(launching: directory, environment: wrong)
        // A server that signed in anyway would never exit: give it a deadline instead of waiting forever.
        try await Self.waitUntil("serve to exit on the refused sign-in") { !refused.process.isRunning }
        let (status, output) = await refused.waitForExit()
        #expect(status != 0)
        #expect(output.split(separator: "\n").filter { !$0.isEmpty }.count == 1, "expected one line, got: \(output)")
        #expect(output.contains("127.0.0.1:\(peer.port)"))
        #expect(!output.contains("wrong-Secret2") && !output.contains("right-Secret1"))

        var right = peer.environment
        right["CASSANDRA_USERNAME"] = "iotflow"
        right["CASSANDRA_PASSWORD"] = "right-Secret1"
        let server = try await ServerProcess(dataDirectory: directory, environment: right)
        defer { _ = server.terminate() }
        let (_, _, apiKey) = try await DurabilityTests().provision(server)
        var headers = Self.json
        headers[HTTPField.Name("X-API-Key")!] = apiKey
        let write = try await server.request("/api/v1/telemetry", method: .post, headers: headers, body: #"{"data":{"t":1}}"#)
        #expect(write.status == .created)
    }

    @Test("Cassandra unreachable at start: serve exits non-zero with one line naming the endpoint, no password")
    func unreachableAtStart() async throws {
        let port = try ServerProcess.restartablePort()
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let server = try ServerProcess(
            launching: directory,
            environment: [
                "CASSANDRA_HOSTS": "127.0.0.1", "CASSANDRA_PORT": "\(port)", "CASSANDRA_USERNAME": "iotflow", "CASSANDRA_PASSWORD": "s3cret-Cql",
            ])
        let (status, output) = await server.waitForExit()
        #expect(status != 0)
        let lines = output.split(separator: "\n").filter { !$0.isEmpty }
        #expect(lines.count == 1, "expected one line, got: \(output)")
        #expect(output.contains("127.0.0.1:\(port)"))
        #expect(!output.contains("s3cret-Cql"))
    }

    /// Polls `condition` until it holds, failing after two minutes (generous for a busy machine).
    static func waitUntil(_ what: String, _ condition: @Sendable () -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(120)
        while !condition() {
            guard ContinuousClock.now < deadline else {
                Issue.record("timed out waiting for \(what)")
                throw CancellationError()
            }
            try await Task.sleep(for: .milliseconds(20))
        }
    }
}

/// What the writers of a fault test share with the test.
final class WriterFlags: Sendable {
    let refused = Atomic<Int>(0)
    let stop = Atomic<Bool>(false)
}

/// A CQL protocol peer of this test's own, on a free loopback port, with its state in a folder of its own.
struct TestPeer {
    let script: String
    let directory: String
    let port: Int
    /// When set, the peer requires PasswordAuthenticator with these.
    let credentials: (username: String, password: String)?

    init(credentials: (username: String, password: String)? = nil) throws {
        self.credentials = credentials
        self.script = try #require(
            ProcessInfo.processInfo.environment["IOTFLOW_TEST_CQL_PEER_SCRIPT"],
            "IOTFLOW_TEST_CQL_PEER_SCRIPT must name scripts/cql-peer.sh (scripts/test.sh sets it)")
        self.directory = FileManager.default.temporaryDirectory.appendingPathComponent("iotflow-fault-cql-\(UUID().uuidString)").path
        self.port = try ServerProcess.restartablePort()
    }

    /// What the server needs to keep its telemetry here.
    var environment: [String: String] {
        ["CASSANDRA_HOSTS": "127.0.0.1:\(self.port)", "CASSANDRA_KEYSPACE": "iotflow_fault", "CASSANDRA_CONSISTENCY": "LOCAL_ONE"]
    }

    func start() async throws {
        let arguments = ["start", self.directory, String(self.port)]
        guard let credentials else { return try await self.run(arguments) }
        let status = try await spawnAndWait(
            "/usr/bin/env",
            ["CQL_PEER_USERNAME=\(credentials.username)", "CQL_PEER_PASSWORD=\(credentials.password)", "/bin/bash", self.script] + arguments)
        #expect(status == 0, "cql-peer.sh start with credentials failed with status \(status)")
    }
    func kill() async throws { try await self.run(["kill", self.directory]) }

    /// Replaces the peer's fault rules (it rereads the file when it changes).
    func setFaults(_ json: String) throws {
        let path = self.directory + "/faults.json"
        try json.write(toFile: path + ".tmp", atomically: false, encoding: .utf8)
        guard rename(path + ".tmp", path) == 0 else { throw ServerProcessError(message: "cannot replace \(path)") }
    }

    /// How many fault rules fired so far.
    func firedFaults() throws -> Int {
        guard let text = try? String(contentsOfFile: self.directory + "/faults.log", encoding: .utf8) else { return 0 }
        return text.split(separator: "\n").count
    }

    func remove() {
        // The oracle checked every frame the server sent: a frame it cannot decode fails the test.
        let status = (try? spawnAndWaitBlocking("/bin/bash", [self.script, "check", self.directory])) ?? -1
        #expect(status == 0, "the CQL oracle rejected frames the server sent (see \(self.directory)/oracle-violations.log)")
        _ = try? spawnAndWaitBlocking("/bin/bash", [self.script, "stop", self.directory])
        if status == 0 { try? FileManager.default.removeItem(atPath: self.directory) }
    }

    private func run(_ arguments: [String]) async throws {
        let status = try await spawnAndWait("/bin/bash", [self.script] + arguments)
        #expect(status == 0, "cql-peer.sh \(arguments.joined(separator: " ")) failed with status \(status)")
    }
}
