import Hummingbird
import IoTFlowCore

/// What the controllers share: the domain services and the authenticator.
struct APIServices: Sendable {
    let deps: Dependencies
    let accounts: AccountService
    let devices: DeviceService
    let telemetry: TelemetryService
    let groups: GroupService
    let admin: AdminService
    let authenticator: RequestAuthenticator
    let health: StoreHealthChecker
    let requestTimeoutSeconds: Int

    init(deps: Dependencies, configuration: AppConfiguration, health: StoreHealthChecker) {
        self.deps = deps
        self.accounts = AccountService(deps)
        self.devices = DeviceService(deps)
        self.telemetry = TelemetryService(deps)
        self.groups = GroupService(deps)
        self.admin = AdminService(deps)
        self.authenticator = RequestAuthenticator(
            accounts: self.accounts, devices: self.devices, adminToken: configuration.adminToken, legacyUserHeader: configuration.legacyUserHeader
        )
        self.health = health
        self.requestTimeoutSeconds = configuration.requestTimeoutSeconds
    }

    func principal(_ request: Request, accepts kinds: PrincipalKinds) async throws -> Principal {
        try await self.authenticator.principal(request, accepts: kinds)
    }

    /// For routes without authentication: a bearer token, if sent, must still be valid (API.md: an invalid,
    /// expired or revoked bearer token is 401 on every route), so a client learns its token is dead.
    func rejectInvalidBearer(_ request: Request) async throws {
        guard let token = RequestAuthenticator.bearerToken(request) else { return }
        _ = try await self.accounts.authenticate(token: token)
    }

    /// The calling user, for user-only routes (bearer token or legacy header).
    func user(_ request: Request) async throws -> User {
        guard case .user(let user) = try await self.principal(request, accepts: .user) else {
            throw IoTFlowError.unauthorized("This endpoint needs 'Authorization: Bearer <token>'.")
        }
        return user
    }

    /// A device as JSON with its online flag.
    func deviceJSON(_ device: Device) -> JSONObject {
        Representation.device(device, online: self.devices.isOnline(device))
    }
}

extension Request {
    /// Query parameters as a dictionary; the last occurrence of a name wins.
    var queryDictionary: [String: String] {
        var result: [String: String] = [:]
        for (key, value) in self.uri.queryParameters { result[String(key)] = String(value) }
        return result
    }
}

extension Parameters {
    /// A positive integer id from the path; a malformed id is 404, as if the object did not exist.
    func id(_ name: String, kind: String) throws -> Int64 {
        guard let text = self.get(name), let id = Int64(text), id > 0 else {
            throw IoTFlowError.notFound("\(kind) \(self.get(name)?.prefix(40) ?? "") was not found.")
        }
        return id
    }

    /// A path segment as text.
    func text(_ name: String) -> String {
        self.get(name) ?? ""
    }
}
