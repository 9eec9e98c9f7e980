import Foundation
import NIOCore
import TestProcess
import Testing

/// `iotflow simulate` against a real `iotflow serve`, over HTTP and MQTT, and its exit status when a check fails or the
/// server is not there.
@Suite("iotflow simulate", .serialized)
struct SimulateTests {
    static let adminToken = "simulate-admin-token-0123456789abcdef"

    /// Runs `iotflow simulate` with `arguments` and parses its `--json` summary.
    static func simulate(_ arguments: [String]) async throws -> (result: CommandResult, summary: [String: Any]?) {
        let result = try await runCommand(try ServerProcess.binaryPath(), ["simulate", "--json"] + arguments, timeout: .seconds(180))
        let summary = try? JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Any]
        return (result, summary)
    }

    /// A server with MQTT on a port of its own and an admin token, for `body`.
    static func withServer(environment: [String: String] = [:], _ body: (ServerProcess, Int) async throws -> Void) async throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let mqttPort = try ServerProcess.freePort()
        let server = try await ServerProcess(
            dataDirectory: directory,
            environment: ["MQTT_PORT": String(mqttPort), "IOTFLOW_ADMIN_TOKEN": Self.adminToken].merging(environment) { $1 })
        defer { _ = server.terminate() }
        try await body(server, mqttPort)
    }

    static func checks(_ summary: [String: Any]?) -> [String: Bool] {
        let checks = summary?["checks"] as? [[String: Any]] ?? []
        return Dictionary(
            uniqueKeysWithValues: checks.compactMap { check in
                (check["name"] as? String).map { ($0, check["passed"] as? Bool ?? false) }
            })
    }

    @Test("over HTTP and over MQTT: every check passes, alerts included, and --cleanup leaves nothing behind", arguments: ["http", "mqtt"])
    func passes(_ transport: String) async throws {
        try await Self.withServer { server, mqttPort in
            let (result, parsed) = try await Self.simulate([
                "--url", "http://127.0.0.1:\(server.port)", "--protocol", transport, "--mqtt-port", String(mqttPort), "--devices", "4",
                "--groups", "2", "--rate", "40", "--duration", "3", "--alerts", "--cleanup", "--admin-token", Self.adminToken,
            ])
            #expect(result.status == 0, "stdout: \(result.output) stderr: \(result.errors)")
            let summary = try #require(parsed, "no JSON summary: \(result.output) \(result.errors)")
            #expect(summary["passed"] as? Bool == true)
            #expect(summary["protocol"] as? String == transport)
            let acknowledged = try #require(summary["acknowledged"] as? Int)
            #expect(acknowledged > 0 && acknowledged == summary["sent"] as? Int)
            #expect(
                Self.checks(summary) == [
                    "writes": true, "latest values": true, "history": true, "aggregations": true, "group latest values": true, "alerts": true,
                ])
            #expect((summary["cleanup"] as? [String: Any])?["passed"] as? Bool == true)
            // The simulated user is gone with its devices: the admin lists only what is left.
            let users = try await server.request("/api/v1/users", method: .get, headers: [.authorization: "admin \(Self.adminToken)"])
            #expect(!(String(buffer: users.body ?? .init())).contains("sim_"))
        }
    }

    @Test("a check that fails (writes past the rate limit) makes the exit status non-zero, and the summary says why")
    func failingCheckExitsNonZero() async throws {
        try await Self.withServer(environment: ["RATE_LIMIT_PER_MINUTE": "20"]) { server, _ in
            let (result, parsed) = try await Self.simulate([
                "--url", "http://127.0.0.1:\(server.port)", "--devices", "1", "--groups", "0", "--rate", "50", "--duration", "2",
            ])
            #expect(result.status == 1)
            let summary = try #require(parsed, "no JSON summary: \(result.output) \(result.errors)")
            #expect(summary["passed"] as? Bool == false)
            #expect(Self.checks(summary)["writes"] == false)
            let writes = (summary["checks"] as? [[String: Any]])?.first { $0["name"] as? String == "writes" }
            #expect((writes?["detail"] as? String)?.contains("HTTP 429") == true, "\(String(describing: writes))")
        }
    }

    @Test("Ctrl-C stops sending, checks what was sent and prints the summary; the exit status is 130")
    func interrupt() async throws {
        try await Self.withServer { server, _ in
            let directory = try makeTemporaryDirectory()
            defer { try? FileManager.default.removeItem(atPath: directory) }
            let (output, errors) = (directory + "/stdout", directory + "/stderr")
            let simulate = try ChildProcess.launch(
                try ServerProcess.binaryPath(),
                ["simulate", "--json", "--url", "http://127.0.0.1:\(server.port)", "--devices", "2", "--rate", "20", "--duration", "600"],
                output: .file(output), errors: .file(errors))
            defer { simulate.killAndReap() }
            let deadline = ContinuousClock.now + .seconds(60)
            while !((try? String(contentsOfFile: errors, encoding: .utf8)) ?? "").contains("sending") {
                try #require(ContinuousClock.now < deadline && simulate.isRunning, "simulate did not start sending")
                try await Task.sleep(for: .milliseconds(50))
            }
            try await Task.sleep(for: .seconds(1))
            simulate.send(SIGINT)
            let status = try await simulate.waitForExit(within: .seconds(60), what: "simulate after SIGINT")
            #expect(status == 130)
            let text = try String(contentsOfFile: output, encoding: .utf8)
            let summary = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], "stdout: \(text)")
            #expect(summary["interrupted"] as? Bool == true)
            #expect(summary["passed"] as? Bool == true, "\(text)")
            #expect((summary["acknowledged"] as? Int ?? 0) > 0)
            #expect((summary["duration_s"] as? Double ?? 600) < 300)
        }
    }

    @Test("no server at the URL: one clear line and a non-zero exit")
    func noServer() async throws {
        let port = try ServerProcess.freePort()
        let (result, _) = try await Self.simulate(["--url", "http://127.0.0.1:\(port)", "--duration", "1"])
        #expect(result.status != 0)
        #expect(result.errors.contains("cannot connect to http://127.0.0.1:\(port)"), "\(result.errors)")
    }

    @Test(
        "bad options are refused before anything is created",
        arguments: [["--devices", "0"], ["--rate", "-1"], ["--url", "https://x"], ["--protocol", "coap"]])
    func badOptions(_ arguments: [String]) async throws {
        let (result, _) = try await Self.simulate(arguments)
        #expect(result.status != 0)
        #expect(!result.errors.isEmpty)
    }
}
