import Testing

@Suite("Devices: GET /devices/user/{user_id}")
struct DeviceListTests {
    @Test("lists the user's devices with paging meta and no keys")
    func list() async throws {
        try await withApp { api in
            let alice = try await api.registerUser("alice")
            let bob = try await api.registerUser("bob")
            for name in ["a", "b", "c"] { _ = try await api.registerDevice(alice, name: name) }
            _ = try await api.registerDevice(bob, name: "bobs")

            let json = try requireJSON(try await api.get("/api/v1/devices/user/\(alice.userID)", auth: alice.bearer))
            #expect(json["user_id"].string == alice.userID)
            #expect(json["username"].string == "alice")
            let devices = try #require(json["devices"].array)
            #expect(Set(devices.compactMap { $0["name"].string }) == ["a", "b", "c"])
            for device in devices {
                expectDevice(device)
                #expect(device["user_id"].string == alice.userID)
            }
            expectNoAPIKey(json)
            #expect(json["meta"] == ["total": 3, "limit": 100, "offset": 0, "returned": 3])

            let page = try requireJSON(try await api.get("/api/v1/devices/user/\(alice.userID)?limit=1&offset=1", auth: alice.bearer))
            #expect(page["devices"].array?.count == 1)
            #expect(page["meta"] == ["total": 3, "limit": 1, "offset": 1, "returned": 1])

            let clamped = try requireJSON(try await api.get("/api/v1/devices/user/\(alice.userID)?limit=5000", auth: alice.bearer))
            #expect(clamped["meta"]["limit"].int == 1000)
            #expect(clamped["meta"]["returned"].int == 3)
        }
    }

    @Test("filters by status and device_type")
    func filters() async throws {
        try await withApp { api in
            let alice = try await api.registerUser()
            let probe = try await api.registerDevice(alice, name: "probe", deviceType: "sensor")
            _ = try await api.registerDevice(alice, name: "valve", deviceType: "actuator")
            _ = try await api.registerDevice(alice, name: "probe-2", deviceType: "sensor")
            try requireJSON(try await api.put("/api/v1/devices/config", auth: probe.key, json: ["status": "maintenance"]))
            let base = "/api/v1/devices/user/\(alice.userID)"

            let maintenance = try requireJSON(try await api.get("\(base)?status=maintenance", auth: alice.bearer))
            #expect(maintenance["devices"].array?.compactMap { $0["name"].string } == ["probe"])
            #expect(maintenance["meta"]["total"].int == 1)

            let active = try requireJSON(try await api.get("\(base)?status=active", auth: alice.bearer))
            #expect(Set(active["devices"].array?.compactMap { $0["name"].string } ?? []) == ["valve", "probe-2"])

            let inactive = try requireJSON(try await api.get("\(base)?status=inactive", auth: alice.bearer))
            #expect(inactive["devices"].array?.isEmpty == true)
            #expect(inactive["meta"]["total"].int == 0)

            let sensors = try requireJSON(try await api.get("\(base)?device_type=sensor", auth: alice.bearer))
            #expect(Set(sensors["devices"].array?.compactMap { $0["name"].string } ?? []) == ["probe", "probe-2"])
            #expect(sensors["meta"]["total"].int == 2)

            let both = try requireJSON(try await api.get("\(base)?device_type=sensor&status=active", auth: alice.bearer))
            #expect(both["devices"].array?.compactMap { $0["name"].string } == ["probe-2"])
        }
    }

    @Test("rejects bad query values with 400", arguments: ["status=broken", "limit=0", "limit=abc", "offset=-1"])
    func badQuery(query: String) async throws {
        try await withApp { api in
            let alice = try await api.registerUser()
            expectError(try await api.get("/api/v1/devices/user/\(alice.userID)?\(query)", auth: alice.bearer), .badRequest)
        }
    }

    @Test("another user's list is 403, the admin's 200, no credential 401")
    func access() async throws {
        try await withApp { api in
            let alice = try await api.registerUser("alice")
            let bob = try await api.registerUser("bob")
            let device = try await api.registerDevice(alice)
            let path = "/api/v1/devices/user/\(alice.userID)"
            expectError(try await api.get(path, auth: bob.bearer), .forbidden)
            expectError(try await api.get(path), .unauthorized)
            expectError(try await api.get(path, auth: device.key), .unauthorized)
            let json = try requireJSON(try await api.get(path, auth: .adminToken))
            #expect(json["meta"]["total"].int == 1)
            expectNoAPIKey(json)
        }
    }
}
