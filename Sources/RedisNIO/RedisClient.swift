import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
import Synchronization

/// A Redis client: a few multiplexed connections kept up in the background, plus dedicated subscriber connections.
public final class RedisClient: Sendable, Service {
    private enum Lifecycle {
        case idle
        case running
        case shutDown
    }

    private struct State {
        var lifecycle: Lifecycle = .idle
        /// One entry per configured connection; `nil` while that connection is down.
        var connections: [RedisConnection?]
        var nextConnectionIndex = 0
        var nextConnectionID = 0
        var subscriptions: [Int: Task<Void, Never>] = [:]
        /// Why the latest connect failed, so that `.connectionUnavailable` can say it (a wrong password, say).
        var lastConnectError: RedisError?
    }

    private let configuration: RedisConfiguration
    private let eventLoopGroup: any EventLoopGroup
    private let logger: Logger
    private let state: Mutex<State>

    /// Creates a client; it connects only once `run()` is called.
    public init(
        configuration: RedisConfiguration,
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        logger: Logger
    ) {
        self.configuration = configuration
        self.eventLoopGroup = eventLoopGroup
        var logger = logger
        logger[metadataKey: RedisLoggingKey.address] = "\(configuration.host):\(configuration.port)"
        self.logger = logger
        self.state = Mutex(State(connections: Array(repeating: nil, count: max(1, configuration.connectionCount))))
    }

    /// Connects `connectionCount` connections and keeps them up (reconnect with exponential backoff + jitter
    /// between reconnectInitialDelay and reconnectMaximumDelay) until the task is cancelled or graceful
    /// shutdown is triggered; then closes everything and returns. Commands sent before run() or while
    /// every connection is down throw .connectionUnavailable at once.
    ///
    /// A connection counts as up only after the server answered its handshake (`HELLO`, `AUTH`/`SELECT`, or `PING`
    /// when there is nothing to negotiate). A command the connection refused because it was already closing was not
    /// sent and throws `.connectionUnavailable`; one written before the drop was noticed throws `.connectionClosed`.
    public func run() async throws {
        let slots = try self.state.withLock { state -> Int in
            switch state.lifecycle {
            case .idle:
                state.lifecycle = .running
                return state.connections.count
            case .running:
                preconditionFailure("RedisClient.run() called twice")
            case .shutDown:
                throw RedisError.clientShutDown
            }
        }
        self.logger.debug("Redis client starting")
        await cancelWhenGracefulShutdown {
            await withTaskGroup(of: Void.self) { group in
                for slot in 0..<slots {
                    group.addTask {
                        await self.keepConnected(slot: slot)
                    }
                }
            }
        }
        self.shutDown()
        self.logger.debug("Redis client stopped")
    }

    /// Sends a command on the next live connection and returns the reply; an error reply throws `.serverError`.
    public func send(_ command: RedisCommand) async throws -> RESPValue {
        let connection = try self.nextConnection()
        return try await connection.send(command, timeout: self.configuration.commandTimeout)
    }

    /// Sends the commands in one write and flush on one connection; each reply or error comes back in order.
    public func pipeline(_ commands: [RedisCommand]) async throws -> [Result<RESPValue, RedisError>] {
        guard !commands.isEmpty else {
            return []
        }
        let connection = try self.nextConnection()
        return try await connection.pipeline(commands, timeout: self.configuration.commandTimeout)
    }

    /// Runs a script by its SHA-1 (`EVALSHA`) and, when the server does not have it yet, with `EVAL`, which caches it.
    public func evaluate(_ script: RedisScript, keys: [String], arguments: [String]) async throws -> RESPValue {
        let tail = [String(keys.count)] + keys + arguments
        do {
            return try await self.send(RedisCommand("EVALSHA", [script.sha1] + tail))
        } catch let error as RedisError where error.code == .serverError && error.message.hasPrefix("NOSCRIPT") {
            self.logger.trace("Redis script not cached, sending its source")
            return try await self.send(RedisCommand("EVAL", [script.source] + tail))
        }
    }

    /// Publishes a message and returns how many subscribers received it.
    public func publish(channel: String, message: String) async throws -> Int {
        let reply = try await self.send(.publish(channel, message))
        guard let receivers = reply.integer else {
            throw RedisError.protocolError("PUBLISH answered with something other than an integer")
        }
        return Int(receivers)
    }

    /// Sends `PING` and returns the round trip time.
    public func ping() async throws -> Duration {
        let clock = ContinuousClock()
        let start = clock.now
        _ = try await self.send(.ping)
        return clock.now - start
    }

    /// Whether at least one command connection is up.
    public var isConnected: Bool {
        self.connectedCount > 0
    }

    /// How many of the `connectionCount` command connections are up.
    var connectedCount: Int {
        self.state.withLock { state in
            state.connections.count { $0?.isActive == true }
        }
    }

    /// A dedicated connection SUBSCRIBEd to `channels`, reconnecting with the same backoff. The sequence
    /// yields .subscribed after every successful (re)subscription is confirmed, .message for each
    /// published message, .disconnected(error) when the connection drops (then it reconnects and yields
    /// .subscribed again). Ending iteration / cancelling the iterating task closes the connection.
    ///
    /// The connection is made when iteration starts and works whether or not `run()` is running; it ends when the
    /// client shuts down. A failed connect yields `.disconnected` once, not for every retry.
    public func subscribe(to channels: [String]) -> RedisSubscription {
        RedisSubscription(client: self, channels: channels)
    }

