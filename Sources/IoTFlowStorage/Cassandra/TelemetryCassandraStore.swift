import CassandraNIO
import IoTFlowCore
import Logging

/// Time series in Cassandra: points partitioned by device and time bucket, latest values per device and key,
/// metadata per timestamp, the buckets each device has points in, and counters of points. A write is
/// acknowledged only after Cassandra acknowledged every statement of it at the configured consistency.
///
/// Cassandra has no transaction across partitions: a write that fails half way may leave some of its points
/// stored. Points are idempotent (the same device, key and timestamp is overwritten), so the client's retry
/// converges; only the counters behind `/status` can then be off by the points of the failed write.
public struct TelemetryCassandraStore: TelemetryStore {
    let client: CassandraClient
    let settings: CassandraSettings
    let cql: TelemetryCQL
    /// Dates the counters of recent values.
    let clock: any WallClock
    /// Keeps pruning of per-minute counters to once a minute.
    let pruning = RecentCountPruning()
    /// Serialises the writes and deletes of each device in this process, so its rollups stay exact.
    let deviceLocks = DeviceLocks()
    let logger: Logger

    /// Statements per BATCH: single-partition batches stay well under Cassandra's batch size warning (5 KiB by default is
    /// only a warning for single-partition batches, which are applied atomically and cheaply by one replica set).
    static let statementsPerBatch = 100
    /// Markers per IN list when looking for existing points: 10 × 10 keeps the cartesian product at Cassandra's default limit of 100.
    static let markersPerList = 10
    /// Cassandra refuses a TTL above 20 years, and up to 36,500 days of retention would not fit its 32-bit TTL either:
    /// longer retentions keep rows for 20 years.
    static let maxTimeToLive = 630_720_000

    /// Creates the store on a client whose keyspace is migrated.
    public init(client: CassandraClient, settings: CassandraSettings, clock: any WallClock = SystemWallClock(), logger: Logger) {
        self.client = client
        self.settings = settings
        self.cql = TelemetryCQL(keyspace: settings.keyspace)
        self.clock = clock
        self.logger = logger
    }

    var options: CassandraQueryOptions { CassandraQueryOptions(consistency: self.settings.consistency) }
    var timeToLive: CassandraValue { Self.timeToLive(days: self.settings.retentionDays) }
    var recentSince: Int64 { self.clock.nowMilliseconds() - TelemetryCounts.recentWindowMilliseconds }

    /// A retention in days as a TTL in seconds; 0 is none.
    static func timeToLive(days: Int) -> CassandraValue {
        .int(Int32(min(days * 86_400, Self.maxTimeToLive)))
    }

    /// One partition of the points table.
    struct Partition: Hashable, Sendable {
        var deviceID: Int64
        var bucket: Int64
    }

    public func write(_ writes: [TelemetryWrite]) async throws {
        let batch = TelemetryBatch(writes)
        guard !batch.isEmpty else { return }
        try await CassandraOutage.translating {
            // Held from the read of existing points to the last rollup written: rollups add new points to what is stored
            // (see TelemetryCassandraStore+Rollups.swift), so a concurrent write of the same point must not also count it new.
            try await self.deviceLocks.withLocks(batch.rows.map(\.deviceID)) {
                try await self.writeLocked(batch)
            }
        }
    }

