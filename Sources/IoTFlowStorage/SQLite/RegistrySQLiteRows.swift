import IoTFlowCore
import SQLiteNIO

/// Column lists, joins and row decoding shared by the account, device and group stores of one SQLite file.
enum RegistrySQLiteRows {
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

    static let groupSelect = """
        SELECT g.id, g.user_pk, u.user_id AS owner_public_id, g.name, g.description, g.color, g.created_at, g.updated_at,
            (SELECT COUNT(*) FROM group_members m WHERE m.group_id = g.id) AS device_count
        FROM device_groups g JOIN users u ON u.id = g.user_pk
        """

    static let memberSelect = """
        SELECT \(Self.columns(Self.deviceColumnNames, table: "d")), u.user_id AS owner_public_id, m.group_id, m.added_at
        FROM group_members m JOIN devices d ON d.id = m.device_id JOIN users u ON u.id = d.user_pk
        """

    static func columns(_ names: [String], table: String? = nil) -> String {
        names.map { name in table.map { "\($0).\(name)" } ?? name }.joined(separator: ", ")
    }

    /// SQLite names the columns: "UNIQUE constraint failed: users.email".
    static func field(fromConstraintMessage message: String) -> String {
        if message.contains("users.username") { return "username" }
        if message.contains("users.email") { return "email" }
        if message.contains(".name") { return "name" }
        if message.contains("group_members") { return "member" }
        return "value"
    }

    static func user(_ row: SQLiteRecord) -> User {
        User(
            id: row.int64("id") ?? 0, publicID: row.string("user_id") ?? "", username: row.string("username") ?? "",
            email: row.string("email") ?? "", passwordHash: row.string("password_hash") ?? "", isActive: row.bool("is_active"),
            isAdmin: row.bool("is_admin"), createdAt: row.int64("created_at") ?? 0, updatedAt: row.int64("updated_at") ?? 0,
            lastLogin: row.int64("last_login")
        )
    }

    static func device(_ row: SQLiteRecord) -> Device {
        Device(
            id: row.int64("id") ?? 0, ownerID: row.int64("user_pk") ?? 0, ownerPublicID: row.string("owner_public_id") ?? "",
            name: row.string("name") ?? "", description: row.string("description"),
            deviceType: row.string("device_type") ?? "", status: DeviceStatus(rawValue: row.string("status") ?? "") ?? .inactive,
            location: row.string("location"), firmwareVersion: row.string("firmware_version"), hardwareVersion: row.string("hardware_version"),
            createdAt: row.int64("created_at") ?? 0, updatedAt: row.int64("updated_at") ?? 0, lastSeen: row.int64("last_seen")
        )
    }

    static func group(_ row: SQLiteRecord) -> DeviceGroup {
        DeviceGroup(
            id: row.int64("id") ?? 0, ownerID: row.int64("user_pk") ?? 0, ownerPublicID: row.string("owner_public_id") ?? "",
            name: row.string("name") ?? "", description: row.string("description"), color: row.string("color") ?? "",
            createdAt: row.int64("created_at") ?? 0, updatedAt: row.int64("updated_at") ?? 0, deviceCount: row.int("device_count")
        )
    }
}

extension SQLiteDatabaseFile {
    /// Runs a write and turns SQLite's unique-constraint failures into ``UniqueViolation``.
    func writeTranslatingConstraints(_ body: @Sendable (isolated SQLiteHandle) async throws -> [SQLiteRecord]) async throws -> [SQLiteRecord] {
        do {
            return try await self.write(body)
        } catch let error as SQLiteFailure where error.isUniqueViolation {
            throw UniqueViolation(field: RegistrySQLiteRows.field(fromConstraintMessage: error.message))
        }
    }
}
