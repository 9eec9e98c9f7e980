/// Where an aggregation reads its values from.
public enum AggregationSource: Sendable, Equatable {
    /// Rollups when the query allows (see ``RollupPeriod/covering(_:)``), raw points otherwise.
    case automatic
    /// Raw points only, whatever the query.
    case raw
    /// Rollups only; a store answers nil when the query is not aligned to a rollup period or a rollup cannot answer
    /// exactly (a sum that overflowed).
    case rollups
}

/// The periods stores keep rollups for: per minute and per hour, aligned to multiples of the period in UTC.
public enum RollupPeriod: Int64, Sendable, CaseIterable {
    case minute = 60_000
    case hour = 3_600_000

    /// The period's length in ms.
    public var milliseconds: Int64 { self.rawValue }

    /// The start of the period holding `timestamp` (floor, also before 1970).
    public func bucket(of timestamp: Int64) -> Int64 {
        timestamp - ((timestamp % self.rawValue) + self.rawValue) % self.rawValue
    }

    /// The longest period whose rollups answer `query` exactly: its window is a multiple of the period and its range
    /// starts and ends on period boundaries, so every window is a union of whole rollups. Nil when none does.
    public static func covering(_ query: AggregationQuery) -> RollupPeriod? {
        for period in [RollupPeriod.hour, .minute]
        where query.windowMilliseconds % period.rawValue == 0 && query.start % period.rawValue == 0
            && query.end % period.rawValue == 0
        {
            return period
        }
        return nil
    }
}

/// The figures of a set of numeric values that every aggregation function is computed from, and that merge: a
/// rollup holds one per device, key and period, and a window merges those it covers.
public struct RollupSummary: Sendable, Equatable {
    /// How many values.
    public var count: Int
    /// Their sum; not finite when it overflowed (then only raw points answer sums and means).
    public var sum: Double
    /// The smallest value.
    public var min: Double
    /// The largest value.
    public var max: Double
    /// The earliest value and its timestamp (epoch ms).
    public var firstTimestamp: Int64
    public var first: Double
    /// The latest value and its timestamp (epoch ms).
    public var lastTimestamp: Int64
    public var last: Double

    /// The summary of one value.
    public init(value: Double, at timestamp: Int64) {
        self.init(count: 1, sum: value, min: value, max: value, firstTimestamp: timestamp, first: value, lastTimestamp: timestamp, last: value)
    }

    /// Creates the value from stored figures.
    public init(count: Int, sum: Double, min: Double, max: Double, firstTimestamp: Int64, first: Double, lastTimestamp: Int64, last: Double) {
        self.count = count
        self.sum = sum
        self.min = min
        self.max = max
        self.firstTimestamp = firstTimestamp
        self.first = first
        self.lastTimestamp = lastTimestamp
        self.last = last
    }

    /// Adds one value.
    public mutating func add(_ value: Double, at timestamp: Int64) {
        self.merge(RollupSummary(value: value, at: timestamp))
    }

    /// Adds the values another summary holds (disjoint from this one's).
    public mutating func merge(_ other: RollupSummary) {
        self.count += other.count
        self.sum += other.sum
        self.min = Swift.min(self.min, other.min)
        self.max = Swift.max(self.max, other.max)
        if other.firstTimestamp < self.firstTimestamp {
            self.firstTimestamp = other.firstTimestamp
            self.first = other.first
        }
        if other.lastTimestamp > self.lastTimestamp {
            self.lastTimestamp = other.lastTimestamp
            self.last = other.last
        }
    }

    /// The function's value over these values; nil for a sum or mean whose sum is not finite.
    public func value(_ function: AggregationFunction) -> Double? {
        switch function {
        case .mean, .avg: self.sum.isFinite ? self.sum / Double(self.count) : nil
        case .sum: self.sum.isFinite ? self.sum : nil
        case .count: Double(self.count)
        case .min: self.min
        case .max: self.max
        case .first: self.first
        case .last: self.last
        }
    }

    /// Folds rollups (bucket start → summary) into the query's windows, oldest first; nil when a window's sum or mean
    /// cannot be answered from them. Rollups in bucket order (as stores read them) merge in one pass.
    public static func windows(_ rollups: [(bucket: Int64, summary: RollupSummary)], _ query: AggregationQuery) -> [AggregationBucket]? {
        let ordered = zip(rollups, rollups.dropFirst()).allSatisfy { $0.bucket < $1.bucket } ? rollups : rollups.sorted { $0.bucket < $1.bucket }
        let window = query.windowMilliseconds
        var result: [AggregationBucket] = []
        result.reserveCapacity(ordered.count)
        var current: (start: Int64, summary: RollupSummary)?
        func close() -> Bool {
            guard let (start, summary) = current, summary.count > 0 else { return true }
            guard let value = summary.value(query.function) else { return false }
            result.append(AggregationBucket(start: start, value: value, count: summary.count))
            return true
        }
        for (bucket, summary) in ordered where bucket >= query.start && bucket < query.end {
            let start = bucket - ((bucket % window) + window) % window
            if current?.start == start {
                current?.summary.merge(summary)
            } else {
                guard close() else { return nil }
                current = (start, summary)
            }
        }
        guard close() else { return nil }
        return result
    }
}
