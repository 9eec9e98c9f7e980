import Logging
import NIOCore
import NIOEmbedded
import Testing

@testable import RedisNIO

/// What callers of `RedisConnection` see when its connection drops: a command written before the drop fails as
/// closed (it may have run), a command issued after it as unavailable (it was not sent).
@Suite("Commands around a dropped connection", .timeLimit(.minutes(1)))
struct RedisConnectionDropTests {
    /// A RESP2 connection on a testing channel whose handshake PING has been answered.
    private func readyConnection() async throws -> (NIOAsyncTestingChannel, RedisConnection) {
        var configuration = RedisConfiguration()
        configuration.protocolVersion = .resp2
        let channel = NIOAsyncTestingChannel()
        let handshake = channel.eventLoop.makePromise(of: Void.self)
        try await channel.testingEventLoop.executeInContext { [configuration] in
            let handler = RedisChannelHandler(
                configuration: configuration,
                handshakePromise: handshake,
                subscriberFrames: nil,
                logger: Logger(label: "test")
            )
            try channel.pipeline.syncOperations.addHandlers([ByteToMessageHandler(RESPValueDecoder()), handler])
        }
        try await channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 6379))
        // The handshake is written as the channel becomes active, before connect returns.
        let ping = try #require(try await channel.readOutbound(as: ByteBuffer.self), "no handshake was written")
        #expect(String(buffer: ping) == "*1\r\n$4\r\nPING\r\n")
        try await channel.writeInbound(ByteBuffer(string: "+PONG\r\n"))
        try await handshake.futureResult.get()
        return (channel, RedisConnection(channel: channel, id: 0))
    }

    private func error(_ body: () async throws -> RESPValue) async -> RedisError? {
        do {
            _ = try await body()
            return nil
        } catch {
            return error as? RedisError
        }
    }

    @Test func commandWrittenBeforeTheDropFailsAsClosed() async throws {
        let (channel, connection) = try await self.readyConnection()
        async let outcome = self.error { try await connection.send(RedisCommand("INCR", ["n"]), timeout: .seconds(30)) }
        let written = try await channel.waitForOutboundWrite(as: ByteBuffer.self)
        #expect(String(buffer: written) == "*2\r\n$4\r\nINCR\r\n$1\r\nn\r\n")
        try await channel.close()
        #expect(await outcome == .connectionClosed())
    }

    @Test func commandIssuedAfterTheDropFailsAsUnavailableAndIsNotWritten() async throws {
        let (channel, connection) = try await self.readyConnection()
        try await channel.close()
        let single = await self.error { try await connection.send(RedisCommand("INCR", ["n"]), timeout: .seconds(30)) }
        #expect(single?.code == .connectionUnavailable)
        let results = try await connection.pipeline([.ping, RedisCommand("INCR", ["n"])], timeout: .seconds(30))
        #expect(results.count == 2)
        for result in results {
            guard case .failure(let error) = result else {
                Issue.record("a command after the drop succeeded: \(result)")
                continue
            }
            #expect(error.code == .connectionUnavailable)
        }
        #expect(try await channel.readOutbound(as: ByteBuffer.self) == nil)
    }
}
