import IoTFlowCore

/// The credentials a request carried, resolved once by ``AuthenticationMiddleware``. Handlers state what they
/// accept (``principal(accepting:)``, ``device()``, ``user()``); the rules of API.md decide 401 against 403.
public struct Identity: Sendable {
    /// What the `Authorization` header held.
    public enum Authorization: Sendable {
        /// A valid bearer token's user (an invalid one never gets this far: it is 401 on every route).
        case bearer(User)
        /// `Authorization: admin <token>`, and whether the token is the configured one.
        case adminToken(valid: Bool)
        /// Any other scheme.
        case other
    }

    /// `X-API-Key`, resolved: the device, or why it was refused.
    public var deviceKey: Result<AuthenticatedDevice, IoTFlowError>?
    /// The `Authorization` header, resolved.
    public var authorization: Authorization?
    /// The legacy `X-User-ID` header, resolved (only when legacy mode is on).
    public var legacyUser: Result<User, IoTFlowError>?

    /// A request without credentials.
    public static let anonymous = Identity()

    /// The principal among the kinds a route accepts; 401 for a missing, invalid or wrong kind of credential,
    /// 403 for a wrong admin token.
    public func principal(accepting kinds: PrincipalKinds) throws(IoTFlowError) -> Principal {
        if let device = self.deviceKey, kinds.contains(.device) {
            return .device(try device.get())
        }
        if let authorization = self.authorization {
            switch authorization {
            case .bearer(let user) where kinds.contains(.user):
                return .user(user)
            case .adminToken(let valid) where kinds.contains(.adminToken):
                guard valid else { throw .forbidden("The admin token is not valid.") }
                return .adminToken
            default:
                throw .unauthorized(Self.expected(kinds))
            }
        }
        if let legacyUser = self.legacyUser, kinds.contains(.user) {
            return .user(try legacyUser.get())
        }
        throw .unauthorized(Self.expected(kinds))
    }

    /// The calling device (routes a device calls about itself).
    public func device() throws(IoTFlowError) -> AuthenticatedDevice {
        guard case .device(let device) = try self.principal(accepting: .device) else { throw .unauthorized(Self.expected(.device)) }
        return device
    }

    /// The calling user (user-only routes).
    public func user() throws(IoTFlowError) -> User {
        guard case .user(let user) = try self.principal(accepting: .user) else { throw .unauthorized(Self.expected(.user)) }
        return user
    }

    /// The owner-or-admin and admin routes accept a user's bearer token or the admin token.
    public func person() throws(IoTFlowError) -> Principal {
        try self.principal(accepting: [.user, .adminToken])
    }

    /// Whether the request sent a bearer token (some routes revoke it).
    public var bearerUser: User? {
        if case .bearer(let user) = self.authorization { return user }
        return nil
    }

    private static func expected(_ kinds: PrincipalKinds) -> String {
        var names: [String] = []
        if kinds.contains(.device) { names.append("a device key in X-API-Key") }
        if kinds.contains(.user) { names.append("'Authorization: Bearer <token>'") }
        if kinds.contains(.adminToken) { names.append("'Authorization: admin <token>'") }
        return "This endpoint needs " + names.joined(separator: " or ") + "."
    }
}
