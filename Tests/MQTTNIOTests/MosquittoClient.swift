import Foundation
import TestProcess
import Testing

/// Runs the mosquitto command-line clients (Debian `mosquitto-clients`) as independent MQTT implementations.
enum MosquittoClient {
    struct Result {
        var status: Int32
        var output: String
        var errorOutput: String
    }

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
        let result = try await runCommand(executable.path, arguments, input: input ?? "", timeout: .seconds(60))
        return Result(status: result.status, output: result.output, errorOutput: result.errors)
    }
}
