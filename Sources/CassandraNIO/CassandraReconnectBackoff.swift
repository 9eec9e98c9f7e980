/// Delays between reconnect attempts to a node: doubling from the initial delay up to the maximum, with jitter so that
/// the connections cut off by one node restart do not all come back in the same instant.
struct CassandraReconnectBackoff {
    private let initialDelay: Duration
    private let maximumDelay: Duration
    private var attempt = 0

    init(initialDelay: Duration, maximumDelay: Duration) {
        self.initialDelay = initialDelay
        self.maximumDelay = max(initialDelay, maximumDelay)
    }

    /// The pause before the next attempt: between half the current step and the full step, never below the initial delay.
    mutating func nextDelay() -> Duration {
        let step = min(self.initialDelay * Double(1 << min(self.attempt, 30)), self.maximumDelay)
        self.attempt += 1
        return max(self.initialDelay, step * Double.random(in: 0.5...1.0))
    }

    /// A connection came up: the next failure starts over at the initial delay.
    mutating func reset() {
        self.attempt = 0
    }
}
