import Foundation
import Logging
import NIOCore
import NIOPosix
import Synchronization
import TestProcess
import Testing

@testable import RedisNIO

/// The shared test server's address and the redis-server binary, from the variables scripts/test.sh sets.
enum TestEnvironment {
    static func variable(_ name: String) throws -> String {
        let value = ProcessInfo.processInfo.environment[name]
        return try #require(
            value.flatMap { $0.isEmpty ? nil : $0 },
            "\(name) is not set: scripts/test.sh starts redis-server and sets IOTFLOW_TEST_REDIS_HOST, IOTFLOW_TEST_REDIS_PORT and IOTFLOW_TEST_REDIS_SERVER"
        )
    }

    static func configuration(_ version: RESPVersion = .resp3) throws -> RedisConfiguration {
        let host = try self.variable("IOTFLOW_TEST_REDIS_HOST")
        let port = try #require(Int(try self.variable("IOTFLOW_TEST_REDIS_PORT")), "IOTFLOW_TEST_REDIS_PORT is not a number")
        var configuration = RedisConfiguration(host: host, port: port)
        configuration.protocolVersion = version
        configuration.commandTimeout = .seconds(5)
        return configuration
    }

    static let logger: Logger = {
        var logger = Logger(label: "RedisNIOTests")
        logger.logLevel = ProcessInfo.processInfo.environment["IOTFLOW_TEST_REDIS_LOG"] == "trace" ? .trace : .critical
        return logger
    }()

    /// A prefix no other test or suite shares the server with.
    static func uniquePrefix(_ test: String = #function) -> String {
        "redisnio-test:\(UUID().uuidString.prefix(8)):\(test.prefix(while: { $0 != "(" })):"
    }
}

/// Runs `body` with a client whose `run()` is going and whose connections are up, then shuts it down.
func withRunningClient<Result: Sendable>(
    _ configuration: RedisConfiguration,
    _ body: (RedisClient) async throws -> Result
) async throws -> Result {
    let client = RedisClient(configuration: configuration, logger: TestEnvironment.logger)
    return try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask {
            try await client.run()
        }
        do {
            // Generous: with the whole test run sharing two cores, a connect (and its retry) can take seconds.
            try await eventually("the client connects", within: .seconds(60)) { client.isConnected }
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

struct TimedOut: Error, CustomStringConvertible {
    var description: String
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
    throw TimedOut(description: "timed out after \(within) waiting until \(what)")
}

/// Records a subscription's events from a background task so tests can wait for them with a deadline.
final class SubscriptionRecorder: Sendable {
    private let events = Mutex<[RedisSubscriptionEvent]>([])
    private let task = Mutex<Task<Void, Never>?>(nil)

    init(_ subscription: RedisSubscription) {
        let task = Task {
            for await event in subscription {
                self.events.withLock { $0.append(event) }
            }
        }
        self.task.withLock { $0 = task }
    }

    var all: [RedisSubscriptionEvent] {
        self.events.withLock { $0 }
    }

    func count(where predicate: (RedisSubscriptionEvent) -> Bool) -> Int {
        self.events.withLock { $0.filter(predicate).count }
    }

    func waitFor(_ what: String, count: Int = 1, within: Duration = .seconds(60), _ predicate: (RedisSubscriptionEvent) -> Bool) async throws {
        try await eventually("\(what) (events so far: \(self.all))", within: within) {
            self.count(where: predicate) >= count
        }
    }

    func stop() {
        self.task.withLock { $0?.cancel() }
    }
}

extension RedisSubscriptionEvent {
    var isSubscribed: Bool {
        if case .subscribed = self { return true }
        return false
    }

    var disconnectError: RedisError? {
        if case .disconnected(let error) = self { return error }
        return nil
    }

    var messagePayload: String? {
        if case .message(_, let payload) = self { return payload }
        return nil
    }
}

/// A redis-server this test owns, on a free loopback port, so it can be killed and restarted.
final class TestRedisServer: Sendable {
    let port: Int
    private let path: String
    private let process = Mutex<ChildProcess?>(nil)

    init() async throws {
        self.path = try TestEnvironment.variable("IOTFLOW_TEST_REDIS_SERVER")
        self.port = try await Self.unusedPort()
    }

    /// A free port below the kernel's ephemeral range (32768 and up): a port handed out by `bind(0)` to
    /// another test running in parallel could otherwise be taken between a kill and a restart.
    static func unusedPort() async throws -> Int {
        for _ in 0..<100 {
            let port = Int.random(in: 20_000..<30_000)
            guard let channel = try? await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton).bind(host: "127.0.0.1", port: port).get()
            else { continue }
            try await channel.close()
            return port
        }
        throw RedisError(code: .connectionUnavailable, message: "no free port in 20000..<30000")
    }

    func start() async throws {
        let process = try ChildProcess.launch(
            self.path, ["--port", String(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--daemonize", "no"])
        self.process.withLock { $0 = process }
        var configuration = RedisConfiguration(host: "127.0.0.1", port: self.port)
        configuration.protocolVersion = .resp2
        try await eventually("redis-server accepts connections on \(self.port)", within: .seconds(60)) {
            if let status = process.exitStatus {
                throw TimedOut(description: "redis-server exited with status \(status)")
            }
            let eventLoop = MultiThreadedEventLoopGroup.singleton.next()
            guard
                let connection = try? await RedisConnection.connect(
                    configuration: configuration, id: -1, eventLoop: eventLoop, logger: TestEnvironment.logger)
            else { return false }
            connection.close()
            return true
        }
    }

    /// Sends one command on a connection of its own, beside any client under test.
    func send(_ command: RedisCommand) async throws -> RESPValue {
        var configuration = RedisConfiguration(host: "127.0.0.1", port: self.port)
        configuration.protocolVersion = .resp2
        let connection = try await RedisConnection.connect(
            configuration: configuration, id: -1, eventLoop: MultiThreadedEventLoopGroup.singleton.next(), logger: TestEnvironment.logger)
        defer { connection.close() }
        return try await connection.send(command, timeout: .seconds(10))
    }

    /// How many clients the server holds blocked in commands such as `BLPOP` (`INFO clients`).
    func blockedClientCount() async throws -> Int {
        let info = try #require(try await self.send(RedisCommand("INFO", ["clients"])).string, "INFO answered with no text")
        let line = try #require(info.split(whereSeparator: \.isNewline).first { $0.hasPrefix("blocked_clients:") }, "no blocked_clients in \(info)")
        return try #require(Int(line.dropFirst("blocked_clients:".count)), "not a number: \(line)")
    }

    /// Kills the server abruptly, as a crash would, and waits until it is gone.
    func kill() async throws {
        guard let process = self.process.withLock({ $0 }) else { return }
        process.send(SIGKILL)
        try await eventually("redis-server exits", within: .seconds(60)) { !process.isRunning }
        self.process.withLock { $0 = nil }
    }
}
