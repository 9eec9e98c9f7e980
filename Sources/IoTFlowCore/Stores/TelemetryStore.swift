/// Time series of `(device, key, timestamp) → value`. Implementations: SQLite, PostgreSQL, Cassandra.
public protocol TelemetryStore: Sendable {
    /// Writes all points of all writes atomically; a later write of the same device, key and time wins.
    /// Also keeps the latest value per device and key.
    func write(_ writes: [TelemetryWrite]) async throws
    /// Writes like ``write(_:)`` and, when this store shares the registry's database, records when the
    /// devices were last seen (id → epoch ms) in the same transaction; returns whether it did, so the
    /// caller asks the registry otherwise. One commit (one fsync) per batch instead of two.
    func write(_ writes: [TelemetryWrite], lastSeen: [Int64: Int64]) async throws -> Bool
    /// History entries of one device, one per timestamp, in the query's order.
    func history(_ query: HistoryQuery) async throws -> [TelemetryEntry]
    /// The newest value of each key of one device.
    func latest(deviceID: Int64) async throws -> [LatestValue]
    /// The newest values of many devices in one round trip; devices without data are absent.
    func latest(deviceIDs: [Int64]) async throws -> [Int64: [LatestValue]]
    /// Non-empty buckets of numeric values, oldest first.
    func aggregate(_ query: AggregationQuery) async throws -> [AggregationBucket]
    /// Deletes values in `[start, end)` (only `keys` when not empty); returns how many were removed.
    func delete(deviceID: Int64, start: Int64, end: Int64, keys: [String]) async throws -> Int
    /// Deletes everything of these devices.
    func deleteAll(deviceIDs: [Int64]) async throws
    /// Number of stored values, all or those with timestamps at or after `since`.
    func countValues(since: Int64?) async throws -> Int
    /// Checks the store answers; returns round-trip latency in ms.
    func ping() async throws -> Double
}

/// Takes validated writes and returns once they are durable. The server's batcher implements it.
public protocol TelemetryWriter: Sendable {
    /// Returns after `write` is committed; throws when it could not be.
    func submit(_ write: TelemetryWrite) async throws
}

extension TelemetryStore {
    /// Stores that do not share the registry's database leave last-seen times to the registry.
    public func write(_ writes: [TelemetryWrite], lastSeen: [Int64: Int64]) async throws -> Bool {
        try await self.write(writes)
        return false
    }
}
