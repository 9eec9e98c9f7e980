/// `POST /auth/register`: a new account; the service checks the rules.
public struct RegisterUser: Sendable {
    /// 3–80 characters of `[A-Za-z0-9_.-]`.
    public var username: String
    /// A valid email address.
    public var email: String
    /// At least 8 characters.
    public var password: String

    /// Creates the command.
    public init(username: String, email: String, password: String) {
        self.username = username
        self.email = email
        self.password = password
    }
}

/// `POST /auth/login`: a username or email and a password.
public struct LoginAttempt: Sendable {
    /// Username or email, matched case-insensitively.
    public var login: String
    /// The password to check.
    public var password: String

    /// Creates the command.
    public init(login: String, password: String) {
        self.login = login
        self.password = password
    }
}

/// `PUT /users/{user_id}`: the fields to change; `nil` leaves a field as it is.
public struct UserUpdate: Sendable {
    /// New username (sent as null or empty: 400).
    public var username: FieldChange<String>
    /// New email (sent as null or empty: 400).
    public var email: FieldChange<String>
    /// New password.
    public var password: String?
    /// Admin only: activate or deactivate.
    public var isActive: Bool?
    /// Admin only: grant or revoke admin.
    public var isAdmin: Bool?

    /// Creates the command.
    public init(
        username: FieldChange<String> = .unchanged, email: FieldChange<String> = .unchanged, password: String? = nil, isActive: Bool? = nil,
        isAdmin: Bool? = nil
    ) {
        self.username = username
        self.email = email
        self.password = password
        self.isActive = isActive
        self.isAdmin = isAdmin
    }
}
