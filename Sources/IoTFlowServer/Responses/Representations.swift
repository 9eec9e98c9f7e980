import Hummingbird
import IoTFlowCore

/// A user as every answer shows it (API.md "Objects"); never the password hash.
struct UserRepresentation: ResponseEncodable, Sendable {
    let user: User

    private enum Keys: String, CodingKey {
        case id, userID = "user_id", username, email, isActive = "is_active", isAdmin = "is_admin", createdAt = "created_at"
        case updatedAt = "updated_at", lastLogin = "last_login"
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Keys.self)
        try container.encode(self.user.id, forKey: .id)
        try container.encode(self.user.publicID, forKey: .userID)
        try container.encode(self.user.username, forKey: .username)
        try container.encode(self.user.email, forKey: .email)
        try container.encode(self.user.isActive, forKey: .isActive)
        try container.encode(self.user.isAdmin, forKey: .isAdmin)
        try container.encode(Timestamp(self.user.createdAt), forKey: .createdAt)
        try container.encode(Timestamp(self.user.updatedAt), forKey: .updatedAt)
        try container.encode(Timestamp(self.user.lastLogin), forKey: .lastLogin)
    }
}

/// A device as every answer shows it; never key material. Optional fields are `null`, not absent.
struct DeviceRepresentation: ResponseEncodable, Sendable {
    let device: Device
    let isOnline: Bool
    /// Extra members some answers add: `api_key` and `owner` on registration, `added_to_group_at` in group lists.
    var apiKey: String?
    var owner: Owner?
    var addedToGroupAt: Int64?

    /// The owner's names, shown once on registration.
    struct Owner: ResponseEncodable, Sendable {
        let username: String
        let email: String
    }

    init(_ device: Device, isOnline: Bool) {
        self.device = device
        self.isOnline = isOnline
    }

    private enum Keys: String, CodingKey {
        case id, name, description, deviceType = "device_type", status, location, firmwareVersion = "firmware_version"
        case hardwareVersion = "hardware_version", userID = "user_id", createdAt = "created_at", updatedAt = "updated_at"
        case lastSeen = "last_seen", isOnline = "is_online", apiKey = "api_key", owner, addedToGroupAt = "added_to_group_at"
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Keys.self)
        try container.encode(self.device.id, forKey: .id)
        try container.encode(self.device.name, forKey: .name)
        try container.encode(self.device.description, forKey: .description)
        try container.encode(self.device.deviceType, forKey: .deviceType)
        try container.encode(self.device.status.rawValue, forKey: .status)
        try container.encode(self.device.location, forKey: .location)
        try container.encode(self.device.firmwareVersion, forKey: .firmwareVersion)
        try container.encode(self.device.hardwareVersion, forKey: .hardwareVersion)
        try container.encode(self.device.ownerPublicID, forKey: .userID)
        try container.encode(Timestamp(self.device.createdAt), forKey: .createdAt)
        try container.encode(Timestamp(self.device.updatedAt), forKey: .updatedAt)
        try container.encode(Timestamp(self.device.lastSeen), forKey: .lastSeen)
        try container.encode(self.isOnline, forKey: .isOnline)
        try container.encodeIfPresent(self.apiKey, forKey: .apiKey)
        try container.encodeIfPresent(self.owner, forKey: .owner)
        if let addedToGroupAt { try container.encode(Timestamp(addedToGroupAt), forKey: .addedToGroupAt) }
    }
}

/// A group as every answer shows it, with its devices where the route includes them.
struct GroupRepresentation: ResponseEncodable, Sendable {
    let group: DeviceGroup
    var devices: [DeviceRepresentation]?

    private enum Keys: String, CodingKey {
        case id, name, description, color, userID = "user_id", createdAt = "created_at", updatedAt = "updated_at"
        case deviceCount = "device_count", devices
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Keys.self)
        try container.encode(self.group.id, forKey: .id)
        try container.encode(self.group.name, forKey: .name)
        try container.encode(self.group.description, forKey: .description)
        try container.encode(self.group.color, forKey: .color)
        try container.encode(self.group.ownerPublicID, forKey: .userID)
        try container.encode(Timestamp(self.group.createdAt), forKey: .createdAt)
        try container.encode(Timestamp(self.group.updatedAt), forKey: .updatedAt)
        try container.encode(self.group.deviceCount, forKey: .deviceCount)
        try container.encodeIfPresent(self.devices, forKey: .devices)
    }
}

/// An entry of the event log; `user_id` and `device_id` only when the event has them.
struct EventRepresentation: ResponseEncodable, Sendable {
    let event: Event

    private enum Keys: String, CodingKey {
        case id, eventType = "event_type", timestamp, userID = "user_id", deviceID = "device_id", details
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Keys.self)
        try container.encode(self.event.id ?? 0, forKey: .id)
        try container.encode(self.event.type, forKey: .eventType)
        try container.encode(Timestamp(self.event.timestamp), forKey: .timestamp)
        try container.encodeIfPresent(self.event.userPublicID, forKey: .userID)
        try container.encodeIfPresent(self.event.deviceID, forKey: .deviceID)
        try container.encode(self.event.details, forKey: .details)
    }
}

/// Latest values of a device as `latest_data` and `timestamps`, sorted by key.
struct LatestValues: Sendable {
    let data: KeyedValues<TelemetryValue>
    let timestamps: KeyedValues<Timestamp>

    init(_ values: [LatestValue]) {
        let sorted = values.sorted { $0.key < $1.key }
        self.data = KeyedValues(pairs: sorted.map { ($0.key, $0.value) })
        self.timestamps = KeyedValues(pairs: sorted.map { ($0.key, Timestamp($0.timestamp)) })
    }
}
