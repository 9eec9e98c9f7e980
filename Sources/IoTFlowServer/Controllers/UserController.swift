import Hummingbird
import IoTFlowCore

/// `/users` routes.
struct UserController {
    let services: APIServices

    struct UserResponse: ResponseEncodable, Sendable {
        let user: UserRepresentation
    }

    struct UserListResponse: ResponseEncodable, Sendable {
        let users: [UserRepresentation]
        let meta: ListMeta
    }

    struct UserChangeResponse: ResponseEncodable, Sendable {
        let message: String
        let user: UserRepresentation
    }

    var routes: RouteCollection<AppRequestContext> {
        let routes = RouteCollection(context: AppRequestContext.self)
        let accounts = self.services.accounts
        routes.get { request, context in
            let page = try await accounts.users(page: try QueryReader(request).page(), principal: try context.identity.person())
            return UserListResponse(users: page.items.map { UserRepresentation(user: $0) }, meta: ListMeta(page))
        }
        routes.get("{user_id}") { _, context in
            let user = try await accounts.user(publicID: context.parameters.text("user_id"), principal: try context.identity.person())
            return UserResponse(user: UserRepresentation(user: user))
        }
        routes.put("{user_id}") { request, context in
            let principal = try context.identity.person()
            let body = try await request.decode(as: UserUpdateRequest.self, context: context)
            let user = try await accounts.update(publicID: context.parameters.text("user_id"), body.update, principal: principal)
            return UserChangeResponse(message: "User updated", user: UserRepresentation(user: user))
        }
        routes.delete("{user_id}") { _, context in
            try await accounts.delete(publicID: context.parameters.text("user_id"), principal: try context.identity.person())
            return MessageResponse("User deleted with its devices, groups and telemetry.")
        }
        for (path, active) in [("{user_id}/deactivate", false), ("{user_id}/activate", true)] {
            routes.patch(RouterPath(path)) { _, context in
                let user = try await accounts.setActive(
                    publicID: context.parameters.text("user_id"), active: active, principal: try context.identity.person())
                return UserChangeResponse(message: active ? "User activated" : "User deactivated", user: UserRepresentation(user: user))
            }
        }
        return routes
    }
}
