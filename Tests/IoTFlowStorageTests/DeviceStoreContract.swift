import IoTFlowCore
import Testing

/// `DeviceStore` devices: creation, lookups, listing, updates, keys, deletion.
enum DeviceStoreContract {
    static func createAndFind(_ stores: StoreFixture) async throws {
        let alice = try await stores.makeUser("alice")
        let created = try await stores.devices.createDevice(
            NewDevice(
                ownerID: alice.id, name: "Boiler", description: "basement", deviceType: "thermostat", location: "cellar",
                firmwareVersion: "1.0.2", hardwareVersion: "rev B", apiKeyHash: "hash-boiler", createdAt: 1_700_000_000_123
            )
        )
        let expected = Device(
            id: created.id, ownerID: alice.id, ownerPublicID: alice.publicID, name: "Boiler", description: "basement",
            deviceType: "thermostat", status: .active, location: "cellar", firmwareVersion: "1.0.2", hardwareVersion: "rev B",
            createdAt: 1_700_000_000_123, updatedAt: 1_700_000_000_123, lastSeen: nil
        )
        #expect(created == expected)
        #expect(try await stores.devices.device(id: created.id) == expected)
        #expect(try await stores.devices.device(id: created.id + 1000) == nil)
        #expect(
            try await stores.devices.device(apiKeyHash: "hash-boiler")
                == AuthenticatedDevice(device: expected, ownerIsActive: true, ownerPublicID: alice.publicID, ownerUsername: "alice")
        )
        #expect(try await stores.devices.device(apiKeyHash: "hash-other") == nil)
        #expect(try await stores.groups.groups(ofDevice: created.id).isEmpty)

