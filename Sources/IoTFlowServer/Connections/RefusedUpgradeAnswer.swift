import HTTPTypes
import NIOCore
import NIOHTTPTypes
import Synchronization

/// Sends the router's own answer to a WebSocket upgrade request that was refused (a JSON 401 or 404, say) in place
/// of the empty 400 that hummingbird-websocket writes for every refused upgrade, so a client learns why before any
/// upgrade, as on every other route.
///
/// Added after the HTTP codec of a connection whose first request was not upgraded; does nothing unless the
/// upgrade decision left an answer in its ``Answer`` box.
final class RefusedUpgradeAnswer: ChannelOutboundHandler, RemovableChannelHandler {
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    /// The answer of a refused upgrade, left by the decision (on its task) for the handler (on the event loop).
    final class Answer: Sendable {
        private let value = Mutex<(head: HTTPResponse, body: ByteBuffer)?>(nil)

        init() {}

        /// Keeps the answer to send instead of the bare 400.
        func store(head: HTTPResponse, body: ByteBuffer) {
            self.value.withLock { $0 = (head, body) }
        }

        /// Takes the answer, once.
        func take() -> (head: HTTPResponse, body: ByteBuffer)? {
            self.value.withLock { value in
                defer { value = nil }
                return value
            }
        }
    }

    private let answer: Answer

    init(answer: Answer) {
        self.answer = answer
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        guard case .head(let head) = self.unwrapOutboundIn(data), head.status == .badRequest, let (answer, body) = self.answer.take() else {
            context.write(data, promise: promise)
            return
        }
        var replacement = answer
        replacement.headerFields[.contentLength] = String(body.readableBytes)
        // The library closes the connection after a refused upgrade; say so.
        replacement.headerFields[.connection] = "close"
        context.write(self.wrapOutboundOut(.head(replacement)), promise: promise)
        if body.readableBytes > 0 { context.write(self.wrapOutboundOut(.body(body)), promise: nil) }
    }
}

@available(*, unavailable)
extension RefusedUpgradeAnswer: Sendable {}
