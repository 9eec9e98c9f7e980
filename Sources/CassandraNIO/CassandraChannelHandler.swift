import Logging
import NIOCore

/// Carries out what `CassandraConnectionStateMachine` decides: writes frames, completes promises, runs timers.
final class CassandraChannelHandler: ChannelDuplexHandler {
    typealias InboundIn = CassandraFrame
    typealias OutboundIn = CassandraChannelRequest
    typealias OutboundOut = ByteBuffer
    typealias StreamID = CassandraConnectionStateMachine.StreamID

    private var stateMachine: CassandraConnectionStateMachine
    private var encoder = CassandraRequestEncoder()
    private var promises: [StreamID: EventLoopPromise<CassandraFrame>] = [:]
    private var timers: [StreamID: Scheduled<Void>] = [:]
    private let handshakePromise: EventLoopPromise<Void>
    private let logger: Logger

    /// - Parameter handshakePromise: Completed once the connection is usable, or failed with why it is not.
    init(credentials: PlainCredentials?, handshakePromise: EventLoopPromise<Void>, logger: Logger) {
        self.stateMachine = CassandraConnectionStateMachine(credentials: credentials)
        self.handshakePromise = handshakePromise
        self.logger = logger
    }

    /// Ids reserved, for tests.
    var reservedStreamCount: Int {
        self.stateMachine.reservedStreamCount
    }

    func handlerAdded(context: ChannelHandlerContext) {
        // Added to a channel that is already connected (TLS set up ahead, or a test), the handshake starts now.
        if context.channel.isActive {
            self.perform(self.stateMachine.channelActive(), context: context)
        }
    }

    func channelActive(context: ChannelHandlerContext) {
        if self.stateMachine.state == .initialized {
            self.perform(self.stateMachine.channelActive(), context: context)
        }
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
        let error = CassandraError.connectionClosed()
        for promise in self.promises.values {
            promise.fail(error)
        }
        self.promises.removeAll()
        for timer in self.timers.values {
            timer.cancel()
        }
        self.timers.removeAll()
        self.handshakePromise.fail(error)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = self.unwrapInboundIn(data)
        if !frame.warnings.isEmpty {
            self.logger.debug(
                "Cassandra server warnings",
                metadata: [CassandraLoggingKey.stream: "\(frame.stream)", CassandraLoggingKey.warnings: "\(frame.warnings)"]
            )
        }
        self.perform(self.stateMachine.received(frame), context: context)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        let cassandraError = error as? CassandraError ?? .connectionClosed("the connection failed: \(error)")
        self.logger.debug("Cassandra connection error", metadata: [CassandraLoggingKey.error: "\(cassandraError)"])
        self.perform(self.stateMachine.errorCaught(cassandraError), context: context)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        var request = self.unwrapOutboundIn(data)
        switch self.stateMachine.sendRequest() {
        case .writeRequest(let stream):
            request.frame.setInteger(stream, at: request.frame.readerIndex + 2)
            self.promises[stream] = request.promise
            self.timers[stream] = context.eventLoop.assumeIsolated().scheduleTask(in: request.timeout) {
                self.timers[stream] = nil
                self.perform(self.stateMachine.requestTimedOut(stream), context: context)
            }
            context.write(self.wrapOutboundOut(request.frame), promise: nil)
            // Accepted: from here the state machine answers for the request, and a failed socket write closes the
            // channel, which fails it as `connectionClosed`; the write promise reports acceptance only.
            promise?.succeed()
        case .refuseRequest(let error):
            request.promise.fail(error)
            promise?.fail(error)
        default:
            preconditionFailure("unexpected action for sendRequest")
        }
    }

    private func perform(_ action: CassandraConnectionStateMachine.Action, context: ChannelHandlerContext) {
        switch action {
        case .none:
            break
        case .writeHandshake(let request):
            self.logger.trace("Cassandra handshake", metadata: [CassandraLoggingKey.request: "\(request.summary)"])
            do {
                try self.encoder.encode(request, stream: 0)
            } catch {
                preconditionFailure("handshake messages always encode: \(error)")
            }
            context.writeAndFlush(self.wrapOutboundOut(self.encoder.flush()), promise: nil)
        case .succeedHandshake:
            self.handshakePromise.succeed()
        case .failHandshake(let error, let closeChannel):
            self.handshakePromise.fail(error)
            if closeChannel {
                context.close(promise: nil)
            }
        case .writeRequest, .refuseRequest:
            preconditionFailure("\(action) is only returned to write(context:data:promise:)")
        case .succeedRequest(let stream, let frame):
            self.completed(stream)?.succeed(frame)
        case .failRequests(let streams, let error):
            for stream in streams {
                self.completed(stream)?.fail(error)
            }
        case .closeAndFailRequests(let streams, let error):
            for stream in streams {
                self.completed(stream)?.fail(error)
            }
            context.close(promise: nil)
        }
    }

    private func completed(_ stream: StreamID) -> EventLoopPromise<CassandraFrame>? {
        if let timer = self.timers.removeValue(forKey: stream) {
            timer.cancel()
        }
        return self.promises.removeValue(forKey: stream)
    }
}
