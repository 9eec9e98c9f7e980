import HTTPTypes
import Hummingbird
import IoTFlowCore

/// Resolves the request's credentials into ``AppRequestContext/identity`` before any handler runs.
///
/// A bearer token that is invalid, expired or revoked is 401 here, on every route (API.md), so a client learns
/// its token is dead even on open routes. Other credentials are resolved but judged by the route: a device key
/// on a user route is the wrong kind (401), whatever its validity.
struct AuthenticationMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext

    static let apiKeyHeader = HTTPField.Name("X-API-Key")!
    static let legacyUserHeader = HTTPField.Name("X-User-ID")!

    let accounts: AccountService
    let devices: DeviceService
    let adminToken: String?
    let legacyUserHeaderEnabled: Bool

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        context.identity = try await self.identity(of: request)
        return try await next(request, context)
    }

    func identity(of request: Request) async throws -> Identity {
        try await self.identity(
            apiKey: request.headers[Self.apiKeyHeader], authorization: request.headers[.authorization],
            legacyUserID: request.headers[Self.legacyUserHeader]
        )
    }

    /// The identity of these header values; live streams call it again while they are open, to notice revocations.
    func identity(apiKey: String?, authorization: String?, legacyUserID: String?) async throws -> Identity {
        var identity = Identity()
        if let key = apiKey, !key.isEmpty {
            identity.deviceKey = try await Self.result { try await self.devices.authenticate(apiKey: key) }
        }
        if let header = authorization {
            let (scheme, credential) = Self.split(header)
            switch scheme {
            case "bearer":
                guard !credential.isEmpty else { throw IoTFlowError.unauthorized("The bearer token is empty.") }
                identity.authorization = .bearer(try await self.accounts.authenticate(token: credential))
            case "admin":
                let valid = self.adminToken.map { !credential.isEmpty && Secrets.constantTimeEquals(credential, $0) } ?? false
                identity.authorization = .adminToken(valid: valid)
            default:
                identity.authorization = .other
            }
        }
        if self.legacyUserHeaderEnabled, let userID = legacyUserID {
            identity.legacyUser = try await Self.result { try await self.accounts.authenticate(legacyUserID: userID) }
        }
        return identity
    }

    /// Keeps an error meant for the client (401, or 503 from a store) for the route to judge; any other
    /// failure is a bug and is thrown at once.
    private static func result<T: Sendable>(_ body: () async throws -> T) async throws -> Result<T, IoTFlowError> {
        do {
            return .success(try await body())
        } catch let error as IoTFlowError {
            return .failure(error)
        }
    }

    static func split(_ header: String) -> (scheme: String, credential: String) {
        let parts = header.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        let scheme = parts.first.map { $0.lowercased() } ?? ""
        let credential = parts.count > 1 ? String(parts[1]).trimmingSpacesAndTabs : ""
        return (scheme, credential)
    }
}

extension String {
    var trimmingSpacesAndTabs: String {
        var view = Substring(self)
        while let first = view.first, first == " " || first == "\t" { view.removeFirst() }
        while let last = view.last, last == " " || last == "\t" { view.removeLast() }
        return String(view)
    }
}

extension AuthenticationMiddleware {
    /// The bearer token of the request, if any (logout revokes it).
    static func bearerToken(_ request: Request) -> String? {
        guard let header = request.headers[.authorization] else { return nil }
        let (scheme, credential) = Self.split(header)
        return scheme == "bearer" && !credential.isEmpty ? credential : nil
    }
}
