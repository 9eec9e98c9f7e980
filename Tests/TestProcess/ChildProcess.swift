import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A child process of a test, started with `posix_spawn`, for every suite that runs a server, a script or an oracle.
///
/// Foundation's `Process` is not used: on Linux its `run()` reads `/proc/self/fd` with a 256-byte over-read of each
/// directory entry and crashes the whole test process now and then (SIGSEGV in memmove; swiftlang/swift-corelibs-foundation
/// PR 5472), the more likely the more descriptors are open, and a test run has over a thousand. Here the child closes
/// every inherited descriptor above stderr itself (`posix_spawn_file_actions_addclosefrom_np`), so a daemon it starts
/// never holds another test's socket open, and its exit is polled, so no thread of Swift's small cooperative pool
/// blocks in `waitpid` while the server under test needs it.
public final class ChildProcess: Sendable {
    /// Where a standard stream of the child goes.
    public enum Stream: Sendable {
        /// `/dev/null`.
        case null
        /// A file: read from for standard input; created or truncated for standard output and error.
        case file(String)
        /// The same open file as the child's standard output (only for standard error).
        case standardOutput
    }

    public let pid: pid_t
    private let status = Mutex<Int32?>(nil)

    private init(pid: pid_t) {
        self.pid = pid
    }

    /// Starts `executable` (an absolute path) with `arguments`. `environment` replaces the test process's environment
    /// when given. The child is the leader of a process group of its own, as Foundation's children were.
    public static func launch(
        _ executable: String,
        _ arguments: [String],
        environment: [String: String]? = nil,
        input: Stream = .null,
        output: Stream = .null,
        errors: Stream = .null
    ) throws -> ChildProcess {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        try Self.redirect(0, to: input, writing: false, actions: &actions)
        try Self.redirect(1, to: output, writing: true, actions: &actions)
        if case .standardOutput = errors {
            posix_spawn_file_actions_adddup2(&actions, 1, 2)
        } else {
            try Self.redirect(2, to: errors, writing: true, actions: &actions)
        }
        try Self.closeInheritedDescriptors(&actions)

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP))
        posix_spawnattr_setpgroup(&attributes, 0)

        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var pid = pid_t()
        let spawned: Int32
        if let environment {
            let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
            defer { for pointer in envp { free(pointer) } }
            spawned = posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
        } else {
            spawned = posix_spawn(&pid, executable, &actions, &attributes, argv, environ)
        }
        guard spawned == 0 else {
            throw ChildProcessError(message: "cannot start \(executable): \(String(cString: strerror(spawned)))")
        }
        return ChildProcess(pid: pid)
    }

    private static func redirect(_ descriptor: Int32, to stream: Stream, writing: Bool, actions: inout posix_spawn_file_actions_t) throws {
        let path: String
        switch stream {
        case .null: path = "/dev/null"
        case .file(let file): path = file
        case .standardOutput: throw ChildProcessError(message: "only standard error can go to standard output")
        }
        let flags = writing ? O_WRONLY | O_CREAT | O_TRUNC : O_RDONLY
        posix_spawn_file_actions_addopen(&actions, descriptor, path, flags, 0o644)
    }

    /// glibc ≥ 2.34 closes every descriptor from 3 up in the child; Swift's Glibc module does not declare the function,
    /// so it is looked up.
    private static func closeInheritedDescriptors(_ actions: inout posix_spawn_file_actions_t) throws {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addclosefrom_np") else {
            throw ChildProcessError(message: "this C library has no posix_spawn_file_actions_addclosefrom_np (glibc 2.34 or later is needed)")
        }
        typealias CloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
        _ = unsafeBitCast(symbol, to: CloseFrom.self)(&actions, 3)
    }

    /// The exit status once the child has exited (128 + the signal's number when a signal ended it), without waiting.
    public var exitStatus: Int32? {
        self.status.withLock { status in
            if status == nil {
                var raw: Int32 = 0
                if waitpid(self.pid, &raw, WNOHANG) == self.pid {
                    status = (raw & 0x7f) == 0 ? (raw >> 8) & 0xff : 128 + (raw & 0x7f)
                }
            }
            return status
        }
    }

    public var isRunning: Bool { self.exitStatus == nil }

    /// Waits for the child to exit, polling, and returns its exit status.
    @discardableResult
    public func waitForExit() async -> Int32 {
        while true {
            if let status = self.exitStatus { return status }
            try? await Task.sleep(for: .milliseconds(10))
        }
    }

    /// Waits up to `timeout` for the child to exit; kills it (SIGKILL) and throws when it has not.
    @discardableResult
    public func waitForExit(within timeout: Duration, what: String) async throws -> Int32 {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let status = self.exitStatus { return status }
            try? await Task.sleep(for: .milliseconds(10))
        }
        if let status = self.exitStatus { return status }
        self.killAndReap()
        throw ChildProcessError(message: "\(what) did not exit within \(timeout); killed")
    }

    /// Waits for the child to exit on the calling thread; for synchronous cleanup right after a SIGKILL.
    @discardableResult
    public func waitForExitBlocking() -> Int32 {
        while true {
            if let status = self.exitStatus { return status }
            usleep(5_000)
        }
    }

    /// Sends `signal` to the child.
    public func send(_ signal: Int32) {
        if self.isRunning { kill(self.pid, signal) }
    }

    /// Kills the child (SIGKILL) unless it has exited, and reaps it.
    public func killAndReap() {
        self.send(SIGKILL)
        self.waitForExitBlocking()
    }

    deinit {
        // A child nobody waited for would stay a zombie until the test process ends.
        if self.isRunning { self.killAndReap() }
    }
}

/// A child process that could not be started.
public struct ChildProcessError: Error, CustomStringConvertible {
    public let message: String
    public var description: String { self.message }
}
