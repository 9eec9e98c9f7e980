import Hummingbird
import IoTFlowCore

/// `POST /auth/register`, `/auth/login`, `/auth/logout`.
struct AuthController {
    let services: APIServices

    func addRoutes(to group: RouterGroup<AppRequestContext>, table: RouteTable, prefix: String) {
        group.on(table, prefix, "register", method: .post) { request, context in
            try await self.services.rejectInvalidBearer(request)
            let (user, token) = try await self.services.accounts.register(
                try await JSONBody.read(request, context: context), client: context.clientAddress
            )
            return JSONBody.response(
                ["message": "User registered successfully", "user": Representation.user(user), "token": .string(token)], status: .created
            )
        }
        group.on(table, prefix, "login", method: .post) { request, context in
            try await self.services.rejectInvalidBearer(request)
            let (user, token) = try await self.services.accounts.login(
                try await JSONBody.read(request, context: context), client: context.clientAddress)
            return JSONBody.response(["message": "Login successful", "user": Representation.user(user), "token": .string(token)])
        }
        group.on(table, prefix, "logout", method: .post) { request, _ in
            _ = try await self.services.principal(request, accepts: .user)
            guard let token = RequestAuthenticator.bearerToken(request) else {
                // Legacy X-User-ID callers hold no token, so there is nothing to revoke.
                return JSONBody.response(Representation.message("Logged out; no token was used, so none was revoked."))
            }
            try await self.services.accounts.logout(token: token)
            return JSONBody.response(Representation.message("Logged out; the token is revoked."))
        }
    }
}
