import Hummingbird
import IoTFlowCore

/// The `/groups` routes; all are for the owning user only.
struct GroupController {
    let services: APIServices

    struct GroupChangeResponse: ResponseEncodable, Sendable {
        let message: String
        let group: GroupRepresentation
    }

    struct GroupListResponse: ResponseEncodable, Sendable {
        let groups: [GroupRepresentation]
        let meta: ListMeta
    }

    struct GroupResponse: ResponseEncodable, Sendable {
        let group: GroupRepresentation
    }

    struct MembershipResponse: ResponseEncodable, Sendable {
        struct Membership: ResponseEncodable, Sendable {
            let id: Int64
            let groupID: Int64
            let deviceID: Int64
            let addedAt: Timestamp

            private enum CodingKeys: String, CodingKey { case id, groupID = "group_id", deviceID = "device_id", addedAt = "added_at" }
        }

        let message: String
        let membership: Membership
    }

    struct BulkResponse: ResponseEncodable, Sendable {
        struct Details: ResponseEncodable, Sendable {
            let added: [Int64]
            let alreadyMembers: [Int64]
            let notFound: [Int64]

            private enum CodingKeys: String, CodingKey { case added, alreadyMembers = "already_members", notFound = "not_found" }
        }

        let message: String
        let added: Int
        let skipped: Int
        let details: Details
    }

    struct MembersResponse: ResponseEncodable, Sendable {
        let devices: [DeviceRepresentation]
        let meta: ListMeta
    }

    struct GroupLatestResponse: ResponseEncodable, Sendable {
        struct Member: ResponseEncodable, Sendable {
            let deviceID: Int64
            let deviceName: String
            let latest: LatestValues

            private enum CodingKeys: String, CodingKey {
                case deviceID = "device_id", deviceName = "device_name", latestData = "latest_data", timestamps
            }

            func encode(to encoder: any Encoder) throws {
                var container = encoder.container(keyedBy: CodingKeys.self)
                try container.encode(self.deviceID, forKey: .deviceID)
                try container.encode(self.deviceName, forKey: .deviceName)
                try container.encode(self.latest.data, forKey: .latestData)
                try container.encode(self.latest.timestamps, forKey: .timestamps)
            }
        }

        let groupID: Int64
        let devices: [Member]

        private enum CodingKeys: String, CodingKey { case groupID = "group_id", devices }
    }

    var routes: RouteCollection<AppRequestContext> {
        let routes = RouteCollection(context: AppRequestContext.self)
        let groups = self.services.groups
        routes.post { request, context in
            let owner = try context.identity.user()
            let body = try await request.decode(as: CreateGroupRequest.self, context: context)
            let created = try await groups.create(owner: owner, body.command)
            return Answer(.created, GroupChangeResponse(message: "Group created", group: GroupRepresentation(group: created)))
        }
        routes.get { request, context in
            let owner = try context.identity.user()
            let query = QueryReader(request)
            let found = try await groups.groups(owner: owner, includeDevices: try query.flag("include_devices") ?? false, page: try query.page())
            let list = found.page.items.map { group in
                GroupRepresentation(group: group, devices: found.members.map { self.devices(of: $0[group.id] ?? []) })
            }
            return GroupListResponse(groups: list, meta: ListMeta(found.page))
        }
        routes.get("{id}") { request, context in
            let principal = try context.identity.principal(accepting: .user)
            let includeDevices = try QueryReader(request).flag("include_devices") ?? true
            let found = try await groups.group(try context.parameters.id("id", kind: "Group"), principal: principal, includeDevices: includeDevices)
            return GroupResponse(group: GroupRepresentation(group: found.group, devices: found.members.map(self.devices(of:))))
        }
        routes.put("{id}") { request, context in
            let principal = try context.identity.principal(accepting: .user)
            let id = try context.parameters.id("id", kind: "Group")
            let body = try await request.decode(as: GroupUpdateRequest.self, context: context)
            let updated = try await groups.update(id, principal: principal, body.update)
            return GroupChangeResponse(message: "Group updated", group: GroupRepresentation(group: updated))
        }
        routes.delete("{id}") { _, context in
            try await groups.delete(try context.parameters.id("id", kind: "Group"), principal: try context.identity.principal(accepting: .user))
            return MessageResponse("Group deleted; its devices are kept.")
        }
        routes.post("{id}/devices") { request, context in
            let principal = try context.identity.principal(accepting: .user)
            let id = try context.parameters.id("id", kind: "Group")
            let body = try await request.decode(as: AddMemberRequest.self, context: context)
            let membership = try await groups.addDevice(id, deviceID: body.deviceID, principal: principal)
            return Answer(
                .created,
                MembershipResponse(
                    message: "Device added to group",
                    membership: .init(
                        id: membership.id, groupID: membership.groupID, deviceID: membership.deviceID, addedAt: Timestamp(membership.addedAt))
                )
            )
        }
        routes.post("{id}/devices/bulk") { request, context in
            let principal = try context.identity.principal(accepting: .user)
            let id = try context.parameters.id("id", kind: "Group")
            let body = try await request.decode(as: AddMembersRequest.self, context: context)
            let result = try await groups.addDevices(id, deviceIDs: body.deviceIDs, principal: principal)
            return Answer(
                .created,
                BulkResponse(
                    message: "Added \(result.added.count) devices", added: result.added.count,
                    skipped: result.alreadyMembers.count + result.notFound.count,
                    details: .init(added: result.added, alreadyMembers: result.alreadyMembers, notFound: result.notFound)
                )
            )
        }
        routes.delete("{id}/devices/{device_id}") { _, context in
            let principal = try context.identity.principal(accepting: .user)
            let id = try context.parameters.id("id", kind: "Group")
            try await groups.removeDevice(id, deviceID: try context.parameters.id("device_id", kind: "Device"), principal: principal)
            return MessageResponse("Device removed from group")
        }
        routes.get("{id}/devices") { request, context in
            let principal = try context.identity.principal(accepting: .user)
            let id = try context.parameters.id("id", kind: "Group")
            let page = try await groups.devices(id, principal: principal, page: try QueryReader(request).page())
            let devices = page.items.map { member in
                var representation = self.services.representation(member.device)
                representation.addedToGroupAt = member.addedAt
                return representation
            }
            return MembersResponse(devices: devices, meta: ListMeta(page))
        }
        routes.get("{id}/telemetry/latest") { _, context in
            let principal = try context.identity.principal(accepting: .user)
            let id = try context.parameters.id("id", kind: "Group")
            let members = try await groups.latest(id, principal: principal)
            return GroupLatestResponse(
                groupID: id,
                devices: members.map { .init(deviceID: $0.device.id, deviceName: $0.device.name, latest: LatestValues($0.values)) }
            )
        }
        return routes
    }

    /// A group's devices as plain device objects (join times are listed by GET /groups/{id}/devices).
    private func devices(of members: [GroupMember]) -> [DeviceRepresentation] {
        members.map { self.services.representation($0.device) }
    }
}
