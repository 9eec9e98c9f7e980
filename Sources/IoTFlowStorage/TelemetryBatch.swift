import IoTFlowCore

/// The points of one `write` call, deduplicated in memory so that the last value of a (device, key, timestamp)
/// wins on every backend alike (PostgreSQL's `ON CONFLICT DO UPDATE` even refuses to touch one row twice
/// in a statement), with the newest value per (device, key) for the latest-values table.
struct TelemetryBatch: Sendable {
    /// One stored value.
    struct Row: Sendable {
        var deviceID: Int64
        var key: String
        var timestamp: Int64
        var value: TelemetryValue
    }

    private struct RowKey: Hashable {
        var deviceID: Int64
        var key: String
        var timestamp: Int64
    }

    private struct LatestKey: Hashable {
        var deviceID: Int64
        var key: String
    }

    private struct MetadataKey: Hashable {
        var deviceID: Int64
        var timestamp: Int64
    }

    /// Values to store, each (device, key, timestamp) once.
    private(set) var rows: [Row] = []
    /// The newest value of each (device, key) in the batch.
    private(set) var latest: [Row] = []
    /// Metadata per (device, timestamp), sorted by both.
    private(set) var metadata: [(deviceID: Int64, timestamp: Int64, text: String)] = []
    /// Every key name used.
    private(set) var keyNames = Set<String>()

    /// Flattens `writes` in order; later values replace earlier ones.
    init(_ writes: [TelemetryWrite]) {
        var position: [RowKey: Int] = [:]
        var newest: [LatestKey: Row] = [:]
        var metadata: [MetadataKey: String] = [:]
        for write in writes {
            for point in write.points {
                if let text = point.metadata { metadata[MetadataKey(deviceID: write.deviceID, timestamp: point.timestamp)] = text }
                for (key, value) in point.values {
                    let row = Row(deviceID: write.deviceID, key: key, timestamp: point.timestamp, value: value)
                    self.keyNames.insert(key)
                    let rowKey = RowKey(deviceID: write.deviceID, key: key, timestamp: point.timestamp)
                    if let index = position[rowKey] {
                        self.rows[index] = row
                    } else {
                        position[rowKey] = self.rows.count
                        self.rows.append(row)
                    }
                    let latestKey = LatestKey(deviceID: write.deviceID, key: key)
                    if (newest[latestKey]?.timestamp ?? Int64.min) <= point.timestamp { newest[latestKey] = row }
                }
            }
        }
        self.latest = Array(newest.values)
        self.metadata = metadata.map { (deviceID: $0.key.deviceID, timestamp: $0.key.timestamp, text: $0.value) }
            .sorted { ($0.deviceID, $0.timestamp) < ($1.deviceID, $1.timestamp) }
    }

    /// Whether there is nothing to write.
    var isEmpty: Bool { self.rows.isEmpty && self.metadata.isEmpty }

    /// The id the key dictionary resolved for `key` in this transaction. A missing one is a bug that must fail
    /// the write, never turn into a wrong key id.
    static func keyID(_ key: String, in ids: [String: Int64]) throws -> Int64 {
        guard let id = ids[key] else { throw StoreInvariantError(message: "telemetry key '\(key.prefix(40))' has no id in this transaction") }
        return id
    }
}

/// A store found its own data inconsistent (a bug, not a client or outage error); the request fails with 500.
struct StoreInvariantError: Error, CustomStringConvertible {
    let message: String
    var description: String { self.message }
}
