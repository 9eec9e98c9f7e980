import Testing

@Suite("Groups: GET /groups/{id}/telemetry/latest")
struct GroupTelemetryTests {
    @Test("one entry per member with its latest values; a member without data has empty objects")
    func latest() async throws {
        try await withApp { api in
            let alice = try await api.registerUser()
            let probe = try await api.registerDevice(alice, name: "probe")
            let silent = try await api.registerDevice(alice, name: "silent")
            let outsider = try await api.registerDevice(alice, name: "outsider")
            let group = try await api.createGroup(alice)
            try await api.addToGroup(alice, group, probe)
            try await api.addToGroup(alice, group, silent)
            let now = TestTime.now() / 1000 * 1000
            let earlier = now - 10 * TestTime.minute
            let later = now - 5 * TestTime.minute
            try await api.postPoint(probe, ["t": 20.5, "door": "open"], at: earlier)
            try await api.postPoint(probe, ["t": 21], at: later)
            try await api.postPoint(outsider, ["x": 1])

            let json = try requireJSON(try await api.get("/api/v1/groups/\(group.id)/telemetry/latest", auth: alice.bearer))
            #expect(json.keys == ["group_id", "devices"])
            #expect(json["group_id"].int == group.id)
            let devices = try #require(json["devices"].array)
            #expect(devices.count == 2)
            #expect(Set(devices.compactMap { $0["device_id"].int }) == [probe.id, silent.id])
            for entry in devices {
                #expect(entry.keys == ["device_id", "device_name", "latest_data", "timestamps"])
                if entry["device_id"].int == probe.id {
                    #expect(entry["device_name"].string == "probe")
                    #expect(entry["latest_data"] == ["t": 21, "door": "open"])
                    #expect(entry["timestamps"] == ["t": .string(TestTime.iso(later)), "door": .string(TestTime.iso(earlier))])
                } else {
                    #expect(entry["device_name"].string == "silent")
                    #expect(entry["latest_data"] == [:])
                    #expect(entry["timestamps"] == [:])
                }
            }
        }
    }

    @Test("an empty group has no entries; a removed member disappears")
    func membershipChanges() async throws {
        try await withApp { api in
            let alice = try await api.registerUser()
            let device = try await api.registerDevice(alice)
            let group = try await api.createGroup(alice)
            let path = "/api/v1/groups/\(group.id)/telemetry/latest"
            let empty = try requireJSON(try await api.get(path, auth: alice.bearer))
            #expect(empty == ["group_id": .number(Double(group.id)), "devices": []])

            try await api.addToGroup(alice, group, device)
            try await api.postPoint(device, ["t": 1])
            let one = try requireJSON(try await api.get(path, auth: alice.bearer))
            #expect(one["devices"].array?.count == 1)
            #expect(one["devices"][0]["latest_data"] == ["t": 1])

            try requireJSON(try await api.delete("/api/v1/groups/\(group.id)/devices/\(device.id)", auth: alice.bearer))
            let after = try requireJSON(try await api.get(path, auth: alice.bearer))
            #expect(after["devices"] == [])
        }
    }

    @Test("other users' groups 404; admin token, device key and no credential 401")
    func access() async throws {
        try await withApp { api in
            let alice = try await api.registerUser("alice")
            let bob = try await api.registerUser("bob")
            let device = try await api.registerDevice(alice)
            let group = try await api.createGroup(alice)
            try await api.addToGroup(alice, group, device)
            try await api.postPoint(device, ["t": 1])
            let path = "/api/v1/groups/\(group.id)/telemetry/latest"
            expectError(try await api.get(path, auth: bob.bearer), .notFound)
            expectError(try await api.get(path, auth: .adminToken), .unauthorized)
            expectError(try await api.get(path, auth: device.key), .unauthorized)
            expectError(try await api.get(path), .unauthorized)
            try requireJSON(try await api.get(path, auth: alice.bearer))
        }
    }
}
