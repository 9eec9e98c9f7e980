import IoTFlowCore
import PostgresNIO

/// Users, tokens, devices and configuration in PostgreSQL.
public struct RegistryPostgresStore: RegistryStore {
    let database: PostgresDatabase

    /// Creates the store on a database whose pool is running and whose schema is migrated.
    public init(database: PostgresDatabase) {
        self.database = database
    }

    public func createUser(_ user: NewUser) async throws -> User {
        let rows = try await PostgresUniqueViolation.translating {
            try await self.database.rows(
                """
                INSERT INTO users (user_id, username, email, password_hash, is_admin, created_at, updated_at)
                VALUES (\(user.publicID), \(user.username), \(user.email), \(user.passwordHash), \(user.isAdmin), \(user.createdAt), \(user.createdAt))
                RETURNING \(unescaped: Self.userColumns)
                """
            )
        }
        guard let row = rows.first else { throw MigrationError(message: "INSERT … RETURNING returned no row") }
        return try Self.user(row)
    }

    public func user(id: Int64) async throws -> User? {
        try await self.database.rows("SELECT \(unescaped: Self.userColumns) FROM users WHERE id = \(id)").first.map(Self.user)
    }

    public func user(publicID: String) async throws -> User? {
        try await self.database.rows("SELECT \(unescaped: Self.userColumns) FROM users WHERE user_id = \(publicID)").first.map(Self.user)
    }

    public func user(login: String) async throws -> User? {
        // Written as lower(column) = lower($1) so each branch reads its case-insensitive unique index.
        let rows = try await self.database.rows(
            """
            (SELECT \(unescaped: Self.userColumns) FROM users WHERE lower(username) = lower(\(login)))
            UNION ALL (SELECT \(unescaped: Self.userColumns) FROM users WHERE lower(email) = lower(\(login))) LIMIT 1
            """
        )
        return try rows.first.map(Self.user)
    }

    public func users(limit: Int, offset: Int) async throws -> (users: [User], total: Int) {
        let rows = try await self.database.rows(
            "SELECT \(unescaped: Self.userColumns) FROM users ORDER BY id LIMIT \(Int64(limit)) OFFSET \(Int64(offset))"
        )
        let total = try Self.count(try await self.database.rows("SELECT count(*) FROM users"))
        return (try rows.map(Self.user), total)
    }

    public func updateUser(_ user: User) async throws {
        _ = try await PostgresUniqueViolation.translating {
            try await self.database.rows(
                """
                UPDATE users SET username = \(user.username), email = \(user.email), password_hash = \(user.passwordHash),
                    is_active = \(user.isActive), is_admin = \(user.isAdmin), updated_at = \(user.updatedAt), last_login = \(user.lastLogin)
                WHERE id = \(user.id)
                """
            )
        }
    }

    public func deleteUser(id: Int64) async throws {
        // Foreign keys cascade to tokens, devices, groups and memberships.
        _ = try await self.database.rows("DELETE FROM users WHERE id = \(id)")
    }

    public func createToken(hash: String, userID: Int64, createdAt: Int64, expiresAt: Int64) async throws {
        try await PostgresUniqueViolation.translating {
            try await self.database.transaction { connection in
                // Expired tokens are swept as new ones are issued, so the table does not grow without bound.
                try await connection.rows(
                    "DELETE FROM tokens WHERE user_pk = \(userID) AND expires_at <= \(createdAt)", logger: self.database.logger
                )
                try await connection.rows(
                    "INSERT INTO tokens (token_hash, user_pk, created_at, expires_at) VALUES (\(hash), \(userID), \(createdAt), \(expiresAt))",
                    logger: self.database.logger
                )
            }
        }
    }

    public func session(tokenHash: String, now: Int64) async throws -> TokenSession? {
        let columns = Self.userColumns.split(separator: ", ").map { "u.\($0)" }.joined(separator: ", ")
        guard
            let row = try await self.database.rows(
                """
                SELECT \(unescaped: columns), t.expires_at FROM tokens t JOIN users u ON u.id = t.user_pk
                WHERE t.token_hash = \(tokenHash) AND t.expires_at > \(now) AND u.is_active
                """
            ).first
        else { return nil }
        return try Self.session(row)
    }

