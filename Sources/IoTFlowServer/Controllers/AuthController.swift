import Hummingbird
import IoTFlowCore

/// `POST /auth/register`, `/auth/login`, `/auth/logout`.
struct AuthController {
    let services: APIServices

    struct SessionResponse: ResponseEncodable, Sendable {
        let message: String
        let user: UserRepresentation
        let token: String
    }

    var routes: RouteCollection<AppRequestContext> {
        let routes = RouteCollection(context: AppRequestContext.self)
        routes.post("register") { request, context in
            let body = try await request.decode(as: RegisterRequest.self, context: context)
            let (user, token) = try await self.services.accounts.register(body.command, client: context.clientAddress)
            return Answer(.created, SessionResponse(message: "User registered successfully", user: UserRepresentation(user: user), token: token))
        }
        routes.post("login") { request, context in
            let body = try await request.decode(as: LoginRequest.self, context: context)
            let (user, token) = try await self.services.accounts.login(body.attempt, client: context.clientAddress)
            return SessionResponse(message: "Login successful", user: UserRepresentation(user: user), token: token)
        }
        routes.post("logout") { request, context in
            _ = try context.identity.user()
            guard let token = AuthenticationMiddleware.bearerToken(request) else {
                // Legacy X-User-ID callers hold no token, so there is nothing to revoke.
                return MessageResponse("Logged out; no token was used, so none was revoked.")
            }
            try await self.services.accounts.logout(token: token)
            return MessageResponse("Logged out; the token is revoked.")
        }
        return routes
    }
}
