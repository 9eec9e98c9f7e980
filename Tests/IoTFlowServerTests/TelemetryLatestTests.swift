import Testing

@Suite("Telemetry: latest values and per-user overview")
struct TelemetryLatestTests {
    @Test("latest holds, per key, the value with the greatest timestamp")
    func latest() async throws {
        try await withApp { api in
            let alice = try await api.registerUser()
            let device = try await api.registerDevice(alice, name: "probe")
            let now = TestTime.now() / 1000 * 1000
            let earlier = now - 10 * TestTime.minute
            let later = now - 5 * TestTime.minute
            try await api.postPoint(device, ["a": 2], at: later)
            try await api.postPoint(device, ["a": 1, "b": "on"], at: earlier)
            for _ in 0..<2 {
                let json = try requireJSON(try await api.get("/api/v1/telemetry/\(device.id)/latest", auth: alice.bearer))
                #expect(json.keys == ["device_id", "device_name", "latest_data", "timestamps", "cached"])
                #expect(json["device_id"].int == device.id)
                #expect(json["device_name"].string == "probe")
                #expect(json["latest_data"] == ["a": 2, "b": "on"])
                #expect(json["timestamps"] == ["a": .string(TestTime.iso(later)), "b": .string(TestTime.iso(earlier))])
                #expect(json["cached"].bool != nil)
            }
            try await api.postPoint(device, ["b": "off"], at: now - TestTime.minute)
            let updated = try requireJSON(try await api.get("/api/v1/telemetry/\(device.id)/latest", auth: alice.bearer))
            #expect(updated["latest_data"] == ["a": 2, "b": "off"])
        }
    }

    @Test("latest is 404 for a device without data")
    func latestEmpty() async throws {
        try await withApp { api in
            let alice = try await api.registerUser()
            let device = try await api.registerDevice(alice)
            expectError(try await api.get("/api/v1/telemetry/\(device.id)/latest", auth: alice.bearer), .notFound)
        }
    }

    @Test("latest is readable by the device, its owner and the admin; 404 for other devices and users")
    func latestAccess() async throws {
        try await withApp { api in
            let alice = try await api.registerUser("alice")
            let bob = try await api.registerUser("bob")
            let device = try await api.registerDevice(alice, name: "one")
            let sibling = try await api.registerDevice(alice, name: "two")
            try await api.postPoint(device, ["a": 1])
            let path = "/api/v1/telemetry/\(device.id)/latest"
            for credential in [device.key, alice.bearer, Credential.adminToken] {
                let json = try requireJSON(try await api.get(path, auth: credential))
                #expect(json["latest_data"] == ["a": 1])
            }
            expectError(try await api.get(path, auth: sibling.key), .notFound)
            expectError(try await api.get(path, auth: bob.bearer), .notFound)
            expectError(try await api.get(path), .unauthorized)
            expectError(try await api.get("/api/v1/telemetry/abc/latest", auth: alice.bearer), .notFound)
        }
    }

    @Test("GET /telemetry/user/{user_id} has one entry per device with recent data")
    func userOverview() async throws {
        try await withApp { api in
            let alice = try await api.registerUser("alice")
            let bob = try await api.registerUser("bob")
            let one = try await api.registerDevice(alice, name: "one")
            let two = try await api.registerDevice(alice, name: "two")
            _ = try await api.registerDevice(alice, name: "silent")
            let bobs = try await api.registerDevice(bob, name: "bobs")
            let now = TestTime.now() / 1000 * 1000
            try await api.postPoint(one, ["a": 1, "b": 1], at: now - 20 * TestTime.minute)
            try await api.postPoint(one, ["a": 2], at: now - 10 * TestTime.minute)
            try await api.postPoint(two, ["c": true], at: now - 30 * TestTime.hour)
            try await api.postPoint(bobs, ["z": 1], at: now - TestTime.minute)

            let path = "/api/v1/telemetry/user/\(alice.userID)"
            let json = try requireJSON(try await api.get(path, auth: alice.bearer))
            #expect(json.keys == ["user_id", "telemetry", "count", "total_count"])
            #expect(json["user_id"].string == alice.userID)
            #expect(json["count"].int == 1)
            #expect(json["total_count"].int == 1)
            let expectedOne: JSONValue = [
                "device_id": .number(Double(one.id)), "device_name": "one",
                "timestamp": .string(TestTime.iso(now - 10 * TestTime.minute)), "measurements": ["a": 2, "b": 1],
            ]
            #expect(json["telemetry"] == [expectedOne])

            let wide = try requireJSON(try await api.get("\(path)?start_time=-3d", auth: alice.bearer))
            #expect(wide["count"].int == 2)
            #expect(wide["total_count"].int == 2)
            let entries = wide["telemetry"].array ?? []
            #expect(Set(entries.compactMap { $0["device_id"].int }) == [one.id, two.id])
            let twoEntry = entries.first { $0["device_id"].int == two.id }
            #expect(twoEntry["measurements"] == ["c": true])
            #expect(twoEntry["timestamp"].string == TestTime.iso(now - 30 * TestTime.hour))

            let page = try requireJSON(try await api.get("\(path)?start_time=-3d&limit=1", auth: alice.bearer))
            #expect(page["count"].int == 1)
            #expect(page["total_count"].int == 2)
            #expect(page["telemetry"].array?.count == 1)
            let rest = try requireJSON(try await api.get("\(path)?start_time=-3d&limit=1&offset=1", auth: alice.bearer))
            #expect(rest["count"].int == 1)
            #expect(rest["telemetry"][0]["device_id"] != page["telemetry"][0]["device_id"])
        }
    }

    @Test("the per-user overview is for that user or the admin")
    func userOverviewAccess() async throws {
        try await withApp { api in
            let alice = try await api.registerUser("alice")
            let bob = try await api.registerUser("bob")
            let device = try await api.registerDevice(alice)
            try await api.postPoint(device, ["a": 1], at: TestTime.now() - TestTime.minute)
            let path = "/api/v1/telemetry/user/\(alice.userID)"
            expectError(try await api.get(path, auth: bob.bearer), .forbidden)
            expectError(try await api.get(path), .unauthorized)
            expectError(try await api.get(path, auth: device.key), .unauthorized)
            let json = try requireJSON(try await api.get(path, auth: .adminToken))
            #expect(json["total_count"].int == 1)
            expectError(try await api.get("\(path)?limit=0", auth: alice.bearer), .badRequest)
            expectError(try await api.get("\(path)?start_time=yesterday", auth: alice.bearer), .badRequest)
        }
    }
}
