import Logging
import NIOCore

/// Closes a connection as soon as it is active: the pipeline of a connection accepted over the limit.
///
/// Closing at once, rather than leaving connections in the listen backlog as Hummingbird's
/// `AvailableConnectionsChannelHandler` does, gives a client EOF at once instead of a connect that hangs,
/// and keeps the backlog free for the moment a slot opens.
final class ConnectionRefusalHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer

    private let logger: Logger
    private var isRefused = false

    init(logger: Logger) {
        self.logger = logger
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { self.refuse(context: context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        self.refuse(context: context)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        // Whatever the client sent before the close took effect goes unread.
    }

    private func refuse(context: ChannelHandlerContext) {
        guard !self.isRefused else { return }
        self.isRefused = true
        ConnectionCloseReason.overLimit.record(remoteAddress: context.channel.remoteAddress.map { "\($0)" } ?? "unknown", logger: self.logger)
        context.close(promise: nil)
    }
}

@available(*, unavailable)
extension ConnectionRefusalHandler: Sendable {}
