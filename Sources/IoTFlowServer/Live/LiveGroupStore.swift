import IoTFlowCore

/// The group store the services use, telling the live hub when a group is deleted or its members change, so group
/// streams follow at once: the hub has re-read the members of the groups concerned before the change returns (and
/// tells the other instances through the relay). Everything else goes straight to the store.
struct LiveGroupStore: GroupStore {
    let base: any GroupStore
    let hub: LiveHub

    func createGroup(_ group: NewGroup) async throws -> DeviceGroup {
        try await self.base.createGroup(group)
    }

    func group(id: Int64) async throws -> DeviceGroup? {
        try await self.base.group(id: id)
    }

    func groups(ownerID: Int64, limit: Int, offset: Int) async throws -> (groups: [DeviceGroup], total: Int) {
        try await self.base.groups(ownerID: ownerID, limit: limit, offset: offset)
    }

    func updateGroup(id: Int64, changes: GroupChanges, now: Int64) async throws -> DeviceGroup? {
        try await self.base.updateGroup(id: id, changes: changes, now: now)
    }

    func deleteGroup(id: Int64) async throws {
        try await self.base.deleteGroup(id: id)
        await self.hub.changed([.group(id)])
    }

    func deleteGroups(ownerID: Int64) async throws {
        try await self.base.deleteGroups(ownerID: ownerID)
        await self.hub.changed([.owner(ownerID)])
    }

    func addMember(groupID: Int64, deviceID: Int64, now: Int64) async throws -> GroupMembership {
        let membership = try await self.base.addMember(groupID: groupID, deviceID: deviceID, now: now)
        await self.hub.changed([.group(groupID)])
        return membership
    }

    func addMembers(groupID: Int64, deviceIDs: [Int64], now: Int64) async throws -> Set<Int64> {
        let added = try await self.base.addMembers(groupID: groupID, deviceIDs: deviceIDs, now: now)
        if !added.isEmpty { await self.hub.changed([.group(groupID)]) }
        return added
    }

    func removeMember(groupID: Int64, deviceID: Int64) async throws -> Bool {
        let removed = try await self.base.removeMember(groupID: groupID, deviceID: deviceID)
        if removed { await self.hub.changed([.group(groupID)]) }
        return removed
    }

    func members(groupID: Int64, limit: Int, offset: Int) async throws -> (members: [GroupMember], total: Int) {
        try await self.base.members(groupID: groupID, limit: limit, offset: offset)
    }

    func members(groupIDs: [Int64]) async throws -> [Int64: [GroupMember]] {
        try await self.base.members(groupIDs: groupIDs)
    }

    func groups(ofDevice id: Int64) async throws -> [GroupMembershipSummary] {
        try await self.base.groups(ofDevice: id)
    }

    func groupCount() async throws -> Int {
        try await self.base.groupCount()
    }

    func ping() async throws -> Double {
        try await self.base.ping()
    }
}
