import IoTFlowCore
import Testing

/// `RegistryStore` last-seen times, device configuration, counts and user deletion.
enum RegistryStateContract {
    static func markSeenNeverLowers(_ stores: StoreFixture) async throws {
        let alice = try await stores.makeUser("alice")
        let first = try await stores.makeDevice(alice, "first")
        let second = try await stores.makeDevice(alice, "second")
        try await stores.registry.markSeen([first.id: 5000])
        #expect(try await stores.registry.device(id: first.id)?.lastSeen == 5000)
        #expect(try await stores.registry.device(id: second.id)?.lastSeen == nil)
        try await stores.registry.markSeen([first.id: 4000])
        #expect(try await stores.registry.device(id: first.id)?.lastSeen == 5000)
        try await stores.registry.markSeen([first.id: 6000, second.id: 100, second.id + 1000: 7000])
        #expect(try await stores.registry.device(id: first.id)?.lastSeen == 6000)
        #expect(try await stores.registry.device(id: second.id)?.lastSeen == 100)
        try await stores.registry.markSeen([:])
        #expect(try await stores.registry.device(id: first.id)?.lastSeen == 6000)
    }

    static func deviceConfig(_ stores: StoreFixture) async throws {
        let alice = try await stores.makeUser("alice")
        let device = try await stores.makeDevice(alice, "d")
        let other = try await stores.makeDevice(alice, "other")
        let initial = try await stores.registry.deviceConfig(id: device.id)
        #expect(initial.json.isEmpty && initial.updatedAt == nil)

        try await stores.registry.setDeviceConfig(id: device.id, json: #"{"interval":30,"mode":"eco","nested":{"a":[1,2]}}"#, now: 7000)
        let stored = try await stores.registry.deviceConfig(id: device.id)
        #expect(stored.updatedAt == 7000)
        #expect(stored.json.count == 3)
        #expect(stored.json["interval"] == 30)
        #expect(stored.json["mode"] == "eco")
        #expect(stored.json["nested"] == ["a": [1, 2]])

        try await stores.registry.setDeviceConfig(id: device.id, json: #"{"mode":"boost"}"#, now: 8000)
        let replaced = try await stores.registry.deviceConfig(id: device.id)
        #expect(replaced == DeviceConfig(json: ["mode": "boost"], updatedAt: 8000))
        let untouched = try await stores.registry.deviceConfig(id: other.id)
        #expect(untouched.json.isEmpty && untouched.updatedAt == nil)
    }

    static func deviceCounts(_ stores: StoreFixture) async throws {
        #expect(try await stores.registry.deviceCounts(onlineSince: 0) == DeviceCounts(total: 0, online: 0))
        let alice = try await stores.makeUser("alice")
        let bob = try await stores.makeUser("bob")
        let a = try await stores.makeDevice(alice, "a")
        let b = try await stores.makeDevice(alice, "b")
        _ = try await stores.makeDevice(bob, "c")
        try await stores.registry.markSeen([a.id: 5000, b.id: 9000])
        #expect(try await stores.registry.deviceCounts(onlineSince: 6000) == DeviceCounts(total: 3, online: 1))
        #expect(try await stores.registry.deviceCounts(onlineSince: 1000) == DeviceCounts(total: 3, online: 2))
        #expect(try await stores.registry.deviceCounts(onlineSince: 10_000) == DeviceCounts(total: 3, online: 0))
    }

    static func deleteUserCascades(_ stores: StoreFixture) async throws {
        let alice = try await stores.makeUser("alice")
        let bob = try await stores.makeUser("bob")
        let first = try await stores.makeDevice(alice, "first", keyHash: "alice-1")
        let second = try await stores.makeDevice(alice, "second", keyHash: "alice-2")
        let bobs = try await stores.makeDevice(bob, "first", keyHash: "bob-1")
        try await stores.registry.setDeviceConfig(id: first.id, json: #"{"a":1}"#, now: 1)
        try await stores.registry.createToken(hash: "alice-token", userID: alice.id, createdAt: 1, expiresAt: 10_000)
        try await stores.registry.createToken(hash: "bob-token", userID: bob.id, createdAt: 1, expiresAt: 10_000)

        try await stores.registry.deleteUser(id: alice.id)
        #expect(try await stores.registry.user(id: alice.id) == nil)
        #expect(try await stores.registry.user(login: "alice") == nil)
        #expect(try await stores.registry.user(tokenHash: "alice-token", now: 2) == nil)
        #expect(try await stores.registry.device(id: first.id) == nil)
        #expect(try await stores.registry.device(id: second.id) == nil)
        #expect(try await stores.registry.device(apiKeyHash: "alice-1") == nil)
        #expect(try await stores.registry.deviceIDs(ownerID: alice.id).isEmpty)
        #expect(try await stores.registry.devices(ownerID: alice.id, status: nil, deviceType: nil, limit: 10, offset: 0).total == 0)
        #expect(try await stores.registry.deviceCounts(onlineSince: 0).total == 1)

        #expect(try await stores.registry.user(id: bob.id) == bob)
        #expect(try await stores.registry.user(tokenHash: "bob-token", now: 2) == bob)
        #expect(try await stores.registry.device(id: bobs.id) == bobs)
        #expect(try await stores.registry.users(limit: 10, offset: 0).total == 1)

        // The username, email and key hash are free again.
        let newAlice = try await stores.makeUser("alice")
        _ = try await stores.makeDevice(newAlice, "first", keyHash: "alice-1")
    }
}
