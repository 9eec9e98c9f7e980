import HTTPTypes
import IoTFlowCore
import NIOCore
import NIOHTTPTypes
import Synchronization

/// Answers a WebSocket upgrade request that is not upgraded the way every other refusal is answered: JSON, before
/// any upgrade. Added after the HTTP codec of a connection whose first request was not upgraded.
///
/// Two cases need it, both for the first request of a connection:
/// - the router refused (a JSON 401 or 404, say): hummingbird-websocket writes an empty 400 for every refused
///   upgrade; this sends the router's own answer, left in the ``Answer`` box by the upgrade decision, instead;
/// - the handshake itself is invalid (no `Sec-WebSocket-Key`, a `Sec-WebSocket-Version` other than 13): NIO's
///   upgrader refuses it before asking the router and passes on the request's end without its head, which
///   Hummingbird would answer by dropping the connection; this answers 400 instead.
final class RefusedUpgradeAnswer: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
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

    /// The body of the answer to an invalid handshake.
    static let invalidHandshake = JSONWriter.bytes(
        [
            "error": "Bad request",
            "message": "Not a valid WebSocket upgrade request: it needs Sec-WebSocket-Key and Sec-WebSocket-Version: 13.",
        ]
    )

    private let answer: Answer
    private var sawHead = false

    init(answer: Answer) {
        self.answer = answer
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch self.unwrapInboundIn(data) {
        case .head:
            self.sawHead = true
        case .end where !self.sawHead:
            self.sawHead = true
            self.answerInvalidHandshake(context: context)
            return
        case .body, .end:
            break
        }
        context.fireChannelRead(data)
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

    private func answerInvalidHandshake(context: ChannelHandlerContext) {
        var head = HTTPResponse(status: .badRequest)
        head.headerFields[.contentType] = "application/json; charset=utf-8"
        head.headerFields[.contentLength] = String(Self.invalidHandshake.count)
        head.headerFields[.connection] = "close"
        context.write(self.wrapOutboundOut(.head(head)), promise: nil)
        context.write(self.wrapOutboundOut(.body(ByteBuffer(bytes: Self.invalidHandshake))), promise: nil)
        context.writeAndFlush(self.wrapOutboundOut(.end(nil))).assumeIsolated().whenComplete { _ in
            context.close(promise: nil)
        }
    }
}

@available(*, unavailable)
extension RefusedUpgradeAnswer: Sendable {}
