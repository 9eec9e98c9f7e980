import Hummingbird
import IoTFlowCore

/// The `/telemetry` routes.
struct TelemetryController {
    let services: APIServices

    func addRoutes(to group: RouterGroup<AppRequestContext>, table: RouteTable, prefix: String) {
        let telemetry = self.services.telemetry
        group.on(table, prefix, "", method: .post) { request, context in
            guard case .device(let caller) = try await self.services.principal(request, accepts: .device) else {
                throw IoTFlowError.unauthorized("Send telemetry with the device key in X-API-Key.")
            }
            let receipt = try await telemetry.ingest(caller, body: try await JSONBody.read(request, context: context))
            return JSONBody.response(
                [
                    "message": "Telemetry stored", "device_id": .int(caller.device.id), "device_name": .string(caller.device.name),
                    "timestamp": Representation.time(receipt.timestamp), "points": .integer(receipt.points), "values": .integer(receipt.values),
                ],
                status: .created
            )
        }
        group.on(table, prefix, "status", method: .get) { request, _ in
            try await self.services.rejectInvalidBearer(request)
            let report = await self.services.health.check()
            return JSONBody.response(["status": .string(report.status), "stores": report.stores])
        }
        group.on(table, prefix, "user/{user_id}", method: .get) { request, context in
            let principal = try await self.services.principal(request, accepts: [.user, .adminToken])
            let result = try await telemetry.userTelemetry(
                publicID: context.parameters.text("user_id"), principal: principal, parameters: request.queryDictionary
            )
            let entries: [JSONValue] = result.summaries.map { summary in
                [
                    "device_id": .int(summary.device.id), "device_name": .string(summary.device.name),
                    "timestamp": Representation.time(summary.timestamp), "measurements": Representation.latest(summary.values).data,
                ]
            }
            return JSONBody.response([
                "user_id": .string(result.user.publicID), "telemetry": .array(entries), "count": .integer(entries.count),
                "total_count": .integer(result.total),
            ])
        }
        group.on(table, prefix, "{device_id}", method: .get) { request, context in
            let principal = try await self.services.principal(request, accepts: [.device, .user, .adminToken])
            let id = try context.parameters.id("device_id", kind: "Device")
            let page = try await telemetry.history(deviceID: id, principal: principal, parameters: request.queryDictionary)
            let data: [JSONValue] = page.entries.map { entry in
                var object: JSONObject = [
                    "timestamp": Representation.time(entry.timestamp), "measurements": Representation.values(entry.measurements),
                ]
                if page.query.includeMetadata, let metadata = entry.metadata, let parsed = try? JSONParser.parse(metadata) {
                    object["metadata"] = parsed
                }
                return .object(object)
            }
            var body: JSONObject = [
                "device_id": .int(id), "device_name": .string(page.device.name), "device_type": .string(page.device.deviceType),
                "start_time": Representation.time(page.query.start), "end_time": Representation.time(page.query.end), "data": .array(data),
                "count": .integer(data.count),
            ]
            if let next = page.next { body["next"] = .string(next) }
            return JSONBody.response(.object(body))
        }
        group.on(table, prefix, "{device_id}/latest", method: .get) { request, context in
            let principal = try await self.services.principal(request, accepts: [.device, .user, .adminToken])
            let id = try context.parameters.id("device_id", kind: "Device")
            let latest = try await telemetry.latest(deviceID: id, principal: principal)
            let (data, timestamps) = Representation.latest(latest.values)
            return JSONBody.response([
                "device_id": .int(id), "device_name": .string(latest.device.name), "latest_data": data, "timestamps": timestamps,
                "cached": .bool(latest.cached),
            ])
        }
        group.on(table, prefix, "{device_id}/aggregated", method: .get) { request, context in
            let principal = try await self.services.principal(request, accepts: [.device, .user, .adminToken])
            let id = try context.parameters.id("device_id", kind: "Device")
            let result = try await telemetry.aggregate(deviceID: id, principal: principal, parameters: request.queryDictionary)
            let data: [JSONValue] = result.buckets.map { bucket in
                ["timestamp": Representation.time(bucket.start), "value": TelemetryValue.number(bucket.value).json, "count": .integer(bucket.count)]
            }
            return JSONBody.response([
                "device_id": .int(id), "field": .string(result.query.field), "aggregation": .string(result.aggregation),
                "window": .string(result.window), "data": .array(data), "count": .integer(data.count),
            ])
        }
        group.on(table, prefix, "{device_id}", method: .delete) { request, context in
            let principal = try await self.services.principal(request, accepts: [.user, .adminToken])
            let id = try context.parameters.id("device_id", kind: "Device")
            let body = try await JSONBody.readOptional(request, context: context)
            let deleted = try await telemetry.delete(deviceID: id, principal: principal, body: body, query: request.queryDictionary)
            return JSONBody.response(["message": .string("Deleted \(deleted) values."), "deleted": .integer(deleted)])
        }
    }
}
