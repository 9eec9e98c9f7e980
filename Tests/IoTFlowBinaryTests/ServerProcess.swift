import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import TestProcess
import Testing

/// A real `iotflow serve` process on loopback, for tests of the built binary.
///
/// The binary path comes from `IOTFLOW_BINARY` (scripts/test.sh sets it after building); a missing
/// variable fails the test rather than skipping it.
final class ServerProcess: Sendable {
    let process: ChildProcess
    let port: Int
    let dataDirectory: String
    /// Everything the server prints goes to this file (a pipe would have to be drained while it runs).
    private let outputPath: String

    static func binaryPath() throws -> String {
        let path = try #require(
            ProcessInfo.processInfo.environment["IOTFLOW_BINARY"], "IOTFLOW_BINARY must name the built iotflow executable (scripts/test.sh sets it)"
        )
        #expect(FileManager.default.isExecutableFile(atPath: path), "IOTFLOW_BINARY=\(path) is not executable")
        return path
    }

    /// Starts the server on a free port and waits until `/health` answers.
    convenience init(dataDirectory: String, environment: [String: String] = [:]) async throws {
        try self.init(launching: dataDirectory, environment: environment)
        try await self.waitUntilReady()
    }

    /// Starts the server without waiting for it.
    init(launching dataDirectory: String, environment: [String: String], port: Int? = nil) throws {
        self.dataDirectory = dataDirectory
        self.port = try port ?? Self.freePort()
        var env = ProcessInfo.processInfo.environment
        env["IOTFLOW_BCRYPT_COST"] = "4"
        env["LOG_LEVEL"] = "warning"
        // Servers of these tests run side by side: none takes the standard MQTT port unless a test asks for MQTT.
        env["MQTT_PORT"] = "off"
        for (key, value) in environment { env[key] = value }
        self.outputPath = FileManager.default.temporaryDirectory.appendingPathComponent("iotflow-output-\(UUID().uuidString).log").path
        self.process = try ChildProcess.launch(
            try Self.binaryPath(), ["serve", "--port", String(self.port), "--data-dir", dataDirectory], environment: env,
            output: .file(self.outputPath), errors: .standardOutput)
    }

    /// Waits for the process to exit and returns its status and everything it printed.
    func waitForExit() async -> (status: Int32, output: String) {
        let status = await self.process.waitForExit()
        return (status, self.printed())
    }

    /// What the server printed until now.
    func printed() -> String {
        (try? String(contentsOfFile: self.outputPath, encoding: .utf8)) ?? ""
    }

    private func waitUntilReady() async throws {
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            if let status = self.process.exitStatus {
                throw ServerProcessError(message: "iotflow exited early with status \(status): \(self.printed())")
            }
            if let response = try? await self.request("/health", method: .get), response.status == .ok { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw ServerProcessError(message: "iotflow did not answer /health within 30 s")
    }

    /// One request on a fresh connection.
    func request(_ uri: String, method: HTTPRequest.Method, headers: HTTPFields = [:], body: String? = nil) async throws -> TestClient.Response {
        try await TestClient.withClient(host: "127.0.0.1", port: self.port, configuration: .init(timeout: .seconds(10))) { client in
            try await client.execute(TestClient.Request(uri, method: method, headers: headers, body: body.map { ByteBuffer(string: $0) }))
        }
    }

    /// Sends SIGKILL: no shutdown code runs, as in a crash or power cut of the process.
    func kill() {
        self.process.killAndReap()
    }

    /// Sends SIGTERM and waits for a graceful exit; returns the exit status. Blocking, for the `defer`s of the tests.
    func terminate() -> Int32 {
        self.process.send(SIGTERM)
        return self.process.waitForExitBlocking()
    }

    deinit {
        self.process.killAndReap()
        try? FileManager.default.removeItem(atPath: self.outputPath)
    }

    /// A free port below the kernel's ephemeral range, for servers a test stops and restarts on the same
    /// port: one handed out by `bind(0)` could be given to another test in between.
    static func restartablePort() throws -> Int {
        for _ in 0..<100 {
            let port = Int.random(in: 20_000..<30_000)
            let socketFD = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            guard socketFD >= 0 else { continue }
            defer { close(socketFD) }
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = UInt16(port).bigEndian
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            let bound = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socketFD, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            if bound == 0 { return port }
        }
        throw ServerProcessError(message: "no free port in 20000..<30000")
    }

    /// Asks the kernel for a free port by binding port 0.
    static func freePort() throws -> Int {
        let socketFD = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socketFD >= 0 else { throw ServerProcessError(message: "socket() failed") }
        defer { close(socketFD) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socketFD, $0, length) }
        }
        guard bound == 0 else { throw ServerProcessError(message: "bind() failed") }
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(socketFD, $0, &length) }
        }
        guard named == 0 else { throw ServerProcessError(message: "getsockname() failed") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

struct ServerProcessError: Error, CustomStringConvertible {
    let message: String
    var description: String { self.message }
}

extension TestClient.Response {
    /// The body parsed as a JSON object.
    var json: [String: Any] {
        get throws {
            let data = Data(buffer: self.body ?? ByteBuffer())
            return try #require(
                try JSONSerialization.jsonObject(with: data) as? [String: Any], "body is not a JSON object: \(String(decoding: data, as: UTF8.self))")
        }
    }
}

/// A fresh temporary folder, removed by the caller.
func makeTemporaryDirectory() throws -> String {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("iotflow-binary-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}
