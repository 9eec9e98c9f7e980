/// Tells the event log and the live streams about an alert transition.
struct AlertNotices {
    let deps: Dependencies

    init(_ deps: Dependencies) {
        self.deps = deps
    }

    /// Records the event `type` for `alert` and pushes the alert to its streams.
    func announce(_ alert: Alert, as type: String) {
        var details: JSONObject = [
            "alert_id": .integer(Int(alert.id)), "rule_id": .integer(Int(alert.ruleID)), "severity": .string(alert.severity.rawValue),
            "status": .string(alert.status.rawValue),
        ]
        if let resolution = alert.resolvedBy { details["resolved_by"] = .string(resolution.rawValue) }
        self.deps.events.record(
            Event(
                type: type, timestamp: self.deps.clock.nowMilliseconds(), userPublicID: alert.userPublicID, deviceID: alert.deviceID, details: details
            )
        )
        self.deps.liveFeed.publish(alert: alert)
    }
}
