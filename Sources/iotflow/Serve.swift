import ArgumentParser
import Hummingbird
import IoTFlowServer

/// `iotflow serve`: the HTTP server.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Start the HTTP server (embedded stores unless configured otherwise).")

    @OptionGroup var common: CommonOptions

    @Option(name: .long, help: "Interface to listen on (HOST, default 127.0.0.1).")
    var host: String?

    @Option(name: .shortAndLong, help: "Port to listen on (PORT, default 5000).")
    var port: Int?

    func run() async throws {
        try await runReportingErrors {
            var configuration = try self.common.configuration()
            if let host { configuration.host = host }
            if let port { configuration.port = port }
            let app = try await buildApplication(configuration: configuration)
            try await app.runService()
        }
    }
}
