import IoTFlowCore
import Testing

/// `DeviceStore` last-seen times, device configuration and counts, and deleting a user through the three stores.
enum DeviceStateContract {
    static func markSeenNeverLowers(_ stores: StoreFixture) async throws {
        let alice = try await stores.makeUser("alice")
        let first = try await stores.makeDevice(alice, "first")
        let second = try await stores.makeDevice(alice, "second")
        try await stores.devices.markSeen([first.id: 5000])
        #expect(try await stores.devices.device(id: first.id)?.lastSeen == 5000)
        #expect(try await stores.devices.device(id: second.id)?.lastSeen == nil)
        try await stores.devices.markSeen([first.id: 4000])
        #expect(try await stores.devices.device(id: first.id)?.lastSeen == 5000)
        try await stores.devices.markSeen([first.id: 6000, second.id: 100, second.id + 1000: 7000])
        #expect(try await stores.devices.device(id: first.id)?.lastSeen == 6000)
        #expect(try await stores.devices.device(id: second.id)?.lastSeen == 100)
        try await stores.devices.markSeen([:])
        #expect(try await stores.devices.device(id: first.id)?.lastSeen == 6000)
    }

    static func deviceConfig(_ stores: StoreFixture) async throws {
        let alice = try await stores.makeUser("alice")
        let device = try await stores.makeDevice(alice, "d")
        let other = try await stores.makeDevice(alice, "other")
        let initial = try await stores.devices.deviceConfig(id: device.id)
        #expect(initial.json.isEmpty && initial.updatedAt == nil)

        try await stores.devices.setDeviceConfig(id: device.id, json: #"{"interval":30,"mode":"eco","nested":{"a":[1,2]}}"#, now: 7000)
        let stored = try await stores.devices.deviceConfig(id: device.id)
        #expect(stored.updatedAt == 7000)
        #expect(stored.json.count == 3)
        #expect(stored.json["interval"] == 30)
        #expect(stored.json["mode"] == "eco")
        #expect(stored.json["nested"] == ["a": [1, 2]])

        try await stores.devices.setDeviceConfig(id: device.id, json: #"{"mode":"boost"}"#, now: 8000)
        let replaced = try await stores.devices.deviceConfig(id: device.id)
        #expect(replaced == DeviceConfig(json: ["mode": "boost"], updatedAt: 8000))
        let untouched = try await stores.devices.deviceConfig(id: other.id)
        #expect(untouched.json.isEmpty && untouched.updatedAt == nil)
    }

    static func deviceCounts(_ stores: StoreFixture) async throws {
        #expect(
            try await stores.devices.deviceCounts(onlineSince: 0) == DeviceCounts(byStatus: [.active: 0, .inactive: 0, .maintenance: 0], online: 0))
        let alice = try await stores.makeUser("alice")
        let bob = try await stores.makeUser("bob")
        let a = try await stores.makeDevice(alice, "a")
        let b = try await stores.makeDevice(alice, "b")
        let c = try await stores.makeDevice(bob, "c")
        var maintenance = DeviceChanges()
        maintenance.status = .maintenance
        _ = try await stores.devices.updateDevice(id: c.id, changes: maintenance, now: 1)
        try await stores.devices.markSeen([a.id: 5000, b.id: 9000])
        let byStatus: [DeviceStatus: Int] = [.active: 2, .inactive: 0, .maintenance: 1]
        #expect(try await stores.devices.deviceCounts(onlineSince: 6000) == DeviceCounts(byStatus: byStatus, online: 1))
        #expect(try await stores.devices.deviceCounts(onlineSince: 1000) == DeviceCounts(byStatus: byStatus, online: 2))
        #expect(try await stores.devices.deviceCounts(onlineSince: 10_000) == DeviceCounts(byStatus: byStatus, online: 0))
        #expect(try await stores.devices.deviceCounts(onlineSince: 0).total == 3)
    }

    /// What `DELETE /users/{id}` does through the three stores: groups, devices, then the account.
    static func deleteUserCascades(_ stores: StoreFixture) async throws {
        let alice = try await stores.makeUser("alice")
        let bob = try await stores.makeUser("bob")
        let first = try await stores.makeDevice(alice, "first", keyHash: "alice-1")
        let second = try await stores.makeDevice(alice, "second", keyHash: "alice-2")
        let bobs = try await stores.makeDevice(bob, "first", keyHash: "bob-1")
        try await stores.devices.setDeviceConfig(id: first.id, json: #"{"a":1}"#, now: 1)
        try await stores.accounts.createToken(hash: "alice-token", userID: alice.id, createdAt: 1, expiresAt: 10_000)
        try await stores.accounts.createToken(hash: "bob-token", userID: bob.id, createdAt: 1, expiresAt: 10_000)

        let group = try await stores.groups.createGroup(NewGroup(ownerID: alice.id, name: "home", description: nil, color: "#000000", createdAt: 1))
        _ = try await stores.groups.addMember(groupID: group.id, deviceID: first.id, now: 2)
        try await stores.groups.deleteGroups(ownerID: alice.id)
        #expect(try await stores.groups.group(id: group.id) == nil)
        try await stores.devices.deleteDevices(ownerID: alice.id)
        try await stores.accounts.deleteUser(id: alice.id)
        #expect(try await stores.accounts.user(id: alice.id) == nil)
        #expect(try await stores.accounts.user(login: "alice") == nil)
        #expect(try await stores.accounts.user(tokenHash: "alice-token", now: 2) == nil)
        #expect(try await stores.devices.device(id: first.id) == nil)
        #expect(try await stores.devices.device(id: second.id) == nil)
        #expect(try await stores.devices.device(apiKeyHash: "alice-1") == nil)
        #expect(try await stores.devices.deviceIDs(ownerID: alice.id).isEmpty)
        #expect(try await stores.devices.devices(ownerID: alice.id, status: nil, deviceType: nil, limit: 10, offset: 0).total == 0)
        #expect(try await stores.devices.deviceCounts(onlineSince: 0).total == 1)

        #expect(try await stores.accounts.user(id: bob.id) == bob)
        #expect(try await stores.accounts.user(tokenHash: "bob-token", now: 2) == bob)
        #expect(try await stores.devices.device(id: bobs.id) == bobs)
        #expect(try await stores.accounts.users(limit: 10, offset: 0).total == 1)

        // The username, email and key hash are free again.
        let newAlice = try await stores.makeUser("alice")
        _ = try await stores.makeDevice(newAlice, "first", keyHash: "alice-1")
    }
}
