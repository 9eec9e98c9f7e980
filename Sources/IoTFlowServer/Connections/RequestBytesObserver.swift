import NIOCore

/// Tells a `ConnectionTimeoutHandler` when bytes arrive, from in front of the HTTP decoder.
///
/// The decoder produces nothing until a request head is complete, so without this the handler could not
/// tell a connection that is idle from one trickling in a head, and the header timer could not start at a
/// request's first byte. It forwards every read untouched.
final class RequestBytesObserver: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private let timeouts: ConnectionTimeoutHandler

    init(reportingTo timeouts: ConnectionTimeoutHandler) {
        self.timeouts = timeouts
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        self.timeouts.bytesReceived()
        context.fireChannelRead(data)
    }
}

@available(*, unavailable)
extension RequestBytesObserver: Sendable {}
