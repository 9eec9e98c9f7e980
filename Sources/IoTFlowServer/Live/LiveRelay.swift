import IoTFlowStorage
import Logging
import RedisNIO
import Synchronization

/// Carries live messages between the instances sharing a Redis (`REDIS_HOST`): what this instance publishes goes
/// out on one pub/sub channel (`<IOTFLOW_REDIS_PREFIX>live`), and what the others publish comes back to this
/// instance's hub. Each message names its sender, so an instance skips its own: its streams already had it.
///
/// Publishing only appends to a bounded outbox that the relay's task sends in order, so a slow or unreachable
/// Redis never slows or fails a write; while Redis is down, streams get what this instance publishes and the
/// outbox drops its oldest messages. After the channel is heard again, every stream's access is checked anew,
/// since a revocation may have been missed.
///
/// Points, the bulk of the traffic, are published only while another instance listens on the channel (`PUBSUB
/// NUMSUB`, every two seconds, and at once when another instance says hello on starting to listen), so a single
/// instance with Redis does not pay for encoding and sending every point to itself. Commands go through the
/// cache's client; the relay's own subscription connection opens with the first stream of this instance, since
/// an instance without streams has nothing to hear.
final class LiveRelay: Sendable {
    private struct State {
        var failing = false
        var dropped = 0
        var subscribedBefore = false
        var othersListening = false
        var listenRequested = false
        var listening = false
    }

    /// Messages waiting for Redis at most; beyond, the oldest are dropped.
    static let outboxCapacity = 10_000
    /// How long after a relayed change its streams are checked a second time.
    static let cacheSettleDelay = Duration.seconds(1)
    /// How often the relay asks Redis whether other instances listen.
    static let listenerCheckInterval = Duration.seconds(2)

    private let client: RedisClient
    private let channel: String
    /// This process's name on the channel.
    let instance = String(UInt64.random(in: 0...UInt64.max), radix: 16)
    private let logger: Logger
    private let outbox: AsyncStream<LiveRelayMessage>
    private let outboxInput: AsyncStream<LiveRelayMessage>.Continuation
    private let listenRequests: AsyncStream<Void>
    private let listenRequestInput: AsyncStream<Void>.Continuation
    private let state = Mutex(State())

    /// A relay on `client` (the cache's, run by the cache) and the channel `<keyPrefix>live`.
    init(client: RedisClient, keyPrefix: String, logger: Logger) {
        self.client = client
        self.channel = keyPrefix + "live"
        self.logger = logger
        (self.outbox, self.outboxInput) = AsyncStream.makeStream(of: LiveRelayMessage.self, bufferingPolicy: .bufferingNewest(Self.outboxCapacity))
        (self.listenRequests, self.listenRequestInput) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    /// Opens the subscription on the first call, waiting (1 s at most) until Redis confirmed it, so the first stream
    /// opened on this instance hears the others from its first moment; later calls return at once.
    func listen() async {
        let requested = self.state.withLock { state -> Bool in
            defer { state.listenRequested = true }
            return state.listenRequested
        }
        guard !requested else { return }
        self.listenRequestInput.yield()
        let deadline = ContinuousClock.now + .seconds(1)
        while !self.state.withLock({ $0.listening }), ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(5))
        }
    }

    /// Queues a message for the other instances; never waits. Points are left out while no other instance listens.
    func publish(_ message: LiveRelayMessage) {
        if case .points = message, !self.state.withLock({ $0.othersListening }) { return }
        if case .dropped = self.outboxInput.yield(message) {
            self.state.withLock { $0.dropped += 1 }
        }
    }

    /// Sends the outbox and, once asked to listen, delivers what the other instances publish to `hub`, until
    /// cancelled (every loop below ends with the task: the subscription's and those over the streams).
    func run(into hub: LiveHub) async {
        let (rechecks, recheckInput) = AsyncStream.makeStream(of: [LiveSubject]?.self)
        await withDiscardingTaskGroup { group in
            group.addTask { await self.send() }
            group.addTask { await self.countListeners() }
            group.addTask {
                for await _ in self.listenRequests {
                    await self.listen(into: hub, rechecks: recheckInput)
                    return
                }
            }
            // Access checks read the stores; run them beside the listener so relayed points are not held up.
            group.addTask {
                await withDiscardingTaskGroup { checks in
                    for await subjects in rechecks {
                        guard let subjects else {
                            await hub.recheckAll()
                            continue
                        }
                        await hub.recheck(subjects)
                        // This instance's cache hears of the same change on another connection and may not have
                        // dropped its copy yet: look again once it surely has.
                        checks.addTask {
                            try? await Task.sleep(for: Self.cacheSettleDelay)
                            await hub.recheck(subjects)
                        }
                    }
                }
            }
        }
    }

    private func send() async {
        for await message in self.outbox {
            guard let text = message.text(instance: self.instance) else { continue }
            do {
                _ = try await self.client.publish(channel: self.channel, message: text)
                let recovered = self.state.withLock { state -> Int? in
                    guard state.failing else { return nil }
                    state.failing = false
                    defer { state.dropped = 0 }
                    return state.dropped
                }
                if let recovered {
                    self.logger.info("live relay: publishing to Redis again", metadata: ["dropped": "\(recovered)"])
                }
            } catch {
                let first = self.state.withLock { state -> Bool in
                    state.dropped += 1
                    defer { state.failing = true }
                    return !state.failing
                }
                if first {
                    self.logger.warning(
                        "live relay: cannot publish to Redis; streams on other instances miss this one's messages until it is back",
                        metadata: ["error": "\(error)"])
                }
            }
        }
    }

    /// Keeps `othersListening` current: more than one subscriber on the channel means another instance.
    private func countListeners() async {
        while !Task.isCancelled {
            if let reply = try? await self.client.send(RedisCommand("PUBSUB", ["NUMSUB", self.channel])) {
                let count = Self.subscriberCount(reply)
                self.state.withLock { $0.othersListening = count > 1 }
            }
            try? await Task.sleep(for: Self.listenerCheckInterval)
        }
    }

    /// The count in a `PUBSUB NUMSUB` reply for one channel: `[channel, count]`, or a map under RESP3.
    static func subscriberCount(_ reply: RESPValue) -> Int64 {
        if case .map(let entries) = reply { return entries.first?.value.integer ?? 0 }
        return reply.array?.last?.integer ?? 0
    }

    private func listen(into hub: LiveHub, rechecks: AsyncStream<[LiveSubject]?>.Continuation) async {
        for await event in self.client.subscribe(to: [self.channel]) {
            switch event {
            case .subscribed:
                let again = self.state.withLock { state -> Bool in
                    defer { state.subscribedBefore = true }
                    return state.subscribedBefore
                }
                if again { self.logger.info("live relay: listening to Redis again") }
                self.state.withLock { $0.listening = true }
                // Changes published while this instance was not listening were missed.
                rechecks.yield(nil)
                self.publish(.hello)
            case .disconnected(let error):
                self.logger.debug("live relay: subscription lost", metadata: ["error": "\(error)"])
            case .message(_, let payload):
                guard LiveRelayMessage.sender(of: payload) != Substring(self.instance), let (_, message) = LiveRelayMessage.parse(payload) else {
                    continue
                }
                // Another instance published: it listens too.
                self.state.withLock { $0.othersListening = true }
                switch message {
                case .frames(let devices): hub.deliver(points: devices)
                case .alert(let frame, let deviceID, let owner): hub.deliver(alertFrame: frame, deviceID: deviceID, ownerPublicID: owner)
                case .changes(let subjects): rechecks.yield(subjects)
                case .points, .hello: break
                }
            }
        }
    }
}
