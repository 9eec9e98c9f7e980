import Hummingbird
import IoTFlowCore

/// `/users` routes.
struct UserController {
    let services: APIServices

    func addRoutes(to group: RouterGroup<AppRequestContext>, table: RouteTable, prefix: String) {
        let accounts = self.services.accounts
        group.on(table, prefix, "", method: .get) { request, _ in
            let principal = try await self.services.principal(request, accepts: [.user, .adminToken])
            let query = request.queryDictionary
            let paging = try Paging.parse(limit: query["limit"], offset: query["offset"])
            let page = try await accounts.users(paging: paging, principal: principal)
            return JSONBody.response([
                "users": .array(page.users.map(Representation.user)), "meta": paging.meta(total: page.total, returned: page.users.count),
            ])
        }
        group.on(table, prefix, "{user_id}", method: .get) { request, context in
            let principal = try await self.services.principal(request, accepts: [.user, .adminToken])
            let user = try await accounts.user(publicID: context.parameters.text("user_id"), principal: principal)
            return JSONBody.response(["user": Representation.user(user)])
        }
        group.on(table, prefix, "{user_id}", method: .put) { request, context in
            let principal = try await self.services.principal(request, accepts: [.user, .adminToken])
            let body = try await JSONBody.read(request, context: context)
            let user = try await accounts.update(publicID: context.parameters.text("user_id"), body: body, principal: principal)
            return JSONBody.response(["message": "User updated", "user": Representation.user(user)])
        }
        group.on(table, prefix, "{user_id}", method: .delete) { request, context in
            let principal = try await self.services.principal(request, accepts: [.user, .adminToken])
            try await accounts.delete(publicID: context.parameters.text("user_id"), principal: principal)
            return JSONBody.response(Representation.message("User deleted with its devices, groups and telemetry."))
        }
        for (path, active) in [("{user_id}/deactivate", false), ("{user_id}/activate", true)] {
            group.on(table, prefix, path, method: .patch) { request, context in
                let principal = try await self.services.principal(request, accepts: [.user, .adminToken])
                let user = try await accounts.setActive(publicID: context.parameters.text("user_id"), active: active, principal: principal)
                return JSONBody.response(["message": .string(active ? "User activated" : "User deactivated"), "user": Representation.user(user)])
            }
        }
    }
}
