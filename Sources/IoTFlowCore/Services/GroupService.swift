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
    public func create(owner: User, _ command: CreateGroup) async throws -> DeviceGroup {
        let name = try Text.required(command.name, field: "name", maxBytes: 100)
        let color = try Self.color(command.color) ?? Self.defaultColor
        let now = self.deps.clock.nowMilliseconds()
        let group: DeviceGroup
        do {
            group = try await self.deps.groups.createGroup(
                NewGroup(
                    ownerID: owner.id, name: name, description: try Text.optional(command.description, field: "description", maxBytes: 1000),
                    color: color,
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
        owner: User, includeDevices: Bool, page: PageRequest
    ) async throws -> (page: Page<DeviceGroup>, members: [Int64: [GroupMember]]?) {
        let paging = page.paging()
        let found = try await self.deps.groups.groups(ownerID: owner.id, limit: paging.limit, offset: paging.offset)
        let members = includeDevices ? try await self.deps.groups.members(groupIDs: found.groups.map(\.id)) : nil
        return (Page(items: found.groups, total: found.total, paging: paging), members)
    }

    /// One group of the principal, with its members unless `include_devices=false`.
    public func group(_ id: Int64, principal: Principal, includeDevices: Bool) async throws -> (group: DeviceGroup, members: [GroupMember]?) {
        let group = try await self.ownedGroup(id, principal: principal)
        guard includeDevices else { return (group, nil) }
        return (group, try await self.deps.groups.members(groupIDs: [id])[id] ?? [])
    }

    /// Updates name, description or color.
    public func update(_ id: Int64, principal: Principal, _ update: GroupUpdate) async throws -> DeviceGroup {
        let group = try await self.ownedGroup(id, principal: principal)
        var changes = GroupChanges()
        changes.name = try Text.replacement(update.name, field: "name", maxBytes: 100)
        changes.description = try Text.clearable(update.description, field: "description", maxBytes: 1000)
        // A null color keeps the current one: a group always has a color.
        changes.color = try Self.color(update.color.value)
        let updated: DeviceGroup
        do {
            guard let result = try await self.deps.groups.updateGroup(id: id, changes: changes, now: self.deps.clock.nowMilliseconds()) else {
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
        try await self.deps.groups.deleteGroup(id: id)
        await AlertService(self.deps).membershipChanged()
        self.record(EventType.groupDeleted, group, details: ["name": .string(group.name)])
    }

    /// Adds one of the owner's devices.
    public func addDevice(_ id: Int64, deviceID: Int64, principal: Principal) async throws -> GroupMembership {
        let group = try await self.ownedGroup(id, principal: principal)
        guard try await self.deps.devices.ownedDeviceIDs([deviceID], ownerID: group.ownerID).contains(deviceID) else {
            throw Access.deviceNotFound(deviceID)
        }
        do {
            let membership = try await self.deps.groups.addMember(groupID: id, deviceID: deviceID, now: self.deps.clock.nowMilliseconds())
            await AlertService(self.deps).membershipChanged()
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
    public func addDevices(_ id: Int64, deviceIDs: [Int64], principal: Principal) async throws -> BulkResult {
        let group = try await self.ownedGroup(id, principal: principal)
        var ids: [Int64] = []
        var seen = Set<Int64>()
        for deviceID in deviceIDs where seen.insert(deviceID).inserted { ids.append(deviceID) }
        guard !ids.isEmpty else { throw IoTFlowError.badRequest("'device_ids' must name at least one device.") }
        guard ids.count <= Self.maxBulkDevices else {
            throw IoTFlowError.badRequest("'device_ids' may name at most \(Self.maxBulkDevices) devices.")
        }
        let owned = try await self.deps.devices.ownedDeviceIDs(ids, ownerID: group.ownerID)
        let candidates = ids.filter { owned.contains($0) }
        let added = try await self.deps.groups.addMembers(groupID: id, deviceIDs: candidates, now: self.deps.clock.nowMilliseconds())
        if !added.isEmpty { await AlertService(self.deps).membershipChanged() }
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
        guard try await self.deps.groups.removeMember(groupID: id, deviceID: deviceID) else {
            throw IoTFlowError.notFound("Device \(deviceID) is not in group \(id).")
        }
        await AlertService(self.deps).membershipChanged()
        self.record(EventType.groupDeviceRemoved, group, deviceID: deviceID)
    }

    /// A page of the group's devices with the time each joined.
    public func devices(_ id: Int64, principal: Principal, page: PageRequest) async throws -> Page<GroupMember> {
        _ = try await self.ownedGroup(id, principal: principal)
        let paging = page.paging()
        let found = try await self.deps.groups.members(groupID: id, limit: paging.limit, offset: paging.offset)
        return Page(items: found.members, total: found.total, paging: paging)
    }

    /// The latest values of every member device, read in one store round trip.
    public func latest(_ id: Int64, principal: Principal) async throws -> [(device: Device, values: [LatestValue])] {
        _ = try await self.ownedGroup(id, principal: principal)
        let members = try await self.deps.groups.members(groupIDs: [id])[id] ?? []
        let latest = try await self.deps.telemetry.latest(deviceIDs: members.map(\.device.id))
        return members.map { ($0.device, latest[$0.device.id] ?? []) }
    }

    private func ownedGroup(_ id: Int64, principal: Principal) async throws -> DeviceGroup {
        guard case .user(let user) = principal, let group = try await self.deps.groups.group(id: id), group.ownerID == user.id else {
            throw Self.notFound(id)
        }
        return group
    }

    private static func notFound(_ id: Int64) -> IoTFlowError {
        .notFound("Group \(id) was not found.")
    }

    private static func color(_ value: String?) throws(IoTFlowError) -> String? {
        guard let color = try Text.optional(value, field: "color", maxBytes: 7) else { return nil }
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
