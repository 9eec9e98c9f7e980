import CassandraNIO
import IoTFlowCore

/// History pages: the device's non-empty buckets of the range in page order, and in each one slice per key with a
/// LIMIT, merged by timestamp, until the page is full.
extension TelemetryCassandraStore {
    public func history(_ query: HistoryQuery) async throws -> [TelemetryEntry] {
        var lower = query.start
        var upper = query.end
        if let after = query.resumeAfter {
            if query.descending { upper = min(upper, after) } else { lower = max(lower, after + 1) }
        }
        guard lower < upper, query.limit > 0 else { return [] }
        let (from, to) = (lower, upper)
        return try await CassandraOutage.translating {
            let names = query.keys.isEmpty ? try await self.readLatest(query.deviceID).map(\.key) : Array(Set(query.keys)).sorted()
            guard !names.isEmpty else { return [] }
            var entries: [TelemetryEntry] = []
            for bucket in try await self.buckets(of: query.deviceID, from: from, to: to, descending: query.descending) {
                let remaining = query.limit - entries.count
                guard remaining > 0 else { break }
                let columns = try await BoundedConcurrency.map(names) { name in
                    try await self.slice(
                        deviceID: query.deviceID, bucket: bucket, key: name, from: from, to: to, descending: query.descending, limit: remaining)
                }
                var page = HistoryPageMerge.entries(columns, names: names, descending: query.descending, limit: remaining)
                if query.includeMetadata { try await self.attachMetadata(&page, deviceID: query.deviceID, bucket: bucket) }
                entries.append(contentsOf: page)
            }
            return entries
        }
    }

    /// The buckets of a device that hold points of `[from, to)`, in time order or reversed.
    func buckets(of deviceID: Int64, from: Int64, to: Int64, descending: Bool) async throws -> [Int64] {
        let statement = descending ? self.cql.selectBucketsDescending : self.cql.selectBuckets
        let values: [CassandraValue] = [
            .bigint(deviceID), .bigint(self.settings.bucket.start(of: from)), .bigint(self.settings.bucket.start(of: to - 1)),
        ]
        var buckets: [Int64] = []
        for try await row in self.client.rows(statement, values, options: self.options) {
            if let bucket = row[0].int64 { buckets.append(bucket) }
        }
        return buckets
    }

    /// One key's values in `[from, to)` of one bucket, in page order, at most `limit`.
    func slice(
        deviceID: Int64, bucket: Int64, key: String, from: Int64, to: Int64, descending: Bool, limit: Int
    ) async throws -> [(timestamp: Int64, value: TelemetryValue)] {
        let statement = descending ? self.cql.selectRangeDescending : self.cql.selectRange
        let values: [CassandraValue] = [
            .bigint(deviceID), .bigint(bucket), .text(key), .timestamp(from), .timestamp(to), .int(Int32(clamping: limit)),
        ]
        var column: [(timestamp: Int64, value: TelemetryValue)] = []
        for try await row in self.client.rows(statement, values, options: self.options) {
            guard let timestamp = row[0].timestampMilliseconds, let value = CassandraRowValue.value(row, from: 1) else { continue }
            column.append((timestamp, value))
        }
        return column
    }

    /// Fills in the metadata of entries that all lie in one bucket.
    private func attachMetadata(_ entries: inout [TelemetryEntry], deviceID: Int64, bucket: Int64) async throws {
        let timestamps = entries.map(\.timestamp)
        let options = self.options
        let found = try await BoundedConcurrency.map(timestamps.chunked(Self.statementsPerBatch).map(Array.init)) { chunk in
            let values: [CassandraValue] = [.bigint(deviceID), .bigint(bucket)] + chunk.map { .timestamp($0) }
            var metadata: [(Int64, String)] = []
            for try await row in self.client.rows(self.cql.selectMetadata(timestamps: chunk.count), values, options: options) {
                if let timestamp = row[0].timestampMilliseconds, let text = row[1].string { metadata.append((timestamp, text)) }
            }
            return metadata
        }
        let metadata = Dictionary(found.joined().map { ($0.0, $0.1) }, uniquingKeysWith: { first, _ in first })
        for index in entries.indices { entries[index].metadata = metadata[entries[index].timestamp] }
    }
}
