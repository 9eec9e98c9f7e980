import ArgumentParser
import Foundation
import NIOCore
import NIOPosix

/// `iotflow bench mqtt`: MQTT ingest of a server it starts (embedded default): points stored per second at QoS 0 and
/// QoS 1, PUBLISH→PUBACK latency at QoS 1, and the same publishers against mosquitto relaying to one subscriber.
struct MQTTBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mqtt",
        abstract: "Measure MQTT ingest (QoS 0 and 1) of a server it starts, beside mosquitto relaying the same messages.",
        discussion: """
            Publishers are raw MQTT 3.1.1 connections on one event-loop thread of this process, one device each, sending \
            single-value ThingsBoard payloads ({"ts":…,"values":{"temperature":21.5}}) to v1/devices/me/telemetry. QoS 1 \
            keeps --window messages in flight per connection (its rate: PUBACKs within the window); QoS 0 writes as fast as \
            the socket takes them (its rate: the server's iotflow_mqtt_messages_total{qos="0"} over the window). Stored \
            points are also counted over HTTP afterwards. With mosquitto installed (Debian's mosquitto), the same publishers then send \
            to a mosquitto on loopback that relays every message to one subscriber: a broker that stores nothing.
            """
    )

    @Option(name: .long, help: "Publisher connections (one device each).")
    var connections = 16

    @Option(name: .long, help: "QoS 1 messages in flight per connection.")
    var window = 64

    @Option(name: .long, help: "Measured seconds per run.")
    var seconds = 10.0

    @Option(name: .long, help: "Warm-up seconds per run.")
    var warmup = 2.0

    @Option(name: .long, help: "The mosquitto broker to compare with ('none' to skip).")
    var mosquitto = "/usr/sbin/mosquitto"

    func validate() throws {
        guard self.connections > 0, self.window > 0, self.window < 60_000 else {
            throw ValidationError("--connections and --window must be positive")
        }
        guard self.seconds > 0, self.warmup >= 0 else { throw ValidationError("--seconds must be positive") }
    }

    func run() async throws {
        let machine = MachineFacts.current()
        if machine.buildConfiguration != "release" {
            Bench.progress("WARNING: this is a DEBUG build: figures are not representative; build with swift build -c release")
        }
        let executable = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let mqttPort = try await SpawnedServer.freePort()
        let server = try await SpawnedServer.start(
            executable: executable,
            overrides: ["MQTT_PORT": String(mqttPort), "RATE_LIMIT_PER_MINUTE": "0", "LOG_LEVEL": "warning", "IOTFLOW_BCRYPT_COST": "4"])
        defer { server.stop() }
        _ = try await server.waitUntilReady(since: .now, group: group)
        let generator = LoadGenerator(host: "127.0.0.1", port: server.port, group: group)
        let session = try await BenchSession.setUp(generator: generator, deviceCount: self.connections)
        var rows: [MQTTBenchRow] = []
        for (index, qos) in [UInt8(0), 1].enumerated() {
            let firstTimestamp = session.writeDay(index)
            Bench.progress("iotflow, QoS \(qos): \(self.connections) publishers for \(self.warmup) + \(self.seconds) s")
            let client = session.client
            let metric = "iotflow_mqtt_messages_total{qos=\"\(qos)\"}"
            let (tallies, storedInWindow) = try await self.publish(
                port: mqttPort, group: group, qos: qos, firstTimestamp: firstTimestamp,
                usernames: session.devices.map(\.key), topic: { _ in "v1/devices/me/telemetry" },
                probe: { try await Self.metric(metric, client: client, authority: generator.authority) })
            var stored = 0
            for device in session.devices {
                stored += try await session.storedPoints(of: device, start: firstTimestamp, end: firstTimestamp + BenchSession.day)
            }
            let acknowledged = tallies.reduce(0) { $0 + $1.acknowledged }
            let sent = tallies.reduce(0) { $0 + $1.sent }
            // QoS 0 has no acknowledgement: its rate is what the server counted as stored within the window.
            let rate =
                qos == 0
                ? (storedInWindow ?? 0) / self.seconds : Double(tallies.reduce(0) { $0 + $1.latencies.count }) / self.seconds
            rows.append(
                MQTTBenchRow(
                    target: "iotflow (embedded)", qos: qos, rate: rate, tallies: tallies, isRelay: false,
                    stored: "\(stored) of \(qos == 0 ? sent : acknowledged)\(qos == 0 ? " sent" : " acked")",
                    storedOK: qos == 0 ? stored <= sent : stored >= acknowledged))
        }
        server.stop()
        if self.mosquitto != "none" {
            guard FileManager.default.isExecutableFile(atPath: self.mosquitto) else {
                throw BenchError("\(self.mosquitto) not found: apt-get install mosquitto, or --mosquitto none")
            }
            for qos in [UInt8(1), 0] {
                // A broker of its own per run: what one run left queued must not weigh on the next.
                let broker = try await MosquittoBroker.start(executable: self.mosquitto)
                defer { broker.stop() }
                Bench.progress("mosquitto, QoS \(qos): \(self.connections) publishers and one subscriber")
                let (tallies, relayed) = try await self.relay(port: broker.port, group: group, qos: qos)
                let acknowledged = qos == 0 ? relayed : min(relayed, tallies.reduce(0) { $0 + $1.latencies.count })
                rows.append(
                    MQTTBenchRow(
                        target: "mosquitto (relay to 1 subscriber)", qos: qos, rate: Double(acknowledged) / self.seconds, tallies: tallies,
                        isRelay: true, stored: "-", storedOK: true))
            }
        }
        print(MQTTBenchRow.render(rows, connections: self.connections, window: self.window, machine: machine))
        try await group.shutdownGracefully()
    }

    /// A counter's value in the server's `/metrics`.
    private static func metric(_ name: String, client: BenchHTTPClient, authority: String) async throws -> Double {
        let response = try await client.send(BenchRequest(method: .GET, path: "/metrics", authority: authority)).expect(200, "GET /metrics")
        let text = String(buffer: response.body)
        guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix(name + " ") }),
            let value = Double(line.split(separator: " ").last ?? "")
        else { return 0 }
        return value
    }

    /// Runs the publishers (one per user name) and returns what each saw.
    private func publish(
        port: Int, group: MultiThreadedEventLoopGroup, qos: UInt8, firstTimestamp: Int64, usernames: [String?], topic: (Int) -> String,
        probe: (@Sendable () async throws -> Double)? = nil
    ) async throws -> (tallies: [MQTTBenchTally], probed: Double?) {
        var channels: [any Channel] = []
        defer { for channel in channels { channel.close(promise: nil) } }
        for (index, username) in usernames.enumerated() {
            let connected = group.next().makePromise(of: Void.self)
            let (topic, window) = (topic(index), self.window)
            let channel = try await ClientBootstrap(group: group)
                .channelOption(.socketOption(.tcp_nodelay), value: 1)
                .connectTimeout(.seconds(5))
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        let handler = MQTTPublisherHandler(
                            clientID: "bench-\(index)", username: username, topic: topic, qos: qos, window: window, firstTimestamp: firstTimestamp,
                            connected: connected)
                        try channel.pipeline.syncOperations.addHandlers([ByteToMessageHandler(MQTTBenchPacketDecoder()), handler])
                    }
                }
                .connect(host: "127.0.0.1", port: port).get()
            channels.append(channel)
            try await connected.futureResult.get()
        }
        return try await self.measure(channels, probe: probe)
    }

    /// Publishers to the broker on `port` and one subscriber to all of their topics.
    private func relay(port: Int, group: MultiThreadedEventLoopGroup, qos: UInt8) async throws -> ([MQTTBenchTally], Int) {
        let subscribed = group.next().makePromise(of: Void.self)
        let subscriber = try await ClientBootstrap(group: group)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandlers([
                        ByteToMessageHandler(MQTTBenchPacketDecoder()), MQTTSubscriberHandler(filter: "bench/#", qos: qos, subscribed: subscribed),
                    ])
                }
            }
            .connect(host: "127.0.0.1", port: port).get()
        defer { subscriber.close(promise: nil) }
        try await subscribed.futureResult.get()
        let warmupEnd = NIODeadline.now() + TimeAmount(.seconds(self.warmup))
        let subscriberPromise = subscriber.eventLoop.makePromise(of: MQTTBenchTally.self)
        subscriber.pipeline.fireUserInboundEventTriggered(
            MQTTBenchStart(warmupEnd: warmupEnd, end: warmupEnd + TimeAmount(.seconds(self.seconds)), promise: subscriberPromise))
        let tallies = try await self.publish(
            port: port, group: group, qos: qos, firstTimestamp: 0, usernames: Array(repeating: nil, count: self.connections),
            topic: { "bench/\($0)" }
        ).tallies
        return (tallies, try await subscriberPromise.futureResult.get().measured)
    }

    /// Starts every connection's run and waits for all; `probe`, when given, is read at the end of the warm-up and at
    /// the end of the window, and the difference returned.
    private func measure(
        _ channels: [any Channel], probe: (@Sendable () async throws -> Double)?
    ) async throws -> (tallies: [MQTTBenchTally], probed: Double?) {
        let warmupEnd = NIODeadline.now() + TimeAmount(.seconds(self.warmup))
        let end = warmupEnd + TimeAmount(.seconds(self.seconds))
        var futures: [EventLoopFuture<MQTTBenchTally>] = []
        for channel in channels {
            let promise = channel.eventLoop.makePromise(of: MQTTBenchTally.self)
            channel.pipeline.fireUserInboundEventTriggered(MQTTBenchStart(warmupEnd: warmupEnd, end: end, promise: promise))
            futures.append(promise.futureResult)
        }
        var probed: Double?
        if let probe {
            try await Task.sleep(for: .nanoseconds(max(0, warmupEnd.uptimeNanoseconds - NIODeadline.now().uptimeNanoseconds)))
            let first = try await probe()
            try await Task.sleep(for: .nanoseconds(max(0, end.uptimeNanoseconds - NIODeadline.now().uptimeNanoseconds)))
            probed = try await probe() - first
        }
        var tallies: [MQTTBenchTally] = []
        for future in futures { tallies.append(try await future.get()) }
        return (tallies, probed)
    }
}

extension Duration {
    /// Seconds given as a `Double` (the bench's options).
    fileprivate static func seconds(_ value: Double) -> Duration { .nanoseconds(Int64(value * 1e9)) }
}
