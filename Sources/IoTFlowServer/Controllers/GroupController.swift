import Hummingbird
import IoTFlowCore

/// The `/groups` routes; all are for the owning user only.
struct GroupController {
    let services: APIServices

    func addRoutes(to group: RouterGroup<AppRequestContext>, table: RouteTable, prefix: String) {
        let groups = self.services.groups
        group.on(table, prefix, "", method: .post) { request, context in
            let owner = try await self.services.user(request)
            let created = try await groups.create(owner: owner, body: try await JSONBody.read(request, context: context))
            return JSONBody.response(["message": "Group created", "group": .object(Representation.group(created))], status: .created)
        }
        group.on(table, prefix, "", method: .get) { request, _ in
            let owner = try await self.services.user(request)
            let page = try await groups.groups(owner: owner, query: request.queryDictionary)
            let list: [JSONValue] = page.groups.map { group in
                guard let members = page.members else { return .object(Representation.group(group)) }
                return self.groupJSON(group, members: members[group.id] ?? [])
            }
            return JSONBody.response(["groups": .array(list), "meta": page.paging.meta(total: page.total, returned: list.count)])
        }
        group.on(table, prefix, "{id}", method: .get) { request, context in
            let principal = try await self.services.principal(request, accepts: .user)
            let found = try await groups.group(try context.parameters.id("id", kind: "Group"), principal: principal, query: request.queryDictionary)
            let body = found.members.map { self.groupJSON(found.group, members: $0) } ?? .object(Representation.group(found.group))
            return JSONBody.response(["group": body])
        }
        group.on(table, prefix, "{id}", method: .put) { request, context in
            let principal = try await self.services.principal(request, accepts: .user)
            let id = try context.parameters.id("id", kind: "Group")
            let updated = try await groups.update(id, principal: principal, body: try await JSONBody.read(request, context: context))
            return JSONBody.response(["message": "Group updated", "group": .object(Representation.group(updated))])
        }
        group.on(table, prefix, "{id}", method: .delete) { request, context in
            let principal = try await self.services.principal(request, accepts: .user)
            try await groups.delete(try context.parameters.id("id", kind: "Group"), principal: principal)
            return JSONBody.response(Representation.message("Group deleted; its devices are kept."))
        }
        group.on(table, prefix, "{id}/devices", method: .post) { request, context in
            let principal = try await self.services.principal(request, accepts: .user)
            let id = try context.parameters.id("id", kind: "Group")
            let membership = try await groups.addDevice(id, principal: principal, body: try await JSONBody.read(request, context: context))
            return JSONBody.response(
                [
                    "message": "Device added to group",
                    "membership": [
                        "id": .int(membership.id), "group_id": .int(membership.groupID), "device_id": .int(membership.deviceID),
                        "added_at": Representation.time(membership.addedAt),
                    ],
                ],
                status: .created
            )
        }
        group.on(table, prefix, "{id}/devices/bulk", method: .post) { request, context in
            let principal = try await self.services.principal(request, accepts: .user)
            let id = try context.parameters.id("id", kind: "Group")
            let result = try await groups.addDevices(id, principal: principal, body: try await JSONBody.read(request, context: context))
            let ids: ([Int64]) -> JSONValue = { .array($0.map { .int($0) }) }
            return JSONBody.response(
                [
                    "message": .string("Added \(result.added.count) devices"), "added": .integer(result.added.count),
                    "skipped": .integer(result.alreadyMembers.count + result.notFound.count),
                    "details": ["added": ids(result.added), "already_members": ids(result.alreadyMembers), "not_found": ids(result.notFound)],
                ],
                status: .created
            )
        }
        group.on(table, prefix, "{id}/devices/{device_id}", method: .delete) { request, context in
            let principal = try await self.services.principal(request, accepts: .user)
            let id = try context.parameters.id("id", kind: "Group")
            try await groups.removeDevice(id, deviceID: try context.parameters.id("device_id", kind: "Device"), principal: principal)
            return JSONBody.response(Representation.message("Device removed from group"))
        }
        group.on(table, prefix, "{id}/devices", method: .get) { request, context in
            let principal = try await self.services.principal(request, accepts: .user)
            let id = try context.parameters.id("id", kind: "Group")
            let page = try await groups.devices(id, principal: principal, query: request.queryDictionary)
            return JSONBody.response([
                "devices": self.membersJSON(page.members), "meta": page.paging.meta(total: page.total, returned: page.members.count),
            ])
        }
        group.on(table, prefix, "{id}/telemetry/latest", method: .get) { request, context in
            let principal = try await self.services.principal(request, accepts: .user)
            let id = try context.parameters.id("id", kind: "Group")
            let members = try await groups.latest(id, principal: principal)
            let devices: [JSONValue] = members.map { member in
                let (data, timestamps) = Representation.latest(member.values)
                return [
                    "device_id": .int(member.device.id), "device_name": .string(member.device.name), "latest_data": data, "timestamps": timestamps,
                ]
            }
            return JSONBody.response(["group_id": .int(id), "devices": .array(devices)])
        }
    }

    private func membersJSON(_ members: [GroupMember]) -> JSONValue {
        .array(members.map { self.services.deviceJSON($0.device).with(["added_to_group_at": Representation.time($0.addedAt)]) })
    }

    /// A group with its devices as plain device objects (join times are listed by GET /groups/{id}/devices).
    private func groupJSON(_ group: DeviceGroup, members: [GroupMember]) -> JSONValue {
        Representation.group(group).with(["devices": .array(members.map { .object(self.services.deviceJSON($0.device)) })])
    }
}
