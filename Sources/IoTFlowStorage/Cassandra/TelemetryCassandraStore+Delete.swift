import CassandraNIO
import IoTFlowCore

/// Range deletes (range tombstones per key and bucket) and deleting whole devices (partition deletes), with their
/// rollups; each holds the device's lock, as writes do, so rollup maintenance never interleaves.
extension TelemetryCassandraStore {
    public func delete(deviceID: Int64, start: Int64, end: Int64, keys requested: [String]) async throws -> Int {
        guard start < end else { return 0 }
        return try await CassandraOutage.translating {
            try await self.deviceLocks.withLocks([deviceID]) {
                let latest = try await self.readLatest(deviceID)
                let known = Set(latest.map(\.key))
                let buckets = try await self.buckets(of: deviceID, from: start, to: end, descending: false)
                let count = try await self.deletePoints(deviceID: deviceID, start: start, end: end, keys: requested, latest: latest, buckets: buckets)
                // Rollups outlive expired points, so their keys come from the rollups too, not only from latest values.
                var rollupKeys = known.union(try await self.rollupKeys(deviceID: deviceID, start: start, end: end, rawBuckets: buckets))
                if !requested.isEmpty { rollupKeys.formIntersection(requested) }
                try await self.updateRollups(afterDeleting: deviceID, start: start, end: end, keys: rollupKeys, rawBuckets: buckets)
                return count
            }
        }
    }

    /// Deletes the points of `requested` keys (all when empty) in `[start, end)` with counters, latest values and
    /// orphaned metadata; returns how many points went.
    private func deletePoints(
        deviceID: Int64, start: Int64, end: Int64, keys requested: [String], latest: [LatestValue], buckets: [Int64]
    ) async throws -> Int {
        let known = Set(latest.map(\.key))
        let names = requested.isEmpty ? known.sorted() : Set(requested).intersection(known).sorted()
        guard !names.isEmpty else { return 0 }
        var slices: [(bucket: Int64, key: String)] = []
        for bucket in buckets { for name in names { slices.append((bucket, name)) } }
        let recentSince = self.recentSince
        let options = self.options
        // Counting first: a tombstone says nothing of how many points it covered.
        let removed = try await BoundedConcurrency.map(slices) { bucket, key -> [Int64] in
            var timestamps: [Int64] = []
            let values: [CassandraValue] = [.bigint(deviceID), .bigint(bucket), .text(key), .timestamp(start), .timestamp(end)]
            for try await row in self.client.rows(self.cql.selectRangeAll, values, options: options) {
                if let timestamp = row[0].timestampMilliseconds { timestamps.append(timestamp) }
            }
            if !timestamps.isEmpty { _ = try await self.client.execute(self.cql.deleteRange, values, options: options) }
            return timestamps
        }
        var delta = CountDelta()
        for timestamp in removed.joined() { delta.add(deviceID: deviceID, timestamp: timestamp, recentSince: recentSince) }
        let count = delta.byDevice[deviceID] ?? 0
        guard count > 0 else { return 0 }
        try await self.apply(delta, sign: -1)
        try await self.refreshLatest(
            deviceID: deviceID, keys: latest.filter { names.contains($0.key) && $0.timestamp >= start && $0.timestamp < end }.map(\.key))
        try await self.dropOrphanedMetadata(
            deviceID: deviceID, buckets: buckets, start: start, end: end, keysLeft: requested.isEmpty ? [] : known)
        return count
    }

    /// Latest values that were deleted fall back to the newest remaining value of their key, or go.
    private func refreshLatest(deviceID: Int64, keys: [String]) async throws {
        guard !keys.isEmpty else { return }
        let buckets = try await self.buckets(of: deviceID, from: Int64.min / 2, to: Int64.max / 2, descending: true)
        let options = self.options
        _ = try await BoundedConcurrency.map(keys) { key in
            for bucket in buckets {
                let newest = try await self.slice(
                    deviceID: deviceID, bucket: bucket, key: key, from: bucket, to: self.settings.bucket.end(ofBucketStarting: bucket),
                    descending: true, limit: 1)
                if let (timestamp, value) = newest.first {
                    _ = try await self.client.execute(
                        self.cql.insertLatest,
                        [.bigint(deviceID), .text(key), .timestamp(timestamp)] + CassandraRowValue.columns(value, clearing: true), options: options)
                    return
                }
            }
            _ = try await self.client.execute(self.cql.deleteLatest, [.bigint(deviceID), .text(key)], options: options)
        }
    }

