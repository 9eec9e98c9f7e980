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
        // Nothing here waits for the command timeout: a command that hit it would fail with `.timeout`, not with the
        // codes expected below, and the bounds on how long the failures take stay far below it.
        configuration.commandTimeout = .seconds(30)
        // A connect on a busy machine can take longer than the 1 s default; a first connect that times out reports
        // a drop of its own before anything was subscribed, which is not the drop this test is about.
        configuration.connectTimeout = .seconds(10)
        let failsFast = Duration.seconds(5)
        try await withRunningClient(configuration) { client in
            // Every connection is up before the kill: a connect still under way when the server dies could complete
            // against it and leave no way to tell, in this test, which server a later failure came from.
            try await eventually("every connection is up", within: .seconds(60)) {
                client.connectedCount == configuration.connectionCount
            }
            #expect(try await client.send(.set("k", "before")) == .simpleString("OK"))
            let recorder = SubscriptionRecorder(client.subscribe(to: ["news"]))
            try await recorder.waitFor("subscribed", within: .seconds(60)) { $0.isSubscribed }

            // A command written before the server dies fails with the drop, as `.connectionClosed`: it may have run.
            let inFlight = Task {
                try await client.send(RedisCommand("BLPOP", ["empty-list", "0"]))
            }
            try await eventually("the server blocks on the BLPOP", within: .seconds(60)) {
                try await server.blockedClientCount() == 1
            }
            // Events from here on are the kill's: earlier ones (a slow first connect reports a drop) are not checked.
            let eventsBeforeKill = recorder.all.count
            let killedAt = ContinuousClock.now
            try await server.kill()
            let inFlightError = await #expect(throws: RedisError.self) {
                try await inFlight.value
            }
            #expect(inFlightError?.code == .connectionClosed)
            #expect(ContinuousClock.now - killedAt < failsFast)

            // Once the client has noticed, every command fails at once as `.connectionUnavailable`: nothing was sent.
            try await eventually("the client notices the drop", within: .seconds(60)) { client.connectedCount == 0 }
            #expect(!client.isConnected)
            for _ in 0..<5 {
                let start = ContinuousClock.now
                let error = await #expect(throws: RedisError.self) {
                    try await client.send(RedisCommand("INCR", ["counter"]))
                }
                #expect(error?.code == .connectionUnavailable)
                #expect(ContinuousClock.now - start < failsFast)
            }
            let pipelineError = await #expect(throws: RedisError.self) {
                try await client.pipeline([.ping, .ping])
            }
            #expect(pipelineError?.code == .connectionUnavailable)
            try await recorder.waitFor("the subscription reports the drop", within: .seconds(60)) { $0.disconnectError != nil }

            try await server.start()

            // A connection is up only once the restarted server answered its handshake, so the commands below cannot
            // land on a connection to the dead one.
            try await eventually("the client reconnects every connection", within: .seconds(60)) {
                client.connectedCount == configuration.connectionCount
            }
            // Data did not survive (no persistence); the point is that commands work again.
            #expect(try await client.send(.get("k")).isNull)
            #expect(try await client.send(.set("k", "after")) == .simpleString("OK"))
            #expect(try await client.send(.get("k")).string == "after")
            #expect(try await client.send(RedisCommand("INCR", ["counter"])).integer == 1)
            try await recorder.waitFor("subscribed again", count: 2, within: .seconds(60)) { $0.isSubscribed }
            let events = recorder.all
            #expect(events[..<eventsBeforeKill].contains { $0.isSubscribed })
            let afterKill = events[eventsBeforeKill...]
            let disconnected = try #require(afterKill.firstIndex { $0.disconnectError != nil })
            let lastSubscribed = try #require(afterKill.lastIndex { $0.isSubscribed })
            #expect(disconnected < lastSubscribed)
            #expect(try await client.publish(channel: "news", message: "back") == 1)
            try await recorder.waitFor("the message after the restart", within: .seconds(60)) { $0.messagePayload == "back" }
            recorder.stop()
        }
    }
}
