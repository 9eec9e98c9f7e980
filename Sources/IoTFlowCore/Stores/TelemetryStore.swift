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
    /// A page of the devices among `deviceIDs` whose newest value is at or after `since`, newest first (ties by
    /// id, descending), each with its latest value per key, and how many devices qualify in all.
    func latestSummaries(deviceIDs: [Int64], since: Int64, limit: Int, offset: Int) async throws -> (summaries: [DeviceLatest], total: Int)
    /// The names of the keys a device has values of.
    func keyNames(deviceID: Int64) async throws -> Set<String>
    /// Non-empty buckets of numeric values, oldest first, from the source asked for; nil only for `.rollups` when
    /// rollups cannot answer the query (see ``AggregationSource``).
    func aggregate(_ query: AggregationQuery, source: AggregationSource) async throws -> [AggregationBucket]?
    /// Deletes values in `[start, end)` (only `keys` when not empty); returns how many were removed.
    func delete(deviceID: Int64, start: Int64, end: Int64, keys: [String]) async throws -> Int
    /// Deletes everything of these devices.
    func deleteAll(deviceIDs: [Int64]) async throws
    /// Stored values in all, and those with timestamps at or after `recentSince`, from counters the store keeps
    /// with every write and delete (no scan of the values). Recent values are counted per minute: the minute
    /// holding `recentSince` counts whole, and only the last ``TelemetryCounts/recentWindowMilliseconds`` are kept.
    func counts(recentSince: Int64) async throws -> TelemetryCounts
    /// Checks the store answers; returns round-trip latency in ms.
    func ping() async throws -> Double
    /// Removes at most about `limit` raw values older than `cutoff` (epoch ms) with their metadata, keeping rollups and
    /// each key's latest value; returns how many it removed, so a sweeper calls it until it returns less than `limit`.
    func expireValues(before cutoff: Int64, limit: Int) async throws -> Int
    /// Removes at most about `limit` rollups of periods that end at or before `cutoff`; returns how many.
    func expireRollups(before cutoff: Int64, limit: Int) async throws -> Int
}

/// Takes validated writes and returns once they are durable. The server's batcher implements it.
public protocol TelemetryWriter: Sendable {
    /// Returns after `write` is committed; throws when it could not be.
    func submit(_ write: TelemetryWrite) async throws
}

extension TelemetryStore {
    /// Non-empty buckets of numeric values, oldest first: from rollups when the query is aligned to them, from raw
    /// points otherwise.
    public func aggregate(_ query: AggregationQuery) async throws -> [AggregationBucket] {
        try await self.aggregate(query, source: .automatic) ?? []
    }

    /// Stores that do not share the registry's database leave last-seen times to the registry.
    public func write(_ writes: [TelemetryWrite], lastSeen: [Int64: Int64]) async throws -> Bool {
        try await self.write(writes)
        return false
    }
}

/// Totals of stored values.
public struct TelemetryCounts: Sendable, Equatable {
    /// How far back stores keep per-minute counts: a day and an hour, so "the last 24 hours" is always covered.
    public static let recentWindowMilliseconds: Int64 = 25 * 3_600_000

    /// Every stored value (one per device, key and timestamp).
    public var total: Int
    /// Values with timestamps at or after the requested time.
    public var recent: Int

    /// Creates the value.
    public init(total: Int, recent: Int) {
        self.total = total
        self.recent = recent
    }
}

/// The latest values of one device, for per-user summaries.
public struct DeviceLatest: Sendable, Equatable {
    /// The device.
    public var deviceID: Int64
    /// The greatest timestamp among `values`.
    public var newest: Int64
    /// Latest value per key, by key name.
    public var values: [LatestValue]

    /// Creates the value.
    public init(deviceID: Int64, newest: Int64, values: [LatestValue]) {
        self.deviceID = deviceID
        self.newest = newest
        self.values = values
    }
}
