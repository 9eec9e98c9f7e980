import IoTFlowCore
import SQLiteNIO

/// Users, tokens, devices and configuration in SQLite.
public struct RegistrySQLiteStore: RegistryStore {
    let database: SQLiteDatabaseFile

    /// Creates the store on an open database file.
    public init(database: SQLiteDatabaseFile) {
        self.database = database
    }

    static let userColumnNames = [
        "id", "user_id", "username", "email", "password_hash", "is_active", "is_admin", "created_at", "updated_at", "last_login",
    ]
    static let deviceColumnNames = [
        "id", "user_pk", "name", "description", "device_type", "status", "location", "firmware_version", "hardware_version", "created_at",
        "updated_at", "last_seen",
    ]
    static let userColumns = Self.columns(Self.userColumnNames)
    /// Device columns with the owner's public id, for `FROM devices d JOIN users u`.
    static let deviceSelect =
        "SELECT \(Self.columns(Self.deviceColumnNames, table: "d")), u.user_id AS owner_public_id FROM devices d JOIN users u ON u.id = d.user_pk"

    static func columns(_ names: [String], table: String? = nil) -> String {
        names.map { name in table.map { "\($0).\(name)" } ?? name }.joined(separator: ", ")
    }

    public func createUser(_ user: NewUser) async throws -> User {
        let rows = try await self.writeTranslatingConstraints {
            try await $0.query(
                """
                INSERT INTO users (user_id, username, email, password_hash, is_admin, created_at, updated_at)
                VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING \(Self.userColumns)
                """,
                [
                    .text(user.publicID), .text(user.username), .text(user.email), .text(user.passwordHash), .integer(user.isAdmin ? 1 : 0),
                    .int(user.createdAt), .int(user.createdAt),
                ]
            )
        }
        guard let row = rows.first else { throw MigrationError(message: "INSERT … RETURNING returned no row") }
        return Self.user(row)
    }

    public func user(id: Int64) async throws -> User? {
        try await self.database.read("SELECT \(Self.userColumns) FROM users WHERE id = ?", [.int(id)]).first.map(Self.user)
    }

    public func user(publicID: String) async throws -> User? {
        try await self.database.read("SELECT \(Self.userColumns) FROM users WHERE user_id = ?", [.text(publicID)]).first.map(Self.user)
    }

    public func user(login: String) async throws -> User? {
        // Columns are COLLATE NOCASE, so these comparisons are case-insensitive and use the unique indexes.
        let rows = try await self.database.read(
            "SELECT \(Self.userColumns) FROM users WHERE username = ?1 UNION ALL SELECT \(Self.userColumns) FROM users WHERE email = ?1 LIMIT 1",
            [.text(login)]
        )
        return rows.first.map(Self.user)
    }

    public func users(limit: Int, offset: Int) async throws -> (users: [User], total: Int) {
        let rows = try await self.database.read(
            "SELECT \(Self.userColumns) FROM users ORDER BY id LIMIT ? OFFSET ?", [.integer(limit), .integer(offset)]
        )
        let total = try await self.database.read("SELECT COUNT(*) AS n FROM users").first?.int("n") ?? 0
        return (rows.map(Self.user), total)
    }

    public func updateUser(_ user: User) async throws {
        _ = try await self.writeTranslatingConstraints {
            try await $0.query(
                """
                UPDATE users SET username = ?, email = ?, password_hash = ?, is_active = ?, is_admin = ?, updated_at = ?, last_login = ?
                WHERE id = ?
                """,
                [
                    .text(user.username), .text(user.email), .text(user.passwordHash), .integer(user.isActive ? 1 : 0),
                    .integer(user.isAdmin ? 1 : 0), .int(user.updatedAt), .optionalInt(user.lastLogin), .int(user.id),
                ]
            )
        }
    }

    public func deleteUser(id: Int64) async throws {
        // Foreign keys cascade to tokens, devices, groups and memberships.
        _ = try await self.database.write { try await $0.query("DELETE FROM users WHERE id = ?", [.int(id)]) }
    }

    public func createToken(hash: String, userID: Int64, createdAt: Int64, expiresAt: Int64) async throws {
        _ = try await self.database.write {
            // Expired tokens are swept as new ones are issued, so the table does not grow without bound.
            _ = try await $0.query("DELETE FROM tokens WHERE user_pk = ? AND expires_at <= ?", [.int(userID), .int(createdAt)])
            return try await $0.query(
                "INSERT INTO tokens (token_hash, user_pk, created_at, expires_at) VALUES (?, ?, ?, ?)",
                [.text(hash), .int(userID), .int(createdAt), .int(expiresAt)]
            )
        }
    }

    public func session(tokenHash: String, now: Int64) async throws -> TokenSession? {
        let columns = Self.columns(Self.userColumnNames, table: "u")
        let sql = """
            SELECT \(columns), t.expires_at AS token_expires_at FROM tokens t JOIN users u ON u.id = t.user_pk
            WHERE t.token_hash = ? AND t.expires_at > ? AND u.is_active = 1
            """
        return try await self.database.read(sql, [.text(tokenHash), .int(now)]).first.map {
            TokenSession(user: Self.user($0), expiresAt: $0.int64("token_expires_at") ?? now)
        }
    }

