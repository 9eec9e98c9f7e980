import CassandraNIO
import IoTFlowCore

/// Rollup maintenance, run by every write and range delete before it returns, the devices locked (``DeviceLocks``).
///
/// A minute is recomputed from its raw points when one of them was overwritten or deleted, and always while points
/// never expire (`TELEMETRY_RETENTION_DAYS` 0): then a rollup is a pure function of the points, and a stale row (see
/// below) is repaired by the next write of its minute. While points expire, recomputing would drop the values of
/// points already gone, so a write of new points instead merges them into the stored row (read, merge, write: exact,
/// since new points are disjoint from those the row holds); overwrites and deletes still recompute, as the old value of
/// a minimum or maximum cannot be taken out of a summary, and then only the live points count. Hours are merged the same
/// way when all their changed minutes were merged, and recomputed from their minute rows otherwise.
///
/// The lock is per process. Two instances writing the same device-minute at the same time can race (Cassandra has no
/// transactions): one may write its rollup from a read that missed the other's points. The next write of that minute
/// repairs it when points never expire; while they do, the next overwrite or delete in it does.
extension TelemetryCassandraStore {
    /// Brings the rollups of the minutes and hours of `rows` up to date, after the rows are stored; `existing` are the
    /// points that were stored before.
    func updateRollups(after rows: [TelemetryBatch.Row], existing: Set<PointKey>) async throws {
        let pointsExpire = self.settings.retentionDays > 0
        var recompute = Set<RollupKey>()
        var added: [RollupKey: RollupSummary] = [:]
        for row in rows {
            let minute = RollupKey(deviceID: row.deviceID, key: row.key, period: .minute, bucket: RollupPeriod.minute.bucket(of: row.timestamp))
            if existing.contains(PointKey(deviceID: row.deviceID, key: row.key, timestamp: row.timestamp)) {
                recompute.insert(minute)
            } else if let number = row.value.rollupNumber {
                if pointsExpire { Self.merge(&added, minute, RollupSummary(value: number, at: row.timestamp)) } else { recompute.insert(minute) }
            }
        }
        for minute in recompute { added[minute] = nil }
        guard !recompute.isEmpty || !added.isEmpty else { return }

        var minutes = try await self.summariesFromPoints(recompute)
        let storedMinutes = try await self.storedRollups(Set(added.keys))
        for (minute, summary) in added { Self.merge(&minutes, minute, Self.merged(storedMinutes[minute], summary)) }
        try await self.writeRollups(recompute.union(added.keys), minutes)

        let recomputeHours = Set(recompute.map { $0.within(.hour) })
        var addedHours: [RollupKey: RollupSummary] = [:]
        for (minute, summary) in added where !recomputeHours.contains(minute.within(.hour)) {
            Self.merge(&addedHours, minute.within(.hour), summary)
        }
        var hours = try await self.summariesFromMinutes(recomputeHours)
        let storedHours = try await self.storedRollups(Set(addedHours.keys))
        for (hour, summary) in addedHours { Self.merge(&hours, hour, Self.merged(storedHours[hour], summary)) }
        try await self.writeRollups(recomputeHours.union(addedHours.keys), hours)
    }

    /// After `keys` of `[start, end)` were deleted: the rollups of minutes and hours wholly inside the range go (also
    /// when their points had expired), minutes it covers in part are recomputed from the points left, and hours it
    /// covers in part from their minutes. `rawBuckets` are the device's buckets of points in the range.
    func updateRollups(afterDeleting deviceID: Int64, start: Int64, end: Int64, keys: Set<String>, rawBuckets: [Int64]) async throws {
        guard !keys.isEmpty else { return }
        var tombstones: [[CassandraValue]] = []
        for period in RollupPeriod.allCases {
            let first = Self.firstWhole(period, from: start)
            let last = period.bucket(of: end)
            guard first < last else { continue }
            for span in self.rollupSpans(period, rawBuckets: rawBuckets, from: first, to: last) {
                for key in keys.sorted() {
                    tombstones.append([
                        .bigint(deviceID), .int(Int32(period.milliseconds)), .bigint(span), .text(key), .timestamp(first), .timestamp(last),
                    ])
                }
            }
        }
        let options = self.options
        _ = try await BoundedConcurrency.map(tombstones) { values in
            _ = try await self.client.execute(self.cql.deleteRollupRange, values, options: options)
        }
        let partialMinutes = Self.partial(.minute, start: start, end: end, deviceID: deviceID, keys: keys)
        try await self.writeRollups(partialMinutes, try await self.summariesFromPoints(partialMinutes))
        let partialHours = Self.partial(.hour, start: start, end: end, deviceID: deviceID, keys: keys)
        try await self.writeRollups(partialHours, try await self.summariesFromMinutes(partialHours))
    }

