/// The alerts a rule produces, with messages people can read in a list or a notification.
enum AlertMessages {
    /// A new threshold alert of `rule` on `device`, fired by the point at `timestamp`.
    static func threshold(rule: AlertRule, device: Device, at timestamp: Int64, value: Double?) -> Alert {
        let key = rule.key ?? ""
        let comparison = rule.comparison.map(\.symbol) ?? "?"
        var message = "\(key) \(Self.number(value)) \(comparison) \(Self.number(rule.threshold))"
        if rule.durationSeconds > 0 { message += " for \(rule.durationSeconds) s" }
        return Self.alert(rule: rule, device: device, at: timestamp, value: value, message: message)
    }

    /// A new offline alert of `rule` on `device`, silent since `lastSeen` (nil: never seen).
    static func offline(rule: AlertRule, device: Device, at timestamp: Int64, lastSeen: Int64?) -> Alert {
        let seconds = rule.offlineAfterSeconds ?? 0
        let message =
            lastSeen == nil
            ? "\(device.name) has not been seen since it was registered (more than \(seconds) s)"
            : "\(device.name) has not been seen for more than \(seconds) s"
        return Self.alert(rule: rule, device: device, at: timestamp, value: nil, message: message)
    }

    private static func alert(rule: AlertRule, device: Device, at timestamp: Int64, value: Double?, message: String) -> Alert {
        Alert(
            id: 0, ruleID: rule.id, ruleName: rule.name, type: rule.type, deviceID: device.id, deviceName: device.name,
            userPublicID: device.ownerPublicID, key: rule.key, comparison: rule.comparison, threshold: rule.threshold, value: value,
            severity: rule.severity, status: .active, message: message, triggeredAt: timestamp, lastValueAt: rule.type == .threshold ? timestamp : nil
        )
    }

    /// Whole numbers without a fraction, others as Swift prints them.
    private static func number(_ value: Double?) -> String {
        guard let value else { return "null" }
        if value.rounded() == value, abs(value) < 1e15 { return String(Int64(value)) }
        return String(value)
    }
}
