import Logging
import NIOCore

/// Carries out what `RedisConnectionStateMachine` decides: writes commands, completes promises, runs timers.
final class RedisChannelHandler: ChannelDuplexHandler {
    typealias InboundIn = RESPValue
    typealias OutboundIn = RedisRequest
    typealias OutboundOut = ByteBuffer
    typealias CommandID = RedisConnectionStateMachine.CommandID

    private var stateMachine: RedisConnectionStateMachine
    private var encoder = RedisCommandEncoder(buffer: ByteBuffer())
    private var promises: [CommandID: EventLoopPromise<RESPValue>] = [:]
    /// One timer per written batch, keyed by the batch's last command: when that one completes, so have the others.
    private var timers: [CommandID: Scheduled<Void>] = [:]
    private var nextCommandID: CommandID = 0
    private let handshakePromise: EventLoopPromise<Void>
    private let subscriberFrames: (@Sendable (RESPValue) -> Void)?
    private let logger: Logger

    /// - Parameters:
    ///   - handshakePromise: Completed once the connection is usable, or failed with why it is not.
    ///   - subscriberFrames: Receives every frame after the handshake on a subscriber connection; `nil` for commands.
    init(
        configuration: RedisConfiguration,
        handshakePromise: EventLoopPromise<Void>,
        subscriberFrames: (@Sendable (RESPValue) -> Void)?,
        logger: Logger
    ) {
        self.stateMachine = RedisConnectionStateMachine(
            configuration: configuration,
            role: subscriberFrames == nil ? .commands : .subscriber
        )
        self.handshakePromise = handshakePromise
        self.subscriberFrames = subscriberFrames
        self.logger = logger
    }

    func channelActive(context: ChannelHandlerContext) {
        self.perform(self.stateMachine.channelActive(), context: context)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.perform(self.stateMachine.channelInactive(), context: context)
        for timer in self.timers.values {
            timer.cancel()
        }
        self.timers.removeAll()
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        // A handler removed with promises still open would leave their callers waiting forever.
        let error = RedisError.connectionClosed()
        for promise in self.promises.values {
            promise.fail(error)
        }
        self.promises.removeAll()
        self.handshakePromise.fail(error)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let value = self.unwrapInboundIn(data)
        self.perform(self.stateMachine.received(value), context: context)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        let redisError = error as? RedisError ?? .connectionClosed("the connection failed: \(error)")
        self.logger.debug("Redis connection error", metadata: [RedisLoggingKey.error: "\(redisError)"])
        self.perform(self.stateMachine.errorCaught(redisError), context: context)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let request = self.unwrapOutboundIn(data)
        switch request.kind {
        case .subscription(let commands):
            for command in commands {
                self.encoder.encode(command)
            }
            context.write(self.wrapOutboundOut(self.encoder.flush()), promise: promise)

        case .commands(let commands, let replyPromises, let timeout):
            precondition(commands.count == replyPromises.count && !commands.isEmpty, "one promise per command")
            let first = self.nextCommandID
            let last = first + CommandID(commands.count - 1)
            self.nextCommandID = last + 1
            let ids = Array(first...last)
            switch self.stateMachine.sendCommands(ids) {
            case .writeCommands:
                for (id, replyPromise) in zip(ids, replyPromises) {
                    self.promises[id] = replyPromise
                }
                for command in commands {
                    self.encoder.encode(command)
                }
                self.timers[last] = context.eventLoop.assumeIsolated().scheduleTask(in: timeout) {
                    self.timers[last] = nil
                    self.perform(self.stateMachine.commandsTimedOut(first...last), context: context)
                }
                context.write(self.wrapOutboundOut(self.encoder.flush()), promise: nil)
                // Accepted: from here the state machine answers for the replies, and a failed socket write closes the
                // channel, which fails them as `.connectionClosed`; the request's promise reports acceptance only.
                promise?.succeed()
            case .failCommands(_, let error):
                for replyPromise in replyPromises {
                    replyPromise.fail(error)
                }
                promise?.fail(error)
            default:
                preconditionFailure("unexpected action for sendCommands")
            }
        }
    }

    private func perform(_ action: RedisConnectionStateMachine.Action, context: ChannelHandlerContext) {
        switch action {
        case .none:
            break
        case .writeHandshake(let commands):
            for command in commands {
                self.encoder.encode(command)
            }
            context.writeAndFlush(self.wrapOutboundOut(self.encoder.flush()), promise: nil)
        case .succeedHandshake:
            self.handshakePromise.succeed()
        case .failHandshake(let error, let closeChannel):
            self.handshakePromise.fail(error)
            if closeChannel {
                context.close(promise: nil)
            }
        case .writeCommands:
            preconditionFailure("writeCommands is only returned to write(context:data:promise:)")
        case .succeedCommand(let id, let value):
            self.completed(id)?.succeed(value)
        case .failCommands(let ids, let error):
            for id in ids {
                self.completed(id)?.fail(error)
            }
        case .forwardToSubscriber(let value):
            self.subscriberFrames?(value)
        case .closeAndFailCommands(let ids, let error):
            for id in ids {
                self.completed(id)?.fail(error)
            }
            context.close(promise: nil)
        }
    }

    private func completed(_ id: CommandID) -> EventLoopPromise<RESPValue>? {
        if let timer = self.timers.removeValue(forKey: id) {
            timer.cancel()
        }
        return self.promises.removeValue(forKey: id)
    }
}
