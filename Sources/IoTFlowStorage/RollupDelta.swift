import IoTFlowCore

/// What a write adds to the rollups: the newly inserted numeric values folded per device, key and period bucket, so a
/// store merges one row per bucket instead of one per value; and the buckets whose values were overwritten, which
/// cannot be merged (a minimum does not un-merge) and are recomputed from raw points instead.
struct RollupDelta: Sendable {
    /// One rollup row to merge.
    struct Row: Sendable {
        var deviceID: Int64
        var keyID: Int64
        var period: RollupPeriod
        var bucket: Int64
        var summary: RollupSummary
    }

    /// A (device, key, minute) whose rollup must be recomputed.
    struct Bucket: Hashable, Sendable {
        var deviceID: Int64
        var keyID: Int64
        var minute: Int64
    }

    private struct Slot: Hashable {
        var deviceID: Int64
        var keyID: Int64
        var period: RollupPeriod
        var bucket: Int64
    }

    private var slots: [Slot: RollupSummary] = [:]
    /// Minutes to recompute, in no particular order.
    private(set) var overwritten: Set<Bucket> = []

    /// Adds a value that did not exist before; strings are not numeric and do not count.
    mutating func addInserted(deviceID: Int64, keyID: Int64, timestamp: Int64, value: TelemetryValue) {
        guard let number = value.rollupNumber else { return }
        for period in RollupPeriod.allCases {
            let slot = Slot(deviceID: deviceID, keyID: keyID, period: period, bucket: period.bucket(of: timestamp))
            if self.slots[slot] == nil {
                self.slots[slot] = RollupSummary(value: number, at: timestamp)
            } else {
                self.slots[slot]?.add(number, at: timestamp)
            }
        }
    }

    /// Marks the minute of a value that replaced another.
    mutating func addOverwritten(deviceID: Int64, keyID: Int64, timestamp: Int64) {
        self.overwritten.insert(Bucket(deviceID: deviceID, keyID: keyID, minute: RollupPeriod.minute.bucket(of: timestamp)))
    }

    /// The rows to merge, sorted by their primary key so concurrent writers lock rows in one order.
    var rows: [Row] {
        self.slots.map { Row(deviceID: $0.key.deviceID, keyID: $0.key.keyID, period: $0.key.period, bucket: $0.key.bucket, summary: $0.value) }
            .sorted { ($0.deviceID, $0.keyID, $0.period.rawValue, $0.bucket) < ($1.deviceID, $1.keyID, $1.period.rawValue, $1.bucket) }
    }

    /// The overwritten minutes and the hours holding them, sorted.
    var overwrittenMinutes: [Bucket] {
        self.overwritten.sorted { ($0.deviceID, $0.keyID, $0.minute) < ($1.deviceID, $1.keyID, $1.minute) }
    }

    var overwrittenHours: [Bucket] {
        Set(self.overwritten.map { Bucket(deviceID: $0.deviceID, keyID: $0.keyID, minute: RollupPeriod.hour.bucket(of: $0.minute)) })
            .sorted { ($0.deviceID, $0.keyID, $0.minute) < ($1.deviceID, $1.keyID, $1.minute) }
    }
}

/// The minutes and hours a range delete touches: whole ones are dropped, partial ones recomputed.
struct RollupRangeEdit: Sendable {
    /// Rollups of `period` starting in `[start, end)` lie wholly inside the deleted range.
    struct Whole: Sendable {
        var period: RollupPeriod
        var start: Int64
        var end: Int64
    }

    var whole: [Whole] = []
    /// Partially covered minutes, recomputed from raw points.
    var minutes: [Int64] = []
    /// Partially covered hours, recomputed from minute rollups (after the minutes).
    var hours: [Int64] = []

    /// The edit for deleting `[start, end)`.
    init(start: Int64, end: Int64) {
        guard start < end else { return }
        for period in RollupPeriod.allCases {
            let length = period.milliseconds
            let firstWhole = start % length == 0 ? start : period.bucket(of: start) + length
            let endWhole = period.bucket(of: end)
            if firstWhole < endWhole { self.whole.append(Whole(period: period, start: firstWhole, end: endWhole)) }
            var partial: [Int64] = []
            if start % length != 0 { partial.append(period.bucket(of: start)) }
            if end % length != 0, !partial.contains(period.bucket(of: end - 1)) { partial.append(period.bucket(of: end - 1)) }
            switch period {
            case .minute: self.minutes = partial
            case .hour: self.hours = partial
            }
        }
    }
}

/// One stored value's identity: its device, key id and timestamp.
struct StoredValueID: Hashable, Sendable {
    var deviceID: Int64
    var keyID: Int64
    var timestamp: Int64
}

extension TelemetryValue {
    /// The value as rollups and aggregations count it: numbers, booleans as 0 or 1; nil for strings.
    var rollupNumber: Double? {
        switch self {
        case .number(let number): number
        case .bool(let bool): bool ? 1 : 0
        case .string: nil
        }
    }
}

/// The rollup columns an aggregation function reads, so a read decodes only those (decoding is most of its cost), and
/// the summary built from them; columns not read take values that never win a merge.
enum RollupColumns {
    /// Columns after `bucket_ms, n`, in this order.
    static func names(for function: AggregationFunction) -> [String] {
        switch function {
        case .mean, .avg, .sum: ["total"]
        case .count: []
        case .min: ["min_v"]
        case .max: ["max_v"]
        case .first: ["first_ts", "first_v"]
        case .last: ["last_ts", "last_v"]
        }
    }

    /// A summary of `count` values from the columns `names(for: function)` read (`number` for values, `time` for
    /// timestamps, by position among them).
    static func summary(
        count: Int, function: AggregationFunction, number: (Int) -> Double?, time: (Int) -> Int64?
    ) -> RollupSummary {
        var summary = RollupSummary(
            count: count, sum: .nan, min: .infinity, max: -.infinity, firstTimestamp: .max, first: .nan, lastTimestamp: .min, last: .nan)
        switch function {
        case .mean, .avg, .sum: summary.sum = number(0) ?? .nan
        case .count: break
        case .min: summary.min = number(0) ?? .nan
        case .max: summary.max = number(0) ?? .nan
        case .first: (summary.firstTimestamp, summary.first) = (time(0) ?? .max, number(1) ?? .nan)
        case .last: (summary.lastTimestamp, summary.last) = (time(0) ?? .min, number(1) ?? .nan)
        }
        return summary
    }
}

/// A store that answers aggregations from raw points and from rollups; picks the source as `AggregationSource` says.
protocol RollupAggregating: TelemetryStore {
    /// Windows from raw points.
    func aggregateRaw(_ query: AggregationQuery) async throws -> [AggregationBucket]
    /// Windows from rollups of `period`; nil when a window's sum is not known.
    func aggregateFromRollups(_ query: AggregationQuery, period: RollupPeriod) async throws -> [AggregationBucket]?
}

extension RollupAggregating {
    public func aggregate(_ query: AggregationQuery, source: AggregationSource) async throws -> [AggregationBucket]? {
        guard query.start < query.end, query.windowMilliseconds > 0 else { return source == .rollups ? nil : [] }
        let period = RollupPeriod.covering(query)
        switch source {
        case .raw: return try await self.aggregateRaw(query)
        case .rollups:
            guard let period else { return nil }
            return try await self.aggregateFromRollups(query, period: period)
        case .automatic:
            if let period, let buckets = try await self.aggregateFromRollups(query, period: period) { return buckets }
            return try await self.aggregateRaw(query)
        }
    }
}
