/// `GET /admin/events`: filters of the event log.
public struct EventLogFilter: Sendable, Equatable {
    /// Only this event type (an unknown type is 400).
    public var type: String?
    /// Only events of this device.
    public var deviceID: Int64?
    /// Only events about this user (public id).
    public var userPublicID: String?
    /// Events at or after.
    public var start: TimeSpec?
    /// Events before.
    public var end: TimeSpec?
    /// The page.
    public var page: PageRequest

    /// Creates the filter.
    public init(
        type: String? = nil, deviceID: Int64? = nil, userPublicID: String? = nil, start: TimeSpec? = nil, end: TimeSpec? = nil,
        page: PageRequest = PageRequest()
    ) {
        self.type = type
        self.deviceID = deviceID
        self.userPublicID = userPublicID
        self.start = start
        self.end = end
        self.page = page
    }
}

/// The query of `GET /admin/analytics/events`.
public struct EventAnalyticsFilter: Sendable, Equatable {
    /// Start of the range (default 7 days ago).
    public var start: TimeSpec?
    /// End of the range (default now).
    public var end: TimeSpec?
    /// `1h` or `1d` (default `1h`); anything else is 400.
    public var bucket: String?
    /// Only events about this user (public id).
    public var userPublicID: String?
    /// Only events of this device.
    public var deviceID: Int64?

    /// Creates the filter.
    public init(start: TimeSpec? = nil, end: TimeSpec? = nil, bucket: String? = nil, userPublicID: String? = nil, deviceID: Int64? = nil) {
        self.start = start
        self.end = end
        self.bucket = bucket
        self.userPublicID = userPublicID
        self.deviceID = deviceID
    }
}
