import Synchronization

/// One open stream's mailbox: the frames waiting for its connection, bounded so that a slow client costs a fixed
/// amount of memory and never slows whoever publishes. When full, the oldest frame is dropped and counted; the
/// connection reports the count (`dropped`) before the next frame it sends.
///
/// Publishers only append under a lock and signal; the connection's writer takes everything waiting at once.
final class LiveSubscription: Sendable {
    /// Why a stream ends from the server's side.
    enum Ending: Sendable, Equatable {
        /// The credential or the target is gone (deleted, revoked): close with 1008 and this reason.
        case revoked(String)
    }

    /// What the connection sends next, in this order: pongs, the dropped notice, the frames; then the ending, if any.
    struct Delivery: Sendable {
        /// Pongs owed to the client's pings (never dropped).
        var pongs = 0
        /// Frames dropped since the last delivery.
        var dropped = 0
        /// Frames in publication order.
        var frames: [String] = []
        /// Set once the stream must close.
        var ending: Ending?
    }

    private struct State {
        var ring: [String?]
        var head = 0
        var count = 0
        var dropped = 0
        var pongs = 0
        var ending: Ending?
        /// Rechecks started and the newest whose result was applied, so an older result never overwrites a newer one.
        var rechecksStarted: UInt64 = 0
        var newestApplied: UInt64 = 0
    }

    /// The hub's key for this subscription.
    let id: UInt64
    /// Most frames waiting at once.
    let capacity: Int
    private let state: Mutex<State>
    private let signal: AsyncStream<Void>.Continuation
    /// Yields (coalesced) whenever there is something to deliver; finishes with ``finish()``.
    let wakeups: AsyncStream<Void>

    /// A subscription holding at most `capacity` frames.
    init(id: UInt64, capacity: Int) {
        self.id = id
        self.capacity = max(1, capacity)
        self.state = Mutex(State(ring: Array(repeating: nil, count: max(1, capacity))))
        (self.wakeups, self.signal) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    /// Appends frames, dropping the oldest beyond the capacity. Never blocks on the connection.
    func push(_ frames: some Collection<String>) {
        guard !frames.isEmpty else { return }
        let accepted = self.state.withLock { state -> Bool in
            guard state.ending == nil else { return false }
            for frame in frames {
                if state.count == self.capacity {
                    state.ring[state.head] = nil
                    state.head = (state.head + 1) % self.capacity
                    state.count -= 1
                    state.dropped += 1
                }
                state.ring[(state.head + state.count) % self.capacity] = frame
                state.count += 1
            }
            return true
        }
        if accepted { self.signal.yield() }
    }

    /// Appends one frame.
    func push(_ frame: String) {
        self.push(CollectionOfOne(frame))
    }

    /// Owes the client one pong.
    func pushPong() {
        self.state.withLock { $0.pongs += 1 }
        self.signal.yield()
    }

    /// Ends the stream: what is still waiting is discarded (the access it was published under is gone).
    func end(_ ending: Ending) {
        self.state.withLock { state in
            guard state.ending == nil else { return }
            state.ending = ending
            state.ring = Array(repeating: nil, count: self.capacity)
            state.head = 0
            state.count = 0
        }
        self.signal.yield()
    }

    /// Whether the stream was ended.
    var ending: Ending? { self.state.withLock { $0.ending } }

    /// Takes everything waiting; nil when there is nothing.
    func take() -> Delivery? {
        self.state.withLock { state -> Delivery? in
            guard state.count > 0 || state.pongs > 0 || state.ending != nil else { return nil }
            var delivery = Delivery(pongs: state.pongs, dropped: state.dropped, ending: state.ending)
            delivery.frames.reserveCapacity(state.count)
            for offset in 0..<state.count {
                let index = (state.head + offset) % self.capacity
                if let frame = state.ring[index] { delivery.frames.append(frame) }
                state.ring[index] = nil
            }
            state.head = 0
            state.count = 0
            state.pongs = 0
            state.dropped = 0
            return delivery
        }
    }

    /// Starts a recheck of the stream's access; pass the result to ``applies(recheck:)``.
    func beginRecheck() -> UInt64 {
        self.state.withLock { state in
            state.rechecksStarted += 1
            return state.rechecksStarted
        }
    }

    /// Whether the result of recheck `number` may be applied: no recheck started after it was applied first.
    func applies(recheck number: UInt64) -> Bool {
        self.state.withLock { state in
            guard number > state.newestApplied, state.ending == nil else { return false }
            state.newestApplied = number
            return true
        }
    }

    /// Ends the wake-up sequence; the connection's writer stops.
    func finish() {
        self.signal.finish()
    }
}
