import Foundation
import Hummingbird
import HummingbirdTesting
import IoTFlowServer

/// Two server instances on one fresh PostgreSQL database, as when scaling out; `configure` adjusts the shared
/// configuration (e.g. a Redis both use) before both are built.
func withTwoInstances(
    _ configure: (inout AppConfiguration) throws -> Void = { _ in }, _ test: @Sendable (TestAPI, TestAPI) async throws -> Void
) async throws {
    try await TestDatabase.withFreshDatabase { url in
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("iotflow-multi-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        var config = baseTestConfiguration(directory: directory.path)
        config.databaseURL = url
        config.postgresPoolSize = 4
        try configure(&config)
        let first = try await buildApplication(configuration: config)
        let second = try await buildApplication(configuration: config)
        try await first.test(.router) { firstClient in
            try await second.test(.router) { secondClient in
                try await test(TestAPI(client: firstClient), TestAPI(client: secondClient))
            }
        }
    }
}
