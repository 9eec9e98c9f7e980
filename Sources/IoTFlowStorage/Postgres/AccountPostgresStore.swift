import IoTFlowCore
import PostgresNIO

/// Users and tokens in PostgreSQL.
public struct AccountPostgresStore: AccountStore {
    typealias Rows = RegistryPostgresRows
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
                RETURNING \(unescaped: Rows.userColumns)
                """
            )
        }
        guard let row = rows.first else { throw MigrationError(message: "INSERT … RETURNING returned no row") }
        return try Rows.user(row)
    }

    public func user(id: Int64) async throws -> User? {
        try await self.database.rows("SELECT \(unescaped: Rows.userColumns) FROM users WHERE id = \(id)").first.map(Rows.user)
    }

    public func user(publicID: String) async throws -> User? {
        try await self.database.rows("SELECT \(unescaped: Rows.userColumns) FROM users WHERE user_id = \(publicID)").first.map(Rows.user)
    }

    public func user(login: String) async throws -> User? {
        // Written as lower(column) = lower($1) so each branch reads its case-insensitive unique index.
        let rows = try await self.database.rows(
            """
            (SELECT \(unescaped: Rows.userColumns) FROM users WHERE lower(username) = lower(\(login)))
            UNION ALL (SELECT \(unescaped: Rows.userColumns) FROM users WHERE lower(email) = lower(\(login))) LIMIT 1
            """
        )
        return try rows.first.map(Rows.user)
    }

    public func users(limit: Int, offset: Int) async throws -> (users: [User], total: Int) {
        let rows = try await self.database.rows(
            "SELECT \(unescaped: Rows.userColumns) FROM users ORDER BY id LIMIT \(Int64(limit)) OFFSET \(Int64(offset))"
        )
        let total = try Rows.count(try await self.database.rows("SELECT count(*) FROM users"))
        return (try rows.map(Rows.user), total)
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
        // Foreign keys cascade to tokens (and to devices and groups, which the services delete first anyway).
        _ = try await self.database.rows("DELETE FROM users WHERE id = \(id)")
    }

    public func userCounts() async throws -> UserCounts {
        guard
            let row = try await self.database.rows("SELECT count(*), count(*) FILTER (WHERE is_active), count(*) FILTER (WHERE is_admin) FROM users")
                .first
        else { return UserCounts(total: 0, active: 0, admins: 0) }
        let (total, active, admins) = try row.decode((Int64, Int64, Int64).self)
        return UserCounts(total: Int(total), active: Int(active), admins: Int(admins))
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
        let columns = Rows.userColumns.split(separator: ", ").map { "u.\($0)" }.joined(separator: ", ")
        guard
            let row = try await self.database.rows(
                """
                SELECT \(unescaped: columns), t.expires_at FROM tokens t JOIN users u ON u.id = t.user_pk
                WHERE t.token_hash = \(tokenHash) AND t.expires_at > \(now) AND u.is_active
                """
            ).first
        else { return nil }
        return try Rows.session(row)
    }

    public func deleteToken(hash: String) async throws {
        _ = try await self.database.rows("DELETE FROM tokens WHERE token_hash = \(hash)")
    }

    public func deleteTokens(userID: Int64) async throws {
        _ = try await self.database.rows("DELETE FROM tokens WHERE user_pk = \(userID)")
    }

    public func ping() async throws -> Double {
        try await self.database.ping()
    }
}
