import Synchronization

/// Turns the frames of one subscriber connection into events: RESP3 push frames and RESP2 arrays look alike
/// (`[kind, channel, payload-or-count]`), so both are handled the same way.
final class SubscriptionFrameHandler: Sendable {
    private let unconfirmed: Mutex<Set<String>?>
    private let continuation: AsyncStream<RedisSubscriptionEvent>.Continuation

    init(channels: [String], continuation: AsyncStream<RedisSubscriptionEvent>.Continuation) {
        self.unconfirmed = Mutex(Set(channels))
        self.continuation = continuation
    }

    func handle(_ frame: RESPValue) {
        guard let parts = frame.array, let kind = parts.first?.string?.lowercased() else {
            return
        }
        switch kind {
        case "subscribe":
            guard parts.count >= 2, let channel = parts[1].string else { return }
            let complete = self.unconfirmed.withLock { unconfirmed -> Bool in
                guard unconfirmed != nil else { return false }
                unconfirmed!.remove(channel)
                if unconfirmed!.isEmpty {
                    unconfirmed = nil
                    return true
                }
                return false
            }
            if complete {
                self.continuation.yield(.subscribed)
            }
        case "message":
            guard parts.count >= 3, let channel = parts[1].string, let payload = parts[2].string else { return }
            self.continuation.yield(.message(channel: channel, payload: payload))
        default:
            break
        }
    }
}
