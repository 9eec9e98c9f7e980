import IoTFlowCore
import MongoNIO

/// How an alert is stored in MongoDB: the SQL columns as fields, `_id` the integer id, absent values left out (a stored
/// null would not match `{field: null}` on nx-27017), and `open_key`, which the unique index `alerts_open` checks.
enum MongoAlertDocument {
    /// `open_key` of an unresolved alert: one per rule and device.
    static func openKey(ruleID: Int64, deviceID: Int64) -> String {
        "\(ruleID):\(deviceID)"
    }

    /// `open_key` of a resolved alert: its own, so resolved alerts never collide.
    static func resolvedKey(alertID: Int64) -> String {
        "resolved:\(alertID)"
    }

    static func document(for alert: Alert) -> BSONDocument {
        var document: BSONDocument = [:]
        document["_id"] = .int64(alert.id)
        document["rule_id"] = .int64(alert.ruleID)
        document["rule_name"] = .string(alert.ruleName)
        document["type"] = .string(alert.type.rawValue)
        document["device_id"] = .int64(alert.deviceID)
        document["device_name"] = .string(alert.deviceName)
        document["user_id"] = .string(alert.userPublicID)
        if let key = alert.key { document["key"] = .string(key) }
        if let comparison = alert.comparison { document["operator"] = .string(comparison.rawValue) }
        if let threshold = alert.threshold { document["threshold"] = .double(threshold) }
        if let value = alert.value { document["value"] = .double(value) }
        document["severity"] = .string(alert.severity.rawValue)
        document["status"] = .string(alert.status.rawValue)
        document["message"] = .string(alert.message)
        document["triggered_at"] = .int64(alert.triggeredAt)
        if let lastValueAt = alert.lastValueAt { document["last_value_at"] = .int64(lastValueAt) }
        if let acknowledgedAt = alert.acknowledgedAt { document["acknowledged_at"] = .int64(acknowledgedAt) }
        if let resolvedAt = alert.resolvedAt { document["resolved_at"] = .int64(resolvedAt) }
        if let resolvedBy = alert.resolvedBy { document["resolved_by"] = .string(resolvedBy.rawValue) }
        if let note = alert.note { document["note"] = .string(note) }
        document["open_key"] = .string(
            alert.status == .resolved ? Self.resolvedKey(alertID: alert.id) : Self.openKey(ruleID: alert.ruleID, deviceID: alert.deviceID))
        return document
    }

    /// The alert a stored document holds; nil when it lacks a field every alert has.
    static func alert(from document: BSONDocument) -> Alert? {
        guard let id = document["_id"]?.int64Value, let ruleID = document["rule_id"]?.int64Value,
            let ruleName = document["rule_name"]?.stringValue, let type = document["type"]?.stringValue.flatMap(AlertRuleType.init(rawValue:)),
            let deviceID = document["device_id"]?.int64Value, let deviceName = document["device_name"]?.stringValue,
            let user = document["user_id"]?.stringValue, let severity = document["severity"]?.stringValue.flatMap(AlertSeverity.init(rawValue:)),
            let status = document["status"]?.stringValue.flatMap(AlertStatus.init(rawValue:)), let message = document["message"]?.stringValue,
            let triggeredAt = document["triggered_at"]?.int64Value
        else { return nil }
        return Alert(
            id: id, ruleID: ruleID, ruleName: ruleName, type: type, deviceID: deviceID, deviceName: deviceName, userPublicID: user,
            key: document["key"]?.stringValue, comparison: document["operator"]?.stringValue.flatMap(AlertOperator.init(rawValue:)),
            threshold: document["threshold"]?.doubleValue, value: document["value"]?.doubleValue, severity: severity, status: status,
            message: message, triggeredAt: triggeredAt, lastValueAt: document["last_value_at"]?.int64Value,
            acknowledgedAt: document["acknowledged_at"]?.int64Value, resolvedAt: document["resolved_at"]?.int64Value,
            resolvedBy: document["resolved_by"]?.stringValue.flatMap(AlertResolution.init(rawValue:)), note: document["note"]?.stringValue
        )
    }
}
