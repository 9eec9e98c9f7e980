import CassandraNIO
import IoTFlowCore

/// Aggregation in the client: Cassandra cannot group by time windows before 5.0, so the key's values of the range are
/// streamed page by page (never held whole) and folded into windows, or, for ranges and windows aligned to minutes or
/// hours, the key's rollups are (see TelemetryCassandraStore+Rollups.swift). Numbers and booleans (as 0/1) count;
/// strings are skipped, as on the SQL backends.
extension TelemetryCassandraStore {
    /// The running figures of one window.
    struct Window {
        var count = 0
        var sum = 0.0
        /// A running mean stays finite where the sum of huge values overflows.
        var mean = 0.0
        var min = Double.infinity
        var max = -Double.infinity
        var first: (timestamp: Int64, value: Double)?
        var last: (timestamp: Int64, value: Double)?

        mutating func add(_ value: Double, at timestamp: Int64) {
            self.count += 1
            self.sum += value
            self.mean += (value - self.mean) / Double(self.count)
            self.min = Swift.min(self.min, value)
            self.max = Swift.max(self.max, value)
            if self.first.map({ timestamp < $0.timestamp }) ?? true { self.first = (timestamp, value) }
            if self.last.map({ timestamp > $0.timestamp }) ?? true { self.last = (timestamp, value) }
        }

        func value(_ function: AggregationFunction) -> Double {
            switch function {
            case .mean, .avg: self.sum.isFinite ? self.sum / Double(self.count) : self.mean
            case .sum: self.sum
            case .count: Double(self.count)
            case .min: self.min
            case .max: self.max
            case .first: self.first?.value ?? .nan
            case .last: self.last?.value ?? .nan
            }
        }
    }

    public func aggregate(_ query: AggregationQuery, source: AggregationSource) async throws -> [AggregationBucket]? {
        switch source {
        case .raw: return try await self.aggregateRaw(query)
        case .rollups: return try await self.aggregateRollups(query)
        case .automatic:
            if let answer = try await self.aggregateRollups(query) { return answer }
            return try await self.aggregateRaw(query)
        }
    }

    /// Raw points expire by Cassandra's per-row TTL (`TELEMETRY_RETENTION_DAYS`), not by a sweep: nothing to remove.
    public func expireValues(before cutoff: Int64, limit: Int) async throws -> Int { 0 }

    /// Rollups expire by their own per-row TTL (`ROLLUP_RETENTION_DAYS`), not by a sweep: nothing to remove.
    public func expireRollups(before cutoff: Int64, limit: Int) async throws -> Int { 0 }

    /// The query's windows merged from the rollups of the longest period that covers it; nil when none does or a sum
    /// overflowed. Reads only the rollup partitions overlapping buckets the device has points in.
    func aggregateRollups(_ query: AggregationQuery) async throws -> [AggregationBucket]? {
        guard query.windowMilliseconds > 0, let period = RollupPeriod.covering(query) else { return nil }
        guard query.start < query.end else { return [] }
        return try await CassandraOutage.translating {
            let rawBuckets = try await self.buckets(of: query.deviceID, from: query.start, to: query.end, descending: false)
            let spans = self.rollupSpans(period, rawBuckets: rawBuckets, from: query.start, to: query.end)
            let found = try await BoundedConcurrency.map(spans) { span in
                let slice = RollupSlice(deviceID: query.deviceID, period: period, span: span, key: query.field)
                return try await self.rollups(slice, from: query.start, to: query.end)
            }
            return RollupSummary.windows(Array(found.joined()), query)
        }
    }

    func aggregateRaw(_ query: AggregationQuery) async throws -> [AggregationBucket] {
        guard query.start < query.end, query.windowMilliseconds > 0 else { return [] }
        return try await CassandraOutage.translating {
            var windows: [Int64: Window] = [:]
            for bucket in try await self.buckets(of: query.deviceID, from: query.start, to: query.end, descending: false) {
                let values: [CassandraValue] = [
                    .bigint(query.deviceID), .bigint(bucket), .text(query.field), .timestamp(query.start), .timestamp(query.end),
                ]
                for try await row in self.client.rows(self.cql.selectRangeAll, values, options: self.options) {
                    guard let timestamp = row[0].timestampMilliseconds, let number = Self.number(row, from: 1) else { continue }
                    windows[Self.windowStart(timestamp, query.windowMilliseconds), default: Window()].add(number, at: timestamp)
                }
            }
            return windows.keys.sorted().map { start in
                let window = windows[start]!
                return AggregationBucket(start: start, value: window.value(query.function), count: window.count)
            }
        }
    }

    /// The window holding `timestamp`: windows start at multiples of their length since the epoch.
    static func windowStart(_ timestamp: Int64, _ length: Int64) -> Int64 {
        let quotient = timestamp / length
        return (timestamp % length != 0 && timestamp < 0 ? quotient - 1 : quotient) * length
    }

    /// The numeric value of a point's `num`, `str`, `flag` columns starting at `offset`: booleans as 0 or 1; nil for strings.
    static func number(_ row: CassandraRow, from offset: Int) -> Double? {
        if let value = row[offset].double { return value }
        if let flag = row[offset + 2].bool { return flag ? 1 : 0 }
        return nil
    }
}
