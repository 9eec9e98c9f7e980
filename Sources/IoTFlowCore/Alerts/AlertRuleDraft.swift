/// A rule's fields on their way in: from a create command or a stored rule with an update applied, checked as a
/// whole, since which fields are required depends on the others (`type`, `device_id` vs `group_id`).
struct AlertRuleDraft: Sendable {
    /// The longest span a rule may wait, cool down or allow silence: 365 days, so times in ms never overflow.
    static let maxSeconds = 365 * 86_400
    /// Offline rules need at least this much silence, so a device reporting every few seconds is not flagged.
    static let minOfflineSeconds = 30

    var name: String
    var deviceID: Int64?
    var groupID: Int64?
    var type: AlertRuleType
    var key: String?
    var comparison: AlertOperator?
    var threshold: Double?
    var durationSeconds: Int
    var offlineAfterSeconds: Int?
    var severity: AlertSeverity
    var cooldownSeconds: Int
    var enabled: Bool

    /// The draft of a new rule, with the defaults of API.md.
    init(_ command: CreateAlertRule) throws(IoTFlowError) {
        self.name = command.name
        self.deviceID = command.deviceID
        self.groupID = command.groupID
        self.type = try Self.parse(command.type, field: "type", default: .threshold)
        self.key = command.key
        self.comparison = try command.comparison.map { text throws(IoTFlowError) in try Self.parse(text, field: "operator") }
        self.threshold = command.threshold
        self.durationSeconds = command.durationSeconds ?? 0
        self.offlineAfterSeconds = command.offlineAfterSeconds
        self.severity = try Self.parse(command.severity, field: "severity", default: .warning)
        self.cooldownSeconds = command.cooldownSeconds ?? 300
        self.enabled = command.enabled ?? true
    }

    /// The draft of a stored rule with `update` applied. Naming one target clears the other, so a rule can move from
    /// a device to a group in one request.
    init(_ rule: AlertRule, _ update: AlertRuleUpdate) throws(IoTFlowError) {
        guard update.name.isSent == false || update.name.value != nil else { throw .badRequest("'name' cannot be null.") }
        self.name = update.name.value ?? rule.name
        self.deviceID = rule.deviceID
        self.groupID = rule.groupID
        switch (update.deviceID, update.groupID) {
        case (.set(let device), .unchanged):
            self.deviceID = device
            self.groupID = nil
        case (.unchanged, .set(let group)):
            self.groupID = group
            self.deviceID = nil
        default:
            if update.deviceID.isSent { self.deviceID = update.deviceID.value }
            if update.groupID.isSent { self.groupID = update.groupID.value }
        }
        self.type = try Self.change(update.type, field: "type", current: rule.type)
        self.key = update.key.isSent ? update.key.value : rule.key
        if update.comparison.isSent {
            self.comparison = try update.comparison.value.map { text throws(IoTFlowError) in try Self.parse(text, field: "operator") }
        } else {
            self.comparison = rule.comparison
        }
        self.threshold = update.threshold.isSent ? update.threshold.value : rule.threshold
        self.durationSeconds = try Self.required(update.durationSeconds, field: "duration_s") ?? rule.durationSeconds
        self.offlineAfterSeconds = update.offlineAfterSeconds.isSent ? update.offlineAfterSeconds.value : rule.offlineAfterSeconds
        self.severity = try Self.change(update.severity, field: "severity", current: rule.severity)
        self.cooldownSeconds = try Self.required(update.cooldownSeconds, field: "cooldown_s") ?? rule.cooldownSeconds
        self.enabled = try Self.required(update.enabled, field: "enabled") ?? rule.enabled
    }

    /// Checks the draft as a whole and returns the rule's fields; fields that do not apply to the type are cleared.
    func validated(id: Int64, owner: User, createdAt: Int64, now: Int64) throws(IoTFlowError) -> AlertRule {
        let name = try Text.required(self.name, field: "name", maxBytes: 100)
        guard (self.deviceID == nil) != (self.groupID == nil) else {
            throw .badRequest("A rule watches exactly one of 'device_id' and 'group_id'.")
        }
        for (value, field) in [(self.deviceID, "device_id"), (self.groupID, "group_id")] {
            if let value, value < 1 { throw .badRequest("'\(field)' must be a positive integer.") }
        }
        try Self.checkSeconds(self.durationSeconds, field: "duration_s", minimum: 0)
        try Self.checkSeconds(self.cooldownSeconds, field: "cooldown_s", minimum: 0)
        var rule = AlertRule(
            id: id, name: name, ownerID: owner.id, ownerPublicID: owner.publicID, deviceID: self.deviceID, groupID: self.groupID, type: self.type,
            key: nil, comparison: nil, threshold: nil, durationSeconds: self.durationSeconds, offlineAfterSeconds: nil, severity: self.severity,
            cooldownSeconds: self.cooldownSeconds, enabled: self.enabled, createdAt: createdAt, updatedAt: now
        )
        switch self.type {
        case .threshold:
            guard let key = self.key, TelemetryPayload.isValidKey(key) else {
                throw .badRequest("A threshold rule needs 'key': 1-128 characters of letters, digits and _ . : / -.")
            }
            guard let comparison = self.comparison else { throw .badRequest("A threshold rule needs 'operator': gt, gte, lt, lte, eq or ne.") }
            guard let threshold = self.threshold, threshold.isFinite else { throw .badRequest("A threshold rule needs a numeric 'threshold'.") }
            rule.key = key
            rule.comparison = comparison
            rule.threshold = threshold
        case .offline:
            guard let seconds = self.offlineAfterSeconds else { throw .badRequest("An offline rule needs 'offline_after_s' (at least 30).") }
            try Self.checkSeconds(seconds, field: "offline_after_s", minimum: Self.minOfflineSeconds)
            rule.offlineAfterSeconds = seconds
            rule.durationSeconds = 0
        }
        return rule
    }

    private static func checkSeconds(_ value: Int, field: String, minimum: Int) throws(IoTFlowError) {
        guard value >= minimum, value <= Self.maxSeconds else {
            throw .badRequest("'\(field)' must be a whole number of seconds from \(minimum) to \(Self.maxSeconds).")
        }
    }

    private static func parse<Value: RawRepresentable & CaseIterable>(_ text: String, field: String) throws(IoTFlowError) -> Value
    where Value.RawValue == String {
        guard let value = Value(rawValue: text) else {
            throw .badRequest("'\(field)' must be one of \(Value.allCases.map(\.rawValue).joined(separator: ", ")).")
        }
        return value
    }

    private static func parse<Value: RawRepresentable & CaseIterable>(
        _ text: String?, field: String, default value: Value
    ) throws(IoTFlowError)
        -> Value
    where Value.RawValue == String {
        guard let text else { return value }
        return try Self.parse(text, field: field)
    }

    private static func change<Value: RawRepresentable & CaseIterable>(
        _ change: FieldChange<String>, field: String, current: Value
    )
        throws(IoTFlowError) -> Value
    where Value.RawValue == String {
        switch change {
        case .unchanged: return current
        case .cleared: throw .badRequest("'\(field)' cannot be null.")
        case .set(let text): return try Self.parse(text, field: field)
        }
    }

    private static func required<Value>(_ change: FieldChange<Value>, field: String) throws(IoTFlowError) -> Value? {
        if case .cleared = change { throw .badRequest("'\(field)' cannot be null.") }
        return change.value
    }
}
