import IoTFlowCore

/// The JSON shapes of API.md's objects, in one place so every route shows them alike.
enum Representation {
    static func time(_ milliseconds: Int64?) -> JSONValue {
        milliseconds.map { .string(ISO8601.format(milliseconds: $0)) } ?? .null
    }

    static func user(_ user: User) -> JSONValue {
        [
            "id": .int(user.id), "user_id": .string(user.publicID), "username": .string(user.username), "email": .string(user.email),
            "is_active": .bool(user.isActive), "is_admin": .bool(user.isAdmin), "created_at": Self.time(user.createdAt),
            "updated_at": Self.time(user.updatedAt), "last_login": Self.time(user.lastLogin),
        ]
    }

    /// A device; never includes key material.
    static func device(_ device: Device, online: Bool) -> JSONObject {
        [
            "id": .int(device.id), "name": .string(device.name), "description": .string(device.description),
            "device_type": .string(device.deviceType), "status": .string(device.status.rawValue), "location": .string(device.location),
            "firmware_version": .string(device.firmwareVersion), "hardware_version": .string(device.hardwareVersion),
            "user_id": .string(device.ownerPublicID), "created_at": Self.time(device.createdAt), "updated_at": Self.time(device.updatedAt),
            "last_seen": Self.time(device.lastSeen), "is_online": .bool(online),
        ]
    }

    static func group(_ group: DeviceGroup) -> JSONObject {
        [
            "id": .int(group.id), "name": .string(group.name), "description": .string(group.description), "color": .string(group.color),
            "user_id": .string(group.ownerPublicID), "created_at": Self.time(group.createdAt), "updated_at": Self.time(group.updatedAt),
            "device_count": .integer(group.deviceCount),
        ]
    }

    static func event(_ event: Event) -> JSONValue {
        var object: JSONObject = ["id": .int(event.id ?? 0), "event_type": .string(event.type), "timestamp": Self.time(event.timestamp)]
        if let user = event.userPublicID { object["user_id"] = .string(user) }
        if let device = event.deviceID { object["device_id"] = .int(device) }
        object["details"] = .object(event.details)
        return .object(object)
    }

    static func values(_ values: [(key: String, value: TelemetryValue)]) -> JSONValue {
        .object(JSONObject(values.map { (key: $0.key, value: $0.value.json) }))
    }

    static func latest(_ values: [LatestValue]) -> (data: JSONValue, timestamps: JSONValue) {
        let sorted = values.sorted { $0.key < $1.key }
        return (
            .object(JSONObject(sorted.map { (key: $0.key, value: $0.value.json) })),
            .object(JSONObject(sorted.map { (key: $0.key, value: Self.time($0.timestamp)) }))
        )
    }

    static func message(_ text: String) -> JSONValue {
        ["message": .string(text)]
    }
}

extension JSONObject {
    /// Adds or replaces members, returning the object as a value.
    func with(_ extra: KeyValuePairs<String, JSONValue>) -> JSONValue {
        var copy = self
        for (key, value) in extra { copy[key] = value }
        return .object(copy)
    }
}
