/// Where an alert is in its lifecycle.
public enum AlertStatus: String, Sendable, CaseIterable {
    case active, acknowledged, resolved
}

/// What resolved an alert.
public enum AlertResolution: String, Sendable, CaseIterable {
    /// The condition stopped holding (or the device was seen again).
    case auto
    /// Its owner resolved it.
    case user
    /// Its rule was deleted.
    case ruleDeleted = "rule_deleted"
    /// Its device was deleted.
    case deviceDeleted = "device_deleted"
}

/// One firing of a rule on one device, with its lifecycle. Rule and device names are copied when it fires, so the
/// alert still reads well after either is renamed or deleted.
public struct Alert: Sendable, Equatable {
    /// Store-assigned id.
    public var id: Int64
    /// The rule that fired.
    public var ruleID: Int64
    /// The rule's name when it fired.
    public var ruleName: String
    /// Threshold or offline.
    public var type: AlertRuleType
    /// The device concerned.
    public var deviceID: Int64
    /// The device's name when it fired.
    public var deviceName: String
    /// Public id of the device's owner.
    public var userPublicID: String
    /// Threshold alerts: the key.
    public var key: String?
    /// Threshold alerts: the comparison.
    public var comparison: AlertOperator?
    /// Threshold alerts: the threshold.
    public var threshold: Double?
    /// The value that fired it (threshold alerts), later the latest evaluated value.
    public var value: Double?
    /// Copied from the rule.
    public var severity: AlertSeverity
    /// Lifecycle state.
    public var status: AlertStatus
    /// A sentence for people.
    public var message: String
    /// When the condition was met, epoch ms.
    public var triggeredAt: Int64
    /// Timestamp of the latest point evaluated while unresolved, epoch ms.
    public var lastValueAt: Int64?
    /// When acknowledged, epoch ms.
    public var acknowledgedAt: Int64?
    /// When resolved, epoch ms.
    public var resolvedAt: Int64?
    /// What resolved it.
    public var resolvedBy: AlertResolution?
    /// The owner's note from acknowledging or resolving.
    public var note: String?

    /// Creates an alert value.
    public init(
        id: Int64, ruleID: Int64, ruleName: String, type: AlertRuleType, deviceID: Int64, deviceName: String, userPublicID: String, key: String?,
        comparison: AlertOperator?, threshold: Double?, value: Double?, severity: AlertSeverity, status: AlertStatus, message: String,
        triggeredAt: Int64, lastValueAt: Int64?, acknowledgedAt: Int64? = nil, resolvedAt: Int64? = nil, resolvedBy: AlertResolution? = nil,
        note: String? = nil
    ) {
        self.id = id
        self.ruleID = ruleID
        self.ruleName = ruleName
        self.type = type
        self.deviceID = deviceID
        self.deviceName = deviceName
        self.userPublicID = userPublicID
        self.key = key
        self.comparison = comparison
        self.threshold = threshold
        self.value = value
        self.severity = severity
        self.status = status
        self.message = message
        self.triggeredAt = triggeredAt
        self.lastValueAt = lastValueAt
        self.acknowledgedAt = acknowledgedAt
        self.resolvedAt = resolvedAt
        self.resolvedBy = resolvedBy
        self.note = note
    }
}

/// A status change asked of the store: applied only when the alert's current status is in `from`, so two
/// instances (or a user and the evaluator) racing on one alert change it once.
public struct AlertTransition: Sendable, Equatable {
    /// The alert.
    public var alertID: Int64
    /// The new status (acknowledged or resolved).
    public var to: AlertStatus
    /// Statuses it may move from.
    public var from: Set<AlertStatus>
    /// When, epoch ms (acknowledged_at or resolved_at).
    public var at: Int64
    /// Set when resolving.
    public var resolvedBy: AlertResolution?
    /// Replaces the note when not nil.
    public var note: String?

    /// Creates the transition.
    public init(alertID: Int64, to: AlertStatus, from: Set<AlertStatus>, at: Int64, resolvedBy: AlertResolution? = nil, note: String? = nil) {
        self.alertID = alertID
        self.to = to
        self.from = from
        self.at = at
        self.resolvedBy = resolvedBy
        self.note = note
    }
}

/// Filters and paging for listing alerts (newest `triggered_at` first).
public struct AlertQuery: Sendable, Equatable {
    /// Only this owner's alerts (public id).
    public var userPublicID: String?
    /// Only in this status.
    public var status: AlertStatus?
    /// Only of this device.
    public var deviceID: Int64?
    /// Only of this rule.
    public var ruleID: Int64?
    /// Only of this severity.
    public var severity: AlertSeverity?
    /// Triggered at or after, epoch ms.
    public var start: Int64?
    /// Triggered before, epoch ms.
    public var end: Int64?
    /// Page size.
    public var limit: Int
    /// Page offset.
    public var offset: Int

    /// Creates a query.
    public init(
        userPublicID: String? = nil, status: AlertStatus? = nil, deviceID: Int64? = nil, ruleID: Int64? = nil, severity: AlertSeverity? = nil,
        start: Int64? = nil, end: Int64? = nil, limit: Int = 100, offset: Int = 0
    ) {
        self.userPublicID = userPublicID
        self.status = status
        self.deviceID = deviceID
        self.ruleID = ruleID
        self.severity = severity
        self.start = start
        self.end = end
        self.limit = limit
        self.offset = offset
    }
}

/// `GET /alerts/summary`: counts over alerts triggered in a range, computed by the store.
public struct AlertSummary: Sendable, Equatable {
    /// Alerts per severity (every severity present, 0 when none).
    public var bySeverity: [AlertSeverity: Int]
    /// Alerts per status (every status present, 0 when none).
    public var byStatus: [AlertStatus: Int]
    /// At most 10 devices, most alerts first (ties by device id).
    public var topDevices: [DeviceAlertCount]

    /// Creates the summary; missing severities and statuses count 0.
    public init(bySeverity: [AlertSeverity: Int], byStatus: [AlertStatus: Int], topDevices: [DeviceAlertCount]) {
        self.bySeverity = Dictionary(uniqueKeysWithValues: AlertSeverity.allCases.map { ($0, bySeverity[$0] ?? 0) })
        self.byStatus = Dictionary(uniqueKeysWithValues: AlertStatus.allCases.map { ($0, byStatus[$0] ?? 0) })
        self.topDevices = topDevices
    }
}

/// One device's number of alerts in a summary.
public struct DeviceAlertCount: Sendable, Equatable {
    /// Device id.
    public var deviceID: Int64
    /// Device name (as of its latest alert in the range).
    public var deviceName: String
    /// Alerts in the range.
    public var count: Int

    /// Creates the value.
    public init(deviceID: Int64, deviceName: String, count: Int) {
        self.deviceID = deviceID
        self.deviceName = deviceName
        self.count = count
    }
}

/// What `/admin/stats` shows of alerts.
public struct AlertStatistics: Sendable, Equatable {
    /// Unresolved and not acknowledged.
    public var active: Int
    /// Acknowledged, not yet resolved.
    public var acknowledged: Int
    /// Resolved in the last 24 hours.
    public var resolvedLast24h: Int

    /// Creates the value.
    public init(active: Int, acknowledged: Int, resolvedLast24h: Int) {
        self.active = active
        self.acknowledged = acknowledged
        self.resolvedLast24h = resolvedLast24h
    }
}
