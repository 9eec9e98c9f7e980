import Testing

@Suite("Devices: GET /devices/{id}/status and /devices/{id}/groups")
struct DeviceStatusTests {
    @Test("status starts offline and turns online after a heartbeat")
    func statusAfterHeartbeat() async throws {
        try await withApp { api in
            let alice = try await api.registerUser()
            let device = try await api.registerDevice(alice, name: "probe")
            let path = "/api/v1/devices/\(device.id)/status"
            let before = try requireJSON(try await api.get(path, auth: alice.bearer))
            #expect(before.keys == ["device_id", "name", "status", "is_online", "last_seen"])
            #expect(before["device_id"].int == device.id)
            #expect(before["name"].string == "probe")
            #expect(before["status"].string == "active")
            #expect(before["is_online"].bool == false)
            #expect(before["last_seen"].isNull)

            let start = TestTime.now()
            try requireJSON(try await api.post("/api/v1/devices/heartbeat", auth: device.key))
            let after = try requireJSON(try await api.get(path, auth: alice.bearer))
            #expect(after["is_online"].bool == true)
            let lastSeen = try #require(TestTime.millis(after["last_seen"].string))
            #expect(abs(lastSeen - start) < 10 * TestTime.second)
            expectNoAPIKey(after)
        }
    }

    @Test("telemetry also marks the device online")
    func statusAfterTelemetry() async throws {
        try await withApp { api in
            let alice = try await api.registerUser()
            let device = try await api.registerDevice(alice)
            try await api.postPoint(device, ["t": 1])
            let json = try requireJSON(try await api.get("/api/v1/devices/\(device.id)/status", auth: .adminToken))
            #expect(json["is_online"].bool == true)
            #expect(TestTime.isTimestamp(json["last_seen"].string))
            let read = try requireJSON(try await api.get("/api/v1/devices/\(device.id)", auth: alice.bearer))
            #expect(read["device"]["is_online"].bool == true)
        }
    }

    @Test("status: other users 404, device key 401")
    func statusAccess() async throws {
        try await withApp { api in
            let alice = try await api.registerUser("alice")
            let bob = try await api.registerUser("bob")
            let device = try await api.registerDevice(alice)
            let path = "/api/v1/devices/\(device.id)/status"
            expectError(try await api.get(path, auth: bob.bearer), .notFound)
            expectError(try await api.get(path, auth: device.key), .unauthorized)
            expectError(try await api.get(path), .unauthorized)
            expectError(try await api.get("/api/v1/devices/abc/status", auth: alice.bearer), .notFound)
        }
    }

    @Test("groups of a device without groups")
    func groups() async throws {
        try await withApp { api in
            let alice = try await api.registerUser()
            let device = try await api.registerDevice(alice, name: "probe")
            let json = try requireJSON(try await api.get("/api/v1/devices/\(device.id)/groups", auth: alice.bearer))
            #expect(json == ["device_id": .number(Double(device.id)), "device_name": "probe", "groups": [], "total_groups": 0])
        }
    }

    @Test("groups: owner only")
    func groupsAccess() async throws {
        try await withApp { api in
            let alice = try await api.registerUser("alice")
            let bob = try await api.registerUser("bob")
            let device = try await api.registerDevice(alice)
            let path = "/api/v1/devices/\(device.id)/groups"
            expectError(try await api.get(path, auth: bob.bearer), .notFound)
            expectError(try await api.get(path, auth: .adminToken), .unauthorized)
            expectError(try await api.get(path, auth: device.key), .unauthorized)
            expectError(try await api.get(path), .unauthorized)
        }
    }

    @Test("a device goes offline once the online window has passed on the server's clock")
    func onlineWindowPasses() async throws {
        let clock = midMinuteClock()
        try await withConfiguredApp(clock: clock, { $0.onlineWindowSeconds = 300 }) { api in
            let alice = try await api.registerUser()
            let device = try await api.registerDevice(alice)
            try requireJSON(try await api.post("/api/v1/devices/heartbeat", auth: device.key))
            clock.set(clock.nowMilliseconds() + 299_000)
            #expect(try requireJSON(try await api.get("/api/v1/devices/\(device.id)/status", auth: alice.bearer))["is_online"].bool == true)
            clock.set(clock.nowMilliseconds() + 2_000)
            #expect(try requireJSON(try await api.get("/api/v1/devices/\(device.id)/status", auth: alice.bearer))["is_online"].bool == false)
            let stats = try requireJSON(try await api.get("/api/v1/admin/stats", auth: .adminToken))
            #expect(stats["devices"]["online"].int == 0 && stats["devices"]["offline"].int == 1)
        }
    }
}
