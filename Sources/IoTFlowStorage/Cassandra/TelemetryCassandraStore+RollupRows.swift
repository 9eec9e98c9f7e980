import CassandraNIO
import IoTFlowCore

/// The rows of the `rollups` table: which partitions a device's range spans, reading one key's summaries, writing and
/// deleting rows. Minute rows live in partitions of a UTC day, hour rows in partitions of a UTC month.
extension TelemetryCassandraStore {
    /// One rollup row: a device's key over one period starting at `bucket`.
    struct RollupKey: Hashable, Sendable {
        var deviceID: Int64
        var key: String
        var period: RollupPeriod
        var bucket: Int64

        /// The row of `period` holding this row's start (the hour of a minute).
        func within(_ period: RollupPeriod) -> RollupKey {
            RollupKey(deviceID: self.deviceID, key: self.key, period: period, bucket: period.bucket(of: self.bucket))
        }
    }

    /// One key's rows of one partition.
    struct RollupSlice: Hashable, Sendable {
        var deviceID: Int64
        var period: RollupPeriod
        var span: Int64
        var key: String
    }

    /// How long a rollup partition spans: a day of minutes, a month of hours.
    static func spanUnit(_ period: RollupPeriod) -> CassandraSettings.Bucket {
        period == .minute ? .day : .month
    }

    /// The start of the partition holding the rollup of `period` that starts at `bucket`.
    static func span(of bucket: Int64, _ period: RollupPeriod) -> Int64 {
        Self.spanUnit(period).start(of: bucket)
    }

    /// `ROLLUP_RETENTION_DAYS` as the rows' TTL; 0 (none) also when points expire, so rollups outlive them.
    var rollupTimeToLive: CassandraValue { Self.timeToLive(days: self.settings.rollupRetentionDays) }

    /// The partitions of `period` that can hold rows in `[from, to)`: those overlapping a bucket the device has points
    /// in. Every rollup comes from points written to such a bucket, and the bucket list keeps a bucket until the device
    /// is deleted (also after its points expired), so empty stretches of a long range cost no read.
    func rollupSpans(_ period: RollupPeriod, rawBuckets: [Int64], from: Int64, to: Int64) -> [Int64] {
        let unit = Self.spanUnit(period)
        var spans = Set<Int64>()
        for raw in rawBuckets {
            var span = unit.start(of: max(raw, from))
            let last = min(self.settings.bucket.end(ofBucketStarting: raw), to)
            while span < last {
                spans.insert(span)
                span = unit.end(ofBucketStarting: span)
            }
        }
        return spans.sorted()
    }

    /// The rows of `keys` grouped by slice, each with the smallest and largest bucket wanted from it.
    static func slices(_ keys: some Sequence<RollupKey>) -> [(slice: RollupSlice, first: Int64, last: Int64)] {
        var bounds: [RollupSlice: (first: Int64, last: Int64)] = [:]
        for row in keys {
            let slice = RollupSlice(deviceID: row.deviceID, period: row.period, span: Self.span(of: row.bucket, row.period), key: row.key)
            let known = bounds[slice]
            bounds[slice] = (min(known?.first ?? row.bucket, row.bucket), max(known?.last ?? row.bucket, row.bucket))
        }
        return bounds.map { (slice: $0.key, first: $0.value.first, last: $0.value.last) }
    }

    /// A slice's rollups starting in `[from, to)`, in bucket order.
    func rollups(_ slice: RollupSlice, from: Int64, to: Int64) async throws -> [(bucket: Int64, summary: RollupSummary)] {
        let values: [CassandraValue] = [
            .bigint(slice.deviceID), .int(Int32(slice.period.milliseconds)), .bigint(slice.span), .text(slice.key), .timestamp(from),
            .timestamp(to),
        ]
        var found: [(bucket: Int64, summary: RollupSummary)] = []
        for try await row in self.client.rows(self.cql.selectRollups, values, options: self.options) {
            guard let bucket = row[0].timestampMilliseconds, let count = row[1].int64, let sum = row[2].double, let low = row[3].double,
                let high = row[4].double, let firstTimestamp = row[5].timestampMilliseconds, let first = row[6].double,
                let lastTimestamp = row[7].timestampMilliseconds, let last = row[8].double
            else { continue }
            let summary = RollupSummary(
                count: Int(count), sum: sum, min: low, max: high, firstTimestamp: firstTimestamp, first: first, lastTimestamp: lastTimestamp,
                last: last)
            found.append((bucket, summary))
        }
        return found
    }

    /// The stored rows among `keys`; absent ones are left out.
    func storedRollups(_ keys: Set<RollupKey>) async throws -> [RollupKey: RollupSummary] {
        let found = try await BoundedConcurrency.map(Self.slices(keys)) { slice, first, last in
            try await self.rollups(slice, from: first, to: last + slice.period.milliseconds).map { bucket, summary in
                (RollupKey(deviceID: slice.deviceID, key: slice.key, period: slice.period, bucket: bucket), summary)
            }
        }
        var stored: [RollupKey: RollupSummary] = [:]
        for (key, summary) in found.joined() where keys.contains(key) { stored[key] = summary }
        return stored
    }

    /// Writes the rows of `touched` that have a summary and deletes the others, one batch per partition (a batch of
    /// one partition is applied atomically by one replica set, and no row is both written and deleted in it).
    func writeRollups(_ touched: some Sequence<RollupKey>, _ summaries: [RollupKey: RollupSummary]) async throws {
        var byPartition: [RollupSlice: [CassandraStatement]] = [:]
        let timeToLive = self.rollupTimeToLive
        for row in touched {
            let partition = RollupSlice(deviceID: row.deviceID, period: row.period, span: Self.span(of: row.bucket, row.period), key: "")
            let prefix: [CassandraValue] = [
                .bigint(row.deviceID), .int(Int32(row.period.milliseconds)), .bigint(partition.span), .text(row.key), .timestamp(row.bucket),
            ]
            if let summary = summaries[row] {
                let figures: [CassandraValue] = [
                    .bigint(Int64(summary.count)), .double(summary.sum), .double(summary.min), .double(summary.max),
                    .timestamp(summary.firstTimestamp), .double(summary.first), .timestamp(summary.lastTimestamp), .double(summary.last),
                ]
                byPartition[partition, default: []].append(CassandraStatement(self.cql.insertRollup, prefix + figures + [timeToLive]))
            } else {
                byPartition[partition, default: []].append(CassandraStatement(self.cql.deleteRollup, prefix))
            }
        }
        let batches = byPartition.values.flatMap { $0.chunked(Self.statementsPerBatch).map(Array.init) }
        let options = self.options
        _ = try await BoundedConcurrency.map(batches) { statements in
            try await self.client.batch(statements, kind: .unlogged, options: options)
        }
    }
}
