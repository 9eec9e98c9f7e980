import IoTFlowCore

/// One fresh, empty set of stores of one backend, as every contract function receives it.
struct StoreFixture: Sendable {
    let accounts: any AccountStore
    let devices: any DeviceStore
    let groups: any GroupStore
    let telemetry: any TelemetryStore
    let events: any EventStore
    /// Alert rules and leases: registry data, so SQL only.
    let alertRules: any AlertRuleStore
    /// Alerts: events data, in the backend's event store.
    let alerts: any AlertStore
    /// Makes every later telemetry write touching `deviceID` fail inside the store's transaction;
    /// nil when the backend offers no way to do that.
    let injectTelemetryFailure: (@Sendable (_ deviceID: Int64) async throws -> Void)?
    /// Closes connections and removes whatever the backend created.
    let tearDown: @Sendable () async -> Void
    /// Runs one SQL statement on the backend behind the stores' back; nil when the backend has no SQL.
    var executeSQL: (@Sendable (_ sql: String) async throws -> Void)? = nil
    /// Runs one CQL statement on the Cassandra backend behind the store's back; nil for other backends.
    var executeCQL: (@Sendable (_ cql: String) async throws -> Void)? = nil
    /// The keyspace of the Cassandra backend's tables; nil for other backends.
    var cassandraKeyspace: String? = nil
}

extension StoreFixture {
    /// A deterministic public id derived from `seed`: 32 lowercase hex characters.
    static func publicID(_ seed: String) -> String {
        String(Secrets.sha256Hex(seed).prefix(32))
    }

    /// Creates a user named `name` with email `<name>@example.com`.
    func makeUser(_ name: String, admin: Bool = false, at time: Int64 = 1_700_000_000_000) async throws -> User {
        try await self.accounts.createUser(
            NewUser(
                publicID: Self.publicID(name), username: name, email: "\(name.lowercased())@example.com", passwordHash: "hash-\(name)",
                isAdmin: admin, createdAt: time
            )
        )
    }

    /// Creates a device of `owner` whose key hash is `key-<owner id>-<name>` unless given.
    func makeDevice(
        _ owner: User, _ name: String, type: String = "sensor", keyHash: String? = nil, at time: Int64 = 1_700_000_100_000
    ) async throws -> Device {
        try await self.devices.createDevice(
            NewDevice(
                ownerID: owner.id, name: name, description: nil, deviceType: type, location: nil, firmwareVersion: nil, hardwareVersion: nil,
                apiKeyHash: keyHash ?? "key-\(owner.id)-\(name)", createdAt: time
            )
        )
    }
}
