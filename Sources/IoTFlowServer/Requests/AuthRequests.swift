import IoTFlowCore

/// `POST /auth/register`.
struct RegisterRequest: Decodable, Sendable {
    let username: String
    let email: String
    let password: String

    var command: RegisterUser { RegisterUser(username: self.username, email: self.email, password: self.password) }
}

/// `POST /auth/login`; `username` may be the email.
struct LoginRequest: Decodable, Sendable {
    let username: String
    let password: String

    var attempt: LoginAttempt { LoginAttempt(login: self.username, password: self.password) }
}

/// `PUT /users/{user_id}`.
struct UserUpdateRequest: Decodable, Sendable {
    let update: UserUpdate

    private enum Keys: String, CodingKey {
        case username, email, password, isActive = "is_active", isAdmin = "is_admin"
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: Keys.self)
        self.update = UserUpdate(
            username: try container.decodeChange(String.self, forKey: .username), email: try container.decodeChange(String.self, forKey: .email),
            password: try container.decodeIfPresent(String.self, forKey: .password),
            isActive: try container.decodeIfPresent(Bool.self, forKey: .isActive), isAdmin: try container.decodeIfPresent(Bool.self, forKey: .isAdmin)
        )
    }
}
