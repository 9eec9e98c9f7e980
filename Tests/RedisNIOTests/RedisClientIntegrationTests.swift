import Foundation
import NIOCore
import NIOPosix
import Testing

@testable import RedisNIO

/// Against the shared redis-server of scripts/test.sh. Other suites use it at the same time, so every test works
/// under its own key prefix and nothing flushes, changes the default user or touches other keys.
@Suite("RedisClient against redis-server")
struct RedisClientIntegrationTests {
    @Test(arguments: [RESPVersion.resp2, .resp3])
    func basicCommands(version: RESPVersion) async throws {
        let prefix = TestEnvironment.uniquePrefix()
        try await withRunningClient(try TestEnvironment.configuration(version)) { client in
            #expect(try await client.send(.set(prefix + "s", "hello")) == .simpleString("OK"))
            #expect(try await client.send(.get(prefix + "s")).string == "hello")
            #expect(try await client.send(.get(prefix + "missing")).isNull)
            #expect(try await client.send(RedisCommand("INCR", [prefix + "n"])).integer == 1)
            #expect(try await client.send(RedisCommand("INCR", [prefix + "n"])).integer == 2)
            #expect(try await client.send(RedisCommand("EXPIRE", [prefix + "n", "60"])).integer == 1)
            let ttl = try #require(try await client.send(RedisCommand("TTL", [prefix + "n"])).integer)
            #expect(ttl > 0 && ttl <= 60)
            #expect(try await client.send(.set(prefix + "px", "v", expirationMilliseconds: 60_000)) == .simpleString("OK"))
            #expect(try await client.send(RedisCommand("HSET", [prefix + "h", "a", "1", "b", "2"])).integer == 2)
            let hash = try await client.send(RedisCommand("HGETALL", [prefix + "h"]))
            switch version {
            case .resp3:
                guard case .map(let entries) = hash else {
                    Issue.record("HGETALL in RESP3 is not a map: \(hash)")
                    return
                }
                let fields = Dictionary(uniqueKeysWithValues: entries.map { ($0.key.string ?? "", $0.value.string ?? "") })
                #expect(fields == ["a": "1", "b": "2"])
            case .resp2:
                let flat = try #require(hash.array).compactMap(\.string)
                #expect(flat.count == 4)
                #expect(Set(flat) == ["a", "1", "b", "2"])
            }
            #expect(try await client.send(RedisCommand("ZADD", [prefix + "z", "2", "two", "1", "one"])).integer == 2)
            let range = try #require(try await client.send(RedisCommand("ZRANGE", [prefix + "z", "0", "-1"])).array)
            #expect(range.compactMap(\.string) == ["one", "two"])
            let error = await #expect(throws: RedisError.self) {
                try await client.send(RedisCommand("INCR", [prefix + "h"]))
            }
            #expect(error?.code == .serverError)
            #expect(error?.message.hasPrefix("WRONGTYPE") == true)
            let deleted = try await client.send(.del([prefix + "s", prefix + "n", prefix + "px", prefix + "h", prefix + "z"]))
            #expect(deleted.integer == 5)
            let roundTrip = try await client.ping()
            #expect(roundTrip > .zero && roundTrip < .seconds(10))
        }
    }

    @Test func binaryValuesRoundTrip() async throws {
        let key = TestEnvironment.uniquePrefix() + "bin"
        let bytes = ByteBuffer(bytes: [0x00, 0x0D, 0x0A, 0xFF, 0x24, 0x2A])
        try await withRunningClient(try TestEnvironment.configuration()) { client in
            _ = try await client.send(.set(key, bytes))
            #expect(try await client.send(.get(key)) == .bulkString(bytes))
            _ = try await client.send(.del([key]))
        }
    }

    @Test(arguments: [RESPVersion.resp2, .resp3])
    func pipelineOfThousandCommandsKeepsOrderAndPerCommandErrors(version: RESPVersion) async throws {
        let prefix = TestEnvironment.uniquePrefix()
        try await withRunningClient(try TestEnvironment.configuration(version)) { client in
            let commands = (0..<1000).map { _ in RedisCommand("INCR", [prefix + "counter"]) }
            let results = try await client.pipeline(commands)
            #expect(results.count == 1000)
            let values = results.map { try? $0.get().integer }
            #expect(values == (1...1000).map { Int64($0) })

            _ = try await client.send(.set(prefix + "text", "x"))
            let mixed = try await client.pipeline([.get(prefix + "text"), RedisCommand("INCR", [prefix + "text"]), .get(prefix + "counter")])
            #expect((try? mixed[0].get())?.string == "x")
            guard case .failure(let error) = mixed[1] else {
                Issue.record("INCR of a string succeeded: \(mixed[1])")
                return
            }
            #expect(error.code == .serverError)
            #expect((try? mixed[2].get())?.string == "1000")
            #expect(try await client.pipeline([]).isEmpty)
            _ = try await client.send(.del([prefix + "counter", prefix + "text"]))
        }
    }

    @Test func manyConcurrentSendersGetTheirOwnReplies() async throws {
        let prefix = TestEnvironment.uniquePrefix()
        var configuration = try TestEnvironment.configuration()
        configuration.connectionCount = 3
        try await withRunningClient(configuration) { client in
            try await withThrowingTaskGroup(of: Void.self) { group in
                for sender in 0..<50 {
                    group.addTask {
                        for round in 0..<20 {
                            let key = "\(prefix)\(sender)"
                            let value = "\(sender)-\(round)"
                            let setReply = try await client.send(.set(key, value))
                            #expect(setReply == .simpleString("OK"))
                            let getReply = try await client.send(.get(key))
                            #expect(getReply.string == value)
                        }
                    }
                }
                try await group.waitForAll()
            }
            _ = try await client.send(.del((0..<50).map { "\(prefix)\($0)" }))
        }
    }

    @Test(arguments: [RESPVersion.resp2, .resp3])
    func selectsTheConfiguredDatabase(version: RESPVersion) async throws {
        let key = TestEnvironment.uniquePrefix() + "db"
        var other = try TestEnvironment.configuration(version)
        other.database = 7
        try await withRunningClient(other) { client in
            _ = try await client.send(.set(key, "in-7"))
            #expect(try await client.send(RedisCommand("CLIENT", ["INFO"])).string?.contains("db=7") == true)
        }
        try await withRunningClient(try TestEnvironment.configuration(version)) { client in
            let reply = try await client.send(.get(key))
            #expect(reply.isNull)
        }
        try await withRunningClient(other) { client in
            #expect(try await client.send(.get(key)).string == "in-7")
            _ = try await client.send(.del([key]))
        }
    }

    @Test(arguments: [RESPVersion.resp2, .resp3])
    func authenticatesWithUsernameAndPassword(version: RESPVersion) async throws {
        let user = "redisnio-test-\(UUID().uuidString.prefix(8))"
        let password = "pw-\(UUID().uuidString)"
        let key = TestEnvironment.uniquePrefix() + "auth"
        let admin = try TestEnvironment.configuration(version)
        try await withRunningClient(admin) { client in
            _ = try await client.send(RedisCommand("ACL", ["SETUSER", user, "on", ">" + password, "~*", "&*", "+@all"]))
        }
        do {
            var configuration = admin
            configuration.username = user
            configuration.password = password
            try await withRunningClient(configuration) { client in
                #expect(try await client.send(RedisCommand("ACL", ["WHOAMI"])).string == user)
                _ = try await client.send(.set(key, "v"))
                #expect(try await client.send(.get(key)).string == "v")
                _ = try await client.send(.del([key]))
            }

            configuration.password = "wrong"
            let connectError = await #expect(throws: RedisError.self) {
                try await RedisConnection.connect(
                    configuration: configuration,
                    id: 0,
                    eventLoop: MultiThreadedEventLoopGroup.singleton.next(),
                    logger: TestEnvironment.logger
                )
            }
            #expect(connectError?.code == .authenticationFailed)

            // Through the public API: the client never connects, commands fail fast saying why, and a subscription
            // reports the authentication failure.
            let client = RedisClient(configuration: configuration, logger: TestEnvironment.logger)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await client.run() }
                let recorder = SubscriptionRecorder(client.subscribe(to: [key]))
                try await recorder.waitFor("the subscription reports the failure") { $0.disconnectError?.code == .authenticationFailed }
                recorder.stop()
                try await eventually("a connect attempt failed", within: .seconds(60)) {
                    do {
                        _ = try await client.send(.ping)
                        return false
                    } catch let error as RedisError {
                        return error.code == .connectionUnavailable && error.message.contains("WRONGPASS")
                    }
                }
                #expect(!client.isConnected)
                group.cancelAll()
            }
        } catch {
            try await self.deleteUser(user, admin)
            throw error
        }
        try await self.deleteUser(user, admin)
    }

    private func deleteUser(_ user: String, _ configuration: RedisConfiguration) async throws {
        try await withRunningClient(configuration) { client in
            let reply = try await client.send(RedisCommand("ACL", ["DELUSER", user]))
            #expect(reply.integer == 1)
        }
    }

    @Test func evaluateFallsBackToEvalWhenTheScriptIsNotCached() async throws {
        let key = TestEnvironment.uniquePrefix() + "script"
        // A unique comment gives a SHA-1 the server has never seen, without flushing its script cache.
        let script = RedisScript("-- \(UUID().uuidString)\nreturn redis.call('INCRBY', KEYS[1], ARGV[1])")
        try await withRunningClient(try TestEnvironment.configuration()) { client in
            let before = try await client.send(RedisCommand("SCRIPT", ["EXISTS", script.sha1]))
            #expect(before.array == [.integer(0)])
            #expect(try await client.evaluate(script, keys: [key], arguments: ["5"]).integer == 5)
            let after = try await client.send(RedisCommand("SCRIPT", ["EXISTS", script.sha1]))
            #expect(after.array == [.integer(1)])
            #expect(try await client.evaluate(script, keys: [key], arguments: ["2"]).integer == 7)
            let failing = RedisScript("-- \(UUID().uuidString)\nreturn redis.error_reply('CUSTOM boom')")
            let error = await #expect(throws: RedisError.self) {
                try await client.evaluate(failing, keys: [], arguments: [])
            }
            #expect(error?.code == .serverError)
            #expect(error?.message.contains("boom") == true)
            _ = try await client.send(.del([key]))
        }
    }

    @Test(arguments: [RESPVersion.resp2, .resp3])
    func publishAndSubscribeRoundTrip(version: RESPVersion) async throws {
        let prefix = TestEnvironment.uniquePrefix()
        let channels = [prefix + "a", prefix + "b"]
        try await withRunningClient(try TestEnvironment.configuration(version)) { client in
            let recorder = SubscriptionRecorder(client.subscribe(to: channels))
            try await recorder.waitFor("subscribed") { $0.isSubscribed }
            #expect(try await client.publish(channel: channels[0], message: "one") == 1)
            #expect(try await client.publish(channel: channels[1], message: "two") == 1)
            #expect(try await client.publish(channel: prefix + "elsewhere", message: "x") == 0)
            try await recorder.waitFor("two messages", count: 2) { $0.messagePayload != nil }
            let messages = recorder.all.compactMap { event -> String? in
                if case .message(let channel, let payload) = event { return "\(channel)=\(payload)" }
                return nil
            }
            #expect(messages == ["\(channels[0])=one", "\(channels[1])=two"])

            // Ending the iteration closes the subscriber connection.
            recorder.stop()
            try await eventually("the server drops the subscriber", within: .seconds(60)) {
                let counts = try await client.send(RedisCommand("PUBSUB", ["NUMSUB", channels[0]])).array
                return counts?.last == .integer(0)
            }
        }
    }

    @Test func breakingOutOfTheIterationClosesTheSubscription() async throws {
        let channel = TestEnvironment.uniquePrefix() + "ch"
        try await withRunningClient(try TestEnvironment.configuration()) { client in
            for await event in client.subscribe(to: [channel]) {
                if case .subscribed = event {
                    break
                }
            }
            try await eventually("the server drops the subscriber", within: .seconds(60)) {
                let counts = try await client.send(RedisCommand("PUBSUB", ["NUMSUB", channel])).array
                return counts?.last == .integer(0)
            }
        }
    }

    @Test func commandTimeoutDiscardsTheLateReplyAndKeepsOrder() async throws {
        let prefix = TestEnvironment.uniquePrefix()
        var configuration = try TestEnvironment.configuration()
        configuration.connectionCount = 1
        // Generous margins: the whole suite runs in parallel on two cores, and a plain SET must never time out.
        configuration.commandTimeout = .seconds(1)
        try await withRunningClient(configuration) { client in
            _ = try await client.send(.set(prefix + "k", "value"))
            // BLPOP on an empty list answers null after 2 s, well after the 1 s timeout.
            let error = await #expect(throws: RedisError.self) {
                try await client.send(RedisCommand("BLPOP", [prefix + "empty", "2"]))
            }
            #expect(error?.code == .timeout)
            // The timeout error (not the null reply BLPOP sends after 2 s) is what shows the 1 s timeout fired; no upper bound on
            // elapsed time, which a busy machine can stretch.
            try await Task.sleep(for: .milliseconds(1_500))
            #expect(try await client.send(.get(prefix + "k")).string == "value")
            #expect(client.isConnected)
            _ = try await client.send(.del([prefix + "k"]))
        }
    }

    @Test func cancelledCallerStopsWaitingAndTheConnectionStaysInOrder() async throws {
        let prefix = TestEnvironment.uniquePrefix()
        var configuration = try TestEnvironment.configuration()
        configuration.connectionCount = 1
        try await withRunningClient(configuration) { client in
            try await withRunningClient(configuration) { other in
                _ = try await client.send(.set(prefix + "k", "value"))
                // Blocks its connection for 30 s unless something is pushed to the list.
                let blocked = Task {
                    try await client.send(RedisCommand("BLPOP", [prefix + "empty", "30"]))
                }
                try await eventually("the server blocks on a BLPOP", within: .seconds(60)) {
                    let info = try await other.send(RedisCommand("INFO", ["clients"])).string ?? ""
                    return !info.contains("blocked_clients:0")
                }
                blocked.cancel()
                // Cancelling ends the wait at once: without it the BLPOP would still be blocked here, and would only
                // end (with a null reply, not an error) after the LPUSH below or its 30 s.
                await #expect(throws: CancellationError.self) {
                    try await blocked.value
                }
                // Queued behind the BLPOP on the one connection: it must get its own reply, not the BLPOP's.
                let get = Task { try await client.send(.get(prefix + "k")) }
                _ = try await other.send(RedisCommand("LPUSH", [prefix + "empty", "x"]))
                #expect(try await get.value.string == "value")
                _ = try await other.send(.del([prefix + "k", prefix + "empty"]))
            }
        }
    }

    @Test func commandsBeforeRunFailFastAndAfterShutdownSayShutDown() async throws {
        let configuration = try TestEnvironment.configuration()
        let client = RedisClient(configuration: configuration, logger: TestEnvironment.logger)
        let before = await #expect(throws: RedisError.self) {
            try await client.send(.ping)
        }
        #expect(before?.code == .connectionUnavailable)
        #expect(!client.isConnected)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await client.run() }
            try await eventually("connected", within: .seconds(60)) { client.isConnected }
            group.cancelAll()
            try await group.waitForAll()
        }
        let after = await #expect(throws: RedisError.self) {
            try await client.send(.ping)
        }
        #expect(after?.code == .clientShutDown)
        #expect(!client.isConnected)
    }
}
