import Foundation
import NIOCore
import NIOPosix
import Synchronization

/// `iotflow serve` started by the bench as a child process on a free loopback port with a throwaway data
/// folder; stopped (SIGTERM, then SIGKILL after 10 s) and its folder deleted by ``stop()``.
final class SpawnedServer: Sendable {
    /// Port it listens on.
    let port: Int
    /// Its process id (for RSS sampling).
    let pid: Int32
    /// The throwaway folder: `data/` for the server, `server.log` for its output.
    let directory: URL
    private let process: Process
    private let stopped = Mutex(false)

    private init(port: Int, process: Process, directory: URL) {
        self.port = port
        self.pid = process.processIdentifier
        self.process = process
        self.directory = directory
    }

    /// Where the server's standard output and error go.
    var logURL: URL { self.directory.appendingPathComponent("server.log") }

    /// Starts `executable serve --port <free port>` with the parent's environment plus `overrides` and
    /// `IOTFLOW_DATA_DIR` pointing into a new temporary folder.
    static func start(executable: URL, overrides: [String: String]) async throws -> SpawnedServer {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("iotflow-bench-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("data"), withIntermediateDirectories: true)
        let port = try await Self.freePort()
        let process = Process()
        process.executableURL = executable
        process.arguments = ["serve", "--host", "127.0.0.1", "--port", String(port)]
        var environment = ProcessInfo.processInfo.environment
        environment.merge(overrides) { _, new in new }
        environment["IOTFLOW_DATA_DIR"] = directory.appendingPathComponent("data").path
        process.environment = environment
        let logURL = directory.appendingPathComponent("server.log")
        guard FileManager.default.createFile(atPath: logURL.path, contents: nil) else { throw BenchError("cannot create \(logURL.path)") }
        let log = try FileHandle(forWritingTo: logURL)
        process.standardOutput = log
        process.standardError = log
        process.standardInput = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            try? FileManager.default.removeItem(at: directory)
            throw BenchError("cannot start \(executable.path) serve: \(error)")
        }
        try? log.close()
        return SpawnedServer(port: port, process: process, directory: directory)
    }

    /// A port nobody listens on right now (the kernel's pick for port 0; it could be taken before the
    /// server binds it, which then fails start-up loudly).
    static func freePort() async throws -> Int {
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton).bind(host: "127.0.0.1", port: 0).get()
        let port = channel.localAddress?.port
        try? await channel.close()
        guard let port else { throw BenchError("could not find a free port") }
        return port
    }

    /// Whether the server process is still alive.
    var isRunning: Bool { self.process.isRunning }

    /// Polls `GET /health` until it answers 200 and returns the time since `spawnedAt`.
    func waitUntilReady(
        since spawnedAt: ContinuousClock.Instant, group: any EventLoopGroup, timeout: Duration = .seconds(60)
    ) async throws -> Duration {
        while ContinuousClock.now - spawnedAt < timeout {
            guard self.isRunning else {
                throw BenchError("the server exited during start-up (status \(self.process.terminationStatus)):\n\(self.logTail())")
            }
            if let client = try? await BenchHTTPClient.connect(host: "127.0.0.1", port: self.port, group: group, timeout: .milliseconds(200)) {
                let response = try? await client.send(BenchRequest(method: .GET, path: "/health", authority: "127.0.0.1:\(self.port)"))
                await client.close()
                if response?.status == 200 { return ContinuousClock.now - spawnedAt }
            }
            try await Task.sleep(for: .milliseconds(5))
        }
        throw BenchError("the server did not answer GET /health with 200 within \(timeout):\n\(self.logTail())")
    }

    /// The last lines of the server's output, for error messages.
    func logTail(lines: Int = 20) -> String {
        guard let text = try? String(contentsOf: self.logURL, encoding: .utf8) else { return "(no server output)" }
        return text.split(separator: "\n", omittingEmptySubsequences: false).suffix(lines).joined(separator: "\n")
    }

    /// Stops the server (SIGTERM; SIGKILL if still alive after 10 s), waits for it and deletes the folder.
    /// Safe to call more than once and from a signal handler's queue.
    func stop() {
        let first = self.stopped.withLock { stopped in
            defer { stopped = true }
            return !stopped
        }
        guard first else { return }
        if self.process.isRunning {
            kill(self.pid, SIGTERM)
            let deadline = Date().addingTimeInterval(10)
            while self.process.isRunning && Date() < deadline { usleep(20_000) }
            if self.process.isRunning {
                kill(self.pid, SIGKILL)
                self.process.waitUntilExit()
            }
        }
        try? FileManager.default.removeItem(at: self.directory)
    }
}
