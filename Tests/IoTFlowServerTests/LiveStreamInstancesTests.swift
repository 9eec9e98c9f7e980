import Foundation
import Hummingbird
import HummingbirdTesting
import IoTFlowStorage
import NIOPosix
import NIOWebSocket
import Testing

@testable import IoTFlowServer

/// Streams across instances: with Redis, what one instance commits, publishes or revokes reaches the streams of
/// the others (once, not twice on its own); without Redis reachable, an instance still streams its own writes and
/// its writes are not slowed.
@Suite("Live streams: instances")
struct LiveStreamInstancesTests {
    @Test("two instances on one PostgreSQL and Redis: points, alerts and revocations cross, and nothing arrives twice")
    func acrossInstances() async throws {
        try await TestDatabase.withFreshDatabase { url in
            var redis = RedisSettings(host: try TestBackend.redisHost())
            redis.port = try TestBackend.redisPort()
            redis.keyPrefix = "test-live-\(UUID().uuidString):"
            let shared = redis
            let instance: @Sendable (inout AppConfiguration) -> Void = { config in
                config.databaseURL = url
                config.postgresPoolSize = 4
                config.redis = shared
            }
            try await withLiveHub(testStores: false, instance) { firstPort, firstHub, one in
                try await withLiveHub(testStores: false, instance) { secondPort, _, two in
                    let owner = try await one.registerUser("alice")
                    let device = try await one.registerDevice(owner)
                    let group = try await one.createGroup(owner)
                    try await one.addToGroup(owner, group, device)
                    let here = try await TestStream.open(port: firstPort, "/api/v1/telemetry/\(device.id)/stream", auth: owner.bearer)
                    let there = try await TestStream.open(port: secondPort, "/api/v1/telemetry/\(device.id)/stream", auth: owner.bearer)
                    let thereByKey = try await TestStream.open(port: secondPort, "/api/v1/telemetry/\(device.id)/stream", auth: device.key)
                    let thereGroup = try await TestStream.open(port: secondPort, "/api/v1/groups/\(group.id)/stream", auth: owner.bearer)
                    let thereAlerts = try await TestStream.open(port: secondPort, "/api/v1/alerts/stream", auth: owner.bearer)
                    try await waitForRelay(from: one, device: device, to: there)

                    // The warm-up points are in every stream already; count from there.
                    let streams = [here, there, thereGroup]
                    let before = streams.map { $0.frames(ofType: "telemetry").count }
                    let base = TestTime.now() - TestTime.minute
                    try await one.postBatch(device, [(base + 1, ["n": 1]), (base, ["n": 0])])
                    // Order holds per device as the points are committed; writes through two instances at the same
                    // moment have no order, so the second instance writes once the first's points are everywhere.
                    for (stream, before) in zip(streams, before) {
                        try await stream.waitForFrames(ofType: "telemetry", count: before + 2)
                    }
                    try await two.postPoint(device, ["n": 2], at: base + 2)
                    for (stream, before) in zip(streams, before) {
                        let frames = try await stream.waitForFrames(ofType: "telemetry", count: before + 3)
                        #expect(Array(frames.dropFirst(before)).map { $0["measurements"]?["n"]?.int } == [0, 1, 2], "\(stream.texts)")
                    }
                    firstHub.publish(alert: testAlert(id: 5, device: device, owner: owner))
                    for stream in [there, thereGroup, thereAlerts] {
                        #expect(try await stream.waitForFrames(ofType: "alert", count: 1).first?["alert"]?["id"]?.int == 5)
                    }
                    // Revoked through the first instance, closed on the second.
                    try requireJSON(try await one.post("/api/v1/devices/\(device.id)/rotate-key", auth: owner.bearer))
                    #expect(try await thereByKey.waitForClose()?.closeCode == .policyViolation)
                    try requireJSON(try await one.post("/api/v1/auth/logout", auth: owner.bearer))
                    for stream in [there, thereGroup, thereAlerts] {
                        #expect(try await stream.waitForClose()?.closeCode == .policyViolation)
                    }
                    // Each point reached the first instance's stream once, although it was also relayed.
                    let counts = Dictionary(grouping: here.frames(ofType: "telemetry"), by: { $0["timestamp"]?.string ?? "" }).mapValues(\.count)
                    #expect(counts.values.allSatisfy { $0 == 1 }, "duplicates: \(counts)")
                    await here.close()
                }
            }
        }
    }

    @Test("with Redis unreachable, an instance streams its own writes and answers them as fast")
    func redisDown() async throws {
        let closedPort = try await Self.unusedPort()
        let unreachable: @Sendable (inout AppConfiguration) -> Void = { config in
            var redis = RedisSettings(host: "127.0.0.1")
            redis.port = closedPort
            config.redis = redis
        }
        try await withLiveHub(testStores: false, unreachable) { port, _, api in
            let owner = try await api.registerUser("alice")
            let device = try await api.registerDevice(owner)
            let stream = try await TestStream.open(port: port, "/api/v1/telemetry/\(device.id)/stream", auth: owner.bearer)
            var slowest = Duration.zero
            for n in 0..<20 {
                let started = ContinuousClock.now
                try await api.postPoint(device, ["n": .number(Double(n))])
                slowest = max(slowest, ContinuousClock.now - started)
            }
            print("live stream: slowest of 20 writes with Redis unreachable: \(slowest)")
            let frames = try await stream.waitForFrames(ofType: "telemetry", count: 20)
            #expect(frames.map { $0["measurements"]?["n"]?.int } == Array(0..<20))
            await stream.close()
        }
    }

    /// Posts points through `api` until `stream` (on another instance) has one: the relay's subscription is up.
    private func waitForRelay(from api: TestAPI, device: TestDevice, to stream: TestStream) async throws {
        let deadline = ContinuousClock.now + .seconds(30)
        var timestamp = TestTime.now() - TestTime.hour
        while stream.frames(ofType: "telemetry").isEmpty {
            guard ContinuousClock.now < deadline else {
                Issue.record("no point crossed the instances within 30 s")
                throw WaitTimeout()
            }
            try await api.postPoint(device, ["warmup": 1], at: timestamp)
            timestamp += 1
            try await Task.sleep(for: .milliseconds(100))
        }
    }

    /// A loopback port nothing listens on (bound, read, released).
    private static func unusedPort() async throws -> Int {
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton).bind(host: "127.0.0.1", port: 0).get()
        let port = try #require(channel.localAddress?.port)
        try await channel.close()
        return port
    }
}
