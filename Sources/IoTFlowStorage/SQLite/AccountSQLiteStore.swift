import IoTFlowCore
import SQLiteNIO

/// Users and tokens in SQLite.
public struct AccountSQLiteStore: AccountStore {
    typealias Rows = RegistrySQLiteRows
    let database: SQLiteDatabaseFile

    /// Creates the store on an open database file.
    public init(database: SQLiteDatabaseFile) {
        self.database = database
    }

    public func createUser(_ user: NewUser) async throws -> User {
        let rows = try await self.database.writeTranslatingConstraints {
            try await $0.query(
                """
                INSERT INTO users (user_id, username, email, password_hash, is_admin, created_at, updated_at)
                VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING \(Rows.userColumns)
                """,
                [
                    .text(user.publicID), .text(user.username), .text(user.email), .text(user.passwordHash), .integer(user.isAdmin ? 1 : 0),
                    .int(user.createdAt), .int(user.createdAt),
                ]
            )
        }
        guard let row = rows.first else { throw MigrationError(message: "INSERT … RETURNING returned no row") }
        return Rows.user(row)
    }

    public func user(id: Int64) async throws -> User? {
        try await self.database.read("SELECT \(Rows.userColumns) FROM users WHERE id = ?", [.int(id)]).first.map(Rows.user)
    }

    public func user(publicID: String) async throws -> User? {
        try await self.database.read("SELECT \(Rows.userColumns) FROM users WHERE user_id = ?", [.text(publicID)]).first.map(Rows.user)
    }

    public func user(login: String) async throws -> User? {
        // Columns are COLLATE NOCASE, so these comparisons are case-insensitive and use the unique indexes.
        let rows = try await self.database.read(
            "SELECT \(Rows.userColumns) FROM users WHERE username = ?1 UNION ALL SELECT \(Rows.userColumns) FROM users WHERE email = ?1 LIMIT 1",
            [.text(login)]
        )
        return rows.first.map(Rows.user)
    }

    public func users(limit: Int, offset: Int) async throws -> (users: [User], total: Int) {
        let rows = try await self.database.read(
            "SELECT \(Rows.userColumns) FROM users ORDER BY id LIMIT ? OFFSET ?", [.integer(limit), .integer(offset)]
        )
        let total = try await self.database.read("SELECT COUNT(*) AS n FROM users").first?.int("n") ?? 0
        return (rows.map(Rows.user), total)
    }

    public func updateUser(_ user: User) async throws {
        _ = try await self.database.writeTranslatingConstraints {
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
        // Foreign keys cascade to tokens (and to devices and groups, which the services delete first anyway).
        _ = try await self.database.write { try await $0.query("DELETE FROM users WHERE id = ?", [.int(id)]) }
    }

    public func userCounts() async throws -> UserCounts {
        let row = try await self.database.read(
            "SELECT COUNT(*) AS total, COUNT(CASE WHEN is_active = 1 THEN 1 END) AS active, COUNT(CASE WHEN is_admin = 1 THEN 1 END) AS admins FROM users"
        ).first
        return UserCounts(total: row?.int("total") ?? 0, active: row?.int("active") ?? 0, admins: row?.int("admins") ?? 0)
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
        let columns = Rows.columns(Rows.userColumnNames, table: "u")
        let sql = """
            SELECT \(columns), t.expires_at AS token_expires_at FROM tokens t JOIN users u ON u.id = t.user_pk
            WHERE t.token_hash = ? AND t.expires_at > ? AND u.is_active = 1
            """
        return try await self.database.read(sql, [.text(tokenHash), .int(now)]).first.map {
            TokenSession(user: Rows.user($0), expiresAt: $0.int64("token_expires_at") ?? now)
        }
    }

    public func deleteToken(hash: String) async throws {
        _ = try await self.database.write { try await $0.query("DELETE FROM tokens WHERE token_hash = ?", [.text(hash)]) }
    }

    public func deleteTokens(userID: Int64) async throws {
        _ = try await self.database.write { try await $0.query("DELETE FROM tokens WHERE user_pk = ?", [.int(userID)]) }
    }

    public func ping() async throws -> Double {
        try await self.database.ping()
    }
}
