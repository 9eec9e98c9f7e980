import Hummingbird
import IoTFlowCore

/// The `/admin` routes: `Authorization: admin <token>` or an admin user's bearer token.
struct AdminController {
    let services: APIServices

    func addRoutes(to group: RouterGroup<AppRequestContext>, table: RouteTable, prefix: String) {
        let admin = self.services.admin
        group.on(table, prefix, "devices", method: .get) { request, _ in
            let page = try await admin.devices(principal: try await self.principal(request), query: request.queryDictionary)
            return JSONBody.response([
                "devices": .array(page.devices.map { .object(self.services.deviceJSON($0)) }),
                "meta": page.paging.meta(total: page.total, returned: page.devices.count),
            ])
        }
        group.on(table, prefix, "devices/statuses", method: .get) { request, _ in
            let page = try await admin.statuses(principal: try await self.principal(request), query: request.queryDictionary)
            let list: [JSONValue] = page.devices.map { device in
                [
                    "id": .int(device.id), "name": .string(device.name), "device_type": .string(device.deviceType),
                    "status": .string(device.status.rawValue), "is_online": .bool(self.services.devices.isOnline(device)),
                    "last_seen": Representation.time(device.lastSeen),
                ]
            }
            return JSONBody.response(["devices": .array(list), "meta": page.paging.meta(total: page.total, returned: list.count)])
        }
        group.on(table, prefix, "devices/{id}", method: .get) { request, context in
            let device = try await admin.device(try context.parameters.id("id", kind: "Device"), principal: try await self.principal(request))
            return JSONBody.response(["device": .object(self.services.deviceJSON(device))])
        }
        group.on(table, prefix, "devices/{id}", method: .put) { request, context in
            let principal = try await self.principal(request)
            let id = try context.parameters.id("id", kind: "Device")
            let device = try await admin.updateDevice(id, principal: principal, body: try await JSONBody.read(request, context: context))
            return JSONBody.response(["message": "Device updated", "device": .object(self.services.deviceJSON(device))])
        }
        group.on(table, prefix, "devices/{id}/status", method: .put) { request, context in
            let principal = try await self.principal(request)
            let id = try context.parameters.id("id", kind: "Device")
            let change = try await admin.setDeviceStatus(id, principal: principal, body: try await JSONBody.read(request, context: context))
            return JSONBody.response([
                "message": "Device status updated", "device_id": .int(id), "old_status": .string(change.old.rawValue),
                "new_status": .string(change.new.rawValue),
            ])
        }
        group.on(table, prefix, "devices/{id}", method: .delete) { request, context in
            try await admin.deleteDevice(try context.parameters.id("id", kind: "Device"), principal: try await self.principal(request))
            return JSONBody.response(Representation.message("Device deleted with its telemetry."))
        }
        group.on(table, prefix, "stats", method: .get) { request, _ in
            let stats = try await admin.statistics(principal: try await self.principal(request))
            let byStatus = stats.registry.devicesByStatus
            let online = stats.registry.onlineDevices
            return JSONBody.response([
                "users": [
                    "total": .integer(stats.registry.users), "active": .integer(stats.registry.activeUsers),
                    "admins": .integer(stats.registry.admins),
                ],
                "devices": [
                    "total": .integer(stats.registry.devices), "active": .integer(byStatus[.active] ?? 0),
                    "inactive": .integer(byStatus[.inactive] ?? 0),
                    "maintenance": .integer(byStatus[.maintenance] ?? 0), "online": .integer(online),
                    "offline": .integer(stats.registry.devices - online),
                ],
                "groups": ["total": .integer(stats.registry.groups)],
                "telemetry": ["points_total": .integer(stats.pointsTotal), "points_last_24h": .integer(stats.pointsLast24h)],
                "cache": ["hits": .integer(stats.cache.hits), "misses": .integer(stats.cache.misses), "hit_rate": .double(stats.cache.hitRate)],
                "events": [
                    "total": .integer(stats.eventsTotal), "dropped": .integer(stats.eventQueue.dropped),
                ],
            ])
        }
        group.on(table, prefix, "events", method: .get) { request, _ in
            let page = try await admin.events(principal: try await self.principal(request), query: request.queryDictionary)
            return JSONBody.response([
                "events": .array(page.events.map(Representation.event)), "meta": page.paging.meta(total: page.total, returned: page.events.count),
            ])
        }
    }

    private func principal(_ request: Request) async throws -> Principal {
        try await self.services.principal(request, accepts: [.user, .adminToken])
    }
}
