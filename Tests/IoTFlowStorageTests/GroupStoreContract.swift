import IoTFlowCore
import Testing

/// `GroupStore`: groups, memberships, counts.
enum GroupStoreContract {
    static func group(_ owner: User, _ name: String, at time: Int64 = 1000) -> NewGroup {
        NewGroup(ownerID: owner.id, name: name, description: "about \(name)", color: "#112233", createdAt: time)
    }

    static func createFindAndList(_ stores: StoreFixture) async throws {
        let alice = try await stores.makeUser("alice")
        let bob = try await stores.makeUser("bob")
        let lab = try await stores.groups.createGroup(Self.group(alice, "lab"))
        #expect(lab.name == "lab" && lab.description == "about lab" && lab.color == "#112233")
        #expect(lab.ownerID == alice.id && lab.ownerPublicID == alice.publicID && lab.deviceCount == 0)
        #expect(lab.createdAt == 1000 && lab.updatedAt == 1000)
        #expect(try await stores.groups.group(id: lab.id) == lab)
        #expect(try await stores.groups.group(id: lab.id + 1000) == nil)
        var created = [lab]
        for name in ["roof", "cellar", "attic"] { created.append(try await stores.groups.createGroup(Self.group(alice, name))) }
        _ = try await stores.groups.createGroup(Self.group(bob, "lab"))
        let page = try await stores.groups.groups(ownerID: alice.id, limit: 2, offset: 1)
        #expect(page.groups == Array(created[1...2]))
        #expect(page.total == 4)
        #expect(try await stores.groups.groupCount() == 5)
    }

    static func uniqueNamePerOwner(_ stores: StoreFixture) async throws {
        let alice = try await stores.makeUser("alice")
        let lab = try await stores.groups.createGroup(Self.group(alice, "lab"))
        await #expect(throws: UniqueViolation.self) { _ = try await stores.groups.createGroup(Self.group(alice, "lab")) }
        let roof = try await stores.groups.createGroup(Self.group(alice, "roof"))
        var rename = GroupChanges()
        rename.name = "lab"
        await #expect(throws: UniqueViolation.self) { _ = try await stores.groups.updateGroup(id: roof.id, changes: rename, now: 2000) }
        #expect(try await stores.groups.group(id: lab.id) == lab)
    }

    static func updateAndDelete(_ stores: StoreFixture) async throws {
        let alice = try await stores.makeUser("alice")
        let lab = try await stores.groups.createGroup(Self.group(alice, "lab"))
        var changes = GroupChanges()
        changes.name = "bench"
        changes.description = .some(nil)
        changes.color = "#abcdef"
        let updated = try #require(try await stores.groups.updateGroup(id: lab.id, changes: changes, now: 2000))
        #expect(updated.name == "bench" && updated.description == nil && updated.color == "#abcdef" && updated.updatedAt == 2000)
        #expect(try await stores.groups.updateGroup(id: lab.id + 1000, changes: changes, now: 2000) == nil)
        let device = try await stores.makeDevice(alice, "probe")
        _ = try await stores.groups.addMember(groupID: lab.id, deviceID: device.id, now: 2100)
        try await stores.groups.deleteGroup(id: lab.id)
        #expect(try await stores.groups.group(id: lab.id) == nil)
        #expect(try await stores.groups.groups(ofDevice: device.id).isEmpty)
        #expect(try await stores.devices.device(id: device.id) == device, "deleting a group keeps its devices")
    }

    static func memberships(_ stores: StoreFixture) async throws {
        let alice = try await stores.makeUser("alice")
        let lab = try await stores.groups.createGroup(Self.group(alice, "lab"))
        let roof = try await stores.groups.createGroup(Self.group(alice, "roof"))
        let first = try await stores.makeDevice(alice, "first")
        let second = try await stores.makeDevice(alice, "second")
        let third = try await stores.makeDevice(alice, "third")

        let membership = try await stores.groups.addMember(groupID: lab.id, deviceID: first.id, now: 3000)
        #expect(membership.groupID == lab.id && membership.deviceID == first.id && membership.addedAt == 3000)
        await #expect(throws: UniqueViolation.self) { _ = try await stores.groups.addMember(groupID: lab.id, deviceID: first.id, now: 3001) }
        let added = try await stores.groups.addMembers(groupID: lab.id, deviceIDs: [first.id, second.id, third.id], now: 3100)
        #expect(added == [second.id, third.id])
        _ = try await stores.groups.addMember(groupID: roof.id, deviceID: first.id, now: 3200)

        #expect(try await stores.groups.group(id: lab.id)?.deviceCount == 3)
        let page = try await stores.groups.members(groupID: lab.id, limit: 2, offset: 0)
        #expect(page.total == 3)
        #expect(page.members.map(\.device.id) == [first.id, second.id])
        #expect(page.members.map(\.addedAt) == [3000, 3100])
        let all = try await stores.groups.members(groupIDs: [lab.id, roof.id])
        #expect(all[lab.id]?.map(\.device.id) == [first.id, second.id, third.id])
        #expect(all[roof.id]?.map(\.device.id) == [first.id])
        #expect(try await stores.groups.groups(ofDevice: first.id).map(\.name) == ["lab", "roof"])

        #expect(try await stores.groups.removeMember(groupID: lab.id, deviceID: second.id))
        #expect(try await !stores.groups.removeMember(groupID: lab.id, deviceID: second.id))
        #expect(try await stores.groups.members(groupID: lab.id, limit: 10, offset: 0).members.map(\.device.id) == [first.id, third.id])
        try await stores.devices.deleteDevice(id: third.id)
        #expect(try await stores.groups.group(id: lab.id)?.deviceCount == 1, "a deleted device leaves its groups")
    }

    static func deleteAllOfOwner(_ stores: StoreFixture) async throws {
        let alice = try await stores.makeUser("alice")
        let bob = try await stores.makeUser("bob")
        let lab = try await stores.groups.createGroup(Self.group(alice, "lab"))
        _ = try await stores.groups.createGroup(Self.group(alice, "roof"))
        let bobs = try await stores.groups.createGroup(Self.group(bob, "lab"))
        let device = try await stores.makeDevice(alice, "probe")
        _ = try await stores.groups.addMember(groupID: lab.id, deviceID: device.id, now: 1)
        try await stores.groups.deleteGroups(ownerID: alice.id)
        #expect(try await stores.groups.groups(ownerID: alice.id, limit: 10, offset: 0).total == 0)
        #expect(try await stores.groups.group(id: bobs.id) == bobs)
        #expect(try await stores.groups.groups(ofDevice: device.id).isEmpty)
        #expect(try await stores.devices.device(id: device.id) == device)
    }
}
