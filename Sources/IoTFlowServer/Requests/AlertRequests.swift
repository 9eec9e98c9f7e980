import IoTFlowCore

/// `POST /alerts/rules`: the fields of an update, where a missing or null field takes its default.
struct CreateAlertRuleRequest: Decodable, Sendable {
    let command: CreateAlertRule

    init(from decoder: any Decoder) throws {
        let fields = try AlertRuleUpdateRequest(from: decoder).update
        guard let name = fields.name.value else { throw IoTFlowError.badRequest("'name' is required.") }
        var command = CreateAlertRule(name: name)
        command.deviceID = fields.deviceID.value
        command.groupID = fields.groupID.value
        command.type = fields.type.value
        command.key = fields.key.value
        command.comparison = fields.comparison.value
        command.threshold = fields.threshold.value
        command.durationSeconds = fields.durationSeconds.value
        command.offlineAfterSeconds = fields.offlineAfterSeconds.value
        command.severity = fields.severity.value
        command.cooldownSeconds = fields.cooldownSeconds.value
        command.enabled = fields.enabled.value
        self.command = command
    }
}

/// `PUT /alerts/rules/{id}`: which fields were sent, as null or with a value.
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
