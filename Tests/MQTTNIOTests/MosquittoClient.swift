import Foundation
import Synchronization
import Testing

/// Runs the mosquitto command-line clients (Debian `mosquitto-clients`) as independent MQTT implementations.
enum MosquittoClient {
    struct Result {
        var status: Int32
        var output: String
        var errorOutput: String
    }

    /// Foundation's Process.run has crashed with concurrent launches; one at a time.
    private static let launchLock = Mutex(())

    /// The path of a mosquitto client, or a recorded failure saying how to install it: a missing tool fails the test
    /// rather than skipping it, so that CI never passes without having run it.
    static func executable(
        _ name: String,
        installHint: String = "install the mosquitto clients (apt-get install -y mosquitto-clients, or scripts/install-test-tools.sh)",
        sourceLocation: SourceLocation = #_sourceLocation
    ) -> URL? {
        let directories = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin").split(separator: ":") + ["/usr/bin"]
        for directory in directories {
            let path = "\(directory)/\(name)"
            if FileManager.default.isExecutableFile(atPath: path) {
                return URL(fileURLWithPath: path)
            }
        }
        Issue.record(
            "\(name) not found: \(installHint)",
            sourceLocation: sourceLocation
        )
        return nil
    }

    /// Runs `name` with `arguments`, feeding `input` to its standard input, and waits (at most 60 s) for it to exit.
    static func run(
        _ name: String,
        _ arguments: [String],
        input: String? = nil,
        installHint: String = "install the mosquitto clients (apt-get install -y mosquitto-clients, or scripts/install-test-tools.sh)",
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> Result? {
        guard let executable = Self.executable(name, installHint: installHint, sourceLocation: sourceLocation) else {
            return nil
        }
        // Files rather than pipes: reading a pipe blocks a thread, and the concurrency pool has only as many
        // threads as cores, which the server under test needs.
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("mosquitto-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let outputURL = directory.appendingPathComponent("stdout")
        let errorURL = directory.appendingPathComponent("stderr")
        let inputURL = directory.appendingPathComponent("stdin")
        _ = FileManager.default.createFile(atPath: outputURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errorURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: inputURL.path, contents: Data((input ?? "").utf8))
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.standardOutput = try FileHandle(forWritingTo: outputURL)
        process.standardError = try FileHandle(forWritingTo: errorURL)
        process.standardInput = try FileHandle(forReadingFrom: inputURL)
        try Self.launchLock.withLock { _ in try process.run() }
        do {
            try await waitUntil("\(name) to exit", sourceLocation: sourceLocation) { !process.isRunning }
        } catch {
            process.terminate()
            throw error
        }
        return Result(
            status: process.terminationStatus,
            output: (try? String(contentsOf: outputURL, encoding: .utf8)) ?? "",
            errorOutput: (try? String(contentsOf: errorURL, encoding: .utf8)) ?? ""
        )
    }
}
