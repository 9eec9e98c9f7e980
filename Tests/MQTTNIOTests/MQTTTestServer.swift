import Logging
import NIOPosix

@testable import MQTTNIO

/// Runs an ``MQTTServer`` on a free port of 127.0.0.1 for the duration of `body`, then shuts it down.
func withTestServer(
    delegate: MQTTTestDelegate,
    configure: (inout MQTTServerConfiguration) -> Void = { _ in },
    _ body: (MQTTServer) async throws -> Void
) async throws {
    var configuration = MQTTServerConfiguration(host: "127.0.0.1", port: 0)
    configure(&configuration)
    let server = try await MQTTServer.bind(
        configuration: configuration,
        delegate: delegate,
        eventLoopGroup: MultiThreadedEventLoopGroup.singleton,
        logger: Logger(label: "mqtt-test", factory: { _ in SwiftLogNoOpLogHandler() })
    )
    let run = Task { await server.run() }
    do {
        try await body(server)
    } catch {
        run.cancel()
        await run.value
        throw error
    }
    run.cancel()
    await run.value
}
