/// A bounded map whose entries expire; evicts the least recently used entries when full.
///
/// A value type guarded by its owner's lock: no internal synchronisation.
struct ExpiringMap<Key: Hashable, Value> {
    private struct Entry {
        var value: Value
        var expiresAt: Int64
        var lastUsed: UInt64
    }

    private var entries: [Key: Entry] = [:]
    private var tick: UInt64 = 0
    let capacity: Int
    let lifetimeMilliseconds: Int64

    init(capacity: Int, lifetimeMilliseconds: Int64) {
        self.capacity = capacity
        self.lifetimeMilliseconds = lifetimeMilliseconds
    }

    mutating func value(for key: Key, now: Int64) -> Value? {
        guard var entry = self.entries[key] else { return nil }
        guard entry.expiresAt > now else {
            self.entries[key] = nil
            return nil
        }
        self.tick &+= 1
        entry.lastUsed = self.tick
        self.entries[key] = entry
        return entry.value
    }

    mutating func set(_ value: Value, for key: Key, now: Int64) {
        self.tick &+= 1
        self.entries[key] = Entry(value: value, expiresAt: now + self.lifetimeMilliseconds, lastUsed: self.tick)
        if self.entries.count > self.capacity { self.evict(now: now) }
    }

    mutating func update(_ key: Key, now: Int64, _ body: (inout Value) -> Void) {
        guard var entry = self.entries[key], entry.expiresAt > now else { return }
        body(&entry.value)
        self.entries[key] = entry
    }

    mutating func remove(_ key: Key) {
        self.entries[key] = nil
    }

    mutating func removeAll(where predicate: (Value) -> Bool) {
        self.entries = self.entries.filter { !predicate($0.value.value) }
    }

    /// Drops expired entries, then the least recently used quarter, so eviction is amortised.
    private mutating func evict(now: Int64) {
        self.entries = self.entries.filter { $0.value.expiresAt > now }
        guard self.entries.count > self.capacity else { return }
        let keep = self.capacity * 3 / 4
        let survivors = self.entries.sorted { $0.value.lastUsed > $1.value.lastUsed }.prefix(keep)
        self.entries = Dictionary(uniqueKeysWithValues: survivors.map { ($0.key, $0.value) })
    }
}
