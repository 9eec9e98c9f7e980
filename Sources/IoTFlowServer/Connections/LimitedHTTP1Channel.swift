import HTTPTypes
import Hummingbird
import HummingbirdCore
import HummingbirdWebSocket
import Logging
import NIOCore

/// Hummingbird's HTTP/1 child channel with WebSocket upgrades (hummingbird-websocket's `HTTP1WebSocketUpgradeChannel`)
/// and `ConnectionLimits` around it: connections over the limit are closed as soon as they are accepted, the others
/// get the slow-client timers of `ConnectionTimeoutHandler` (and `FirstRequestHeadTimeout` until the first head is
/// in), and an upgrade request is decided by the router itself.
///
/// Deciding by the router means an upgrade request passes the same middlewares as any request (credentials, metrics,
/// errors): a stream route accepts by filling the request's ``WebSocketUpgradeSlot`` and answering 101; any other
/// answer (401, 404 …) goes to the client as it is, before any upgrade (``RefusedUpgradeAnswer``).
///
/// It builds one upgrade channel per connection, because the handlers it gives the library for a connection that
/// stays HTTP must share state with that connection's decision, which one closure for every connection cannot.
struct LimitedHTTP1Channel: ServerChildChannel {
    /// An accepted connection: its channel and upgrade state when it is served, nil when it was refused over the limit.
    struct Connection: ServerChildChannelValue {
        /// The accepted socket.
        let channel: any Channel
        /// The connection's upgrade channel and what its setup returned; nil for a refused connection.
        let served: (upgrade: HTTP1WebSocketUpgradeChannel, value: HTTP1WebSocketUpgradeChannel.Value)?
    }

    /// Decides an upgrade request: the router's answer to it, with the upgrade slot in its context.
    typealias UpgradeDecision = @Sendable (Request, AppRequestContext) async throws -> Response

    /// Serves HTTP requests (the application's router).
    let responder: HTTPChannelHandler.Responder
    /// Answers upgrade requests.
    let decideUpgrade: UpgradeDecision
    /// Frame size, pings and close timeout of upgraded connections.
    let webSocket: WebSocketServerConfiguration
    /// Timeouts and the connection cap.
    let limits: ConnectionLimits
    /// How long a request body may take to arrive, from its head.
    let bodyTimeout: TimeAmount
    /// Open connections of this server.
    let counter: ConnectionCounter

    /// Refuses the connection when the limit is reached; otherwise sets up the upgrade channel and the timers.
    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Connection> {
        guard self.counter.tryOpen() else {
            return channel.eventLoop.makeCompletedFuture {
                try channel.pipeline.syncOperations.addHandler(ConnectionRefusalHandler(logger: logger))
                return Connection(channel: channel, served: nil)
            }
        }
        // Every way out, a failed setup included, closes the channel, so this is the one place the slot is freed.
        let counter = self.counter
        channel.closeFuture.whenComplete { _ in counter.close() }
        let timeouts = ConnectionTimeoutHandler(limits: self.limits, bodyTimeout: self.bodyTimeout, logger: logger)
        let httpHandlers = NIOLoopBound(timeouts, eventLoop: channel.eventLoop)
        let refusal = RefusedUpgradeAnswer.Answer()
        let decide = self.decideUpgrade
        let upgrade = HTTP1WebSocketUpgradeChannel(
            responder: self.responder,
            configuration: .init(
                // Called on the event loop once the first request turned out not to be an upgrade (or a refused one):
                // where `HTTP1Channel` has its additional handlers, after the codec, before Hummingbird's state handler.
                http1: .init(additionalChannelHandlers: [httpHandlers.value, RefusedUpgradeAnswer(answer: refusal)]),
                ws: self.webSocket
            ),
            shouldUpgrade: { head, channel, logger in
                try await Self.shouldUpgrade(head, channel: channel, logger: logger, decide: decide, refusal: refusal)
            }
        )
        let headerTimeout = TimeAmount.seconds(Int64(self.limits.headerTimeoutSeconds))
        return upgrade.setup(channel: channel, logger: logger).flatMapThrowing { value in
            let pipeline = channel.pipeline.syncOperations
            try pipeline.addHandler(RequestBytesObserver(reportingTo: timeouts), position: .first)
            try pipeline.addHandler(FirstRequestHeadTimeout(timeout: headerTimeout, logger: logger), position: .first)
            return Connection(channel: channel, served: (upgrade, value))
        }
    }

    /// Serves the connection's requests or WebSocket; a refused connection has none.
    func handle(value: Connection, logger: Logger) async {
        guard let served = value.served else { return }
        await served.upgrade.handle(value: served.value, logger: logger)
    }

    /// Runs the router on the upgrade request (it has no body) and upgrades when it answered 101 with a handler in
    /// the slot; otherwise keeps its answer for ``RefusedUpgradeAnswer``.
    private static func shouldUpgrade(
        _ head: HTTPRequest, channel: any Channel, logger: Logger, decide: UpgradeDecision, refusal: RefusedUpgradeAnswer.Answer
    ) async throws -> ShouldUpgradeResult<WebSocketUpgradeSlot.Handler> {
        let slot = WebSocketUpgradeSlot(channel: channel)
        var context = AppRequestContext(source: .init(channel: channel, logger: logger))
        context.webSocketUpgrade = slot
        let response = try await decide(Request(head: head, body: .init(buffer: ByteBuffer())), context)
        if response.status == .switchingProtocols, let handler = slot.accepted {
            return .upgrade([:], handler)
        }
        let body = BufferingBodyWriter()
        try await response.body.write(body)
        var answer = HTTPResponse(status: response.status, headerFields: response.headers)
        answer.headerFields[.transferEncoding] = nil
        refusal.store(head: answer, body: body.buffer)
        return .dontUpgrade
    }
}
