/// `POST /alerts/rules`: a new rule of the calling user, as sent (validated by ``AlertService``).
public struct CreateAlertRule: Sendable {
    /// Unique per owner, at most 100 bytes.
    public var name: String
    /// The watched device (exactly one of `deviceID` and `groupID`).
    public var deviceID: Int64?
    /// The watched group.
    public var groupID: Int64?
    /// `threshold` (default) or `offline`.
    public var type: String?
    /// Threshold rules: the key.
    public var key: String?
    /// Threshold rules: `gt|gte|lt|lte|eq|ne`.
    public var comparison: String?
    /// Threshold rules: the value compared with.
    public var threshold: Double?
    /// Default 0.
    public var durationSeconds: Int?
    /// Offline rules: at least 30.
    public var offlineAfterSeconds: Int?
    /// `info|warning|critical`, default `warning`.
    public var severity: String?
    /// Default 300.
    public var cooldownSeconds: Int?
    /// Default true.
    public var enabled: Bool?

    /// Creates the command with only a name.
    public init(name: String) {
        self.name = name
    }
}

/// `PUT /alerts/rules/{id}`: any rule field; the result must be a valid rule.
public struct AlertRuleUpdate: Sendable {
    public var name: FieldChange<String> = .unchanged
    public var deviceID: FieldChange<Int64> = .unchanged
    public var groupID: FieldChange<Int64> = .unchanged
    public var type: FieldChange<String> = .unchanged
    public var key: FieldChange<String> = .unchanged
    public var comparison: FieldChange<String> = .unchanged
    public var threshold: FieldChange<Double> = .unchanged
    public var durationSeconds: FieldChange<Int> = .unchanged
    public var offlineAfterSeconds: FieldChange<Int> = .unchanged
    public var severity: FieldChange<String> = .unchanged
    public var cooldownSeconds: FieldChange<Int> = .unchanged
    public var enabled: FieldChange<Bool> = .unchanged

    /// An update that changes nothing yet.
    public init() {}
}

/// `GET /alerts/rules` filters.
public struct AlertRuleFilter: Sendable {
    /// Only rules on this device.
    public var deviceID: Int64?
    /// Only rules on this group.
    public var groupID: Int64?
    /// Only enabled or disabled rules.
    public var enabled: Bool?
    /// Paging.
    public var page: PageRequest

    /// Creates the filter.
    public init(deviceID: Int64? = nil, groupID: Int64? = nil, enabled: Bool? = nil, page: PageRequest = PageRequest()) {
        self.deviceID = deviceID
        self.groupID = groupID
        self.enabled = enabled
        self.page = page
    }
}

/// `GET /alerts` filters, as sent.
public struct AlertFilter: Sendable {
    /// Admins only: this user's alerts (public id).
    public var userPublicID: String?
    /// `active|acknowledged|resolved`.
    public var status: String?
    /// Only of this device.
    public var deviceID: Int64?
    /// Only of this rule.
    public var ruleID: Int64?
    /// `info|warning|critical`.
    public var severity: String?
    /// Triggered at or after.
    public var start: TimeSpec?
    /// Triggered before.
    public var end: TimeSpec?
    /// Paging.
    public var page: PageRequest

    /// Creates the filter.
    public init(
        userPublicID: String? = nil, status: String? = nil, deviceID: Int64? = nil, ruleID: Int64? = nil, severity: String? = nil,
        start: TimeSpec? = nil, end: TimeSpec? = nil, page: PageRequest = PageRequest()
    ) {
        self.userPublicID = userPublicID
        self.status = status
        self.deviceID = deviceID
        self.ruleID = ruleID
        self.severity = severity
        self.start = start
        self.end = end
        self.page = page
    }
}