    /// The keys that have hour rollups overlapping `[start, end)`: after points expired, the latest values may no longer
    /// name every key whose rollups a delete of all keys must reach.
    func rollupKeys(deviceID: Int64, start: Int64, end: Int64, rawBuckets: [Int64]) async throws -> Set<String> {
        let from = RollupPeriod.hour.bucket(of: start)
        let spans = self.rollupSpans(.hour, rawBuckets: rawBuckets, from: from, to: end)
        let options = self.options
        let found = try await BoundedConcurrency.map(spans) { span in
            var keys = Set<String>()
            let values: [CassandraValue] = [.bigint(deviceID), .int(Int32(RollupPeriod.hour.milliseconds)), .bigint(span)]
            for try await row in self.client.rows(self.cql.selectRollupKeys, values, options: options) {
                if let key = row[0].string, let bucket = row[1].timestampMilliseconds, bucket >= from, bucket < end { keys.insert(key) }
            }
            return keys
        }
        return found.reduce(into: Set<String>()) { $0.formUnion($1) }
    }

    /// The first bucket of `period` that starts at or after `timestamp`.
    private static func firstWhole(_ period: RollupPeriod, from timestamp: Int64) -> Int64 {
        let bucket = period.bucket(of: timestamp)
        return bucket == timestamp ? bucket : bucket + period.milliseconds
    }

    /// The rows of `period` that `[start, end)` covers in part: those holding an unaligned start or end.
    private static func partial(_ period: RollupPeriod, start: Int64, end: Int64, deviceID: Int64, keys: Set<String>) -> Set<RollupKey> {
        var buckets = Set<Int64>()
        if period.bucket(of: start) != start { buckets.insert(period.bucket(of: start)) }
        if period.bucket(of: end) != end { buckets.insert(period.bucket(of: end)) }
        var rows = Set<RollupKey>()
        for bucket in buckets { for key in keys { rows.insert(RollupKey(deviceID: deviceID, key: key, period: period, bucket: bucket)) } }
        return rows
    }

    /// Minute summaries of `minutes` from their stored points; minutes without a numeric value are left out.
    func summariesFromPoints(_ minutes: Set<RollupKey>) async throws -> [RollupKey: RollupSummary] {
        // A minute always lies in one bucket of points (buckets are whole hours, days or months).
        var ranges: [Partition: [String: (first: Int64, last: Int64)]] = [:]
        for minute in minutes {
            let partition = Partition(deviceID: minute.deviceID, bucket: self.settings.bucket.start(of: minute.bucket))
            let known = ranges[partition]?[minute.key]
            ranges[partition, default: [:]][minute.key] = (
                min(known?.first ?? minute.bucket, minute.bucket), max(known?.last ?? minute.bucket, minute.bucket)
            )
        }
        let reads = ranges.flatMap { partition, keys in keys.map { (partition, $0.key, $0.value.first, $0.value.last) } }
        let found = try await BoundedConcurrency.map(reads) { partition, key, first, last in
            try await self.minuteSummaries(partition, key: key, from: first, to: last + RollupPeriod.minute.milliseconds).filter {
                minutes.contains($0.key)
            }
        }
        return found.reduce(into: [:]) { $0.merge($1) { first, _ in first } }
    }

    /// The minute summaries of `key`'s points in one bucket of points and `[from, to)`, folded in timestamp order; minutes
    /// without a numeric value are left out. Every recompute of minutes, and the backfill, folds points here, so a
    /// minute's rollup is the same whoever computed it.
    func minuteSummaries(_ partition: Partition, key: String, from: Int64, to: Int64) async throws -> [RollupKey: RollupSummary] {
        var summaries: [RollupKey: RollupSummary] = [:]
        let values: [CassandraValue] = [.bigint(partition.deviceID), .bigint(partition.bucket), .text(key), .timestamp(from), .timestamp(to)]
        for try await row in self.client.rows(self.cql.selectRangeAll, values, options: self.options) {
            guard let timestamp = row[0].timestampMilliseconds, let number = Self.number(row, from: 1) else { continue }
            let minute = RollupKey(deviceID: partition.deviceID, key: key, period: .minute, bucket: RollupPeriod.minute.bucket(of: timestamp))
            Self.merge(&summaries, minute, RollupSummary(value: number, at: timestamp))
        }
        return summaries
    }

    /// Hour summaries of `hours` from their minute rows; hours without one are left out.
    func summariesFromMinutes(_ hours: Set<RollupKey>) async throws -> [RollupKey: RollupSummary] {
        // An hour's minutes lie in one day's partition.
        let slices = Self.slices(hours.map { RollupKey(deviceID: $0.deviceID, key: $0.key, period: .minute, bucket: $0.bucket) })
        let found = try await BoundedConcurrency.map(slices) { slice, first, last in
            var summaries: [RollupKey: RollupSummary] = [:]
            for (bucket, summary) in try await self.rollups(slice, from: first, to: last + RollupPeriod.hour.milliseconds) {
                let hour = RollupKey(deviceID: slice.deviceID, key: slice.key, period: .hour, bucket: RollupPeriod.hour.bucket(of: bucket))
                if hours.contains(hour) { Self.merge(&summaries, hour, summary) }
            }
            return summaries
        }
        return found.reduce(into: [:]) { $0.merge($1) { first, _ in first } }
    }

    /// Adds `summary` to the one of `row` in `summaries` (values disjoint from it).
    private static func merge(_ summaries: inout [RollupKey: RollupSummary], _ row: RollupKey, _ summary: RollupSummary) {
        summaries[row] = Self.merged(summaries[row], summary)
    }

    private static func merged(_ stored: RollupSummary?, _ summary: RollupSummary) -> RollupSummary {
        guard var stored else { return summary }
        stored.merge(summary)
        return stored
    }
}
