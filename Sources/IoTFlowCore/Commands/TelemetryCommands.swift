/// `GET /telemetry/{device_id}`: a page of history.
public struct HistoryRequest: Sendable, Equatable {
    /// Start of the range (inclusive); default one hour ago.
    public var start: TimeSpec?
    /// End of the range (exclusive); default now.
    public var end: TimeSpec?
    /// Keys to read; every key of the device when empty.
    public var keys: [String] = []
    /// Entries per page (default 1000, at most 10000).
    public var limit: Int?
    /// Newest first (the default) or oldest first.
    public var descending = true
    /// Whether to return each entry's metadata.
    public var includeMetadata = false
    /// The `next` cursor of the previous page.
    public var cursor: String?

    /// A request for the default page.
    public init() {}
}

/// `GET /telemetry/{device_id}/aggregated`.
public struct AggregationRequest: Sendable, Equatable {
    /// The key to aggregate.
    public var field: String
    /// The function, as the client named it (`mean` and `avg` are the same function).
    public var aggregation: String
    /// The window, as the client wrote it (`10s`, `5m`, `1h`, `1d`).
    public var window: String
    /// Start of the range (inclusive); default 24 hours ago.
    public var start: TimeSpec?
    /// End of the range (exclusive); default now.
    public var end: TimeSpec?

    /// Creates the request; `aggregation` defaults to `mean` and `window` to `1h`.
    public init(field: String, aggregation: String = "mean", window: String = "1h", start: TimeSpec? = nil, end: TimeSpec? = nil) {
        self.field = field
        self.aggregation = aggregation
        self.window = window
        self.start = start
        self.end = end
    }
}

/// `DELETE /telemetry/{device_id}`: a range of values to remove.
public struct TelemetryDeletion: Sendable, Equatable {
    /// Start of the range (inclusive); required.
    public var start: TimeSpec?
    /// End of the range (exclusive); required.
    public var stop: TimeSpec?
    /// Only these keys; every key when nil. An empty list is 400 (it must not silently mean "every key").
    public var keys: [String]?

    /// Creates the request.
    public init(start: TimeSpec? = nil, stop: TimeSpec? = nil, keys: [String]? = nil) {
        self.start = start
        self.stop = stop
        self.keys = keys
    }
}

/// `GET /telemetry/user/{user_id}`.
public struct UserTelemetryRequest: Sendable, Equatable {
    /// Devices with data since then count (default 24 hours ago).
    public var since: TimeSpec?
    /// The page of devices.
    public var page: PageRequest

    /// Creates the request.
    public init(since: TimeSpec? = nil, page: PageRequest = PageRequest()) {
        self.since = since
        self.page = page
    }
}

/// `GET /telemetry/{device_id}/export`: every value of a range, oldest first.
public struct ExportRequest: Sendable, Equatable {
    /// Start of the range (inclusive); default one hour ago, as for history.
    public var start: TimeSpec?
    /// End of the range (exclusive); default now.
    public var end: TimeSpec?
    /// Keys to export; every key of the device when empty.
    public var keys: [String] = []

    /// Creates the request.
    public init(start: TimeSpec? = nil, end: TimeSpec? = nil, keys: [String] = []) {
        self.start = start
        self.end = end
        self.keys = keys
    }
}
