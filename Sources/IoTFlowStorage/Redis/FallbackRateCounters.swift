import Synchronization

/// Rate-limit counts for the moments Redis cannot count (down, slow, or skipped after a timeout).
///
/// Each key remembers the highest count Redis gave this instance in the current window, and a count made
/// without Redis continues from there: a Redis command that times out mid-window must not start the window
/// over at zero and let a device past its limit. While Redis answers, its counts are used unchanged (a
/// process-wide count would reorder concurrent requests and limit some that Redis let through).
final class FallbackRateCounters: Sendable {
    private struct Entry {
        var windowStart: Int64
        var count: Int
    }

    private let entries = Mutex([String: Entry]())
    /// Past windows are dropped once the map holds this many keys.
    private let sweepThreshold: Int

    init(sweepThreshold: Int = 100_000) {
        self.sweepThreshold = sweepThreshold
    }

    /// Records a count Redis gave for `key` in the window starting at `windowStart`.
    func observe(_ key: String, windowStart: Int64, count: Int) {
        self.update(key, windowStart: windowStart) { $0 = max($0, count) }
    }

    /// Counts `amount` requests Redis did not count; the result continues from the last count Redis gave.
    func increment(_ key: String, by amount: Int = 1, windowStart: Int64) -> Int {
        self.update(key, windowStart: windowStart) { $0 += amount }
    }

    private func update(_ key: String, windowStart: Int64, _ change: (inout Int) -> Void) -> Int {
        self.entries.withLock { entries in
            if entries.count > self.sweepThreshold {
                entries = entries.filter { $0.value.windowStart >= windowStart }
            }
            var entry = entries[key] ?? Entry(windowStart: windowStart, count: 0)
            if entry.windowStart < windowStart { entry = Entry(windowStart: windowStart, count: 0) }
            // A request of an older window (a late caller) neither counts against nor resets the current one.
            guard entry.windowStart == windowStart else { return 1 }
            change(&entry.count)
            entries[key] = entry
            return entry.count
        }
    }
}
