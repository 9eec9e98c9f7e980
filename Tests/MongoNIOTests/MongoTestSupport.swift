import Foundation
import Logging
import NIOCore
import NIOPosix
import Synchronization
import Testing

@testable import MongoNIO

/// The shared test server and tools, from the variables scripts/test.sh sets.
enum MongoTestEnvironment {
    static func variable(_ name: String) throws -> String {
        let value = ProcessInfo.processInfo.environment[name]
        return try #require(
            value.flatMap { $0.isEmpty ? nil : $0 },
            "\(name) is not set: scripts/test.sh starts nx-27017 and sets IOTFLOW_TEST_MONGODB_URI, IOTFLOW_TEST_MONGO_SCRIPT and IOTFLOW_TEST_PYTHON"
        )
    }

    /// A configuration for the shared server, with generous timeouts for a busy CI machine.
    static func configuration() throws -> MongoConfiguration {
        let uri = try self.variable("IOTFLOW_TEST_MONGODB_URI")
        var configuration = try MongoConfiguration(uri: uri)
        configuration.requestTimeout = .seconds(30)
        configuration.connectTimeout = .seconds(30)
        configuration.poolSize = 2
        return configuration
    }

    static let logger: Logger = {
        var logger = Logger(label: "MongoNIOTests")
        logger.logLevel = ProcessInfo.processInfo.environment["IOTFLOW_TEST_MONGO_LOG"] == "trace" ? .trace : .critical
        return logger
    }()

    /// A name no other test shares the server with.
    static func uniqueName(_ test: String = #function) -> String {
        "\(test.prefix(while: { $0 != "(" }))_\(UUID().uuidString.prefix(8))"
    }
}

struct TimedOut: Error, CustomStringConvertible {
    var description: String
}

/// Polls `condition` until it holds, failing after `within`.
func eventually(_ what: String, within: Duration = .seconds(60), _ condition: () async throws -> Bool) async throws {
    let deadline = ContinuousClock.now + within
    while ContinuousClock.now < deadline {
        if try await condition() {
            return
        }
        try await Task.sleep(for: .milliseconds(20))
    }
    throw TimedOut(description: "timed out after \(within) waiting until \(what)")
}

/// Runs `body` with a client whose `run()` is going and whose pool is up, then shuts it down.
func withRunningClient<Result: Sendable>(
    _ configuration: MongoConfiguration,
    waitForConnection: Bool = true,
    _ body: (MongoClient) async throws -> Result
) async throws -> Result {
    let client = MongoClient(configuration: configuration, logger: MongoTestEnvironment.logger)
    return try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask {
            try await client.run()
        }
        do {
            if waitForConnection {
                try await eventually("the client connects") { client.isConnected }
            }
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

/// Runs a Python snippet with the test tools' Python (pymongo installed) and returns what it printed.
func runPython(_ code: String, arguments: [String]) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: try MongoTestEnvironment.variable("IOTFLOW_TEST_PYTHON"))
    process.arguments = ["-c", code] + arguments
    let output = Pipe()
    let errors = Pipe()
    process.standardOutput = output
    process.standardError = errors
    try process.run()
    let printed = output.fileHandleForReading.readDataToEndOfFile()
    let complaints = errors.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else {
        throw TimedOut(description: "python exited with \(process.terminationStatus): \(String(decoding: complaints, as: UTF8.self))")
    }
    return String(decoding: printed, as: UTF8.self)
}

/// An nx-27017 server this test owns, on a free loopback port, so it can be killed and restarted.
final class TestMongoServer: Sendable {
    let port: Int
    let directory: String
    private let script: String

    init() async throws {
        self.script = try MongoTestEnvironment.variable("IOTFLOW_TEST_MONGO_SCRIPT")
        self.port = try await Self.unusedPort()
        self.directory = NSTemporaryDirectory() + "mongonio-test-\(UUID().uuidString.prefix(8))"
    }

    var address: MongoServerAddress {
        MongoServerAddress(host: "127.0.0.1", port: self.port)
    }

    /// A free port below the kernel's ephemeral range (32768 and up): a port handed out by `bind(0)` to another test
    /// running in parallel could otherwise be taken between a kill and a restart.
    static func unusedPort() async throws -> Int {
        for _ in 0..<100 {
            let port = Int.random(in: 20_000..<30_000)
            guard let channel = try? await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton).bind(host: "127.0.0.1", port: port).get()
            else { continue }
            try await channel.close()
            return port
        }
        throw TimedOut(description: "no free port in 20000..<30000")
    }

    func start() throws {
        try self.script(["start", self.directory, String(self.port)])
    }

    /// Kills the server abruptly (SIGKILL), as a crash would.
    func kill() throws {
        try self.script(["kill", self.directory])
    }

    func stop() throws {
        try self.script(["stop", self.directory])
        try? FileManager.default.removeItem(atPath: self.directory)
    }

    private func script(_ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = [self.script] + arguments
        let errors = Pipe()
        process.standardOutput = FileHandle.nullDevice
        process.standardError = errors
        try process.run()
        let complaints = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw TimedOut(description: "mongo-server.sh \(arguments.joined(separator: " ")) failed: \(String(decoding: complaints, as: UTF8.self))")
        }
    }
}

/// Records log lines, to check what the client logs (and that it never logs a password).
final class LogRecorder: Sendable {
    struct Line: Sendable {
        var level: Logger.Level
        var message: String
        var metadata: [String: String]

        var text: String {
            "\(self.message) \(self.metadata.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " "))"
        }
    }

    private let lines = Mutex<[Line]>([])

    var all: [Line] {
        self.lines.withLock { $0 }
    }

    func logger(level: Logger.Level = .trace) -> Logger {
        var logger = Logger(label: "MongoNIOTests.recorded") { _ in Handler(recorder: self) }
        logger.logLevel = level
        return logger
    }

    fileprivate func append(_ line: Line) {
        self.lines.withLock { $0.append(line) }
    }

    private struct Handler: LogHandler {
        let recorder: LogRecorder
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { self.metadata[key] }
            set { self.metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            var merged = self.metadata
            for (key, value) in event.metadata ?? [:] {
                merged[key] = value
            }
            self.recorder.append(Line(level: event.level, message: "\(event.message)", metadata: merged.mapValues { "\($0)" }))
        }
    }
}
