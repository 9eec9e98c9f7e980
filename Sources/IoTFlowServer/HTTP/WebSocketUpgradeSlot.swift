import HummingbirdWebSocket
import NIOCore
import Synchronization

/// Where a route that accepts a WebSocket upgrade leaves the handler of the upgraded connection.
///
/// The server puts one in the request context only while it decides an upgrade request (``LimitedHTTP1Channel``):
/// it runs the router on the request first, so every middleware and route check applies, and upgrades only when
/// the route answered 101 after filling the slot; any other answer is sent as it is, before any upgrade.
final class WebSocketUpgradeSlot: Sendable {
    /// What serves the connection once upgraded.
    typealias Handler = WebSocketDataHandler<HTTP1WebSocketUpgradeChannel.Context>

    /// The connection being upgraded.
    let channel: any Channel
    private let handler = Mutex<Handler?>(nil)

    init(channel: any Channel) {
        self.channel = channel
    }

    /// Accepts the upgrade with `handler`; the route then answers 101.
    func accept(_ handler: @escaping Handler) {
        self.handler.withLock { $0 = handler }
    }

    /// The handler a route accepted the upgrade with, if any.
    var accepted: Handler? { self.handler.withLock { $0 } }
}
