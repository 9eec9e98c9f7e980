import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Synchronization
import TestProcess
import Testing

/// Black-box tests of the built `iotflow` binary: crash durability, clean shutdown, startup errors.
@Suite("iotflow binary", .serialized)
struct DurabilityTests {
    static let json: HTTPFields = [.contentType: "application/json"]

    /// Registers a user and a device; returns the bearer token, device id and API key.
    func provision(_ server: ServerProcess) async throws -> (token: String, deviceID: Int, apiKey: String) {
        let registered = try await server.request(
            "/api/v1/auth/register", method: .post, headers: Self.json,
            body: #"{"username":"durable","email":"durable@example.com","password":"password123"}"#
        )
        #expect(registered.status == .created)
        let token = try #require(try registered.json["token"] as? String)
        var headers = Self.json
        headers[.authorization] = "Bearer \(token)"
        let device = try await server.request(
            "/api/v1/devices/register", method: .post, headers: headers, body: #"{"name":"crashy","device_type":"sensor"}"#)
        #expect(device.status == .created)
        let body = try #require(try device.json["device"] as? [String: Any])
        return (token, try #require(body["id"] as? Int), try #require(body["api_key"] as? String))
    }

    @Test("every acknowledged point survives kill -9")
    func acknowledgedPointsSurviveKill() async throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let first = try await ServerProcess(dataDirectory: directory)
        let (token, deviceID, apiKey) = try await self.provision(first)

        // Eight writers post 10-point batches with distinct timestamps until the server dies.
        let base = Int64(Date().timeIntervalSince1970 * 1000) - 3_600_000
        let progress = WriteProgress()
        let port = first.port
        await withTaskGroup(of: Void.self) { group in
            for writer in 0..<8 {
                group.addTask {
                    try? await TestClient.withClient(host: "127.0.0.1", port: port, configuration: .init(timeout: .seconds(5))) { client in
                        for request in 0..<400 {
                            let timestamps = (0..<10).map { base + Int64(writer) * 100_000 + Int64(request) * 10 + Int64($0) }
                            let points = timestamps.map { #"{"timestamp":\#($0),"data":{"v":\#($0 % 100_000),"w":"s\#($0)"}}"# }
                            var headers = Self.json
                            headers[HTTPField.Name("X-API-Key")!] = apiKey
                            let response = try await client.execute(
                                TestClient.Request(
                                    "/api/v1/telemetry", method: .post, headers: headers,
                                    body: ByteBuffer(string: #"{"points":[\#(points.joined(separator: ","))]}"#)
                                )
                            )
                            guard response.status == .created else { return }
                            progress.acknowledged.withLock { $0.append(contentsOf: timestamps) }
                            progress.requests.add(1, ordering: .relaxed)
                        }
                    }
                }
            }
            group.addTask {
                // Kill while writes are still streaming in, so some requests are in flight.
                let deadline = ContinuousClock.now + .seconds(120)
                while progress.requests.load(ordering: .relaxed) < 600, ContinuousClock.now < deadline {
                    try? await Task.sleep(for: .milliseconds(5))
                }
                first.kill()
            }
        }
        let expected = Set(progress.acknowledged.withLock { $0 })
        #expect(expected.count >= 6000)

        let second = try await ServerProcess(dataDirectory: directory)
        defer { _ = second.terminate() }
        var found: [Int64: (Any?, Any?)] = [:]
        var cursor: String?
        repeat {
            var uri = "/api/v1/telemetry/\(deviceID)?start_time=\(base)&end_time=now&order=asc&limit=10000"
            if let cursor { uri += "&cursor=\(cursor)" }
            let page = try await second.request(uri, method: .get, headers: [.authorization: "Bearer \(token)"])
            #expect(page.status == .ok)
            let body = try page.json
            for entry in try #require(body["data"] as? [[String: Any]]) {
                let iso = try #require(entry["timestamp"] as? String)
                let measurements = try #require(entry["measurements"] as? [String: Any])
                found[try Self.milliseconds(iso)] = (measurements["v"], measurements["w"])
            }
            cursor = body["next"] as? String
        } while cursor != nil
        let missing = expected.filter { found[$0] == nil }
        #expect(missing.isEmpty, "\(missing.count) acknowledged points are missing after kill -9")
        for timestamp in expected.prefix(500) {
            let values = try #require(found[timestamp])
            #expect(values.0 as? Int == Int(timestamp % 100_000))
            #expect(values.1 as? String == "s\(timestamp)")
        }
    }

    @Test("SIGTERM shuts down cleanly and keeps the data")
    func gracefulShutdown() async throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let server = try await ServerProcess(dataDirectory: directory)
        let (token, deviceID, apiKey) = try await self.provision(server)
        var headers = Self.json
        headers[HTTPField.Name("X-API-Key")!] = apiKey
        let posted = try await server.request("/api/v1/telemetry", method: .post, headers: headers, body: #"{"data":{"t":1.5}}"#)
        #expect(posted.status == .created)
        #expect(server.terminate() == 0)

        let again = try await ServerProcess(dataDirectory: directory)
        defer { _ = again.terminate() }
        let latest = try await again.request("/api/v1/telemetry/\(deviceID)/latest", method: .get, headers: [.authorization: "Bearer \(token)"])
        #expect(latest.status == .ok)
        let data = try #require(try latest.json["latest_data"] as? [String: Any])
        #expect(data["t"] as? Double == 1.5)
    }

    @Test("a malformed setting stops serve with one clear line")
    func badConfiguration() async throws {
        var environment = ProcessInfo.processInfo.environment
        environment["PORT"] = "not-a-port"
        let result = try await runCommand(try ServerProcess.binaryPath(), ["serve"], environment: environment)
        let message = result.errors
        #expect(result.status != 0)
        #expect(message.contains("PORT"))
        #expect(message.split(separator: "\n").count == 1, "expected one line, got: \(message)")
    }

    @Test("a port already in use stops serve with one line and a clean exit, not a crash")
    func portInUse() async throws {
        let first = try makeTemporaryDirectory()
        let second = try makeTemporaryDirectory()
        defer {
            try? FileManager.default.removeItem(atPath: first)
            try? FileManager.default.removeItem(atPath: second)
        }
        let running = try await ServerProcess(dataDirectory: first)
        defer { _ = running.terminate() }
        let blocked = try ServerProcess(launching: second, environment: [:], port: running.port)
        let (status, output) = await blocked.waitForExit()
        #expect(status == 1, "expected exit status 1, got \(status): \(output)")
        #expect(output.contains("in use"), "got: \(output)")
        #expect(!output.contains("crashed"), "got: \(output)")
    }

    static func milliseconds(_ iso: String) throws -> Int64 {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        let date = try #require(formatter.date(from: iso), "not ISO 8601: \(iso)")
        return Int64((date.timeIntervalSince1970 * 1000).rounded())
    }
}

/// What the writers of the durability test saw acknowledged, shared across their tasks.
final class WriteProgress: Sendable {
    let acknowledged = Mutex<[Int64]>([])
    let requests = Atomic<Int>(0)
}
