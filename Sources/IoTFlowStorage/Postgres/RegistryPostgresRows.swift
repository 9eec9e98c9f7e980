import IoTFlowCore
import PostgresNIO

/// Column lists, joins and row decoding shared by the account, device and group stores on PostgreSQL.
enum RegistryPostgresRows {
    static let userColumns = "id, user_id, username, email, password_hash, is_active, is_admin, created_at, updated_at, last_login"

    static let deviceColumnNames = [
        "id", "user_pk", "name", "description", "device_type", "status", "location", "firmware_version", "hardware_version", "created_at",
        "updated_at", "last_seen",
    ]

    /// Device columns with the owner's public id, for `FROM devices d JOIN users u`.
    static let deviceSelect =
        "SELECT \(Self.deviceColumnNames.map { "d.\($0)" }.joined(separator: ", ")), u.user_id AS owner_public_id FROM devices d JOIN users u ON u.id = d.user_pk"

    static let groupSelect = """
        SELECT g.id, g.user_pk, u.user_id AS owner_public_id, g.name, g.description, g.color, g.created_at, g.updated_at,
            (SELECT count(*) FROM group_members m WHERE m.group_id = g.id) AS device_count
        FROM device_groups g JOIN users u ON u.id = g.user_pk
        """

    static let memberSelect = """
        SELECT \(Self.deviceColumnNames.map { "d.\($0)" }.joined(separator: ", ")), u.user_id AS owner_public_id, m.group_id, m.added_at
        FROM group_members m JOIN devices d ON d.id = m.device_id JOIN users u ON u.id = d.user_pk
        """

    static func user(_ row: PostgresRow) throws -> User {
        let (id, publicID, username, email, passwordHash, isActive, isAdmin, createdAt, updatedAt, lastLogin) = try row.decode(
            (Int64, String, String, String, String, Bool, Bool, Int64, Int64, Int64?).self
        )
        return User(
            id: id, publicID: publicID, username: username, email: email, passwordHash: passwordHash, isActive: isActive, isAdmin: isAdmin,
            createdAt: createdAt, updatedAt: updatedAt, lastLogin: lastLogin
        )
    }

    /// A row of the user columns followed by the token's `expires_at`.
    static func session(_ row: PostgresRow) throws -> TokenSession {
        let (id, publicID, username, email, passwordHash, isActive, isAdmin, createdAt, updatedAt, lastLogin, expiresAt) = try row.decode(
            (Int64, String, String, String, String, Bool, Bool, Int64, Int64, Int64?, Int64).self
        )
        let user = User(
            id: id, publicID: publicID, username: username, email: email, passwordHash: passwordHash, isActive: isActive, isAdmin: isAdmin,
            createdAt: createdAt, updatedAt: updatedAt, lastLogin: lastLogin
        )
        return TokenSession(user: user, expiresAt: expiresAt)
    }

    static func device(_ row: PostgresRow) throws -> Device {
        let columns = row.makeRandomAccess()
        return Device(
            id: try columns["id"].decode(Int64.self), ownerID: try columns["user_pk"].decode(Int64.self),
            ownerPublicID: try columns["owner_public_id"].decode(String.self), name: try columns["name"].decode(String.self),
            description: try columns["description"].decode(String?.self), deviceType: try columns["device_type"].decode(String.self),
            status: DeviceStatus(rawValue: try columns["status"].decode(String.self)) ?? .inactive,
            location: try columns["location"].decode(String?.self), firmwareVersion: try columns["firmware_version"].decode(String?.self),
            hardwareVersion: try columns["hardware_version"].decode(String?.self), createdAt: try columns["created_at"].decode(Int64.self),
            updatedAt: try columns["updated_at"].decode(Int64.self), lastSeen: try columns["last_seen"].decode(Int64?.self)
        )
    }

    static func group(_ row: PostgresRow) throws -> DeviceGroup {
        let (id, ownerID, ownerPublicID, name, description, color, createdAt, updatedAt, deviceCount) = try row.decode(
            (Int64, Int64, String, String, String?, String?, Int64, Int64, Int64).self
        )
        return DeviceGroup(
            id: id, ownerID: ownerID, ownerPublicID: ownerPublicID, name: name, description: description, color: color ?? "",
            createdAt: createdAt, updatedAt: updatedAt, deviceCount: Int(deviceCount)
        )
    }

    /// A `count(*)` result.
    static func count(_ rows: [PostgresRow]) throws -> Int {
        Int(try rows.first?.decode(Int64.self) ?? 0)
    }
}
