/// What a rule watches: a value crossing a threshold, or a device falling silent.
public enum AlertRuleType: String, Sendable, CaseIterable {
    /// A numeric key compared with a threshold.
    case threshold
    /// No sign of life for `offline_after_s`.
    case offline
}

/// How a value is compared with a rule's threshold.
public enum AlertOperator: String, Sendable, CaseIterable {
    case gt, gte, lt, lte, eq, ne

    /// Whether `value` satisfies the condition against `threshold`.
    public func holds(_ value: Double, _ threshold: Double) -> Bool {
        switch self {
        case .gt: return value > threshold
        case .gte: return value >= threshold
        case .lt: return value < threshold
        case .lte: return value <= threshold
        case .eq: return value == threshold
        case .ne: return value != threshold
        }
    }

    /// The symbol used in alert messages.
    public var symbol: String {
        switch self {
        case .gt: return ">"
        case .gte: return ">="
        case .lt: return "<"
        case .lte: return "<="
        case .eq: return "=="
        case .ne: return "!="
        }
    }
}

/// How urgent an alert of a rule is.
public enum AlertSeverity: String, Sendable, CaseIterable {
    case info, warning, critical
}

/// A user's rule on one device or on every device of one group.
public struct AlertRule: Sendable, Equatable {
    /// Integer id.
    public var id: Int64
    /// Unique per owner.
    public var name: String
    /// Owner's numeric id.
    public var ownerID: Int64
    /// Owner's public id, shown as `user_id`.
    public var ownerPublicID: String
    /// The watched device; exactly one of `deviceID` and `groupID` is set.
    public var deviceID: Int64?
    /// The watched group (its members at evaluation time).
    public var groupID: Int64?
    /// Threshold or offline.
    public var type: AlertRuleType
    /// Threshold rules: the telemetry key.
    public var key: String?
    /// Threshold rules: the comparison.
    public var comparison: AlertOperator?
    /// Threshold rules: the value compared with.
    public var threshold: Double?
    /// Threshold rules: how long (seconds of point time) the condition must hold before firing.
    public var durationSeconds: Int
    /// Offline rules: silence that fires the alert, at least 30 s.
    public var offlineAfterSeconds: Int?
    /// Severity given to its alerts.
    public var severity: AlertSeverity
    /// No new alert of this rule and device for this long after one resolves.
    public var cooldownSeconds: Int
    /// Disabled rules are kept but not evaluated.
    public var enabled: Bool
    /// Creation time, epoch ms.
    public var createdAt: Int64
    /// Last change, epoch ms.
    public var updatedAt: Int64

    /// Creates a rule value.
    public init(
        id: Int64, name: String, ownerID: Int64, ownerPublicID: String, deviceID: Int64?, groupID: Int64?, type: AlertRuleType, key: String?,
        comparison: AlertOperator?, threshold: Double?, durationSeconds: Int, offlineAfterSeconds: Int?, severity: AlertSeverity,
        cooldownSeconds: Int, enabled: Bool, createdAt: Int64, updatedAt: Int64
    ) {
        self.id = id
        self.name = name
        self.ownerID = ownerID
        self.ownerPublicID = ownerPublicID
        self.deviceID = deviceID
        self.groupID = groupID
        self.type = type
        self.key = key
        self.comparison = comparison
        self.threshold = threshold
        self.durationSeconds = durationSeconds
        self.offlineAfterSeconds = offlineAfterSeconds
        self.severity = severity
        self.cooldownSeconds = cooldownSeconds
        self.enabled = enabled
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    /// Whether `value` makes a threshold rule's condition hold; false for offline rules and non-numeric values.
    public func holds(_ value: TelemetryValue) -> Bool {
        guard self.type == .threshold, let comparison = self.comparison, let threshold = self.threshold else { return false }
        guard let number = value.alertNumber else { return false }
        return comparison.holds(number, threshold)
    }
}

extension TelemetryValue {
    /// The number a rule compares: numbers as they are, booleans as 1 and 0, strings never.
    public var alertNumber: Double? {
        switch self {
        case .number(let number): return number
        case .bool(let flag): return flag ? 1 : 0
        case .string: return nil
        }
    }
}

/// A rule as the service validated it, before the store gives it an id.
public struct NewAlertRule: Sendable, Equatable {
    /// The rule's fields; `id` is ignored by the store.
    public var rule: AlertRule

    /// Wraps a validated rule.
    public init(_ rule: AlertRule) {
        self.rule = rule
    }
}

/// Filters and paging for listing rules.
public struct AlertRuleQuery: Sendable, Equatable {
    /// Only this owner's rules (numeric id).
    public var ownerID: Int64?
    /// Only rules on this device.
    public var deviceID: Int64?
    /// Only rules on this group.
    public var groupID: Int64?
    /// Only enabled (true) or disabled (false) rules.
    public var enabled: Bool?
    /// Page size.
    public var limit: Int
    /// Page offset.
    public var offset: Int

    /// Creates a query.
    public init(ownerID: Int64? = nil, deviceID: Int64? = nil, groupID: Int64? = nil, enabled: Bool? = nil, limit: Int = 100, offset: Int = 0) {
        self.ownerID = ownerID
        self.deviceID = deviceID
        self.groupID = groupID
        self.enabled = enabled
        self.limit = limit
        self.offset = offset
    }
}
