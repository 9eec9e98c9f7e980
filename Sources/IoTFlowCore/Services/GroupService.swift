/// Device groups: named sets of one user's devices.
public struct GroupService: Sendable {
    let deps: Dependencies

    /// Creates the service.
    public init(_ deps: Dependencies) {
        self.deps = deps
    }

    /// Color of a group created without one.
    public static let defaultColor = "#007bff"
    /// Most device ids one bulk request may name.
    public static let maxBulkDevices = 1000

    /// Creates a group for `owner`.
    public func create(owner: User, body: JSONValue) async throws -> DeviceGroup {
        let fields = try FieldReader(body: body)
        let name = try fields.requiredString("name", maxLength: 100)
        let color = try Self.color(fields) ?? Self.defaultColor
        let now = self.deps.clock.nowMilliseconds()
        let group: DeviceGroup
        do {
            group = try await self.deps.registry.createGroup(
                NewGroup(
                    ownerID: owner.id, name: name, description: try fields.optionalString("description", maxLength: 1000), color: color,
                    createdAt: now)
            )
        } catch is UniqueViolation {
            throw IoTFlowError.conflict("You already have a group named '\(name)'.")
        }
        self.record(EventType.groupCreated, group, details: ["name": .string(name)])
        return group
    }

    /// A page of the owner's groups, with their members when `include_devices=true`.
    public func groups(
        owner: User, query: [String: String]
    ) async throws -> (groups: [DeviceGroup], members: [Int64: [GroupMember]]?, total: Int, paging: Paging) {
        let paging = try Paging.parse(limit: query["limit"], offset: query["offset"])
        let includeDevices = try TelemetryService.flag(query["include_devices"], name: "include_devices") ?? false
        let page = try await self.deps.registry.groups(ownerID: owner.id, limit: paging.limit, offset: paging.offset)
        let members = includeDevices ? try await self.deps.registry.members(groupIDs: page.groups.map(\.id)) : nil
        return (page.groups, members, page.total, paging)
    }

    /// One group of the principal, with its members unless `include_devices=false`.
    public func group(_ id: Int64, principal: Principal, query: [String: String]) async throws -> (group: DeviceGroup, members: [GroupMember]?) {
        let group = try await self.ownedGroup(id, principal: principal)
        guard try TelemetryService.flag(query["include_devices"], name: "include_devices") ?? true else { return (group, nil) }
        return (group, try await self.deps.registry.members(groupIDs: [id])[id] ?? [])
    }

    /// Updates name, description or color.
    public func update(_ id: Int64, principal: Principal, body: JSONValue) async throws -> DeviceGroup {
        let group = try await self.ownedGroup(id, principal: principal)
        let fields = try FieldReader(body: body)
        var changes = GroupChanges()
        changes.name = try fields.replacementString("name", maxLength: 100)
        changes.description = try fields.nullableString("description", maxLength: 1000)
        changes.color = try Self.color(fields)
        let updated: DeviceGroup
        do {
            guard let result = try await self.deps.registry.updateGroup(id: id, changes: changes, now: self.deps.clock.nowMilliseconds()) else {
                throw Self.notFound(id)
            }
            updated = result
        } catch is UniqueViolation {
            throw IoTFlowError.conflict("You already have a group named '\(changes.name ?? group.name)'.")
        }
        self.record(EventType.groupUpdated, updated)
        return updated
    }

    /// Deletes the group; its devices are kept.
    public func delete(_ id: Int64, principal: Principal) async throws {
        let group = try await self.ownedGroup(id, principal: principal)
        try await self.deps.registry.deleteGroup(id: id)
        self.record(EventType.groupDeleted, group, details: ["name": .string(group.name)])
    }

    /// Adds one of the owner's devices.
    public func addDevice(_ id: Int64, principal: Principal, body: JSONValue) async throws -> GroupMembership {
        let group = try await self.ownedGroup(id, principal: principal)
        let deviceID = try FieldReader(body: body).requiredInt("device_id")
        guard try await self.deps.registry.ownedDeviceIDs([deviceID], ownerID: group.ownerID).contains(deviceID) else {
            throw Access.deviceNotFound(deviceID)
        }
        do {
            let membership = try await self.deps.registry.addMember(groupID: id, deviceID: deviceID, now: self.deps.clock.nowMilliseconds())
            self.record(EventType.groupDeviceAdded, group, deviceID: deviceID)
            return membership
        } catch is UniqueViolation {
            throw IoTFlowError.conflict("Device \(deviceID) is already in group \(id).")
        }
    }

