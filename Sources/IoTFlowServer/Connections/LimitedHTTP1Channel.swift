import Hummingbird
import HummingbirdCore
import Logging
import NIOCore

/// Hummingbird's HTTP/1 child channel with `ConnectionLimits` around it: connections over the limit are closed as
/// soon as they are accepted, and the others get the slow-client timers of `ConnectionTimeoutHandler`.
///
/// It wraps `HTTP1Channel` rather than using its `additionalChannelHandlers`, because one of the two handlers
/// must sit in front of the HTTP decoder and the two must know each other, which a shared closure cannot arrange.
struct LimitedHTTP1Channel: ServerChildChannel {
    /// An accepted connection: its HTTP channel when it is served, nil when it was refused over the limit.
    struct Connection: ServerChildChannelValue {
        /// The accepted socket.
        let channel: any Channel
        /// What Hummingbird serves requests from; nil for a refused connection.
        let http: HTTP1Channel.Value?
    }

    /// The channel doing the HTTP work.
    let http: HTTP1Channel
    /// Timeouts and the connection cap.
    let limits: ConnectionLimits
    /// How long a request body may take to arrive, from its head.
    let bodyTimeout: TimeAmount
    /// Open connections of this server.
    let counter: ConnectionCounter

    /// Refuses the connection when the limit is reached; otherwise sets up `HTTP1Channel` and adds the timeout handlers.
    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Connection> {
        guard self.counter.tryOpen() else {
            return channel.eventLoop.makeCompletedFuture {
                try channel.pipeline.syncOperations.addHandler(ConnectionRefusalHandler(logger: logger))
                return Connection(channel: channel, http: nil)
            }
        }
        // Every way out, a failed setup included, closes the channel, so this is the one place the slot is freed.
        let counter = self.counter
        channel.closeFuture.whenComplete { _ in counter.close() }
        let limits = self.limits
        let bodyTimeout = self.bodyTimeout
        return self.http.setup(channel: channel, logger: logger).flatMapThrowing { http in
            let pipeline = channel.pipeline.syncOperations
            let timeouts = ConnectionTimeoutHandler(limits: limits, bodyTimeout: bodyTimeout, logger: logger)
            // Where `additionalChannelHandlers` would go: after the codec, before Hummingbird's own state handler.
            try pipeline.addHandler(timeouts, position: .before(try pipeline.handler(type: HTTPConnectionStateHandler.self)))
            try pipeline.addHandler(RequestBytesObserver(reportingTo: timeouts), position: .first)
            return Connection(channel: channel, http: http)
        }
    }

    /// Serves the connection's requests; a refused connection has none.
    func handle(value: Connection, logger: Logger) async {
        guard let http = value.http else { return }
        await self.http.handle(value: http, logger: logger)
    }
}
