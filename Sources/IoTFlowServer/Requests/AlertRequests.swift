import IoTFlowCore

/// `POST /alerts/rules`.
struct CreateAlertRuleRequest: Decodable, Sendable {
    let command: CreateAlertRule

    private enum Keys: String, CodingKey {
        case name, deviceID = "device_id", groupID = "group_id", type, key, comparison = "operator", threshold
        case durationSeconds = "duration_s", offlineAfterSeconds = "offline_after_s", severity, cooldownSeconds = "cooldown_s", enabled
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: Keys.self)
        var command = CreateAlertRule(name: try container.decode(String.self, forKey: .name))
        command.deviceID = try container.decodeIfPresent(Int64.self, forKey: .deviceID)
        command.groupID = try container.decodeIfPresent(Int64.self, forKey: .groupID)
        command.type = try container.decodeIfPresent(String.self, forKey: .type)
        command.key = try container.decodeIfPresent(String.self, forKey: .key)
        command.comparison = try container.decodeIfPresent(String.self, forKey: .comparison)
        command.threshold = try container.decodeIfPresent(Double.self, forKey: .threshold)
        command.durationSeconds = try container.decodeIfPresent(Int.self, forKey: .durationSeconds)
        command.offlineAfterSeconds = try container.decodeIfPresent(Int.self, forKey: .offlineAfterSeconds)
        command.severity = try container.decodeIfPresent(String.self, forKey: .severity)
        command.cooldownSeconds = try container.decodeIfPresent(Int.self, forKey: .cooldownSeconds)
        command.enabled = try container.decodeIfPresent(Bool.self, forKey: .enabled)
        self.command = command
    }
}

/// `PUT /alerts/rules/{id}`.
struct AlertRuleUpdateRequest: Decodable, Sendable {
    let update: AlertRuleUpdate

    private enum Keys: String, CodingKey {
        case name, deviceID = "device_id", groupID = "group_id", type, key, comparison = "operator", threshold
        case durationSeconds = "duration_s", offlineAfterSeconds = "offline_after_s", severity, cooldownSeconds = "cooldown_s", enabled
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: Keys.self)
        var update = AlertRuleUpdate()
        update.name = try container.decodeChange(String.self, forKey: .name)
        update.deviceID = try container.decodeChange(Int64.self, forKey: .deviceID)
        update.groupID = try container.decodeChange(Int64.self, forKey: .groupID)
        update.type = try container.decodeChange(String.self, forKey: .type)
        update.key = try container.decodeChange(String.self, forKey: .key)
        update.comparison = try container.decodeChange(String.self, forKey: .comparison)
        update.threshold = try container.decodeChange(Double.self, forKey: .threshold)
        update.durationSeconds = try container.decodeChange(Int.self, forKey: .durationSeconds)
        update.offlineAfterSeconds = try container.decodeChange(Int.self, forKey: .offlineAfterSeconds)
        update.severity = try container.decodeChange(String.self, forKey: .severity)
        update.cooldownSeconds = try container.decodeChange(Int.self, forKey: .cooldownSeconds)
        update.enabled = try container.decodeChange(Bool.self, forKey: .enabled)
        self.update = update
    }
}

/// `POST /alerts/{id}/acknowledge` and `/resolve`.
struct AlertNoteRequest: Decodable, Sendable {
    let note: String?
}
