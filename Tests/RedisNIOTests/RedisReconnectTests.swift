import NIOCore
import Testing

@testable import RedisNIO

/// Kills and restarts a redis-server of its own, so it never disturbs the shared one.
@Suite("Reconnect after a server restart")
struct RedisReconnectTests {
    @Test(arguments: [RESPVersion.resp2, .resp3])
    func clientAndSubscriptionRecoverAfterTheServerComesBack(version: RESPVersion) async throws {
        let server = try await TestRedisServer()
        try await server.start()
        do {
            try await self.exercise(server: server, version: version)
        } catch {
            try? await server.kill()
            throw error
        }
        try await server.kill()
    }

    private func exercise(server: TestRedisServer, version: RESPVersion) async throws {
        var configuration = RedisConfiguration(host: "127.0.0.1", port: server.port)
        configuration.protocolVersion = version
        configuration.reconnectInitialDelay = .milliseconds(50)
        configuration.reconnectMaximumDelay = .milliseconds(500)
        configuration.commandTimeout = .seconds(3)
        try await withRunningClient(configuration) { client in
            #expect(try await client.send(.set("k", "before")) == .simpleString("OK"))
            let recorder = SubscriptionRecorder(client.subscribe(to: ["news"]))
            try await recorder.waitFor("subscribed") { $0.isSubscribed }

            // A command in flight when the server dies fails with the drop, long before its timeout.
            let inFlight = Task {
                try await client.send(RedisCommand("BLPOP", ["empty-list", "2"]))
            }
            try await Task.sleep(for: .milliseconds(100))
            let killedAt = ContinuousClock.now
            try await server.kill()
            let inFlightError = await #expect(throws: RedisError.self) {
                try await inFlight.value
            }
            #expect(inFlightError?.code == .connectionClosed)
            #expect(ContinuousClock.now - killedAt < .seconds(1))

            // Every command fails promptly, first with the drop, then at once while nothing is connected.
            try await eventually("the client notices the drop", within: .seconds(3)) { !client.isConnected }
            for _ in 0..<5 {
                let start = ContinuousClock.now
                let error = await #expect(throws: RedisError.self) {
                    try await client.send(.get("k"))
                }
                #expect(error?.code == .connectionUnavailable || error?.code == .connectionClosed)
                #expect(ContinuousClock.now - start < .milliseconds(250))
            }
            let pipelineError = await #expect(throws: RedisError.self) {
                try await client.pipeline([.ping, .ping])
            }
            #expect(pipelineError?.code == .connectionUnavailable)
            try await recorder.waitFor("the subscription reports the drop", within: .seconds(3)) { $0.disconnectError != nil }

            try await server.start()

            try await eventually("the client reconnects", within: .seconds(5)) { client.isConnected }
            // Data did not survive (no persistence); the point is that commands work again.
            #expect(try await client.send(.get("k")).isNull)
            #expect(try await client.send(.set("k", "after")) == .simpleString("OK"))
            #expect(try await client.send(.get("k")).string == "after")
            try await recorder.waitFor("subscribed again", count: 2) { $0.isSubscribed }
            let events = recorder.all
            let firstSubscribed = try #require(events.firstIndex { $0.isSubscribed })
            let disconnected = try #require(events.firstIndex { $0.disconnectError != nil })
            let lastSubscribed = try #require(events.lastIndex { $0.isSubscribed })
            #expect(firstSubscribed < disconnected && disconnected < lastSubscribed)
            #expect(try await client.publish(channel: "news", message: "back") == 1)
            try await recorder.waitFor("the message after the restart") { $0.messagePayload == "back" }
            recorder.stop()
        }
    }
}