    /// The outcome of a bulk add.
    public struct BulkResult: Sendable, Equatable {
        /// Ids newly added.
        public var added: [Int64]
        /// Ids that were members already.
        public var alreadyMembers: [Int64]
        /// Ids that do not exist or belong to someone else.
        public var notFound: [Int64]
    }

    /// Adds many of the owner's devices at once.
    public func addDevices(_ id: Int64, principal: Principal, body: JSONValue) async throws -> BulkResult {
        let group = try await self.ownedGroup(id, principal: principal)
        guard case .array(let elements)? = try FieldReader(body: body).object["device_ids"] else {
            throw IoTFlowError.badRequest("Field 'device_ids' is required: a list of device ids.")
        }
        var ids: [Int64] = []
        var seen = Set<Int64>()
        for element in elements {
            guard case .int(let deviceID) = element else { throw IoTFlowError.badRequest("'device_ids' must hold only integers.") }
            if seen.insert(deviceID).inserted { ids.append(deviceID) }
        }
        guard !ids.isEmpty else { throw IoTFlowError.badRequest("'device_ids' must name at least one device.") }
        guard ids.count <= Self.maxBulkDevices else {
            throw IoTFlowError.badRequest("'device_ids' may name at most \(Self.maxBulkDevices) devices.")
        }
        let owned = try await self.deps.registry.ownedDeviceIDs(ids, ownerID: group.ownerID)
        let candidates = ids.filter { owned.contains($0) }
        let added = try await self.deps.registry.addMembers(groupID: id, deviceIDs: candidates, now: self.deps.clock.nowMilliseconds())
        for deviceID in candidates where added.contains(deviceID) {
            self.record(EventType.groupDeviceAdded, group, deviceID: deviceID)
        }
        return BulkResult(
            added: candidates.filter { added.contains($0) }, alreadyMembers: candidates.filter { !added.contains($0) },
            notFound: ids.filter { !owned.contains($0) }
        )
    }

    /// Removes a device from the group; 404 when it is not a member.
    public func removeDevice(_ id: Int64, deviceID: Int64, principal: Principal) async throws {
        let group = try await self.ownedGroup(id, principal: principal)
        guard try await self.deps.registry.removeMember(groupID: id, deviceID: deviceID) else {
            throw IoTFlowError.notFound("Device \(deviceID) is not in group \(id).")
        }
        self.record(EventType.groupDeviceRemoved, group, deviceID: deviceID)
    }

    /// A page of the group's devices with the time each joined.
    public func devices(
        _ id: Int64, principal: Principal, query: [String: String]
    ) async throws -> (members: [GroupMember], total: Int, paging: Paging) {
        _ = try await self.ownedGroup(id, principal: principal)
        let paging = try Paging.parse(limit: query["limit"], offset: query["offset"])
        let page = try await self.deps.registry.members(groupID: id, limit: paging.limit, offset: paging.offset)
        return (page.members, page.total, paging)
    }

    /// The latest values of every member device, read in one store round trip.
    public func latest(_ id: Int64, principal: Principal) async throws -> [(device: Device, values: [LatestValue])] {
        _ = try await self.ownedGroup(id, principal: principal)
        let members = try await self.deps.registry.members(groupIDs: [id])[id] ?? []
        let latest = try await self.deps.telemetry.latest(deviceIDs: members.map(\.device.id))
        return members.map { ($0.device, latest[$0.device.id] ?? []) }
    }

    private func ownedGroup(_ id: Int64, principal: Principal) async throws -> DeviceGroup {
        guard case .user(let user) = principal, let group = try await self.deps.registry.group(id: id), group.ownerID == user.id else {
            throw Self.notFound(id)
        }
        return group
    }

    private static func notFound(_ id: Int64) -> IoTFlowError {
        .notFound("Group \(id) was not found.")
    }

    private static func color(_ fields: FieldReader) throws(IoTFlowError) -> String? {
        guard let color = try fields.optionalString("color", maxLength: 7) else { return nil }
        let utf8 = Array(color.utf8)
        let isHex = utf8.dropFirst().allSatisfy {
            ($0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9")) || ($0 >= UInt8(ascii: "a") && $0 <= UInt8(ascii: "f"))
                || ($0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "F"))
        }
        guard utf8.count == 7, utf8.first == UInt8(ascii: "#"), isHex else {
            throw .badRequest("'color' must be a hex color like #1a2b3c.")
        }
        return color
    }

    private func record(_ type: String, _ group: DeviceGroup, deviceID: Int64? = nil, details: JSONObject = JSONObject()) {
        var details = details
        details["group_id"] = .int(group.id)
        self.deps.events.record(
            Event(type: type, timestamp: self.deps.clock.nowMilliseconds(), userPublicID: group.ownerPublicID, deviceID: deviceID, details: details)
        )
    }
}
