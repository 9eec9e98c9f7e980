import HTTPTypes
import Hummingbird
import IoTFlowCore

/// Reads the credentials of a request and resolves them to a ``Principal`` for the kinds a route accepts.
struct RequestAuthenticator: Sendable {
    let accounts: AccountService
    let devices: DeviceService
    let adminToken: String?
    let legacyUserHeader: Bool

    static let apiKeyHeader = HTTPField.Name("X-API-Key")!
    static let legacyUserHeaderName = HTTPField.Name("X-User-ID")!

    /// The principal, or 401 (missing, invalid or wrong kind of credential) / 403 (wrong admin token).
    func principal(_ request: Request, accepts kinds: PrincipalKinds) async throws -> Principal {
        if let key = request.headers[Self.apiKeyHeader], !key.isEmpty, kinds.contains(.device) {
            return .device(try await self.devices.authenticate(apiKey: key))
        }
        if let authorization = request.headers[.authorization] {
            let (scheme, credential) = Self.split(authorization)
            switch scheme {
            case "bearer" where kinds.contains(.user):
                return .user(try await self.accounts.authenticate(token: credential))
            case "admin" where kinds.contains(.adminToken):
                guard let adminToken, !credential.isEmpty, Secrets.constantTimeEquals(credential, adminToken) else {
                    throw IoTFlowError.forbidden("The admin token is not valid.")
                }
                return .adminToken
            default:
                throw IoTFlowError.unauthorized(Self.expected(kinds))
            }
        }
        if self.legacyUserHeader, kinds.contains(.user), let userID = request.headers[Self.legacyUserHeaderName] {
            return .user(try await self.accounts.authenticate(legacyUserID: userID))
        }
        throw IoTFlowError.unauthorized(Self.expected(kinds))
    }

    /// The bearer token of the request, if any.
    static func bearerToken(_ request: Request) -> String? {
        guard let authorization = request.headers[.authorization] else { return nil }
        let (scheme, credential) = Self.split(authorization)
        return scheme == "bearer" && !credential.isEmpty ? credential : nil
    }

    private static func split(_ header: String) -> (scheme: String, credential: String) {
        let parts = header.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        let scheme = parts.first.map { $0.lowercased() } ?? ""
        let credential = parts.count > 1 ? String(parts[1]).trimmingSpacesAndTabs : ""
        return (scheme, credential)
    }

    private static func expected(_ kinds: PrincipalKinds) -> String {
        var names: [String] = []
        if kinds.contains(.device) { names.append("a device key in X-API-Key") }
        if kinds.contains(.user) { names.append("'Authorization: Bearer <token>'") }
        if kinds.contains(.adminToken) { names.append("'Authorization: admin <token>'") }
        return "This endpoint needs " + names.joined(separator: " or ") + "."
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
