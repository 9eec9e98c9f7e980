import ArgumentParser
import IoTFlowServer

/// `iotflow migrate`: bring the schema up to date without serving.
struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Apply pending database migrations and exit.")

    @OptionGroup var common: CommonOptions

    func run() async throws {
        try await runReportingErrors {
            let configuration = try self.common.configuration()
            try await AdminTasks.migrate(configuration: configuration, logger: makeLogger(configuration))
            print("database is up to date")
        }
    }
}