    /// Metadata goes with the last value at its timestamp: after a delete of all keys every metadata row of the range
    /// goes; after a delete of some keys, those whose timestamp no other key has a value at.
    private func dropOrphanedMetadata(deviceID: Int64, buckets: [Int64], start: Int64, end: Int64, keysLeft: Set<String>) async throws {
        let options = self.options
        _ = try await BoundedConcurrency.map(buckets) { bucket in
            var timestamps: [Int64] = []
            let range: [CassandraValue] = [.bigint(deviceID), .bigint(bucket), .timestamp(start), .timestamp(end)]
            for try await row in self.client.rows(self.cql.selectMetadataRange, range, options: options) {
                if let timestamp = row[0].timestampMilliseconds { timestamps.append(timestamp) }
            }
            guard !timestamps.isEmpty else { return }
            var kept = Set<Int64>()
            let others = keysLeft.sorted()
            for keyChunk in others.chunked(Self.markersPerList).map(Array.init) {
                for timestampChunk in timestamps.chunked(Self.markersPerList).map(Array.init) {
                    let values: [CassandraValue] =
                        [.bigint(deviceID), .bigint(bucket)] + keyChunk.map { .text($0) }
                        + timestampChunk.map { .timestamp($0) }
                    for try await row in self.client.rows(
                        self.cql.selectExisting(keys: keyChunk.count, timestamps: timestampChunk.count), values, options: options)
                    {
                        if let timestamp = row[1].timestampMilliseconds { kept.insert(timestamp) }
                    }
                }
            }
            for timestamp in timestamps where !kept.contains(timestamp) {
                _ = try await self.client.execute(
                    self.cql.deleteMetadata, [.bigint(deviceID), .bigint(bucket), .timestamp(timestamp)], options: options)
            }
        }
    }

    public func deleteAll(deviceIDs: [Int64]) async throws {
        try await CassandraOutage.translating {
            _ = try await BoundedConcurrency.map(Array(Set(deviceIDs)), width: 8) { deviceID in
                try await self.deviceLocks.withLocks([deviceID]) { try await self.deleteDevice(deviceID) }
            }
        }
    }

    /// Deletes one device's points, metadata, latest values, buckets and rollups, and takes its points off the counters.
    private func deleteDevice(_ deviceID: Int64) async throws {
        let recentSince = self.recentSince
        let options = self.options
        let keys = try await self.readLatest(deviceID).map(\.key)
        let buckets = try await self.buckets(of: deviceID, from: Int64.min / 2, to: Int64.max / 2, descending: false)
        // The device's total is its counter row; recent minutes need the timestamps of its recent points.
        var delta = CountDelta()
        for try await row in self.client.rows(self.cql.selectCounts, [.int(Self.deviceScope)], options: options)
        where row[0].int64 == deviceID {
            delta.byDevice[deviceID] = Int(row[1].int64 ?? 0)
        }
        for bucket in buckets where self.settings.bucket.end(ofBucketStarting: bucket) > recentSince {
            for key in keys {
                let values: [CassandraValue] = [
                    .bigint(deviceID), .bigint(bucket), .text(key), .timestamp(recentSince), .timestamp(Int64.max / 2),
                ]
                for try await row in self.client.rows(self.cql.selectRangeAll, values, options: options) {
                    if let timestamp = row[0].timestampMilliseconds { delta.byMinute[Self.minute(of: timestamp), default: 0] += 1 }
                }
            }
        }
        _ = try await BoundedConcurrency.map(buckets) { bucket in
            _ = try await self.client.execute(self.cql.deletePartition, [.bigint(deviceID), .bigint(bucket)], options: options)
            _ = try await self.client.execute(self.cql.deleteMetadataPartition, [.bigint(deviceID), .bigint(bucket)], options: options)
        }
        // Rollup partitions are found from the device's buckets of points, like every read of them.
        var rollupPartitions: [(period: RollupPeriod, span: Int64)] = []
        for period in RollupPeriod.allCases {
            for span in self.rollupSpans(period, rawBuckets: buckets, from: Int64.min / 2, to: Int64.max / 2) {
                rollupPartitions.append((period, span))
            }
        }
        _ = try await BoundedConcurrency.map(rollupPartitions) { period, span in
            _ = try await self.client.execute(
                self.cql.deleteRollupPartition, [.bigint(deviceID), .int(Int32(period.milliseconds)), .bigint(span)], options: options)
        }
        _ = try await self.client.execute(self.cql.deleteLatestOfDevice, [.bigint(deviceID)], options: options)
        _ = try await self.client.execute(self.cql.deleteBuckets, [.bigint(deviceID)], options: options)
        try await self.apply(delta, sign: -1)
    }
}
