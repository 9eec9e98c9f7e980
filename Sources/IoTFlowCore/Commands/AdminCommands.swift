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
