import NIOCore

/// What `RedisConnection` writes into the channel: commands with the promises their replies complete.
///
/// The write promise of a `.commands` request succeeds once the handler has accepted the commands and fails when it
/// refused them; a write that never reaches the handler (the channel is already closed) fails it too.
struct RedisRequest: Sendable {
    enum Kind: Sendable {
        /// Commands whose replies complete `promises`, one each, in order; they fail with `.timeout` after `timeout`.
        case commands([RedisCommand], promises: [EventLoopPromise<RESPValue>], timeout: TimeAmount)
        /// Commands whose replies arrive as subscription frames rather than as replies (`SUBSCRIBE`).
        case subscription([RedisCommand])
    }

    var kind: Kind
}
