/// Delays between reconnect attempts: doubling from the initial delay up to the maximum, with jitter so that many
/// clients cut off by one server restart do not all come back in the same instant.
struct MongoReconnectBackoff {
    private let initialDelay: Duration
    private let maximumDelay: Duration
    private var attempt = 0

    init(initialDelay: Duration, maximumDelay: Duration) {
        self.initialDelay = initialDelay
        self.maximumDelay = max(initialDelay, maximumDelay)
    }

    /// The pause before the next attempt, between half the current step and the full step, never below the initial delay.
    mutating func nextDelay() -> Duration {
        let factor = Double(1 << min(self.attempt, 30))
        self.attempt += 1
        let step = min(self.initialDelay * factor, self.maximumDelay)
        return max(self.initialDelay, step * Double.random(in: 0.5...1.0))
    }

    /// A connection succeeded: the next failure starts over at the initial delay.
    mutating func reset() {
        self.attempt = 0
    }
}
