/// Remembers recent invalidations so a cache can refuse to store a value read before one of them.
///
/// Without it, a request that read a device just before its key was rotated could store the old key
/// after the invalidation ran, and the old key would keep working for the cache lifetime.
/// A value type guarded by its owner's lock.
public struct InvalidationLog<Key: Hashable> {
    private var invalidatedAt: [Key: Int64] = [:]
    private var lastSweep: Int64 = 0
    /// How long an invalidation is remembered; longer than any registry read can take.
    public let memoryMilliseconds: Int64

    /// Creates an empty log.
    public init(memoryMilliseconds: Int64 = 10_000) {
        self.memoryMilliseconds = memoryMilliseconds
    }

    /// Records that `key` was invalidated at `now`.
    public mutating func record(_ key: Key, now: Int64) {
        self.invalidatedAt[key] = now
        if now - self.lastSweep > self.memoryMilliseconds {
            self.lastSweep = now
            self.invalidatedAt = self.invalidatedAt.filter { now - $0.value <= self.memoryMilliseconds }
        }
    }

    /// Whether a value read at `readStartedAt` may be stored: no invalidation of `key` since then.
    public func allows(_ key: Key, readStartedAt: Int64) -> Bool {
        guard let at = self.invalidatedAt[key] else { return true }
        return at < readStartedAt
    }

    /// Forgets everything.
    public mutating func removeAll() {
        self.invalidatedAt.removeAll()
    }
}
