import Testing

/// The fields of the contract's user object.
let userFields: Set<String> = [
    "id", "user_id", "username", "email", "is_active", "is_admin", "created_at", "updated_at", "last_login",
]

/// The fields of the contract's device object.
let deviceFields: Set<String> = [
    "id", "name", "description", "device_type", "status", "location", "firmware_version", "hardware_version",
    "user_id", "created_at", "updated_at", "last_seen", "is_online",
]

/// Whether `text` is a public user id: 32 lowercase hex characters.
func isPublicUserID(_ text: String?) -> Bool {
    guard let text else { return false }
    return text.wholeMatch(of: #/[0-9a-f]{32}/#) != nil
}

/// Whether `value` is null or a string.
func isNullOrString(_ value: JSONValue?) -> Bool {
    value.isNull || value.string != nil
}

/// Whether `value` is null or a timestamp in the contract's format.
func isNullOrTimestamp(_ value: JSONValue?) -> Bool {
    value.isNull || TestTime.isTimestamp(value.string)
}

/// Checks a user object: exactly the contract's fields, with their types.
func expectUser(_ user: JSONValue?, sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(user.keys == userFields, "user fields \(user.keys.sorted())", sourceLocation: sourceLocation)
    #expect(user["id"].int != nil, sourceLocation: sourceLocation)
    #expect(isPublicUserID(user["user_id"].string), "user_id \(String(describing: user["user_id"]))", sourceLocation: sourceLocation)
    #expect(user["username"].string != nil, sourceLocation: sourceLocation)
    #expect(user["email"].string != nil, sourceLocation: sourceLocation)
    #expect(user["is_active"].bool != nil, sourceLocation: sourceLocation)
    #expect(user["is_admin"].bool != nil, sourceLocation: sourceLocation)
    #expect(TestTime.isTimestamp(user["created_at"].string), "created_at \(String(describing: user["created_at"]))", sourceLocation: sourceLocation)
    #expect(TestTime.isTimestamp(user["updated_at"].string), "updated_at \(String(describing: user["updated_at"]))", sourceLocation: sourceLocation)
    #expect(isNullOrTimestamp(user["last_login"]), "last_login \(String(describing: user["last_login"]))", sourceLocation: sourceLocation)
}

/// Checks a device object: exactly the contract's fields plus `extraFields`, with their types.
func expectDevice(_ device: JSONValue?, extraFields: Set<String> = [], sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(device.keys == deviceFields.union(extraFields), "device fields \(device.keys.sorted())", sourceLocation: sourceLocation)
    #expect(device["id"].int != nil, sourceLocation: sourceLocation)
    #expect(device["name"].string != nil, sourceLocation: sourceLocation)
    #expect(device["device_type"].string != nil, sourceLocation: sourceLocation)
    #expect(["active", "inactive", "maintenance"].contains(device["status"].string ?? ""), sourceLocation: sourceLocation)
    for field in ["description", "location", "firmware_version", "hardware_version"] {
        #expect(isNullOrString(device[field]), "\(field) \(String(describing: device[field]))", sourceLocation: sourceLocation)
    }
    #expect(isPublicUserID(device["user_id"].string), "user_id \(String(describing: device["user_id"]))", sourceLocation: sourceLocation)
    #expect(TestTime.isTimestamp(device["created_at"].string), sourceLocation: sourceLocation)
    #expect(TestTime.isTimestamp(device["updated_at"].string), sourceLocation: sourceLocation)
    #expect(isNullOrTimestamp(device["last_seen"]), "last_seen \(String(describing: device["last_seen"]))", sourceLocation: sourceLocation)
    #expect(device["is_online"].bool != nil, sourceLocation: sourceLocation)
}

/// Checks that no object anywhere in `value` has an `api_key` field.
func expectNoAPIKey(_ value: JSONValue?, sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(!containsKey("api_key", in: value), "api_key leaked", sourceLocation: sourceLocation)
}

private func containsKey(_ key: String, in value: JSONValue?) -> Bool {
    switch value {
    case .object(let object): object[key] != nil || object.values.contains { containsKey(key, in: $0) }
    case .array(let array): array.contains { containsKey(key, in: $0) }
    default: false
    }
}

/// Checks a `stores` object: `registry`, `telemetry`, `cache`, `events`, each `{backend, role, available, latency_ms}`,
/// with the backends of the pass under test (SQLite embedded, or PostgreSQL with `IOTFLOW_TEST_BACKEND=postgres`).
func expectEmbeddedStores(_ stores: JSONValue?, sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(stores.keys == ["registry", "telemetry", "cache", "events"], "stores \(stores.keys.sorted())", sourceLocation: sourceLocation)
    let primary = TestBackend.current == .postgres ? "postgresql" : "sqlite"
    let backends = [
        "registry": primary, "telemetry": TestBackend.usesCassandra ? "cassandra" : primary, "cache": TestBackend.usesRedis ? "redis" : "memory",
        "events": TestBackend.usesMongo ? "mongodb" : primary,
    ]
    for (name, backend) in backends {
        let store = stores[name]
        #expect(store.keys == ["backend", "role", "available", "latency_ms"], "\(name): \(store.keys.sorted())", sourceLocation: sourceLocation)
        #expect(store["backend"].string == backend, "\(name) backend \(String(describing: store["backend"]))", sourceLocation: sourceLocation)
        #expect(store["role"].string?.isEmpty == false, "\(name) role", sourceLocation: sourceLocation)
        #expect(store["available"].bool == true, "\(name) available", sourceLocation: sourceLocation)
        #expect((store["latency_ms"].double ?? -1) >= 0, "\(name) latency_ms", sourceLocation: sourceLocation)
    }
}
