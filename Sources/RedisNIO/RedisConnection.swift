import Logging
import NIOCore
import NIOPosix

/// One TCP connection to the server, set up (HELLO/AUTH/SELECT) and multiplexing any number of callers.
final class RedisConnection: Sendable {
    let channel: any Channel
    let id: Int

    /// Wraps a channel whose pipeline already holds the decoder and a `RedisChannelHandler` that has completed its
    /// handshake; `connect` is the way in, tests use this directly.
    init(channel: any Channel, id: Int) {
        self.channel = channel
        self.id = id
    }

    /// Connects and completes the handshake, both within `configuration.connectTimeout`.
    ///
    /// - Parameter subscriberFrames: Makes this a subscriber connection that hands every frame after the handshake here.
    static func connect(
        configuration: RedisConfiguration,
        id: Int,
        eventLoop: any EventLoop,
        logger: Logger,
        subscriberFrames: (@Sendable (RESPValue) -> Void)? = nil
    ) async throws -> RedisConnection {
        var logger = logger
        logger[metadataKey: RedisLoggingKey.connectionID] = "\(id)"
        logger[metadataKey: RedisLoggingKey.role] = subscriberFrames == nil ? "commands" : "subscriber"
        let handshakePromise = eventLoop.makePromise(of: Void.self)
        let timeout = TimeAmount(configuration.connectTimeout)
        let deadline = NIODeadline.now() + timeout
        let channel: any Channel
        do {
            channel = try await ClientBootstrap(group: eventLoop)
                .connectTimeout(timeout)
                .channelOption(.socketOption(.tcp_nodelay), value: 1)
                .channelInitializer { [logger] channel in
                    channel.eventLoop.makeCompletedFuture {
                        let handler = RedisChannelHandler(
                            configuration: configuration,
                            handshakePromise: handshakePromise,
                            subscriberFrames: subscriberFrames,
                            logger: logger
                        )
                        try channel.pipeline.syncOperations.addHandlers([ByteToMessageHandler(RESPValueDecoder()), handler])
                    }
                }
                .connect(host: configuration.host, port: configuration.port)
                .get()
        } catch {
            handshakePromise.fail(error)
            logger.debug("Redis connect failed", metadata: [RedisLoggingKey.error: "\(error)"])
            throw RedisError.connectionUnavailable("cannot connect to \(configuration.host):\(configuration.port): \(error)")
        }
        // The connect timeout covers the handshake too: a server that accepts but never answers must not hang us.
        let timer = eventLoop.scheduleTask(deadline: deadline) {
            handshakePromise.fail(RedisError.timeout("no handshake reply within the connect timeout"))
        }
        // Cancelled on the event loop the moment the handshake ends, never later from this task: a task resumed late on a
        // busy machine must not let the timer close a connection whose handshake already succeeded. On a timeout the
        // catch below closes the channel.
        handshakePromise.futureResult.whenComplete { _ in timer.cancel() }
        do {
            try await handshakePromise.futureResult.get()
        } catch {
            channel.close(promise: nil)
            logger.debug("Redis handshake failed", metadata: [RedisLoggingKey.error: "\(error)"])
            throw error
        }
        logger.debug("Redis connection ready")
        return RedisConnection(channel: channel, id: id)
    }

    var isActive: Bool {
        self.channel.isActive
    }

    /// Sends one command and waits for its reply; an error reply throws `.serverError`.
    func send(_ command: RedisCommand, timeout: Duration) async throws -> RESPValue {
        let promise = self.channel.eventLoop.makePromise(of: RESPValue.self)
        self.write(.commands([command], promises: [promise], timeout: TimeAmount(timeout)), replies: [promise])
        // A cancelled caller stops waiting at once; the command keeps its slot, so its reply is still consumed in
        // order and dropped (completing a failed promise does nothing).
        return try await withTaskCancellationHandler {
            try await promise.futureResult.get()
        } onCancel: {
            promise.fail(CancellationError())
        }
    }

    /// Sends the commands in one write and flush and collects every reply, error replies included, in order.
    ///
    /// Throws only `CancellationError`, when the calling task is cancelled before every reply arrived.
    func pipeline(_ commands: [RedisCommand], timeout: Duration) async throws -> [Result<RESPValue, RedisError>] {
        let promises = commands.map { _ in self.channel.eventLoop.makePromise(of: RESPValue.self) }
        self.write(.commands(commands, promises: promises, timeout: TimeAmount(timeout)), replies: promises)
        return try await withTaskCancellationHandler {
            var results: [Result<RESPValue, RedisError>] = []
            results.reserveCapacity(promises.count)
            for promise in promises {
                do {
                    results.append(.success(try await promise.futureResult.get()))
                } catch let error as RedisError {
                    results.append(.failure(error))
                } catch {
                    throw error
                }
            }
            return results
        } onCancel: {
            for promise in promises {
                promise.fail(CancellationError())
            }
        }
    }

    /// Writes `SUBSCRIBE` on a subscriber connection; confirmations arrive as subscriber frames.
    func subscribe(to channels: [String]) {
        let request = RedisRequest(kind: .subscription([RedisCommand("SUBSCRIBE", channels)]))
        self.channel.writeAndFlush(request, promise: nil)
    }

    func close() {
        self.channel.close(promise: nil)
    }

    private func write(_ kind: RedisRequest.Kind, replies: [EventLoopPromise<RESPValue>]) {
        // The handler fails the replies of commands it refused (with a RedisError) and of commands it accepted. A write
        // into a channel that is already closed never reaches it: nothing was sent, so the command is unavailable.
        self.channel.writeAndFlush(RedisRequest(kind: kind)).whenFailure { error in
            let redisError =
                error as? RedisError ?? .connectionUnavailable("the connection is closed; the command was not sent (\(error))")
            for reply in replies {
                reply.fail(redisError)
            }
        }
    }
}
