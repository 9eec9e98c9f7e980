/// The events of a subscription; iterating starts the dedicated connection, ending the iteration closes it.
///
/// Events are buffered without limit while nobody reads, so that no published message is lost to a slow reader.
public struct RedisSubscription: AsyncSequence, Sendable {
    /// The subscription's events.
    public typealias Element = RedisSubscriptionEvent
    /// Iteration ends (returns `nil`) rather than throwing.
    public typealias Failure = Never

    private let client: RedisClient
    private let channels: [String]

    init(client: RedisClient, channels: [String]) {
        self.client = client
        self.channels = channels
    }

    /// Starts the subscription connection and returns an iterator over its events.
    public func makeAsyncIterator() -> AsyncIterator {
        let (stream, continuation) = AsyncStream.makeStream(of: RedisSubscriptionEvent.self)
        self.client.startSubscription(to: self.channels, continuation: continuation)
        return AsyncIterator(base: stream.makeAsyncIterator())
    }

    /// Iterates the events of one subscription connection.
    public struct AsyncIterator: AsyncIteratorProtocol {
        /// Iteration ends (returns `nil`) rather than throwing.
        public typealias Failure = Never

        private var base: AsyncStream<RedisSubscriptionEvent>.Iterator

        fileprivate init(base: AsyncStream<RedisSubscriptionEvent>.Iterator) {
            self.base = base
        }

        /// The next event, or `nil` once the client shut down or the iterating task was cancelled.
        public mutating func next() async -> RedisSubscriptionEvent? {
            await self.base.next()
        }
    }
}