    public func deleteToken(hash: String) async throws {
        _ = try await self.database.rows("DELETE FROM tokens WHERE token_hash = \(hash)")
    }

    public func deleteTokens(userID: Int64) async throws {
        _ = try await self.database.rows("DELETE FROM tokens WHERE user_pk = \(userID)")
    }

    public func createDevice(_ device: NewDevice) async throws -> Device {
        let rows = try await PostgresUniqueViolation.translating {
            try await self.database.rows(
                """
                WITH created AS (
                    INSERT INTO devices (user_pk, name, description, device_type, location, firmware_version, hardware_version, api_key_hash,
                        created_at, updated_at)
                    VALUES (\(device.ownerID), \(device.name), \(device.description), \(device.deviceType), \(device.location),
                        \(device.firmwareVersion), \(device.hardwareVersion), \(device.apiKeyHash), \(device.createdAt), \(device.createdAt))
                    RETURNING *
                )
                SELECT \(unescaped: Self.deviceColumnNames.map { "d.\($0)" }.joined(separator: ", ")), u.user_id AS owner_public_id
                FROM created d JOIN users u ON u.id = d.user_pk
                """
            )
        }
        guard let row = rows.first else { throw MigrationError(message: "INSERT … RETURNING returned no row") }
        return try Self.device(row)
    }

    public func device(id: Int64) async throws -> Device? {
        try await self.database.rows("\(unescaped: Self.deviceSelect) WHERE d.id = \(id)").first.map(Self.device)
    }

    public func device(apiKeyHash: String) async throws -> AuthenticatedDevice? {
        let rows = try await self.database.rows(
            """
            \(unescaped: Self.deviceSelect.replacingOccurrences(of: " FROM ", with: ", u.is_active AS owner_active, u.username AS owner_username FROM "))
            WHERE d.api_key_hash = \(apiKeyHash)
            """
        )
        guard let row = rows.first else { return nil }
        let columns = row.makeRandomAccess()
        return AuthenticatedDevice(
            device: try Self.device(row), ownerIsActive: try columns["owner_active"].decode(Bool.self),
            ownerPublicID: try columns["owner_public_id"].decode(String.self), ownerUsername: try columns["owner_username"].decode(String.self)
        )
    }

    public func devices(
        ownerID: Int64?, status: DeviceStatus?, deviceType: String?, limit: Int, offset: Int
    ) async throws -> (devices: [Device], total: Int) {
        var filter = "TRUE"
        var binds = PostgresBindings()
        if let ownerID {
            binds.append(ownerID)
            filter += " AND d.user_pk = $\(binds.count)"
        }
        if let status {
            binds.append(status.rawValue)
            filter += " AND d.status = $\(binds.count)"
        }
        if let deviceType {
            binds.append(deviceType)
            filter += " AND d.device_type = $\(binds.count)"
        }
        let total = try Self.count(
            try await self.database.rows(PostgresQuery(unsafeSQL: "SELECT count(*) FROM devices d WHERE \(filter)", binds: binds))
        )
        binds.append(Int64(limit))
        binds.append(Int64(offset))
        let rows = try await self.database.rows(
            PostgresQuery(
                unsafeSQL: "\(Self.deviceSelect) WHERE \(filter) ORDER BY d.id LIMIT $\(binds.count - 1) OFFSET $\(binds.count)", binds: binds
            )
        )
        return (try rows.map(Self.device), total)
    }

    public func deviceIDs(ownerID: Int64) async throws -> [Int64] {
        try await self.database.rows("SELECT id FROM devices WHERE user_pk = \(ownerID) ORDER BY id").map { try $0.decode(Int64.self) }
    }

