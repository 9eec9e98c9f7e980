import Foundation
import IoTFlowCore
import NIOCore

/// The off-hot-path cases: decoding a login body and encoding a register answer.
enum SmallBodies {
    /// `POST /auth/login` as a Codable request type.
    struct LoginRequestBody: Decodable {
        var username: String
        var password: String
    }

    /// What both login variants extract.
    struct Credentials: Equatable {
        var username: String
        var password: String
    }

    /// The login body through the own parser, read field by field (what the server did before it used Foundation).
    static func ownLogin(_ body: ByteBuffer) throws -> Credentials {
        guard case .object(let object) = try JSONParser.parse(body.readableBytesView) else {
            throw IoTFlowError.badRequest("The request body must be a JSON object.")
        }
        guard case .string(let login)? = object["username"], case .string(let password)? = object["password"] else {
            throw IoTFlowError.badRequest("Fields 'username' and 'password' are required and must be strings.")
        }
        let username = try Text.required(login, field: "username", maxBytes: 254)
        return Credentials(username: username, password: password)
    }

    /// Foundation `JSONDecoder` into ``LoginRequestBody`` with the same checks.
    static func codableLogin(_ body: ByteBuffer, decoder: JSONDecoder) throws -> Credentials {
        let request = try decoder.decode(LoginRequestBody.self, from: Data(body.readableBytesView))
        let username = request.username.trimmingCharacters(in: [" "])
        guard !username.isEmpty, username.utf8.count <= 254 else { throw IoTFlowError.badRequest("Field 'username' is required.") }
        return Credentials(username: username, password: request.password)
    }

    /// The register answer through the own writer, built as a ``JSONValue`` tree (what the server did before).
    static func ownRegister(user: User, token: String) -> [UInt8] {
        let userValue: JSONValue = [
            "id": .int(user.id), "user_id": .string(user.publicID), "username": .string(user.username), "email": .string(user.email),
            "is_active": .bool(user.isActive), "is_admin": .bool(user.isAdmin), "created_at": Self.time(user.createdAt),
            "updated_at": Self.time(user.updatedAt), "last_login": Self.time(user.lastLogin),
        ]
        return JSONWriter.bytes(["message": "User registered successfully", "user": userValue, "token": .string(token)])
    }

    /// The register answer as Codable structs through Foundation `JSONEncoder`.
    static func codableRegister(user: User, token: String, encoder: JSONEncoder) throws -> Data {
        let body = RegisterResponseBody(
            message: "User registered successfully",
            user: .init(
                id: user.id, userID: user.publicID, username: user.username, email: user.email, isActive: user.isActive, isAdmin: user.isAdmin,
                createdAt: ISO8601.format(milliseconds: user.createdAt), updatedAt: ISO8601.format(milliseconds: user.updatedAt),
                lastLogin: user.lastLogin.map { ISO8601.format(milliseconds: $0) }
            ),
            token: token
        )
        return try encoder.encode(body)
    }

    private static func time(_ milliseconds: Int64?) -> JSONValue {
        milliseconds.map { .string(ISO8601.format(milliseconds: $0)) } ?? .null
    }
}

/// `{message, user, token}` as a Codable response type.
struct RegisterResponseBody: Encodable {
    var message: String
    var user: UserBody
    var token: String

    /// The user object of API.md.
    struct UserBody: Encodable {
        var id: Int64
        var userID: String
        var username: String
        var email: String
        var isActive: Bool
        var isAdmin: Bool
        var createdAt: String
        var updatedAt: String
        var lastLogin: String?

        enum CodingKeys: String, CodingKey {
            case id, username, email
            case userID = "user_id"
            case isActive = "is_active"
            case isAdmin = "is_admin"
            case createdAt = "created_at"
            case updatedAt = "updated_at"
            case lastLogin = "last_login"
        }

        // Written out so a missing last login is `null`, as API.md shows it, rather than an absent key.
        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(self.id, forKey: .id)
            try container.encode(self.userID, forKey: .userID)
            try container.encode(self.username, forKey: .username)
            try container.encode(self.email, forKey: .email)
            try container.encode(self.isActive, forKey: .isActive)
            try container.encode(self.isAdmin, forKey: .isAdmin)
            try container.encode(self.createdAt, forKey: .createdAt)
            try container.encode(self.updatedAt, forKey: .updatedAt)
            try container.encode(self.lastLogin, forKey: .lastLogin)
        }
    }
}
