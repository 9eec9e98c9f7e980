import Logging
import NIOCore
import NIOHTTPTypes

/// Closes an HTTP/1 connection whose client is too slow: a request head not complete within the header timeout,
/// a body not complete within the request deadline, or no request within the idle timeout.
///
/// Sits after the HTTP codec, where it sees request and response parts; `RequestBytesObserver`, in front of
/// the decoder, tells it when raw bytes arrive, because a head that is still trickling in produces no part.
/// The rules are `ConnectionDeadlines`'; this class only runs its timer and closes the channel.
final class ConnectionTimeoutHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private var deadlines: ConnectionDeadlines
    private let logger: Logger
    /// Kept to act on `bytesReceived()`, which the observer calls from its own place in the pipeline.
    private var context: ChannelHandlerContext?
    private var timer: Scheduled<Void>?
    /// Tells a replaced timer that fires anyway (cancelled in the same loop tick it became due) to do nothing.
    private var timerGeneration: UInt64 = 0

    init(limits: ConnectionLimits, bodyTimeout: TimeAmount, logger: Logger) {
        self.deadlines = ConnectionDeadlines(
            headerTimeout: .seconds(Int64(limits.headerTimeoutSeconds)),
            bodyTimeout: bodyTimeout,
            idleTimeout: .seconds(Int64(limits.idleTimeoutSeconds))
        )
        self.logger = logger
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        if context.channel.isActive {
            self.perform(self.deadlines.opened(at: .now()), context: context)
        }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.stop()
        self.context = nil
    }

    func channelActive(context: ChannelHandlerContext) {
        self.perform(self.deadlines.opened(at: .now()), context: context)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.stop()
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch self.unwrapInboundIn(data) {
        case .head:
            self.perform(self.deadlines.requestHeadReceived(at: .now()), context: context)
        case .body:
            break
        case .end:
            self.perform(self.deadlines.requestEndReceived(at: .now()), context: context)
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = self.unwrapOutboundIn(data) {
            self.perform(self.deadlines.responseEndWritten(at: .now()), context: context)
        }
        context.write(data, promise: promise)
    }

    /// Raw bytes arrived, ahead of the HTTP decoder; called by `RequestBytesObserver`.
    func bytesReceived() {
        guard let context = self.context else { return }
        self.perform(self.deadlines.bytesReceived(at: { .now() }), context: context)
    }

    private func perform(_ action: ConnectionDeadlines.Action, context: ChannelHandlerContext) {
        switch action {
        case .none:
            break
        case .schedule(let deadline):
            self.timer?.cancel()
            self.timerGeneration &+= 1
            let generation = self.timerGeneration
            self.timer = context.eventLoop.assumeIsolated().scheduleTask(deadline: deadline) {
                guard self.timerGeneration == generation else { return }
                self.timer = nil
                self.perform(self.deadlines.timerFired(at: .now()), context: context)
            }
        case .close(let reason):
            reason.record(remoteAddress: context.channel.remoteAddress.map { "\($0)" } ?? "unknown", logger: self.logger)
            context.close(promise: nil)
        }
    }

    private func stop() {
        self.deadlines.closed()
        self.timer?.cancel()
        self.timer = nil
    }
}

@available(*, unavailable)
extension ConnectionTimeoutHandler: Sendable {}
