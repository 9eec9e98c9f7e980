import Hummingbird
import IoTFlowCore

/// The `/devices` routes used by people (bearer token, some also admin).
struct DeviceController {
    let services: APIServices

    func addRoutes(to group: RouterGroup<AppRequestContext>, table: RouteTable, prefix: String) {
        let devices = self.services.devices
        group.on(table, prefix, "register", method: .post) { request, context in
            guard case .user(let owner) = try await self.services.principal(request, accepts: .user) else {
                throw IoTFlowError.unauthorized("Register devices with a user's bearer token.")
            }
            let (device, apiKey) = try await devices.register(owner: owner, body: try await JSONBody.read(request, context: context))
            let body = self.services.deviceJSON(device).with([
                "api_key": .string(apiKey), "owner": ["username": .string(owner.username), "email": .string(owner.email)],
            ])
            return JSONBody.response(["message": "Device registered successfully", "device": body], status: .created)
        }
        group.on(table, prefix, "user/{user_id}", method: .get) { request, context in
            let principal = try await self.services.principal(request, accepts: [.user, .adminToken])
            let page = try await devices.devices(ofUser: context.parameters.text("user_id"), principal: principal, query: request.queryDictionary)
            return JSONBody.response([
                "user_id": .string(page.owner.publicID), "username": .string(page.owner.username),
                "devices": .array(page.devices.map { .object(self.services.deviceJSON($0)) }),
                "meta": page.paging.meta(total: page.total, returned: page.devices.count),
            ])
        }
        group.on(table, prefix, "{id}", method: .get) { request, context in
            let principal = try await self.services.principal(request, accepts: [.user, .adminToken])
            let device = try await devices.device(try context.parameters.id("id", kind: "Device"), principal: principal)
            return JSONBody.response(["device": .object(self.services.deviceJSON(device))])
        }
        group.on(table, prefix, "{id}", method: .put) { request, context in
            let principal = try await self.services.principal(request, accepts: .user)
            let id = try context.parameters.id("id", kind: "Device")
            let device = try await devices.update(id, body: try await JSONBody.read(request, context: context), principal: principal)
            return JSONBody.response(["message": "Device updated", "device": .object(self.services.deviceJSON(device))])
        }
        group.on(table, prefix, "{id}", method: .delete) { request, context in
            let principal = try await self.services.principal(request, accepts: .user)
            try await devices.delete(try context.parameters.id("id", kind: "Device"), principal: principal)
            return JSONBody.response(Representation.message("Device deleted with its telemetry."))
        }
        group.on(table, prefix, "{id}/rotate-key", method: .post) { request, context in
            let principal = try await self.services.principal(request, accepts: .user)
            let id = try context.parameters.id("id", kind: "Device")
            let apiKey = try await devices.rotateKey(id, principal: principal)
            return JSONBody.response([
                "message": "API key rotated; the previous key no longer works.", "device_id": .int(id), "api_key": .string(apiKey),
            ])
        }
        group.on(table, prefix, "{id}/status", method: .get) { request, context in
            let principal = try await self.services.principal(request, accepts: [.user, .adminToken])
            let device = try await devices.device(try context.parameters.id("id", kind: "Device"), principal: principal)
            return JSONBody.response([
                "device_id": .int(device.id), "name": .string(device.name), "status": .string(device.status.rawValue),
                "is_online": .bool(devices.isOnline(device)), "last_seen": Representation.time(device.lastSeen),
            ])
        }
        group.on(table, prefix, "{id}/groups", method: .get) { request, context in
            let principal = try await self.services.principal(request, accepts: .user)
            let (device, groups) = try await devices.groups(try context.parameters.id("id", kind: "Device"), principal: principal)
            let list: [JSONValue] = groups.map {
                ["id": .int($0.groupID), "name": .string($0.name), "color": .string($0.color), "added_at": Representation.time($0.addedAt)]
            }
            return JSONBody.response([
                "device_id": .int(device.id), "device_name": .string(device.name), "groups": .array(list), "total_groups": .integer(groups.count),
            ])
        }
    }
}
