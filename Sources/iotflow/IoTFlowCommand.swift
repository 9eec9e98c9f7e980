import ArgumentParser
import Foundation
import IoTFlowCore
import IoTFlowServer
import Logging

/// The `iotflow` command line: a thin layer over `buildApplication(configuration:)` and the admin tasks.
@main
struct IoTFlowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "iotflow",
        abstract: "IoTFlow: IoT telemetry backend.",
        subcommands: [Serve.self, Migrate.self, Admin.self, Bench.self, Simulate.self, Health.self],
        defaultSubcommand: Serve.self
    )
}

/// Flags shared by every subcommand; they override the environment.
struct CommonOptions: ParsableArguments {
    @Option(name: .long, help: "Folder of the embedded database (IOTFLOW_DATA_DIR, default ./data).")
    var dataDir: String?

    @Option(name: .long, help: "trace, debug, info, notice, warning, error or critical (LOG_LEVEL, default info).")
    var logLevel: String?

    func configuration() throws -> AppConfiguration {
        var configuration = try AppConfiguration.fromEnvironment(ProcessInfo.processInfo.environment)
        if let dataDir { configuration.dataDirectory = dataDir }
        if let logLevel { configuration.logLevel = try AppConfiguration.logLevel(logLevel) }
        return configuration
    }
}

/// Runs `body`, turning failures into one line on standard error and exit status 1.
func runReportingErrors(_ body: () async throws -> Void) async throws {
    do {
        try await body()
    } catch let error as ConfigurationError {
        FileHandle.standardError.write(Data("iotflow: \(error.message)\n".utf8))
        throw ExitCode.failure
    } catch let error as ExitCode {
        throw error
    } catch {
        FileHandle.standardError.write(Data("iotflow: \(error)\n".utf8))
        throw ExitCode.failure
    }
}

func makeLogger(_ configuration: AppConfiguration) -> Logger {
    var logger = Logger(label: "iotflow")
    logger.logLevel = configuration.logLevel
    return logger
}
