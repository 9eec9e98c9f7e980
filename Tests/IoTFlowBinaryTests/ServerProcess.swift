import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Synchronization
import Testing

/// A real `iotflow serve` process on loopback, for tests of the built binary.
///
/// The binary path comes from `IOTFLOW_BINARY` (scripts/test.sh sets it after building); a missing
/// variable fails the test rather than skipping it.
final class ServerProcess: @unchecked Sendable {
    let process = Process()
    let port: Int
    let dataDirectory: String
    let output: Pipe
    /// Everything the server printed so far, read as it arrives: a server that logs more than a pipe holds
    /// (64 KiB) would otherwise block on its next log line and stop answering.
    private let captured = CapturedOutput()

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
        self.process.executableURL = URL(fileURLWithPath: try Self.binaryPath())
        self.process.arguments = ["serve", "--port", String(self.port), "--data-dir", dataDirectory]
        var env = ProcessInfo.processInfo.environment
        env["IOTFLOW_BCRYPT_COST"] = "4"
        env["LOG_LEVEL"] = "warning"
        // Servers of these tests run side by side: none takes the standard MQTT port unless a test asks for MQTT.
        env["MQTT_PORT"] = "off"
        for (key, value) in environment { env[key] = value }
        self.process.environment = env
        self.output = Pipe()
        self.process.standardOutput = self.output
        self.process.standardError = self.output
        let captured = self.captured
        self.output.fileHandleForReading.readabilityHandler = { handle in
            let data = handle.availableData
            if data.isEmpty { handle.readabilityHandler = nil } else { captured.append(data) }
        }
        // Foundation's Process.run() on Linux crashed once (a bad pointer in memmove) while several tests launched
        // servers at once: launches in this module go one at a time.
        try ServerProcess.launches.withLock { _ in try self.process.run() }
    }

    /// Serialises process launches of this test module.
    static let launches = Mutex(())

    /// Waits for the process to exit and returns its status and everything it printed.
    func waitForExit() -> (status: Int32, output: String) {
        self.process.waitUntilExit()
        return (self.process.terminationStatus, self.printed())
    }

    /// What the server printed until now (all of it once it has exited).
    func printed() -> String {
        if !self.process.isRunning {
            // Whatever the handler has not taken yet is still in the pipe; the writer is gone, so this ends.
            self.output.fileHandleForReading.readabilityHandler = nil
            self.captured.append(self.output.fileHandleForReading.readDataToEndOfFile())
        }
        return self.captured.text()
    }

    private func waitUntilReady() async throws {
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            guard self.process.isRunning else {
                let log = self.printed()
                throw ServerProcessError(message: "iotflow exited early with status \(self.process.terminationStatus): \(log)")
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
        Foundation.kill(self.process.processIdentifier, SIGKILL)
        self.process.waitUntilExit()
    }

    /// Sends SIGTERM and waits for a graceful exit; returns the exit status.
    func terminate() -> Int32 {
        self.process.terminate()
        self.process.waitUntilExit()
        return self.process.terminationStatus
    }

    deinit {
        if self.process.isRunning {
            Foundation.kill(self.process.processIdentifier, SIGKILL)
            self.process.waitUntilExit()
        }
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

/// Bytes a process printed, appended from the pipe's reader.
final class CapturedOutput: Sendable {
    private let data = Mutex(Data())

    func append(_ chunk: Data) {
        self.data.withLock { $0.append(chunk) }
    }

    func text() -> String {
        String(decoding: self.data.withLock { $0 }, as: UTF8.self)
    }
}
