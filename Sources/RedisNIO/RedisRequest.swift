import NIOCore

/// What `RedisConnection` writes into the channel: commands with the promises their replies complete.
struct RedisRequest: Sendable {
    enum Kind: Sendable {
        /// Commands whose replies complete `promises`, one each, in order; they fail with `.timeout` after `timeout`.
        case commands([RedisCommand], promises: [EventLoopPromise<RESPValue>], timeout: TimeAmount)
        /// Commands whose replies arrive as subscription frames rather than as replies (`SUBSCRIBE`).
        case subscription([RedisCommand])
    }

    var kind: Kind
}
