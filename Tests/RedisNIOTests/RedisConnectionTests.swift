import NIOCore
import NIOPosix
import Testing

@testable import RedisNIO

/// Connect failures that need no Redis server: a silent listener and a closed port.
@Suite("Connection set-up")
struct RedisConnectionTests {
    @Test func serverThatNeverAnswersTheHandshakeTimesOut() async throws {
        // Accepts connections and never writes a byte, like a hung server.
        let listener = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .bind(host: "127.0.0.1", port: 0).get()
        let port = try #require(listener.localAddress?.port)
        var configuration = RedisConfiguration(host: "127.0.0.1", port: port)
        configuration.connectTimeout = .milliseconds(200)
        let start = ContinuousClock.now
        let error = await #expect(throws: RedisError.self) {
            try await RedisConnection.connect(
                configuration: configuration,
                id: 0,
                eventLoop: MultiThreadedEventLoopGroup.singleton.next(),
                logger: TestEnvironment.logger
            )
        }
        #expect(error?.code == .timeout)
        #expect(ContinuousClock.now - start < .seconds(15), "the handshake timed out instead of hanging")
        try await listener.close()
    }

    @Test func closedPortIsConnectionUnavailable() async throws {
        // Not a port from bind(0): another test could be given it and listen there meanwhile.
        let port = try await TestRedisServer.unusedPort()
        let error = await #expect(throws: RedisError.self) {
            try await RedisConnection.connect(
                configuration: RedisConfiguration(host: "127.0.0.1", port: port),
                id: 0,
                eventLoop: MultiThreadedEventLoopGroup.singleton.next(),
                logger: TestEnvironment.logger
            )
        }
        #expect(error?.code == .connectionUnavailable)
    }
}
