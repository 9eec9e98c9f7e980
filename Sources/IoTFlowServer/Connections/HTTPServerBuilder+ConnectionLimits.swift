import Hummingbird
import HummingbirdCore
import NIOCore

extension HTTPServerBuilder {
    /// HTTP/1 as `.http1()`, with slow clients timed out and connections capped as `limits` says.
    ///
    /// - Parameters:
    ///   - limits: Header and idle timeouts and the most connections open at once.
    ///   - bodyTimeout: How long a request body may take to arrive after its head (the request deadline).
    static func limitedHTTP1(limits: ConnectionLimits, bodyTimeout: TimeAmount) -> HTTPServerBuilder {
        .init { responder in
            LimitedHTTP1Channel(
                http: HTTP1Channel(responder: responder),
                limits: limits,
                bodyTimeout: bodyTimeout,
                counter: ConnectionCounter(limit: limits.maxConnections)
            )
        }
    }
}
