import Foundation
import Hummingbird
import HummingbirdTesting
import IoTFlowServer
import Testing

/// Builds a fresh application on its own data directory with `configure` applied, serves it on a free
/// loopback port and runs `test` with that port, for tests that need real sockets (slow clients, connection
/// limits). `client` is Hummingbird's live test client, one keep-alive connection of its own.
func withLiveApp(
    _ configure: @Sendable (inout AppConfiguration) -> Void,
    _ test: @Sendable (_ port: Int, _ client: any TestClientProtocol) async throws -> Void
) async throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("iotflow-test-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }

    var config = baseTestConfiguration(directory: directory.path)
    configure(&config)
    try await withTestStores(config) { config in
        let app = try await buildApplication(configuration: config)
        try await app.test(.live) { client in
            let port = try #require(client.port, "the live test client has no port")
            try await test(port, client)
        }
    }
}
