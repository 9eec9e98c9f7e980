import Hummingbird
import IoTFlowCore

/// A number in an answer: whole numbers without a fraction (as they were sent), others as they are.
struct JSONNumber: ResponseEncodable, Sendable {
    let value: Double?

    init(_ value: Double?) {
        self.value = value
    }

    func encode(to encoder: any Encoder) throws {
        guard let value = self.value else {
            var container = encoder.singleValueContainer()
            try container.encodeNil()
            return
        }
        try TelemetryValue.number(value).encode(to: encoder)
    }
}

/// An alert rule as answers show it (API.md "rule"); fields that do not apply are `null`.
struct AlertRuleRepresentation: ResponseEncodable, Sendable {
    let rule: AlertRule

    init(_ rule: AlertRule) {
        self.rule = rule
    }

    private enum Keys: String, CodingKey {
        case id, name, userID = "user_id", deviceID = "device_id", groupID = "group_id", type, key, comparison = "operator", threshold
        case durationSeconds = "duration_s", offlineAfterSeconds = "offline_after_s", severity, cooldownSeconds = "cooldown_s", enabled
        case createdAt = "created_at", updatedAt = "updated_at"
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Keys.self)
        try container.encode(self.rule.id, forKey: .id)
        try container.encode(self.rule.name, forKey: .name)
        try container.encode(self.rule.ownerPublicID, forKey: .userID)
        try container.encode(self.rule.deviceID, forKey: .deviceID)
        try container.encode(self.rule.groupID, forKey: .groupID)
        try container.encode(self.rule.type.rawValue, forKey: .type)
        try container.encode(self.rule.key, forKey: .key)
        try container.encode(self.rule.comparison?.rawValue, forKey: .comparison)
        try container.encode(JSONNumber(self.rule.threshold), forKey: .threshold)
        try container.encode(self.rule.durationSeconds, forKey: .durationSeconds)
        try container.encode(self.rule.offlineAfterSeconds, forKey: .offlineAfterSeconds)
        try container.encode(self.rule.severity.rawValue, forKey: .severity)
        try container.encode(self.rule.cooldownSeconds, forKey: .cooldownSeconds)
        try container.encode(self.rule.enabled, forKey: .enabled)
        try container.encode(Timestamp(self.rule.createdAt), forKey: .createdAt)
        try container.encode(Timestamp(self.rule.updatedAt), forKey: .updatedAt)
    }
}

/// `GET /alerts/summary`.
struct AlertSummaryResponse: ResponseEncodable, Sendable {
    struct TopDevice: ResponseEncodable, Sendable {
        let deviceID: Int64
        let deviceName: String
        let count: Int

        private enum CodingKeys: String, CodingKey { case deviceID = "device_id", deviceName = "device_name", count }
    }

    let bySeverity: [String: Int]
    let byStatus: [String: Int]
    let topDevices: [TopDevice]

    private enum CodingKeys: String, CodingKey { case bySeverity = "by_severity", byStatus = "by_status", topDevices = "top_devices" }

    init(_ summary: AlertSummary) {
        self.bySeverity = Dictionary(uniqueKeysWithValues: summary.bySeverity.map { ($0.key.rawValue, $0.value) })
        self.byStatus = Dictionary(uniqueKeysWithValues: summary.byStatus.map { ($0.key.rawValue, $0.value) })
        self.topDevices = summary.topDevices.map { TopDevice(deviceID: $0.deviceID, deviceName: $0.deviceName, count: $0.count) }
    }
}
