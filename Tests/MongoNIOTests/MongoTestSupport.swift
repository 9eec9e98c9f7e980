import Foundation
import Logging
import NIOCore
import NIOPosix
import Synchronization
import Testing

@testable import MongoNIO

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

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

/// Runs a program to its end, its output and errors into files, and returns its exit status.
///
/// posix_spawn and a polled `waitpid` rather than Foundation's `Process`: here `Process` leaves its exited children
/// unreaped (neither `waitUntilExit` nor `terminationHandler` returns), and its children inherit a signal mask that
/// makes a server started through the script deaf to SIGTERM; nor does the child inherit the test's other descriptors. The poll sleeps, so no thread of the concurrency pool
/// (as few threads as cores) is blocked.
func runProgram(_ path: String, _ arguments: [String], output: String, errors: String) async throws -> Int32 {
    var fileActions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&fileActions)
    defer { posix_spawn_file_actions_destroy(&fileActions) }
    posix_spawn_file_actions_addopen(&fileActions, 0, "/dev/null", O_RDONLY, 0)
    posix_spawn_file_actions_addopen(&fileActions, 1, output, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    posix_spawn_file_actions_addopen(&fileActions, 2, errors, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    // Sockets of the test process (a port being probed, a client's connections) must not live on in a server the
    // script leaves running. glibc has the call since 2.34; Swift's Glibc module does not export it.
    if let closeFrom = closeFromAction {
        _ = closeFrom(&fileActions, 3)
    }
    var attributes = posix_spawnattr_t()
    posix_spawnattr_init(&attributes)
    defer { posix_spawnattr_destroy(&attributes) }
    var unblocked = sigset_t()
    sigemptyset(&unblocked)
    var defaults = sigset_t()
    sigemptyset(&defaults)
    for signal in [SIGTERM, SIGINT, SIGPIPE, SIGCHLD] {
        sigaddset(&defaults, signal)
    }
    posix_spawnattr_setsigmask(&attributes, &unblocked)
    posix_spawnattr_setsigdefault(&attributes, &defaults)
    posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
    let argv: [UnsafeMutablePointer<CChar>?] = ([path] + arguments).map { strdup($0) } + [nil]
    defer {
        for argument in argv {
            free(argument)
        }
    }
    var pid = pid_t()
    let spawned = posix_spawn(&pid, path, &fileActions, &attributes, argv, environ)
    guard spawned == 0 else {
        throw TimedOut(description: "cannot start \(path): error \(spawned)")
    }
    while true {
        var status: Int32 = 0
        let reaped = waitpid(pid, &status, WNOHANG)
        if reaped == pid {
            // WIFEXITED / WEXITSTATUS, which Swift does not import as macros.
            return status & 0x7F == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
        }
        if reaped < 0 && errno != EINTR {
            throw TimedOut(description: "waitpid for \(path) failed: errno \(errno)")
        }
        try? await Task.sleep(for: .milliseconds(20))
    }
}

private typealias CloseFromAction = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>?, Int32) -> Int32

private let closeFromAction: CloseFromAction? = {
    guard let symbol = dlsym(nil, "posix_spawn_file_actions_addclosefrom_np") else {
        return nil
    }
    return unsafeBitCast(symbol, to: CloseFromAction.self)
}()

/// Runs a Python snippet with the test tools' Python (pymongo installed) and returns what it printed.
func runPython(_ code: String, arguments: [String]) async throws -> String {
    let base = NSTemporaryDirectory() + "mongonio-python-\(UUID().uuidString)"
    defer {
        try? FileManager.default.removeItem(atPath: base + ".out")
        try? FileManager.default.removeItem(atPath: base + ".err")
    }
    let python = try MongoTestEnvironment.variable("IOTFLOW_TEST_PYTHON")
    let status = try await runProgram(python, ["-c", code] + arguments, output: base + ".out", errors: base + ".err")
    guard status == 0 else {
        let complaints = (try? String(contentsOfFile: base + ".err", encoding: .utf8)) ?? ""
        throw TimedOut(description: "python exited with \(status): \(complaints)")
    }
    return try String(contentsOfFile: base + ".out", encoding: .utf8)
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

    func start() async throws {
        try await self.script(["start", self.directory, String(self.port)])
    }

    /// Kills the server abruptly (SIGKILL), as a crash would.
    func kill() async throws {
        try await self.script(["kill", self.directory])
    }

    func stop() async throws {
        try await self.script(["stop", self.directory])
        try? FileManager.default.removeItem(atPath: self.directory)
    }

    /// Runs `body` with the server started, and stops it afterwards, whatever happened.
    func whileRunning<Result: Sendable>(_ body: () async throws -> Result) async throws -> Result {
        try await self.start()
        do {
            let result = try await body()
            try await self.stop()
            return result
        } catch {
            try? await self.stop()
            throw error
        }
    }

    private func script(_ arguments: [String]) async throws {
        let errors = NSTemporaryDirectory() + "mongo-server-\(UUID().uuidString).err"
        defer { try? FileManager.default.removeItem(atPath: errors) }
        let status = try await runProgram("/bin/bash", [self.script] + arguments, output: "/dev/null", errors: errors)
        guard status == 0 else {
            let complaints = (try? String(contentsOfFile: errors, encoding: .utf8)) ?? ""
            throw TimedOut(description: "mongo-server.sh \(arguments.joined(separator: " ")) failed (\(status)): \(complaints)")
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
