import Hummingbird
import IoTFlowCore

/// The `/devices/...` routes a device calls about itself with its API key.
struct DeviceSelfController {
    let services: APIServices

    struct SelfStatusResponse: ResponseEncodable, Sendable {
        let device: DeviceRepresentation
        let isOnline: Bool

        private enum CodingKeys: String, CodingKey { case device, isOnline = "is_online" }
    }

    struct CredentialsResponse: ResponseEncodable, Sendable {
        struct Credentials: ResponseEncodable, Sendable {
            struct Owner: ResponseEncodable, Sendable {
                let username: String
                let userID: String

                private enum CodingKeys: String, CodingKey { case username, userID = "user_id" }
            }

            let id: Int64
            let name: String
            let deviceType: String
            let status: String
            let userID: String
            let owner: Owner

            private enum CodingKeys: String, CodingKey { case id, name, deviceType = "device_type", status, userID = "user_id", owner }
        }

        let device: Credentials
    }

    struct ConfigResponse: ResponseEncodable, Sendable {
        let deviceID: Int64
        let config: JSONObject
        let updatedAt: Timestamp

        private enum CodingKeys: String, CodingKey { case deviceID = "device_id", config, updatedAt = "updated_at" }
    }

    struct HeartbeatResponse: ResponseEncodable, Sendable {
        let message: String
        let deviceID: Int64
        let timestamp: Timestamp
        let status: String

        private enum CodingKeys: String, CodingKey { case message, deviceID = "device_id", timestamp, status }
    }

    var routes: RouteCollection<AppRequestContext> {
        let routes = RouteCollection(context: AppRequestContext.self)
        let devices = self.services.devices
        routes.get("status") { _, context in
            let device = try await devices.find(try context.identity.device().device.id)
            return SelfStatusResponse(device: self.services.representation(device), isOnline: devices.isOnline(device))
        }
        routes.get("credentials") { _, context in
            let caller = try context.identity.device()
            let device = caller.device
            return CredentialsResponse(
                device: .init(
                    id: device.id, name: device.name, deviceType: device.deviceType, status: device.status.rawValue, userID: caller.ownerPublicID,
                    owner: .init(username: caller.ownerUsername, userID: caller.ownerPublicID)
                )
            )
        }
        routes.get("config") { _, context in
            let caller = try context.identity.device()
            let config = try await devices.config(of: caller)
            return ConfigResponse(deviceID: caller.device.id, config: config.json, updatedAt: Timestamp(config.updatedAt))
        }
        routes.put("config") { request, context in
            let caller = try context.identity.device()
            let body = try await request.decode(as: DeviceSelfUpdateRequest.self, context: context)
            let device = try await devices.updateOwnConfig(caller, body.update)
            return DeviceController.DeviceChangeResponse(message: "Device configuration updated", device: self.services.representation(device))
        }
        routes.post("heartbeat") { _, context in
            let caller = try context.identity.device()
            let now = try await devices.heartbeat(caller)
            return HeartbeatResponse(message: "Heartbeat received", deviceID: caller.device.id, timestamp: Timestamp(now), status: "online")
        }
        return routes
    }
}
