import Hummingbird
import HummingbirdCore
import HummingbirdWebSocket
import NIOCore

extension HTTPServerBuilder {
    /// HTTP/1 as `.http1()`, with WebSocket upgrades decided by `upgrades`, slow clients timed out and connections
    /// capped as `limits` says.
    ///
    /// - Parameters:
    ///   - limits: Header and idle timeouts and the most connections open at once.
    ///   - bodyTimeout: How long a request body may take to arrive after its head (the request deadline).
    ///   - webSocket: Frame size, ping interval and close timeout of upgraded connections.
    ///   - upgrades: The router that answers upgrade requests (the application's own: a route accepts an upgrade
    ///     through ``AppRequestContext/webSocketUpgrade``).
    static func limitedHTTP1(
        limits: ConnectionLimits, bodyTimeout: TimeAmount, webSocket: WebSocketServerConfiguration, upgrades: Router<AppRequestContext>
    ) -> HTTPServerBuilder {
        let responder = upgrades.buildResponder()
        let counter = ConnectionCounter(limit: limits.maxConnections)
        return .init { httpResponder in
            LimitedHTTP1Channel(
                responder: httpResponder,
                decideUpgrade: { request, context in try await responder.respond(to: request, context: context) },
                webSocket: webSocket,
                limits: limits,
                bodyTimeout: bodyTimeout,
                counter: counter
            )
        }
    }
}
