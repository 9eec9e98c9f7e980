/// Users and their bearer tokens. Implementations: SQLite (embedded), PostgreSQL.
///
/// Writes that would break a uniqueness rule throw ``UniqueViolation`` naming the field.
public protocol AccountStore: Sendable {
    /// Inserts a user; throws ``UniqueViolation`` for `username` or `email`.
    func createUser(_ user: NewUser) async throws -> User
    /// The user with this numeric id.
    func user(id: Int64) async throws -> User?
    /// The user with this public id.
    func user(publicID: String) async throws -> User?
    /// The user whose username or email matches `login` case-insensitively.
    func user(login: String) async throws -> User?
    /// A page of users by id, and the total count.
    func users(limit: Int, offset: Int) async throws -> (users: [User], total: Int)
    /// Stores every field of `user`; throws ``UniqueViolation`` for `username` or `email`.
    func updateUser(_ user: User) async throws
    /// Deletes the user and its tokens. The services delete its devices and groups first, through their stores.
    func deleteUser(id: Int64) async throws
    /// Totals of users for the admin statistics.
    func userCounts() async throws -> UserCounts

    /// Stores a token hash for a user.
    func createToken(hash: String, userID: Int64, createdAt: Int64, expiresAt: Int64) async throws
    /// The active user owning an unexpired token, with the token's expiry.
    func session(tokenHash: String, now: Int64) async throws -> TokenSession?
    /// Revokes one token.
    func deleteToken(hash: String) async throws
    /// Revokes every token of a user.
    func deleteTokens(userID: Int64) async throws

    /// Checks the store answers; returns round-trip latency in ms.
    func ping() async throws -> Double
}

/// User totals.
public struct UserCounts: Sendable, Equatable {
    /// All users.
    public var total: Int
    /// Active users.
    public var active: Int
    /// Admin users.
    public var admins: Int

    /// Creates the value.
    public init(total: Int, active: Int, admins: Int) {
        self.total = total
        self.active = active
        self.admins = admins
    }
}

extension AccountStore {
    /// The active user owning an unexpired token.
    public func user(tokenHash: String, now: Int64) async throws -> User? {
        try await self.session(tokenHash: tokenHash, now: now)?.user
    }
}
