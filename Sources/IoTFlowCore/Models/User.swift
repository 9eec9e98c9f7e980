/// A person who owns devices. `publicID` is the 32-hex `user_id` shown in the API.
public struct User: Sendable, Equatable {
    /// Numeric primary key.
    public var id: Int64
    /// Public identifier: 32 lowercase hex characters.
    public var publicID: String
    /// Unique (case-insensitively) login name.
    public var username: String
    /// Unique (case-insensitively) email, stored lowercased.
    public var email: String
    /// bcrypt hash of the password.
    public var passwordHash: String
    /// Deactivated users cannot log in and their devices cannot write.
    public var isActive: Bool
    /// Admins may use every admin route.
    public var isAdmin: Bool
    /// Creation time, epoch ms.
    public var createdAt: Int64
    /// Last change, epoch ms.
    public var updatedAt: Int64
    /// Last successful login, epoch ms.
    public var lastLogin: Int64?

    /// Creates a user value.
    public init(
        id: Int64, publicID: String, username: String, email: String, passwordHash: String, isActive: Bool, isAdmin: Bool,
        createdAt: Int64, updatedAt: Int64, lastLogin: Int64?
    ) {
        self.id = id
        self.publicID = publicID
        self.username = username
        self.email = email
        self.passwordHash = passwordHash
        self.isActive = isActive
        self.isAdmin = isAdmin
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.lastLogin = lastLogin
    }
}

/// What is needed to create a user; the store assigns `id`.
public struct NewUser: Sendable {
    /// Public 32-hex id.
    public var publicID: String
    /// Login name.
    public var username: String
    /// Lowercased email.
    public var email: String
    /// bcrypt hash.
    public var passwordHash: String
    /// Whether the user is an admin.
    public var isAdmin: Bool
    /// Creation time, epoch ms.
    public var createdAt: Int64

    /// Creates the input of a user registration.
    public init(publicID: String, username: String, email: String, passwordHash: String, isAdmin: Bool, createdAt: Int64) {
        self.publicID = publicID
        self.username = username
        self.email = email
        self.passwordHash = passwordHash
        self.isAdmin = isAdmin
        self.createdAt = createdAt
    }
}

/// A signed-in user as its bearer token resolves: the user and when the token expires.
public struct TokenSession: Sendable, Equatable {
    /// The token's owner.
    public var user: User
    /// When the token stops working, epoch ms.
    public var expiresAt: Int64

    /// Creates the value.
    public init(user: User, expiresAt: Int64) {
        self.user = user
        self.expiresAt = expiresAt
    }

    /// The same session without the password hash, which no cache needs to hold.
    public var withoutSecrets: TokenSession {
        var copy = self
        copy.user.passwordHash = ""
        return copy
    }
}
