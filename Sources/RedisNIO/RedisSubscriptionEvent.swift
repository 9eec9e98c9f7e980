/// What a `RedisSubscription` reports.
public enum RedisSubscriptionEvent: Sendable {
    /// The server confirmed every channel; sent again after each reconnect.
    case subscribed
    /// A message published on one of the channels.
    case message(channel: String, payload: String)
    /// The connection dropped or could not be made; the subscription reconnects on its own.
    case disconnected(RedisError)
}
