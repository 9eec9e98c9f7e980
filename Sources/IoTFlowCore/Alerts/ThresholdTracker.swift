/// What this instance knows of one threshold rule on one device: the newest point evaluated and since when the
/// condition has held. Pure value logic, so the rule semantics are tested without stores.
struct ThresholdTracker: Sendable, Equatable {
    /// What one point means for the rule.
    enum Observation: Equatable {
        /// Older than the newest point evaluated: it moves nothing.
        case stale
        /// The condition holds, and has held for every point since `since`.
        case holding(since: Int64)
        /// The condition does not hold.
        case clear
    }

    /// Timestamp of the newest point evaluated, nil before the first.
    private(set) var newest: Int64?
    /// Start of the current run of points that satisfy the condition.
    private(set) var holdingSince: Int64?

    /// Whether nothing was evaluated yet on this instance.
    var isCold: Bool { self.newest == nil }

    /// Takes the next point. A point at the newest timestamp replaces it (the store keeps one value per timestamp).
    mutating func observe(_ timestamp: Int64, holds: Bool) -> Observation {
        if let newest = self.newest, timestamp < newest { return .stale }
        self.newest = timestamp
        guard holds else {
            self.holdingSince = nil
            return .clear
        }
        let since = min(self.holdingSince ?? timestamp, timestamp)
        self.holdingSince = since
        return .holding(since: since)
    }

    /// Replaces the start of the run with what the stored history says.
    mutating func restart(holdingSince: Int64?) {
        self.holdingSince = holdingSince
    }
}
