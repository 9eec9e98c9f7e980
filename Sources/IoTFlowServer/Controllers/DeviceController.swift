import Hummingbird
import IoTFlowCore

/// The `/devices` routes used by people (bearer token, some also admin).
struct DeviceController {
    let services: APIServices

    struct RegisteredResponse: ResponseEncodable, Sendable {
        let message: String
        let device: DeviceRepresentation
    }

    struct UserDevicesResponse: ResponseEncodable, Sendable {
        let userID: String
        let username: String
        let devices: [DeviceRepresentation]
        let meta: ListMeta

        private enum CodingKeys: String, CodingKey { case userID = "user_id", username, devices, meta }
    }

    struct DeviceResponse: ResponseEncodable, Sendable {
        let device: DeviceRepresentation
    }

    struct DeviceChangeResponse: ResponseEncodable, Sendable {
        let message: String
        let device: DeviceRepresentation
    }

    struct ConfigChangeResponse: ResponseEncodable, Sendable {
        let message: String
        let deviceID: Int64
        let config: JSONObject
        let updatedAt: Timestamp

        private enum CodingKeys: String, CodingKey { case message, deviceID = "device_id", config, updatedAt = "updated_at" }
    }

    struct RotatedKeyResponse: ResponseEncodable, Sendable {
        let message: String
        let deviceID: Int64
        let apiKey: String

        private enum CodingKeys: String, CodingKey { case message, deviceID = "device_id", apiKey = "api_key" }
    }

    struct StatusResponse: ResponseEncodable, Sendable {
        let deviceID: Int64
        let name: String
        let status: String
        let isOnline: Bool
        let lastSeen: Timestamp

        private enum CodingKeys: String, CodingKey { case deviceID = "device_id", name, status, isOnline = "is_online", lastSeen = "last_seen" }
    }

    struct DeviceGroupsResponse: ResponseEncodable, Sendable {
        struct Membership: ResponseEncodable, Sendable {
            let id: Int64
            let name: String
            let color: String?
            let addedAt: Timestamp

            private enum CodingKeys: String, CodingKey { case id, name, color, addedAt = "added_at" }

            func encode(to encoder: any Encoder) throws {
                var container = encoder.container(keyedBy: CodingKeys.self)
                try container.encode(self.id, forKey: .id)
                try container.encode(self.name, forKey: .name)
                try container.encode(self.color, forKey: .color)
                try container.encode(self.addedAt, forKey: .addedAt)
            }
        }

        let deviceID: Int64
        let deviceName: String
        let groups: [Membership]
        let totalGroups: Int

        private enum CodingKeys: String, CodingKey { case deviceID = "device_id", deviceName = "device_name", groups, totalGroups = "total_groups" }
    }

    var routes: RouteCollection<AppRequestContext> {
        let routes = RouteCollection(context: AppRequestContext.self)
        let devices = self.services.devices
        routes.post("register") { request, context in
            let owner = try context.identity.user()
            let body = try await request.decode(as: RegisterDeviceRequest.self, context: context)
            let (device, apiKey) = try await devices.register(owner: owner, body.command)
            var representation = self.services.representation(device)
            representation.apiKey = apiKey
            representation.owner = .init(username: owner.username, email: owner.email)
            return Answer(.created, RegisteredResponse(message: "Device registered successfully", device: representation))
        }
        routes.get("user/{user_id}") { request, context in
            let principal = try context.identity.person()
            let query = QueryReader(request)
            let filter = DeviceFilter(status: query.string("status"), deviceType: query.string("device_type"), page: try query.page())
            let (owner, page) = try await devices.devices(ofUser: context.parameters.text("user_id"), principal: principal, filter: filter)
            return UserDevicesResponse(
                userID: owner.publicID, username: owner.username, devices: page.items.map(self.services.representation), meta: ListMeta(page))
        }
        routes.get("{id}") { _, context in
            let device = try await devices.device(try context.parameters.id("id", kind: "Device"), principal: try context.identity.person())
            return DeviceResponse(device: self.services.representation(device))
        }
        routes.put("{id}") { request, context in
            let principal = try context.identity.principal(accepting: .user)
            let id = try context.parameters.id("id", kind: "Device")
            let body = try await request.decode(as: DeviceUpdateRequest.self, context: context)
            let device = try await devices.update(id, body.update, principal: principal)
            return DeviceChangeResponse(message: "Device updated", device: self.services.representation(device))
        }
        routes.delete("{id}") { _, context in
            try await devices.delete(try context.parameters.id("id", kind: "Device"), principal: try context.identity.principal(accepting: .user))
            return MessageResponse("Device deleted with its telemetry.")
        }
        routes.post("{id}/rotate-key") { _, context in
            let principal = try context.identity.principal(accepting: .user)
            let id = try context.parameters.id("id", kind: "Device")
            let apiKey = try await devices.rotateKey(id, principal: principal)
            return RotatedKeyResponse(message: "API key rotated; the previous key no longer works.", deviceID: id, apiKey: apiKey)
        }
        routes.get("{id}/status") { _, context in
            let device = try await devices.device(try context.parameters.id("id", kind: "Device"), principal: try context.identity.person())
            return StatusResponse(
                deviceID: device.id, name: device.name, status: device.status.rawValue, isOnline: devices.isOnline(device),
                lastSeen: Timestamp(device.lastSeen))
        }
        routes.get("{id}/config") { _, context in
            let id = try context.parameters.id("id", kind: "Device")
            let config = try await devices.config(id, principal: try context.identity.person())
            return DeviceSelfController.ConfigResponse(deviceID: id, config: config.json, updatedAt: Timestamp(config.updatedAt))
        }
        routes.put("{id}/config") { request, context in
            let principal = try context.identity.principal(accepting: .user)
            let id = try context.parameters.id("id", kind: "Device")
            let body = try await request.decode(as: DeviceConfigRequest.self, context: context)
            let config = try await devices.setConfig(id, principal: principal, config: body.config)
            return ConfigChangeResponse(
                message: "Device configuration updated", deviceID: id, config: config.json, updatedAt: Timestamp(config.updatedAt))
        }
        routes.get("{id}/groups") { _, context in
            let principal = try context.identity.principal(accepting: .user)
            let (device, groups) = try await devices.groups(try context.parameters.id("id", kind: "Device"), principal: principal)
            return DeviceGroupsResponse(
                deviceID: device.id, deviceName: device.name,
                groups: groups.map { .init(id: $0.groupID, name: $0.name, color: $0.color, addedAt: Timestamp($0.addedAt)) },
                totalGroups: groups.count
            )
        }
        return routes
    }
}
