import Hummingbird
import IoTFlowCore

/// The `/admin` routes: `Authorization: admin <token>` or an admin user's bearer token.
struct AdminController {
    let services: APIServices

    struct DeviceListResponse: ResponseEncodable, Sendable {
        let devices: [DeviceRepresentation]
        let meta: ListMeta
    }

    struct StatusChangeResponse: ResponseEncodable, Sendable {
        let message: String
        let deviceID: Int64
        let oldStatus: String
        let newStatus: String

        private enum CodingKeys: String, CodingKey { case message, deviceID = "device_id", oldStatus = "old_status", newStatus = "new_status" }
    }

    struct StatusListResponse: ResponseEncodable, Sendable {
        struct Entry: ResponseEncodable, Sendable {
            let id: Int64
            let name: String
            let deviceType: String
            let status: String
            let isOnline: Bool
            let lastSeen: Timestamp

            private enum CodingKeys: String, CodingKey {
                case id, name, deviceType = "device_type", status, isOnline = "is_online", lastSeen = "last_seen"
            }
        }

        let devices: [Entry]
        let meta: ListMeta
    }

    struct EventListResponse: ResponseEncodable, Sendable {
        let events: [EventRepresentation]
        let meta: ListMeta
    }

    struct EventAnalyticsResponse: ResponseEncodable, Sendable {
        struct Bucket: ResponseEncodable, Sendable {
            let timestamp: Timestamp
            let counts: KeyedValues<Int>
        }

        let startTime: Timestamp
        let endTime: Timestamp
        let bucket: String
        let totals: KeyedValues<Int>
        let buckets: [Bucket]

        private enum CodingKeys: String, CodingKey { case startTime = "start_time", endTime = "end_time", bucket, totals, buckets }

        init(_ analytics: EventAnalytics) {
            self.startTime = Timestamp(analytics.start)
            self.endTime = Timestamp(analytics.end)
            self.bucket = analytics.bucket.rawValue
            self.totals = KeyedValues(pairs: analytics.totals.map { ($0.type, $0.count) })
            self.buckets = analytics.buckets.map {
                Bucket(timestamp: Timestamp($0.start), counts: KeyedValues(pairs: $0.counts.map { ($0.type, $0.count) }))
            }
        }
    }

    var routes: RouteCollection<AppRequestContext> {
        let routes = RouteCollection(context: AppRequestContext.self)
        let admin = self.services.admin
        routes.get("devices") { request, context in
            let query = QueryReader(request)
            let filter = DeviceFilter(status: query.string("status"), ownerPublicID: query.string("user_id"), page: try query.page())
            let page = try await admin.devices(principal: try context.identity.person(), filter: filter)
            return DeviceListResponse(devices: page.items.map(self.services.representation), meta: ListMeta(page))
        }
        routes.get("devices/statuses") { request, context in
            let page = try await admin.statuses(principal: try context.identity.person(), page: try QueryReader(request).page())
            let entries = page.items.map { device in
                StatusListResponse.Entry(
                    id: device.id, name: device.name, deviceType: device.deviceType, status: device.status.rawValue,
                    isOnline: self.services.devices.isOnline(device), lastSeen: Timestamp(device.lastSeen))
            }
            return StatusListResponse(devices: entries, meta: ListMeta(page))
        }
        routes.get("devices/{id}") { _, context in
            let device = try await admin.device(try context.parameters.id("id", kind: "Device"), principal: try context.identity.person())
            return DeviceController.DeviceResponse(device: self.services.representation(device))
        }
        routes.put("devices/{id}") { request, context in
            let principal = try context.identity.person()
            let id = try context.parameters.id("id", kind: "Device")
            let body = try await request.decode(as: DeviceUpdateRequest.self, context: context)
            let device = try await admin.updateDevice(id, principal: principal, body.update)
            return DeviceController.DeviceChangeResponse(message: "Device updated", device: self.services.representation(device))
        }
        routes.put("devices/{id}/status") { request, context in
            let principal = try context.identity.person()
            let id = try context.parameters.id("id", kind: "Device")
            let body = try await request.decode(as: DeviceStatusRequest.self, context: context)
            let change = try await admin.setDeviceStatus(id, to: body.status, principal: principal)
            return StatusChangeResponse(
                message: "Device status updated", deviceID: id, oldStatus: change.old.rawValue, newStatus: change.new.rawValue)
        }
        routes.delete("devices/{id}") { _, context in
            try await admin.deleteDevice(try context.parameters.id("id", kind: "Device"), principal: try context.identity.person())
            return MessageResponse("Device deleted with its telemetry.")
        }
        routes.get("stats") { _, context in
            AdminStatsResponse(try await admin.statistics(principal: try context.identity.person()))
        }
        routes.get("events") { request, context in
            let query = QueryReader(request)
            let filter = EventLogFilter(
                type: query.string("event_type"), deviceID: try query.id("device_id"), userPublicID: query.string("user_id"),
                start: try query.time("start_time"), end: try query.time("end_time"), page: try query.page()
            )
            let page = try await admin.events(principal: try context.identity.person(), filter: filter)
            return EventListResponse(events: page.items.map { EventRepresentation(event: $0) }, meta: ListMeta(page))
        }
        routes.get("analytics/events") { request, context in
            let query = QueryReader(request)
            let filter = EventAnalyticsFilter(
                start: try query.time("start_time"), end: try query.time("end_time"), bucket: query.string("bucket"),
                userPublicID: query.string("user_id"), deviceID: try query.id("device_id")
            )
            return EventAnalyticsResponse(try await admin.eventAnalytics(principal: try context.identity.person(), filter: filter))
        }
        return routes
    }
}
