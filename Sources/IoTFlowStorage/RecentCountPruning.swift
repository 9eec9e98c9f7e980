import Synchronization

/// Lets per-minute counters be pruned at most once per minute of this process, whatever the write rate.
final class RecentCountPruning: Sendable {
    private let lastMinute = Mutex<Int64>(Int64.min)

    /// Whether to prune counters older than `recentSince` now.
    func isDue(_ recentSince: Int64) -> Bool {
        self.lastMinute.withLock { last in
            guard recentSince / 60_000 > last else { return false }
            last = recentSince / 60_000
            return true
        }
    }
}