    /// Writes the batch's points, metadata, latest values, counters and then rollups, its devices locked.
    private func writeLocked(_ batch: TelemetryBatch) async throws {
        var rowsByPartition: [Partition: [TelemetryBatch.Row]] = [:]
        for row in batch.rows {
            rowsByPartition[Partition(deviceID: row.deviceID, bucket: self.settings.bucket.start(of: row.timestamp)), default: []].append(row)
        }
        var metadataByPartition: [Partition: [(timestamp: Int64, text: String)]] = [:]
        for item in batch.metadata {
            let partition = Partition(deviceID: item.deviceID, bucket: self.settings.bucket.start(of: item.timestamp))
            metadataByPartition[partition, default: []].append((item.timestamp, item.text))
        }
        // What is already stored decides the counters and whether unused columns need clearing.
        let existing = try await self.existingPoints(rowsByPartition)
        let storedLatest = try await self.storedLatest(deviceIDs: Set(batch.latest.map(\.deviceID)))

        var batches: [[CassandraStatement]] = []
        var delta = CountDelta()
        let recentSince = self.recentSince
        for partition in Set(rowsByPartition.keys).union(metadataByPartition.keys) {
            var statements = [CassandraStatement(self.cql.insertBucket, [.bigint(partition.deviceID), .bigint(partition.bucket)])]
            for row in rowsByPartition[partition] ?? [] {
                let stored = existing.contains(PointKey(deviceID: row.deviceID, key: row.key, timestamp: row.timestamp))
                if !stored { delta.add(deviceID: row.deviceID, timestamp: row.timestamp, recentSince: recentSince) }
                statements.append(
                    CassandraStatement(
                        self.cql.insertPoint,
                        [.bigint(row.deviceID), .bigint(partition.bucket), .text(row.key), .timestamp(row.timestamp)]
                            + CassandraRowValue.columns(row.value, clearing: stored) + [self.timeToLive]
                    ))
            }
            for item in metadataByPartition[partition] ?? [] {
                statements.append(
                    CassandraStatement(
                        self.cql.insertMetadata,
                        [.bigint(partition.deviceID), .bigint(partition.bucket), .timestamp(item.timestamp), .text(item.text), self.timeToLive]
                    ))
            }
            batches.append(contentsOf: CassandraBatchSplitter.batches(statements, maxStatements: Self.statementsPerBatch))
        }
        var latestByDevice: [Int64: [CassandraStatement]] = [:]
        for row in batch.latest {
            let stored = storedLatest[row.deviceID]?[row.key]
            // Out-of-order points never move the latest value back in time.
            if let stored, stored.timestamp > row.timestamp { continue }
            let clearing = stored.map { !CassandraRowValue.sameKind($0.value, row.value) } ?? false
            latestByDevice[row.deviceID, default: []].append(
                CassandraStatement(
                    self.cql.insertLatest,
                    [.bigint(row.deviceID), .text(row.key), .timestamp(row.timestamp)] + CassandraRowValue.columns(row.value, clearing: clearing)
                ))
        }
        batches.append(contentsOf: latestByDevice.values.flatMap { $0.chunked(Self.statementsPerBatch).map(Array.init) })
        let options = self.options
        _ = try await BoundedConcurrency.map(batches) { statements in
            try await self.client.batch(statements, kind: .unlogged, options: options)
        }
        try await self.apply(delta, sign: 1)
        // Last, so a failure here leaves the counters right: the client's retry finds the points stored, counts none
        // again, and recomputes the rollups of their minutes from them.
        try await self.updateRollups(after: batch.rows, existing: existing)
    }

    /// A stored point's identity.
    struct PointKey: Hashable, Sendable {
        var deviceID: Int64
        var key: String
        var timestamp: Int64
    }

    /// Which of the rows' (device, key, timestamp) already have a point.
    private func existingPoints(_ rowsByPartition: [Partition: [TelemetryBatch.Row]]) async throws -> Set<PointKey> {
        var lookups: [(Partition, [String], [Int64])] = []
        for (partition, rows) in rowsByPartition {
            let keys = Array(Set(rows.map(\.key))).sorted()
            let timestamps = Array(Set(rows.map(\.timestamp))).sorted()
            for keyChunk in keys.chunked(Self.markersPerList).map(Array.init) {
                for timestampChunk in timestamps.chunked(Self.markersPerList).map(Array.init) {
                    lookups.append((partition, keyChunk, timestampChunk))
                }
            }
        }
        let options = self.options
        let found = try await BoundedConcurrency.map(lookups) { partition, keys, timestamps in
            let values: [CassandraValue] =
                [.bigint(partition.deviceID), .bigint(partition.bucket)] + keys.map { .text($0) }
                + timestamps.map { .timestamp($0) }
            guard
                case .rows(let rows) = try await self.client.execute(
                    self.cql.selectExisting(keys: keys.count, timestamps: timestamps.count), values, options: options)
            else { return [PointKey]() }
            return rows.rows.compactMap { row -> PointKey? in
                guard let key = row[0].string, let timestamp = row[1].timestampMilliseconds else { return nil }
                return PointKey(deviceID: partition.deviceID, key: key, timestamp: timestamp)
            }
        }
        return Set(found.joined())
    }

    public func ping() async throws -> Double {
        try await CassandraOutage.translating {
            let elapsed = try await self.client.ping()
            return Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
        }
    }
}
