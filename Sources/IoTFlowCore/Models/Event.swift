/// An entry of the event log: who did what to which user or device.
public struct Event: Sendable, Equatable {
    /// Store-assigned id; nil before it is written.
    public var id: Int64?
    /// Dotted type, e.g. `device.registered`.
    public var type: String
    /// When it happened, epoch ms.
    public var timestamp: Int64
    /// Public id of the user the event is about (for device events, the owner).
    public var userPublicID: String?
    /// The device concerned, if any.
    public var deviceID: Int64?
    /// Free-form details.
    public var details: JSONObject

    /// Creates an event.
    public init(id: Int64? = nil, type: String, timestamp: Int64, userPublicID: String?, deviceID: Int64? = nil, details: JSONObject = JSONObject()) {
        self.id = id
        self.type = type
        self.timestamp = timestamp
        self.userPublicID = userPublicID
        self.deviceID = deviceID
        self.details = details
    }
}

/// Filters and paging for reading the event log.
public struct EventQuery: Sendable, Equatable {
    /// Only this type.
    public var type: String?
    /// Only this device.
    public var deviceID: Int64?
    /// Only this user (public id).
    public var userPublicID: String?
    /// Inclusive start, epoch ms.
    public var start: Int64?
    /// Exclusive end, epoch ms.
    public var end: Int64?
    /// Page size.
    public var limit: Int
    /// Page offset.
    public var offset: Int

    /// Creates a query.
    public init(
        type: String? = nil, deviceID: Int64? = nil, userPublicID: String? = nil, start: Int64? = nil, end: Int64? = nil, limit: Int = 100,
        offset: Int = 0
    ) {
        self.type = type
        self.deviceID = deviceID
        self.userPublicID = userPublicID
        self.start = start
        self.end = end
        self.limit = limit
        self.offset = offset
    }
}

/// Event types written by the services.
public enum EventType {
    public static let userRegistered = "user.registered"
    public static let userLogin = "user.login"
    public static let userUpdated = "user.updated"
    public static let userDeleted = "user.deleted"
    public static let userDeactivated = "user.deactivated"
    public static let userActivated = "user.activated"
    public static let deviceRegistered = "device.registered"
    public static let deviceUpdated = "device.updated"
    public static let deviceDeleted = "device.deleted"
    public static let deviceKeyRotated = "device.key_rotated"
    public static let deviceStatusChanged = "device.status_changed"
    public static let deviceConfigUpdated = "device.config_updated"
    public static let telemetrySubmitted = "telemetry.submitted"
    public static let telemetryRejected = "telemetry.rejected"
    /// The retention sweeper removed expired values or rollups.
    public static let telemetryExpired = "telemetry.expired"
    public static let groupCreated = "group.created"
    public static let groupUpdated = "group.updated"
    public static let groupDeleted = "group.deleted"
    public static let groupDeviceAdded = "group.device_added"
    public static let groupDeviceRemoved = "group.device_removed"
    public static let alertRuleCreated = "alert_rule.created"
    public static let alertRuleUpdated = "alert_rule.updated"
    public static let alertRuleDeleted = "alert_rule.deleted"
    public static let alertTriggered = "alert.triggered"
    public static let alertAcknowledged = "alert.acknowledged"
    public static let alertResolved = "alert.resolved"

    /// Every type the services write, for validating filters.
    public static let all: Set<String> = [
        userRegistered, userLogin, userUpdated, userDeleted, userDeactivated, userActivated, deviceRegistered, deviceUpdated, deviceDeleted,
        deviceKeyRotated, deviceStatusChanged, deviceConfigUpdated, telemetrySubmitted, telemetryRejected, telemetryExpired, groupCreated,
        groupUpdated, groupDeleted,
        groupDeviceAdded, groupDeviceRemoved, alertRuleCreated, alertRuleUpdated, alertRuleDeleted, alertTriggered, alertAcknowledged,
        alertResolved,
    ]
}
