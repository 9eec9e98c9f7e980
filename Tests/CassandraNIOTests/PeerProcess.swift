import Foundation
import Logging
import NIOCore
import NIOPosix
import TestProcess
import Testing

@testable import CassandraNIO

/// The oracle's CQL protocol peer (`Oracle/peer.py`) on a free local port, for the duration of one test.
final class PeerProcess: Sendable {
    let port: Int
    private let process: ChildProcess

    private init(port: Int, process: ChildProcess) {
        self.port = port
        self.process = process
    }

    /// Starts the peer, on a free port unless given one, and waits, up to `deadline`, until it accepts connections.
    static func start(onPort fixedPort: Int? = nil, within deadline: Duration = .seconds(20)) async throws -> PeerProcess {
        try await OracleProcess.requireDriver()
        var port = fixedPort ?? 0
        if fixedPort == nil {
            port = try await Self.freePort()
        }
        let script = OracleProcess.directory.appendingPathComponent("peer.py").path
        let python = OracleProcess.python
        let process = try ChildProcess.launch(python.executable, python.arguments + [script, String(port)])
        let peer = PeerProcess(port: port, process: process)
        let end = ContinuousClock.now + deadline
        while ContinuousClock.now < end {
            if let status = process.exitStatus {
                throw PeerError(description: "peer.py exited with status \(status); \(OracleProcess.installHint)")
            }
            if await Self.accepts(port: port) {
                return peer
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        await peer.stop()
        throw PeerError(description: "peer.py did not accept connections on port \(port) within \(deadline)")
    }

    /// Runs `body` with a fresh peer and stops the peer afterwards, whether `body` throws or not.
    static func with<Result: Sendable>(_ body: (PeerProcess) async throws -> Result) async throws -> Result {
        let peer = try await Self.start()
        do {
            let result = try await body(peer)
            await peer.stop()
            return result
        } catch {
            await peer.stop()
            throw error
        }
    }

    /// Kills the peer (SIGKILL) and waits until it is gone.
    func stop() async {
        self.process.send(SIGKILL)
        await self.process.waitForExit()
    }

    /// A port the kernel just handed out and that nothing listens on now.
    static func freePort() async throws -> Int {
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .bind(host: "127.0.0.1", port: 0)
            .get()
        let port = channel.localAddress!.port!
        try await channel.close()
        return port
    }

    private static func accepts(port: Int) async -> Bool {
        do {
            let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connectTimeout(.seconds(1))
                .connect(host: "127.0.0.1", port: port)
                .get()
            try? await channel.close()
            return true
        } catch {
            return false
        }
    }

    struct PeerError: Error, CustomStringConvertible {
        var description: String
    }
}

/// Runs `body` with a client whose `run()` is going, then shuts it down.
func withRunningClient<Result: Sendable>(
    _ configuration: CassandraConfiguration,
    _ body: (CassandraClient) async throws -> Result
) async throws -> Result {
    var logger = Logger(label: "CassandraNIOTests")
    logger.logLevel = ProcessInfo.processInfo.environment["IOTFLOW_TEST_CASSANDRA_LOG"] == "trace" ? .trace : .critical
    let client = CassandraClient(configuration: configuration, logger: logger)
    return try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask {
            try await client.run()
        }
        do {
            let result = try await body(client)
            group.cancelAll()
            try await group.waitForAll()
            return result
        } catch {
            group.cancelAll()
            throw error
        }
    }
}

/// Polls `condition` until it holds, failing after `within`.
func eventually(_ what: String, within: Duration, _ condition: () async throws -> Bool) async throws {
    let deadline = ContinuousClock.now + within
    while ContinuousClock.now < deadline {
        if try await condition() {
            return
        }
        try await Task.sleep(for: .milliseconds(10))
    }
    throw PeerProcess.PeerError(description: "timed out after \(within) waiting until \(what)")
}