    func startSubscription(to channels: [String], continuation: AsyncStream<RedisSubscriptionEvent>.Continuation) {
        let task: Task<Void, Never>? = self.state.withLock { state in
            guard state.lifecycle != .shutDown else {
                return nil
            }
            let id = state.nextConnectionID
            state.nextConnectionID += 1
            let task = Task {
                await self.keepSubscribed(to: channels, continuation: continuation)
                self.state.withLock { state in
                    state.subscriptions[id] = nil
                }
            }
            state.subscriptions[id] = task
            return task
        }
        guard let task else {
            continuation.finish()
            return
        }
        continuation.onTermination = { _ in
            task.cancel()
        }
    }

    private func nextConnection() throws(RedisError) -> RedisConnection {
        try self.state.withLock { state throws(RedisError) -> RedisConnection in
            switch state.lifecycle {
            case .idle:
                throw RedisError.connectionUnavailable("the client is not running")
            case .shutDown:
                throw RedisError.clientShutDown
            case .running:
                break
            }
            let count = state.connections.count
            for offset in 0..<count {
                let index = (state.nextConnectionIndex + offset) % count
                if let connection = state.connections[index], connection.isActive {
                    state.nextConnectionIndex = (index + 1) % count
                    return connection
                }
            }
            var message = "no connection to \(self.configuration.host):\(self.configuration.port) is up"
            if let lastError = state.lastConnectError {
                message += " (last attempt: \(lastError))"
            }
            throw RedisError.connectionUnavailable(message)
        }
    }

    private func makeConnectionID() -> Int {
        self.state.withLock { state in
            defer { state.nextConnectionID += 1 }
            return state.nextConnectionID
        }
    }

    /// Keeps the connection of one slot up until the task is cancelled.
    private func keepConnected(slot: Int) async {
        var backoff = ReconnectBackoff(
            initialDelay: self.configuration.reconnectInitialDelay,
            maximumDelay: self.configuration.reconnectMaximumDelay
        )
        while !Task.isCancelled {
            do {
                let connection = try await RedisConnection.connect(
                    configuration: self.configuration,
                    id: self.makeConnectionID(),
                    eventLoop: self.eventLoopGroup.next(),
                    logger: self.logger
                )
                backoff.reset()
                let accepted = self.state.withLock { state -> Bool in
                    guard state.lifecycle == .running else { return false }
                    state.connections[slot] = connection
                    state.lastConnectError = nil
                    return true
                }
                guard accepted else {
                    connection.close()
                    return
                }
                await withTaskCancellationHandler {
                    try? await connection.channel.closeFuture.get()
                } onCancel: {
                    connection.close()
                }
                self.state.withLock { state in
                    if state.connections[slot] === connection {
                        state.connections[slot] = nil
                    }
                }
                self.logger.debug("Redis connection closed", metadata: [RedisLoggingKey.connectionID: "\(connection.id)"])
            } catch {
                let redisError = error as? RedisError ?? .connectionUnavailable("\(error)")
                self.state.withLock { state in
                    state.lastConnectError = redisError
                }
            }
            guard !Task.isCancelled else {
                return
            }
            let delay = backoff.nextDelay()
            self.logger.trace("Redis reconnect scheduled", metadata: [RedisLoggingKey.delay: "\(delay)"])
            try? await Task.sleep(for: delay)
        }
    }

    private func keepSubscribed(to channels: [String], continuation: AsyncStream<RedisSubscriptionEvent>.Continuation) async {
        var backoff = ReconnectBackoff(
            initialDelay: self.configuration.reconnectInitialDelay,
            maximumDelay: self.configuration.reconnectMaximumDelay
        )
        // Retries after a drop would otherwise report the same outage again and again.
        var reportedOutage = false
        while !Task.isCancelled {
            let frames = SubscriptionFrameHandler(channels: channels, continuation: continuation)
            do {
                let connection = try await RedisConnection.connect(
                    configuration: self.configuration,
                    id: self.makeConnectionID(),
                    eventLoop: self.eventLoopGroup.next(),
                    logger: self.logger,
                    subscriberFrames: { frames.handle($0) }
                )
                backoff.reset()
                reportedOutage = false
                if channels.isEmpty {
                    continuation.yield(.subscribed)
                } else {
                    connection.subscribe(to: channels)
                }
                await withTaskCancellationHandler {
                    try? await connection.channel.closeFuture.get()
                } onCancel: {
                    connection.close()
                }
                guard !Task.isCancelled else {
                    break
                }
                continuation.yield(.disconnected(.connectionClosed("the subscription connection closed")))
                reportedOutage = true
            } catch {
                guard !Task.isCancelled else {
                    break
                }
                if !reportedOutage {
                    continuation.yield(.disconnected(error as? RedisError ?? .connectionUnavailable("\(error)")))
                    reportedOutage = true
                }
            }
            try? await Task.sleep(for: backoff.nextDelay())
        }
        continuation.finish()
    }

    private func shutDown() {
        let (connections, subscriptions) = self.state.withLock { state in
            state.lifecycle = .shutDown
            let connections = state.connections.compactMap { $0 }
            state.connections = state.connections.map { _ in nil }
            let subscriptions = Array(state.subscriptions.values)
            state.subscriptions.removeAll()
            return (connections, subscriptions)
        }
        for connection in connections {
            connection.close()
        }
        for subscription in subscriptions {
            subscription.cancel()
        }
    }
}