        var inactive = alice
        inactive.isActive = false
        try await stores.accounts.updateUser(inactive)
        #expect(try await stores.devices.device(apiKeyHash: "hash-boiler")?.ownerIsActive == false)
    }

    static func uniqueNamePerOwner(_ stores: StoreFixture) async throws {
        let alice = try await stores.makeUser("alice")
        let bob = try await stores.makeUser("bob")
        let first = try await stores.makeDevice(alice, "probe")
        let duplicate = await #expect(throws: UniqueViolation.self) { try await stores.makeDevice(alice, "probe", keyHash: "another-key") }
        #expect(duplicate?.field == "name")
        let bobs = try await stores.makeDevice(bob, "probe")
        #expect(bobs.id != first.id && bobs.ownerID == bob.id)
        #expect(try await stores.devices.devices(ownerID: alice.id, status: nil, deviceType: nil, limit: 10, offset: 0).total == 1)
    }

    static func listWithFiltersAndPaging(_ stores: StoreFixture) async throws {
        let alice = try await stores.makeUser("alice")
        let bob = try await stores.makeUser("bob")
        var devices: [Device] = []
        for (name, type) in [("d1", "sensor"), ("d2", "actuator"), ("d3", "sensor"), ("d4", "sensor"), ("d5", "actuator")] {
            devices.append(try await stores.makeDevice(alice, name, type: type))
        }
        _ = try await stores.makeDevice(bob, "b1")
        var changes = DeviceChanges()
        changes.status = .maintenance
        devices[2] = try #require(try await stores.devices.updateDevice(id: devices[2].id, changes: changes, now: 1_700_000_200_000))
        changes.status = .inactive
        devices[4] = try #require(try await stores.devices.updateDevice(id: devices[4].id, changes: changes, now: 1_700_000_200_000))

        let all = try await stores.devices.devices(ownerID: alice.id, status: nil, deviceType: nil, limit: 100, offset: 0)
        #expect(all.devices == devices && all.total == 5)
        let page = try await stores.devices.devices(ownerID: alice.id, status: nil, deviceType: nil, limit: 2, offset: 1)
        #expect(page.devices == [devices[1], devices[2]] && page.total == 5)
        let sensors = try await stores.devices.devices(ownerID: alice.id, status: nil, deviceType: "sensor", limit: 100, offset: 0)
        #expect(sensors.devices == [devices[0], devices[2], devices[3]] && sensors.total == 3)
        let active = try await stores.devices.devices(ownerID: alice.id, status: .active, deviceType: nil, limit: 100, offset: 0)
        #expect(active.devices == [devices[0], devices[1], devices[3]] && active.total == 3)
        let activeSensors = try await stores.devices.devices(ownerID: alice.id, status: .active, deviceType: "sensor", limit: 1, offset: 1)
        #expect(activeSensors.devices == [devices[3]] && activeSensors.total == 2)
        let none = try await stores.devices.devices(ownerID: alice.id, status: .inactive, deviceType: "sensor", limit: 100, offset: 0)
        #expect(none.devices.isEmpty && none.total == 0)
        #expect(try await stores.devices.deviceIDs(ownerID: alice.id).sorted() == devices.map(\.id).sorted())
    }

    static func updateDevice(_ stores: StoreFixture) async throws {
        let alice = try await stores.makeUser("alice")
        let device = try await stores.devices.createDevice(
            NewDevice(
                ownerID: alice.id, name: "old", description: "d", deviceType: "sensor", location: "l", firmwareVersion: "f",
                hardwareVersion: "h", apiKeyHash: "k", createdAt: 1000
            )
        )
        _ = try await stores.makeDevice(alice, "taken")

        var changes = DeviceChanges()
        changes.name = "new"
        changes.deviceType = "gateway"
        changes.location = .some("roof")
        changes.firmwareVersion = .some("2.0")
        changes.status = .maintenance
        var expected = device
        expected.name = "new"
        expected.deviceType = "gateway"
        expected.location = "roof"
        expected.firmwareVersion = "2.0"
        expected.status = .maintenance
        expected.updatedAt = 2000
        #expect(try await stores.devices.updateDevice(id: device.id, changes: changes, now: 2000) == expected)
        #expect(try await stores.devices.device(id: device.id) == expected)

        var clearing = DeviceChanges()
        clearing.description = .some(nil)
        clearing.location = .some(nil)
        clearing.hardwareVersion = .some(nil)
        expected.description = nil
        expected.location = nil
        expected.hardwareVersion = nil
        expected.updatedAt = 3000
        #expect(try await stores.devices.updateDevice(id: device.id, changes: clearing, now: 3000) == expected)
        #expect(try await stores.devices.device(id: device.id) == expected)

        var rename = DeviceChanges()
        rename.name = "taken"
        let clash = await #expect(throws: UniqueViolation.self) {
            try await stores.devices.updateDevice(id: device.id, changes: rename, now: 4000)
        }
        #expect(clash?.field == "name")
        #expect(try await stores.devices.device(id: device.id) == expected)
        #expect(try await stores.devices.updateDevice(id: device.id + 1000, changes: rename, now: 4000) == nil)
    }

    static func setKeyAndDelete(_ stores: StoreFixture) async throws {
        let alice = try await stores.makeUser("alice")
        let device = try await stores.makeDevice(alice, "d", keyHash: "first")
        let other = try await stores.makeDevice(alice, "other", keyHash: "other")
        try await stores.devices.setDeviceKey(id: device.id, apiKeyHash: "second", now: 5000)
        #expect(try await stores.devices.device(apiKeyHash: "first") == nil)
        let found = try #require(try await stores.devices.device(apiKeyHash: "second"))
        #expect(found.device.id == device.id && found.device.updatedAt == 5000)

        try await stores.devices.deleteDevice(id: device.id)
        #expect(try await stores.devices.device(id: device.id) == nil)
        #expect(try await stores.devices.device(apiKeyHash: "second") == nil)
        #expect(try await stores.devices.deviceIDs(ownerID: alice.id) == [other.id])
        #expect(try await stores.devices.devices(ownerID: alice.id, status: nil, deviceType: nil, limit: 10, offset: 0).total == 1)
        #expect(try await stores.devices.device(id: other.id) == other)
        let again = try await stores.makeDevice(alice, "d", keyHash: "first")
        #expect(try await stores.devices.device(apiKeyHash: "first")?.device == again)
    }

    static func devicesByIDs(_ stores: StoreFixture) async throws {
        let alice = try await stores.makeUser("alice")
        let bob = try await stores.makeUser("bob")
        let a = try await stores.makeDevice(alice, "a")
        let b = try await stores.makeDevice(bob, "b")
        let found = try await stores.devices.devices(ids: [b.id, a.id, a.id + b.id + 1000])
        #expect(found.sorted { $0.id < $1.id } == [a, b].sorted { $0.id < $1.id })
        #expect(try await stores.devices.devices(ids: []).isEmpty)
    }

    static func deleteAllOfOwner(_ stores: StoreFixture) async throws {
        let alice = try await stores.makeUser("alice")
        let bob = try await stores.makeUser("bob")
        let a1 = try await stores.makeDevice(alice, "a1", keyHash: "alice-1")
        _ = try await stores.makeDevice(alice, "a2")
        let b1 = try await stores.makeDevice(bob, "b1")
        try await stores.devices.deleteDevices(ownerID: alice.id)
        #expect(try await stores.devices.deviceIDs(ownerID: alice.id).isEmpty)
        #expect(try await stores.devices.device(id: a1.id) == nil)
        #expect(try await stores.devices.device(apiKeyHash: "alice-1") == nil)
        #expect(try await stores.devices.device(id: b1.id) == b1)
        #expect(try await stores.accounts.user(id: alice.id) == alice, "the account itself stays")
    }
}
