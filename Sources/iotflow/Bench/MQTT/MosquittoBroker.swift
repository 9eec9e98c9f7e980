import Foundation

/// A mosquitto broker on a free loopback port with a throwaway configuration, for the bench's comparison.
final class MosquittoBroker: Sendable {
    let port: Int
    private let process: Process
    private let directory: URL

    private init(port: Int, process: Process, directory: URL) {
        self.port = port
        self.process = process
        self.directory = directory
    }

    static func start(executable: String) async throws -> MosquittoBroker {
        let port = try await SpawnedServer.freePort()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("iotflow-bench-mosquitto-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let configuration = directory.appendingPathComponent("mosquitto.conf")
        // No persistence and no log: the comparison is a broker that relays and stores nothing.
        try "listener \(port) 127.0.0.1\nallow_anonymous true\npersistence false\nlog_dest none\nmax_inflight_messages 0\nmax_queued_messages 0\n"
            .write(to: configuration, atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = ["-c", configuration.path]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let broker = MosquittoBroker(port: port, process: process, directory: directory)
        let deadline = ContinuousClock.now + .seconds(10)
        while ContinuousClock.now < deadline {
            if Self.accepts(port: port) { return broker }
            guard process.isRunning else { break }
            try await Task.sleep(for: .milliseconds(20))
        }
        broker.stop()
        throw BenchError("mosquitto did not listen on 127.0.0.1:\(port) within 10 s")
    }

    private static func accepts(port: Int) -> Bool {
        let socket = Foundation.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { return false }
        defer { close(socket) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
    }

    /// Kills the broker: it keeps nothing, and a child of the bench may not see SIGTERM (the signal can arrive
    /// blocked in a process started from a multithreaded parent).
    func stop() {
        if self.process.isRunning {
            kill(self.process.processIdentifier, SIGKILL)
            self.process.waitUntilExit()
        }
        try? FileManager.default.removeItem(at: self.directory)
    }
}