    public func updateDevice(id: Int64, changes: DeviceChanges, now: Int64) async throws -> Device? {
        var assignments: [String] = []
        var binds = PostgresBindings()
        func set(_ column: String, _ value: String?) {
            binds.append(value)
            assignments.append("\(column) = $\(binds.count)")
        }
        if let name = changes.name { set("name", name) }
        if let description = changes.description { set("description", description) }
        if let deviceType = changes.deviceType { set("device_type", deviceType) }
        if let location = changes.location { set("location", location) }
        if let firmware = changes.firmwareVersion { set("firmware_version", firmware) }
        if let hardware = changes.hardwareVersion { set("hardware_version", hardware) }
        if let status = changes.status { set("status", status.rawValue) }
        binds.append(now)
        assignments.append("updated_at = $\(binds.count)")
        binds.append(id)
        let statement = "UPDATE devices SET \(assignments.joined(separator: ", ")) WHERE id = $\(binds.count) RETURNING id"
        let rows = try await PostgresUniqueViolation.translating {
            try await self.database.rows(PostgresQuery(unsafeSQL: statement, binds: binds))
        }
        guard !rows.isEmpty else { return nil }
        return try await self.device(id: id)
    }

    public func setDeviceKey(id: Int64, apiKeyHash: String, now: Int64) async throws {
        _ = try await PostgresUniqueViolation.translating {
            try await self.database.rows("UPDATE devices SET api_key_hash = \(apiKeyHash), updated_at = \(now) WHERE id = \(id)")
        }
    }

    public func deleteDevice(id: Int64) async throws {
        _ = try await self.database.rows("DELETE FROM devices WHERE id = \(id)")
    }

    public func markSeen(_ lastSeen: [Int64: Int64]) async throws {
        guard !lastSeen.isEmpty else { return }
        _ = try await self.database.rows(Self.markSeenQuery(lastSeen))
    }

    /// Moves `last_seen` forward, never back. Sorted ids make concurrent callers lock rows in the same
    /// order; rows already newer are not rewritten.
    static func markSeenQuery(_ lastSeen: [Int64: Int64]) -> PostgresQuery {
        let pairs = lastSeen.sorted { $0.key < $1.key }
        return """
            UPDATE devices d SET last_seen = GREATEST(COALESCE(d.last_seen, 0), s.ts)
            FROM unnest(\(pairs.map(\.key))::int8[], \(pairs.map(\.value))::int8[]) AS s(id, ts)
            WHERE d.id = s.id AND (d.last_seen IS NULL OR d.last_seen < s.ts)
            """
    }

    public func deviceConfig(id: Int64) async throws -> DeviceConfig {
        guard let row = try await self.database.rows("SELECT config, config_updated_at FROM devices WHERE id = \(id)").first else {
            return DeviceConfig(json: JSONObject(), updatedAt: nil)
        }
        let (text, updatedAt) = try row.decode((String, Int64?).self)
        let object = (try? JSONParser.parse(text))?.objectValue ?? JSONObject()
        return DeviceConfig(json: object, updatedAt: updatedAt)
    }

    public func setDeviceConfig(id: Int64, json: String, now: Int64) async throws {
        _ = try await self.database.rows("UPDATE devices SET config = \(json), config_updated_at = \(now) WHERE id = \(id)")
    }

    public func groups(ofDevice id: Int64) async throws -> [GroupMembershipSummary] {
        try await self.database.rows(
            """
            SELECT g.id, g.name, g.color, m.added_at FROM group_members m JOIN device_groups g ON g.id = m.group_id
            WHERE m.device_id = \(id) ORDER BY g.name COLLATE "C"
            """
        ).map { row in
            let (groupID, name, color, addedAt) = try row.decode((Int64, String, String?, Int64).self)
            return GroupMembershipSummary(groupID: groupID, name: name, color: color, addedAt: addedAt)
        }
    }

    public func deviceCounts(onlineSince: Int64) async throws -> DeviceCounts {
        guard let row = try await self.database.rows("SELECT count(*), count(*) FILTER (WHERE last_seen >= \(onlineSince)) FROM devices").first
        else { return DeviceCounts(total: 0, online: 0) }
        let (total, online) = try row.decode((Int64, Int64).self)
        return DeviceCounts(total: Int(total), online: Int(online))
    }

    public func ping() async throws -> Double {
        try await self.database.ping()
    }
}
