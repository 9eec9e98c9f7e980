import ArgumentParser
import Foundation
import IoTFlowCore
import IoTFlowServer

/// `iotflow admin …`: operator tasks.
struct Admin: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Operator tasks.", subcommands: [CreateUser.self])
}

/// `iotflow admin create-user`: create a user, optionally an admin.
struct CreateUser: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create-user",
        abstract: "Create a user. The password is read from IOTFLOW_PASSWORD or, if unset, from the first line of standard input."
    )

    @OptionGroup var common: CommonOptions

    @Option(name: .long, help: "Username (3-80 characters of letters, digits, _ . -).")
    var username: String

    @Option(name: .long, help: "Email address.")
    var email: String

    @Flag(name: .long, help: "Make the user an administrator.")
    var admin = false

    func run() async throws {
        try await runReportingErrors {
            let configuration = try self.common.configuration()
            // Secrets never come from flags: they would show in `ps` and shell history.
            guard let password = ProcessInfo.processInfo.environment["IOTFLOW_PASSWORD"] ?? readLine(strippingNewline: true), !password.isEmpty
            else {
                throw ConfigurationError(message: "no password: set IOTFLOW_PASSWORD or pipe it on standard input")
            }
            let created = try await AdminTasks.createUser(
                configuration: configuration, username: self.username, email: self.email, password: password, isAdmin: self.admin,
                logger: makeLogger(configuration)
            )
            print("created \(self.admin ? "admin " : "")user \(self.username) (id \(created.id), user_id \(created.publicID))")
        }
    }
}
