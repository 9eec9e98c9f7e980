/// Who is making a request, once credentials were checked.
public enum Principal: Sendable {
    /// A device authenticated by its API key.
    case device(AuthenticatedDevice)
    /// A person authenticated by a bearer token (or the legacy header); may be an admin.
    case user(User)
    /// The operator, by `Authorization: admin <IOTFLOW_ADMIN_TOKEN>`.
    case adminToken

    /// Whether admin routes are open to this principal.
    public var isAdmin: Bool {
        switch self {
        case .adminToken: true
        case .user(let user): user.isAdmin
        case .device: false
        }
    }

    /// The user, when the principal is one.
    public var user: User? {
        if case .user(let user) = self { return user }
        return nil
    }
}

/// The kinds of credential a route accepts.
public struct PrincipalKinds: OptionSet, Sendable {
    public let rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }

    /// X-API-Key.
    public static let device = PrincipalKinds(rawValue: 1)
    /// Bearer token of any user (admins included).
    public static let user = PrincipalKinds(rawValue: 2)
    /// The `admin` token.
    public static let adminToken = PrincipalKinds(rawValue: 4)
}

/// The access rules shared by the services.
enum Access {
    /// Only the device's owner, as a user; anyone else is told the device does not exist.
    static func requireOwner(_ device: Device, _ principal: Principal) throws(IoTFlowError) {
        guard case .user(let user) = principal, user.id == device.ownerID else { throw Self.deviceNotFound(device.id) }
    }

    /// The owner or an admin.
    static func requireOwnerOrAdmin(_ device: Device, _ principal: Principal) throws(IoTFlowError) {
        switch principal {
        case .adminToken: return
        case .user(let user) where user.id == device.ownerID || user.isAdmin: return
        default: throw Self.deviceNotFound(device.id)
        }
    }

    /// The device itself, its owner or an admin.
    static func requireReader(_ device: Device, _ principal: Principal) throws(IoTFlowError) {
        if case .device(let caller) = principal {
            guard caller.device.id == device.id else { throw Self.deviceNotFound(device.id) }
            return
        }
        try Self.requireOwnerOrAdmin(device, principal)
    }

    /// The user themself or an admin; others get 403 (a user's existence is not a secret to other users' ids).
    static func requireSelfOrAdmin(_ target: User, _ principal: Principal) throws(IoTFlowError) {
        if principal.isAdmin { return }
        guard case .user(let user) = principal, user.id == target.id else {
            throw .forbidden("You may only access your own account.")
        }
    }

    /// An admin.
    static func requireAdmin(_ principal: Principal) throws(IoTFlowError) {
        guard principal.isAdmin else { throw .forbidden("This action requires an administrator.") }
    }

    static func deviceNotFound(_ id: Int64) -> IoTFlowError {
        .notFound("Device \(id) was not found.")
    }
}