    public func deleteToken(hash: String) async throws {
        _ = try await self.database.write { try await $0.query("DELETE FROM tokens WHERE token_hash = ?", [.text(hash)]) }
    }

    public func deleteTokens(userID: Int64) async throws {
        _ = try await self.database.write { try await $0.query("DELETE FROM tokens WHERE user_pk = ?", [.int(userID)]) }
    }

    public func createDevice(_ device: NewDevice) async throws -> Device {
        let rows = try await self.writeTranslatingConstraints {
            try await $0.query(
                """
                INSERT INTO devices (user_pk, name, description, device_type, location, firmware_version, hardware_version, api_key_hash,
                    created_at, updated_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id
                """,
                [
                    .int(device.ownerID), .text(device.name), .optionalText(device.description), .text(device.deviceType),
                    .optionalText(device.location), .optionalText(device.firmwareVersion), .optionalText(device.hardwareVersion),
                    .text(device.apiKeyHash), .int(device.createdAt), .int(device.createdAt),
                ]
            )
        }
        guard let id = rows.first?.int64("id"), let device = try await self.device(id: id) else {
            throw MigrationError(message: "INSERT … RETURNING returned no row")
        }
        return device
    }

    public func device(id: Int64) async throws -> Device? {
        try await self.database.read("\(Self.deviceSelect) WHERE d.id = ?", [.int(id)]).first.map(Self.device)
    }

    public func device(apiKeyHash: String) async throws -> AuthenticatedDevice? {
        let rows = try await self.database.read(
            """
            SELECT \(Self.columns(Self.deviceColumnNames, table: "d")), u.is_active AS owner_active, u.user_id AS owner_public_id,
                u.username AS owner_username
            FROM devices d JOIN users u ON u.id = d.user_pk WHERE d.api_key_hash = ?
            """,
            [.text(apiKeyHash)]
        )
        return rows.first.map {
            AuthenticatedDevice(
                device: Self.device($0), ownerIsActive: $0.bool("owner_active"), ownerPublicID: $0.string("owner_public_id") ?? "",
                ownerUsername: $0.string("owner_username") ?? ""
            )
        }
    }

    public func devices(
        ownerID: Int64?, status: DeviceStatus?, deviceType: String?, limit: Int, offset: Int
    ) async throws -> (devices: [Device], total: Int) {
        var filter = "1 = 1"
        var binds: [SQLiteData] = []
        if let ownerID {
            filter += " AND d.user_pk = ?"
            binds.append(.int(ownerID))
        }
        if let status {
            filter += " AND d.status = ?"
            binds.append(.text(status.rawValue))
        }
        if let deviceType {
            filter += " AND d.device_type = ?"
            binds.append(.text(deviceType))
        }
        let rows = try await self.database.read(
            "\(Self.deviceSelect) WHERE \(filter) ORDER BY d.id LIMIT ? OFFSET ?", binds + [.integer(limit), .integer(offset)]
        )
        let total = try await self.database.read("SELECT COUNT(*) AS n FROM devices d WHERE \(filter)", binds).first?.int("n") ?? 0
        return (rows.map(Self.device), total)
    }

    public func deviceIDs(ownerID: Int64) async throws -> [Int64] {
        try await self.database.read("SELECT id FROM devices WHERE user_pk = ? ORDER BY id", [.int(ownerID)]).compactMap { $0.int64("id") }
    }

    public func updateDevice(id: Int64, changes: DeviceChanges, now: Int64) async throws -> Device? {
        var assignments: [String] = []
        var binds: [SQLiteData] = []
        func set(_ column: String, _ value: SQLiteData) {
            assignments.append("\(column) = ?")
            binds.append(value)
        }
        if let name = changes.name { set("name", .text(name)) }
        if let description = changes.description { set("description", .optionalText(description)) }
        if let deviceType = changes.deviceType { set("device_type", .text(deviceType)) }
        if let location = changes.location { set("location", .optionalText(location)) }
        if let firmware = changes.firmwareVersion { set("firmware_version", .optionalText(firmware)) }
        if let hardware = changes.hardwareVersion { set("hardware_version", .optionalText(hardware)) }
        if let status = changes.status { set("status", .text(status.rawValue)) }
        set("updated_at", .int(now))
        let statement = "UPDATE devices SET \(assignments.joined(separator: ", ")) WHERE id = ? RETURNING id"
        let rows = try await self.writeTranslatingConstraints { try await $0.query(statement, binds + [.int(id)]) }
        guard !rows.isEmpty else { return nil }
        return try await self.device(id: id)
    }

    public func setDeviceKey(id: Int64, apiKeyHash: String, now: Int64) async throws {
        _ = try await self.database.write {
            try await $0.query("UPDATE devices SET api_key_hash = ?, updated_at = ? WHERE id = ?", [.text(apiKeyHash), .int(now), .int(id)])
        }
    }

