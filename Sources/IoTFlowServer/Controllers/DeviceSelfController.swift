import Hummingbird
import IoTFlowCore

/// The `/devices/...` routes a device calls about itself with its API key.
struct DeviceSelfController {
    let services: APIServices

    func addRoutes(to group: RouterGroup<AppRequestContext>, table: RouteTable, prefix: String) {
        let devices = self.services.devices
        group.on(table, prefix, "status", method: .get) { request, _ in
            let caller = try await self.caller(request)
            let device = try await devices.find(caller.device.id)
            return JSONBody.response(["device": .object(self.services.deviceJSON(device)), "is_online": .bool(devices.isOnline(device))])
        }
        group.on(table, prefix, "credentials", method: .get) { request, _ in
            let caller = try await self.caller(request)
            let device = caller.device
            return JSONBody.response([
                "device": [
                    "id": .int(device.id), "name": .string(device.name), "device_type": .string(device.deviceType),
                    "status": .string(device.status.rawValue), "user_id": .string(caller.ownerPublicID),
                    "owner": ["username": .string(caller.ownerUsername), "user_id": .string(caller.ownerPublicID)],
                ]
            ])
        }
        group.on(table, prefix, "config", method: .get) { request, _ in
            let caller = try await self.caller(request)
            let config = try await devices.config(of: caller)
            return JSONBody.response([
                "device_id": .int(caller.device.id), "config": .object(config.json), "updated_at": Representation.time(config.updatedAt),
            ])
        }
        group.on(table, prefix, "config", method: .put) { request, context in
            let caller = try await self.caller(request)
            let device = try await devices.updateOwnConfig(caller, body: try await JSONBody.read(request, context: context))
            return JSONBody.response(["message": "Device configuration updated", "device": .object(self.services.deviceJSON(device))])
        }
        group.on(table, prefix, "heartbeat", method: .post) { request, _ in
            let caller = try await self.caller(request)
            let now = try await devices.heartbeat(caller)
            return JSONBody.response([
                "message": "Heartbeat received", "device_id": .int(caller.device.id), "timestamp": Representation.time(now), "status": "online",
            ])
        }
    }

    private func caller(_ request: Request) async throws -> AuthenticatedDevice {
        guard case .device(let device) = try await self.services.principal(request, accepts: .device) else {
            throw IoTFlowError.unauthorized("This endpoint needs a device key in X-API-Key.")
        }
        return device
    }
}
