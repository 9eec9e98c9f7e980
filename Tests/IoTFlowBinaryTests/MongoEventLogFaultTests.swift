import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Synchronization
import Testing

/// The built binary with its event log in MongoDB, against nx-27017 (no mongod runs on these machines): each test
/// runs a server of its own (scripts/mongo-server.sh, named by `IOTFLOW_TEST_MONGO_SCRIPT`), kills it and restarts it
/// on the same folder and port.
@Suite("iotflow binary on MongoDB faults", .serialized)
struct MongoEventLogFaultTests {
    static let adminToken = "mongo-fault-admin-token"
    static let json: HTTPFields = [.contentType: "application/json"]
    static var admin: HTTPFields { [.authorization: "admin \(Self.adminToken)"] }

    @Test("MongoDB killed under requests: no request fails, the event log is 503 while down, queued events land after the restart")
    func killedUnderRequests() async throws {
        let mongo = try TestMongo()
        defer { mongo.remove() }
        try await mongo.start()
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var environment = mongo.environment
        environment["IOTFLOW_ADMIN_TOKEN"] = Self.adminToken
        let server = try await ServerProcess(dataDirectory: directory, environment: environment)
        defer { _ = server.terminate() }
        let (_, _, apiKey) = try await DurabilityTests().provision(server)
        try await Self.waitUntil("the first events in MongoDB") {
            let answer = try await server.request("/api/v1/admin/events?event_type=device.registered", method: .get, headers: Self.admin)
            guard answer.status == .ok else { return false }
            return (try answer.json["events"] as? [Any])?.isEmpty == false
        }

        var writeHeaders = Self.json
        writeHeaders[HTTPField.Name("X-API-Key")!] = apiKey
        let headers = writeHeaders
        let counts = RequestCounts()
        let port = server.port
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<2 {
                group.addTask {
                    try await TestClient.withClient(host: "127.0.0.1", port: port, configuration: .init(timeout: .seconds(30))) { client in
                        while !counts.stop.load(ordering: .relaxed) {
                            let response = try await client.execute(
                                TestClient.Request(
                                    "/api/v1/telemetry", method: .post, headers: headers, body: ByteBuffer(string: #"{"data":{"t":1}}"#)))
                            if response.status == .created {
                                counts.written.add(1, ordering: .relaxed)
                            } else {
                                counts.failures.add(1, ordering: .relaxed)
                            }
                        }
                    }
                }
            }
            try await Self.waitUntil("writes before the kill") { counts.written.load(ordering: .relaxed) >= 50 }
            try await mongo.kill()
            try await Self.waitUntil("the event log answering 503 while MongoDB is down") {
                try await server.request("/api/v1/admin/events", method: .get, headers: Self.admin).status == .serviceUnavailable
            }
            let analytics = try await server.request("/api/v1/admin/analytics/events", method: .get, headers: Self.admin)
            #expect(analytics.status == .serviceUnavailable)
            #expect((try analytics.json["error"] as? String)?.isEmpty == false)
            let health = try await server.request("/health?detailed=true", method: .get)
            #expect(health.status == .ok, "events are not a primary store: the server is degraded, not down")
            #expect(try health.json["status"] as? String == "degraded")
            // Actions during the outage succeed; their events wait in the queue.
            let registered = try await server.request(
                "/api/v1/auth/register", method: .post, headers: Self.json,
                body: #"{"username":"during","email":"during@example.com","password":"password123"}"#)
            #expect(registered.status == .created)
            let userID = try #require((try registered.json["user"] as? [String: Any])?["user_id"] as? String)
            let beforeRestart = counts.written.load(ordering: .relaxed)
            try await Self.waitUntil("writes while MongoDB is down") { counts.written.load(ordering: .relaxed) >= beforeRestart + 50 }

            try await mongo.start()
            try await Self.waitUntil("the event registered during the outage in MongoDB") {
                let answer = try await server.request(
                    "/api/v1/admin/events?event_type=user.registered&user_id=\(userID)", method: .get, headers: Self.admin)
                guard answer.status == .ok else { return false }
                return (try answer.json["events"] as? [Any])?.count == 1
            }
            counts.stop.store(true, ordering: .relaxed)
            try await group.waitForAll()
        }
        #expect(counts.failures.load(ordering: .relaxed) == 0, "a request failed because MongoDB was down")
        let stats = try await server.request("/api/v1/admin/stats", method: .get, headers: Self.admin)
        #expect(stats.status == .ok)
        let events = try #require(try stats.json["events"] as? [String: Any])
        #expect(events["dropped"] as? Int == 0, "the queue held every event of the outage: \(events)")
    }

    @Test("a MongoDB that refuses the credentials: the server serves, logs the failure once without the password, the event log is 503")
    func authenticationFailure() async throws {
        let mongo = try TestMongo()
        defer { mongo.remove() }
        try await mongo.start()
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let password = "not-this-password-4711"
        let environment = [
            "MONGODB_URI": "mongodb://iotflow:\(password)@127.0.0.1:\(mongo.port)/iotflow_fault?authSource=admin",
            "IOTFLOW_ADMIN_TOKEN": Self.adminToken,
        ]
        let server = try await ServerProcess(dataDirectory: directory, environment: environment)
        defer { _ = server.terminate() }
        try await Self.waitUntil("the event log answering 503") {
            try await server.request("/api/v1/admin/events", method: .get, headers: Self.admin).status == .serviceUnavailable
        }
        let registered = try await server.request(
            "/api/v1/auth/register", method: .post, headers: Self.json,
            body: #"{"username":"alice","email":"alice@example.com","password":"password123"}"#)
        #expect(registered.status == .created, "requests do not depend on the event log")
        _ = server.terminate()
        let log = server.printed()
        #expect(!log.contains(password), "the MongoDB password appeared in the log")
        let warnings = log.split(separator: "\n").filter { $0.contains("cannot prepare the event log in MongoDB") }
        #expect(warnings.count == 1, "expected one warning about MongoDB, got: \(log.suffix(2000))")
    }

    static func waitUntil(_ what: String, _ condition: @Sendable () async throws -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(120)
        while !((try? await condition()) ?? false) {
            guard ContinuousClock.now < deadline else {
                Issue.record("timed out waiting for \(what)")
                throw CancellationError()
            }
            try await Task.sleep(for: .milliseconds(50))
        }
    }
}

/// What the request loops of a fault test share with the test.
final class RequestCounts: Sendable {
    let failures = Atomic<Int>(0)
    let written = Atomic<Int>(0)
    let stop = Atomic<Bool>(false)
}

/// An nx-27017 server of the test's own, started, killed and restarted with scripts/mongo-server.sh.
struct TestMongo {
    let script: String
    let directory: String
    let port: Int

    init() throws {
        self.script = try #require(
            ProcessInfo.processInfo.environment["IOTFLOW_TEST_MONGO_SCRIPT"],
            "IOTFLOW_TEST_MONGO_SCRIPT must name scripts/mongo-server.sh (scripts/test.sh sets it)")
        self.directory = FileManager.default.temporaryDirectory.appendingPathComponent("iotflow-fault-mongo-\(UUID().uuidString)").path
        self.port = try ServerProcess.restartablePort()
    }

    /// What the server needs to keep its events here.
    var environment: [String: String] { ["MONGODB_URI": "mongodb://127.0.0.1:\(self.port)/iotflow_fault"] }

    func start() async throws { try await self.run(["start", self.directory, String(self.port)]) }
    func kill() async throws { try await self.run(["kill", self.directory]) }

    func remove() {
        _ = try? spawnAndWaitBlocking("/bin/bash", [self.script, "stop", self.directory])
        try? FileManager.default.removeItem(atPath: self.directory)
    }

    private func run(_ arguments: [String]) async throws {
        let status = try await spawnAndWait("/bin/bash", [self.script] + arguments)
        #expect(status == 0, "mongo-server.sh \(arguments.joined(separator: " ")) failed with status \(status)")
    }
}
