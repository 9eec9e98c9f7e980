/// One stored telemetry value. Booleans stay booleans so reads return what was written.
public enum TelemetryValue: Sendable, Equatable {
    case number(Double)
    case bool(Bool)
    case string(String)

    /// The value as JSON; integral numbers print without a fraction, as devices usually sent them.
    public var json: JSONValue {
        switch self {
        case .number(let double):
            if double.rounded() == double, abs(double) < 9_007_199_254_740_992 { return .int(Int64(double)) }
            return .double(double)
        case .bool(let bool): return .bool(bool)
        case .string(let string): return .string(string)
        }
    }
}

/// One point as submitted: a timestamp and its values.
public struct TelemetryPoint: Sendable, Equatable {
    /// Epoch ms.
    public var timestamp: Int64
    /// Key → value; null values were dropped by validation.
    public var values: [(key: String, value: TelemetryValue)]
    /// Optional metadata object, serialised JSON.
    public var metadata: String?

    /// Creates a point.
    public init(timestamp: Int64, values: [(key: String, value: TelemetryValue)], metadata: String? = nil) {
        self.timestamp = timestamp
        self.values = values
        self.metadata = metadata
    }

    public static func == (lhs: TelemetryPoint, rhs: TelemetryPoint) -> Bool {
        lhs.timestamp == rhs.timestamp && lhs.metadata == rhs.metadata && lhs.values.count == rhs.values.count
            && zip(lhs.values, rhs.values).allSatisfy { $0.key == $1.key && $0.value == $1.value }
    }
}

/// The points of one device to be written together.
public struct TelemetryWrite: Sendable {
    /// The device.
    public var deviceID: Int64
    /// Its points.
    public var points: [TelemetryPoint]

    /// Creates a write.
    public init(deviceID: Int64, points: [TelemetryPoint]) {
        self.deviceID = deviceID
        self.points = points
    }
}

/// A history row: every requested key written at one timestamp.
public struct TelemetryEntry: Sendable, Equatable {
    /// Epoch ms.
    public var timestamp: Int64
    /// Key → value, ordered by key.
    public var measurements: [(key: String, value: TelemetryValue)]
    /// Metadata JSON when requested and present.
    public var metadata: String?

    /// Creates an entry.
    public init(timestamp: Int64, measurements: [(key: String, value: TelemetryValue)], metadata: String?) {
        self.timestamp = timestamp
        self.measurements = measurements
        self.metadata = metadata
    }

    public static func == (lhs: TelemetryEntry, rhs: TelemetryEntry) -> Bool {
        lhs.timestamp == rhs.timestamp && lhs.metadata == rhs.metadata && lhs.measurements.count == rhs.measurements.count
            && zip(lhs.measurements, rhs.measurements).allSatisfy { $0.key == $1.key && $0.value == $1.value }
    }
}

/// The latest value of one key.
public struct LatestValue: Sendable, Equatable {
    /// The key.
    public var key: String
    /// Its newest value.
    public var value: TelemetryValue
    /// When it was written, epoch ms.
    public var timestamp: Int64

    /// Creates the value.
    public init(key: String, value: TelemetryValue, timestamp: Int64) {
        self.key = key
        self.value = value
        self.timestamp = timestamp
    }
}

/// A history query, with the time range resolved to epoch ms (start inclusive, end exclusive).
public struct HistoryQuery: Sendable, Equatable {
    /// The device.
    public var deviceID: Int64
    /// Inclusive start.
    public var start: Int64
    /// Exclusive end.
    public var end: Int64
    /// Keys to return; empty means all.
    public var keys: [String]
    /// Maximum number of entries.
    public var limit: Int
    /// Newest first when true.
    public var descending: Bool
    /// Whether to return metadata.
    public var includeMetadata: Bool
    /// Resume strictly after this timestamp (in the query's order), from a paging cursor.
    public var resumeAfter: Int64?

    /// Creates a query.
    public init(
        deviceID: Int64, start: Int64, end: Int64, keys: [String], limit: Int, descending: Bool, includeMetadata: Bool,
        resumeAfter: Int64? = nil
    ) {
        self.resumeAfter = resumeAfter
        self.deviceID = deviceID
        self.start = start
        self.end = end
        self.keys = keys
        self.limit = limit
        self.descending = descending
        self.includeMetadata = includeMetadata
    }
}

/// The aggregation functions of the aggregated endpoint.
public enum AggregationFunction: String, Sendable, CaseIterable {
    case mean, avg, sum, count, min, max, first, last
}

/// An aggregation query over numeric values of one key.
public struct AggregationQuery: Sendable, Equatable {
    /// The device.
    public var deviceID: Int64
    /// The key.
    public var field: String
    /// The function.
    public var function: AggregationFunction
    /// Window length in ms; buckets start at multiples of it.
    public var windowMilliseconds: Int64
    /// Inclusive start.
    public var start: Int64
    /// Exclusive end.
    public var end: Int64

    /// Creates a query.
    public init(deviceID: Int64, field: String, function: AggregationFunction, windowMilliseconds: Int64, start: Int64, end: Int64) {
        self.deviceID = deviceID
        self.field = field
        self.function = function
        self.windowMilliseconds = windowMilliseconds
        self.start = start
        self.end = end
    }
}

/// One non-empty aggregation bucket.
public struct AggregationBucket: Sendable, Equatable {
    /// Bucket start, epoch ms.
    public var start: Int64
    /// The aggregate.
    public var value: Double
    /// Numeric values in the bucket.
    public var count: Int

    /// Creates a bucket.
    public init(start: Int64, value: Double, count: Int) {
        self.start = start
        self.value = value
        self.count = count
    }
}