    public func deleteDevice(id: Int64) async throws {
        _ = try await self.database.write { try await $0.query("DELETE FROM devices WHERE id = ?", [.int(id)]) }
    }

    public func markSeen(_ lastSeen: [Int64: Int64]) async throws {
        guard !lastSeen.isEmpty else { return }
        try await self.database.write { try await Self.markSeen(lastSeen, on: $0) }
    }

    /// Moves `last_seen` forward (never back) inside the caller's transaction.
    static func markSeen(_ lastSeen: [Int64: Int64], on connection: SQLiteConnection) async throws {
        guard !lastSeen.isEmpty else { return }
        let values = Array(repeating: "(?, ?)", count: lastSeen.count).joined(separator: ", ")
        let binds = lastSeen.flatMap { [SQLiteData.int($0.key), .int($0.value)] }
        _ = try await connection.query(
            """
            WITH seen(id, ts) AS (VALUES \(values))
            UPDATE devices SET last_seen = MAX(COALESCE(last_seen, 0), (SELECT ts FROM seen WHERE seen.id = devices.id))
            WHERE id IN (SELECT id FROM seen)
            """,
            binds
        )
    }

    public func deviceConfig(id: Int64) async throws -> DeviceConfig {
        let row = try await self.database.read("SELECT config, config_updated_at FROM devices WHERE id = ?", [.int(id)]).first
        let text = row?.string("config") ?? "{}"
        let object = (try? JSONParser.parse(text))?.objectValue ?? JSONObject()
        return DeviceConfig(json: object, updatedAt: row?.int64("config_updated_at"))
    }

    public func setDeviceConfig(id: Int64, json: String, now: Int64) async throws {
        _ = try await self.database.write {
            try await $0.query("UPDATE devices SET config = ?, config_updated_at = ? WHERE id = ?", [.text(json), .int(now), .int(id)])
        }
    }

    public func groups(ofDevice id: Int64) async throws -> [GroupMembershipSummary] {
        try await self.database.read(
            """
            SELECT g.id, g.name, g.color, m.added_at FROM group_members m JOIN device_groups g ON g.id = m.group_id
            WHERE m.device_id = ? ORDER BY g.name
            """,
            [.int(id)]
        ).map {
            GroupMembershipSummary(
                groupID: $0.int64("id") ?? 0, name: $0.string("name") ?? "", color: $0.string("color"), addedAt: $0.int64("added_at") ?? 0)
        }
    }

    public func deviceCounts(onlineSince: Int64) async throws -> DeviceCounts {
        let row = try await self.database.read(
            "SELECT COUNT(*) AS total, COUNT(CASE WHEN last_seen >= ? THEN 1 END) AS online FROM devices", [.int(onlineSince)]
        ).first
        return DeviceCounts(total: row?.int("total") ?? 0, online: row?.int("online") ?? 0)
    }

    public func ping() async throws -> Double {
        try await self.database.ping()
    }

    /// Runs a write and turns SQLite's unique-constraint failures into ``UniqueViolation``.
    func writeTranslatingConstraints(_ body: (SQLiteConnection) async throws -> [SQLiteRow]) async throws -> [SQLiteRow] {
        do {
            return try await self.database.write(body)
        } catch let error as SQLiteError where error.reason == .constraintUniqueFailed || error.reason == .constraint {
            throw UniqueViolation(field: Self.field(fromConstraintMessage: error.message))
        }
    }

    /// SQLite names the columns: "UNIQUE constraint failed: users.email".
    static func field(fromConstraintMessage message: String) -> String {
        if message.contains("users.username") { return "username" }
        if message.contains("users.email") { return "email" }
        if message.contains(".name") { return "name" }
        if message.contains("group_members") { return "member" }
        return "value"
    }

    static func user(_ row: SQLiteRow) -> User {
        User(
            id: row.int64("id") ?? 0, publicID: row.string("user_id") ?? "", username: row.string("username") ?? "",
            email: row.string("email") ?? "", passwordHash: row.string("password_hash") ?? "", isActive: row.bool("is_active"),
            isAdmin: row.bool("is_admin"), createdAt: row.int64("created_at") ?? 0, updatedAt: row.int64("updated_at") ?? 0,
            lastLogin: row.int64("last_login")
        )
    }

    static func device(_ row: SQLiteRow) -> Device {
        Device(
            id: row.int64("id") ?? 0, ownerID: row.int64("user_pk") ?? 0, ownerPublicID: row.string("owner_public_id") ?? "",
            name: row.string("name") ?? "", description: row.string("description"),
            deviceType: row.string("device_type") ?? "", status: DeviceStatus(rawValue: row.string("status") ?? "") ?? .inactive,
            location: row.string("location"), firmwareVersion: row.string("firmware_version"), hardwareVersion: row.string("hardware_version"),
            createdAt: row.int64("created_at") ?? 0, updatedAt: row.int64("updated_at") ?? 0, lastSeen: row.int64("last_seen")
        )
    }
}
