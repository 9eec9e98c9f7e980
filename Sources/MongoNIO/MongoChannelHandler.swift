import Logging
import NIOCore

/// Carries out what `MongoConnectionStateMachine` decides: frames and writes OP_MSG messages, completes promises by
/// `responseTo`, runs request timers.
///
/// The handler frames inbound bytes itself rather than behind a `ByteToMessageHandler`, because the largest message
/// the decoder accepts comes from the server's `hello` answer, which arrives after the pipeline is built.
final class MongoChannelHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = MongoRequest
    typealias OutboundOut = ByteBuffer
    typealias RequestID = MongoConnectionStateMachine.RequestID

    private var stateMachine: MongoConnectionStateMachine
    private var decoder = MongoMessageDecoder()
    private var inbound = ByteBuffer()
    private var promises: [RequestID: EventLoopPromise<BSONDocument>] = [:]
    private var timers: [RequestID: Scheduled<Void>] = [:]
    private var maxMessageSizeBytes = MongoServerDescription.defaultMaxMessageSizeBytes
    private let handshakePromise: EventLoopPromise<MongoServerDescription>
    private let username: String?
    private let logger: Logger

    /// - Parameter handshakePromise: Completed with the server's description once the connection is usable, or failed
    ///   with why it is not.
    init(stateMachine: MongoConnectionStateMachine, username: String?, handshakePromise: EventLoopPromise<MongoServerDescription>, logger: Logger) {
        self.stateMachine = stateMachine
        self.username = username
        self.handshakePromise = handshakePromise
        self.logger = logger
    }

    /// Requests waiting for an answer; for tests.
    var pendingCount: Int {
        self.promises.count
    }

    func channelActive(context: ChannelHandlerContext) {
        self.perform(self.stateMachine.channelActive(), context: context)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        // Bytes left over are the head of an answer the server never finished.
        let reason = self.inbound.readableBytes > 0 ? "the connection closed in the middle of an answer" : nil
        self.perform(self.stateMachine.channelInactive(reason: reason), context: context)
        for timer in self.timers.values {
            timer.cancel()
        }
        self.timers.removeAll()
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        // A handler removed with promises still open would leave their callers waiting forever.
        let error = MongoError.connectionClosed()
        for promise in self.promises.values {
            promise.fail(error)
        }
        self.promises.removeAll()
        self.handshakePromise.fail(error)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var bytes = self.unwrapInboundIn(data)
        self.inbound.writeBuffer(&bytes)
        do {
            while self.isReading, let message = try self.decoder.decode(buffer: &self.inbound) {
                self.perform(self.stateMachine.received(message), context: context)
            }
        } catch {
            let mongoError = Self.decodingError(error)
            self.logger.debug("MongoDB connection error", metadata: [MongoLoggingKey.error: "\(mongoError)"])
            self.perform(self.stateMachine.errorCaught(mongoError), context: context)
        }
        if self.inbound.readableBytes == 0 {
            self.inbound.clear()
        } else if self.inbound.readerIndex > 64 * 1024 {
            self.inbound.discardReadBytes()
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        let mongoError = error as? MongoError ?? .connectionClosed("the connection failed: \(error)")
        self.logger.debug("MongoDB connection error", metadata: [MongoLoggingKey.error: "\(mongoError)"])
        self.perform(self.stateMachine.errorCaught(mongoError), context: context)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let request = self.unwrapOutboundIn(data)
        switch self.stateMachine.startRequest() {
        case .write(let id):
            let message = MongoMessage(requestID: id, responseTo: 0, flags: [], body: request.body, sequences: request.sequences)
            var buffer = context.channel.allocator.buffer(capacity: 256)
            do {
                try message.write(to: &buffer)
            } catch {
                self.stateMachine.requestNotSent(id)
                let mongoError = MongoError.invalidArgument("the command cannot be encoded: \(error)")
                request.promise.fail(mongoError)
                promise?.fail(mongoError)
                return
            }
            guard buffer.readableBytes <= self.maxMessageSizeBytes else {
                self.stateMachine.requestNotSent(id)
                let mongoError = MongoError.messageTooLarge(
                    "the message has \(buffer.readableBytes) bytes, more than the server's maxMessageSizeBytes of \(self.maxMessageSizeBytes)"
                )
                request.promise.fail(mongoError)
                promise?.fail(mongoError)
                return
            }
            self.promises[id] = request.promise
            self.timers[id] = context.eventLoop.assumeIsolated().scheduleTask(in: request.timeout) {
                self.timers[id] = nil
                self.perform(self.stateMachine.requestTimedOut(id), context: context)
            }
            self.logger.trace(
                "MongoDB command sent",
                metadata: [MongoLoggingKey.requestID: "\(id)", MongoLoggingKey.command: "\(request.body.keys.first ?? "")"]
            )
            context.write(self.wrapOutboundOut(buffer), promise: nil)
            // Accepted: from here the state machine answers for the reply, and a failed socket write closes the
            // channel, which fails it as `.connectionClosed`; the write promise reports acceptance only.
            promise?.succeed()
        case .fail(let error):
            request.promise.fail(error)
            promise?.fail(error)
        }
    }

    private static func decodingError(_ error: any Error) -> MongoError {
        if let wireError = error as? MongoWireError, wireError.code == .messageTooLarge {
            return .messageTooLarge("the server sent a message larger than its maxMessageSizeBytes: \(wireError)")
        }
        return error as? MongoError ?? .protocolViolation("the server sent a garbled message: \(error)")
    }

    private var isReading: Bool {
        switch self.stateMachine.state {
        case .closing, .closed:
            return false
        default:
            return true
        }
    }

    private func perform(_ action: MongoConnectionStateMachine.Action, context: ChannelHandlerContext) {
        switch action {
        case .none:
            break
        case .write(let message):
            var buffer = context.channel.allocator.buffer(capacity: 256)
            do {
                try message.write(to: &buffer)
            } catch {
                self.perform(self.stateMachine.errorCaught(.protocolViolation("a handshake message cannot be encoded: \(error)")), context: context)
                return
            }
            context.writeAndFlush(self.wrapOutboundOut(buffer), promise: nil)
        case .succeedHandshake(let description):
            self.maxMessageSizeBytes = description.maxMessageSizeBytes
            self.decoder.maxMessageSize = description.maxMessageSizeBytes
            self.logger.debug(
                "MongoDB connection ready",
                metadata: [MongoLoggingKey.setName: "\(description.setName ?? "-")"]
            )
            self.handshakePromise.succeed(description)
        case .failHandshake(let error, let closeChannel):
            if error.code == .authenticationFailed {
                // One line per failed attempt, naming the user, never the password.
                self.logger.debug(
                    "MongoDB authentication failed",
                    metadata: [MongoLoggingKey.username: "\(self.username ?? "")", MongoLoggingKey.error: "\(error)"]
                )
            }
            self.handshakePromise.fail(error)
            if closeChannel {
                context.close(promise: nil)
            }
        case .succeedRequest(let id, let body):
            self.completed(id)?.succeed(body)
        case .failRequests(let ids, let error):
            for id in ids {
                self.completed(id)?.fail(error)
            }
        case .closeAndFailRequests(let ids, let error):
            for id in ids {
                self.completed(id)?.fail(error)
            }
            context.close(promise: nil)
        }
    }

    private func completed(_ id: RequestID) -> EventLoopPromise<BSONDocument>? {
        if let timer = self.timers.removeValue(forKey: id) {
            timer.cancel()
        }
        return self.promises.removeValue(forKey: id)
    }
}
