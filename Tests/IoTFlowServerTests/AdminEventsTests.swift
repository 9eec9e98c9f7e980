import Testing

@Suite("Admin: GET /admin/events")
struct AdminEventsTests {
    @Test("user actions are recorded with the user they are about")
    func userEvents() async throws {
        try await withApp { api in
            let alice = try await api.registerUser("alice")
            let bob = try await api.registerUser("bob")
            let carol = try await api.registerUser("carol")
            try requireJSON(try await api.login("alice", "password123"))
            try requireJSON(try await api.put("/api/v1/users/\(alice.userID)", auth: alice.bearer, json: ["email": "alice@new.example.com"]))
            try requireJSON(try await api.patch("/api/v1/users/\(bob.userID)/deactivate", auth: .adminToken))
            try requireJSON(try await api.patch("/api/v1/users/\(bob.userID)/activate", auth: .adminToken))
            try requireJSON(try await api.delete("/api/v1/users/\(carol.userID)", auth: .adminToken))

            for user in [alice, bob, carol] { try await api.requireEvent("user.registered", userID: user.userID) }
            try await api.requireEvent("user.login", userID: alice.userID)
            try await api.requireEvent("user.updated", userID: alice.userID)
            try await api.requireEvent("user.deactivated", userID: bob.userID)
            try await api.requireEvent("user.activated", userID: bob.userID)
            try await api.requireEvent("user.deleted", userID: carol.userID)
        }
    }

    @Test("device actions are recorded with the owner, also when the admin acts")
    func deviceEvents() async throws {
        try await withApp { api in
            let alice = try await api.registerUser()
            let device = try await api.registerDevice(alice, name: "probe")
            let managed = try await api.registerDevice(alice, name: "managed")
            try requireJSON(try await api.put("/api/v1/devices/\(device.id)", auth: alice.bearer, json: ["location": "roof"]))
            try requireJSON(try await api.put("/api/v1/admin/devices/\(managed.id)", auth: .adminToken, json: ["location": "cellar"]))
            try requireJSON(try await api.put("/api/v1/admin/devices/\(managed.id)/status", auth: .adminToken, json: ["status": "maintenance"]))
            try requireJSON(try await api.put("/api/v1/devices/config", auth: device.key, json: ["config": ["interval": 5]]))
            try requireJSON(try await api.post("/api/v1/devices/\(device.id)/rotate-key", auth: alice.bearer))
            try requireJSON(try await api.delete("/api/v1/devices/\(device.id)", auth: alice.bearer))
            try requireJSON(try await api.delete("/api/v1/admin/devices/\(managed.id)", auth: .adminToken))

            for id in [device.id, managed.id] {
                try await api.requireEvent("device.registered", userID: alice.userID, deviceID: id)
                try await api.requireEvent("device.updated", userID: alice.userID, deviceID: id)
                try await api.requireEvent("device.deleted", userID: alice.userID, deviceID: id)
            }
            try await api.requireEvent("device.status_changed", userID: alice.userID, deviceID: managed.id)
            try await api.requireEvent("device.config_updated", userID: alice.userID, deviceID: device.id)
            try await api.requireEvent("device.key_rotated", userID: alice.userID, deviceID: device.id)
        }
    }

    @Test("group actions are recorded with the owner")
    func groupEvents() async throws {
        try await withApp { api in
            let alice = try await api.registerUser()
            let device = try await api.registerDevice(alice)
            let group = try await api.createGroup(alice)
            try requireJSON(try await api.put("/api/v1/groups/\(group.id)", auth: alice.bearer, json: ["color": "#000000"]))
            try await api.addToGroup(alice, group, device)
            try requireJSON(try await api.delete("/api/v1/groups/\(group.id)/devices/\(device.id)", auth: alice.bearer))
            try requireJSON(try await api.delete("/api/v1/groups/\(group.id)", auth: alice.bearer))

            for type in ["group.created", "group.updated", "group.device_added", "group.device_removed", "group.deleted"] {
                try await api.requireEvent(type, userID: alice.userID)
            }
        }
    }

    @Test("telemetry submissions are coalesced per device and second; the counts add up to the submissions")
    func telemetryCoalesced() async throws {
        try await withApp { api in
            let alice = try await api.registerUser()
            let device = try await api.registerDevice(alice)
            // Spaced a little, so that the posts of one second span more than one flush of the event writer.
            let start = TestTime.now()
            for value in 1...5 {
                try await api.postPoint(device, ["t": .number(Double(value))])
                try await Task.sleep(for: .milliseconds(60))
            }
            let end = TestTime.now()
            let count: ([JSONValue]) -> Int = { events in events.reduce(0) { $0 + ($1["details"]["count"].int ?? 0) } }
            let events = try await api.pollEvents("event_type=telemetry.submitted&device_id=\(device.id)") { count($0) >= 5 }
            #expect(count(events) == 5, "counts \(events.map { $0["details"]["count"] })")
            let eventSeconds = events.compactMap { TestTime.millis($0["timestamp"].string).map { $0 / 1000 } }
            #expect(Set(eventSeconds).count == events.count, "one event per second, got seconds \(eventSeconds)")
            let seconds = Int(end / 1000 - start / 1000 + 1)
            #expect(events.count <= seconds, "\(events.count) events for posts spanning \(seconds) s")
            for event in events {
                expectEvent(event)
                #expect(event["user_id"].string == alice.userID)
                #expect(event["device_id"].int == device.id)
                #expect((event["details"]["count"].int ?? 0) >= 1)
            }
        }
    }

    @Test("events come newest first with their fields and paging meta")
    func listing() async throws {
        try await withApp { api in
            let alice = try await api.registerUser("alice")
            _ = try await api.registerDevice(alice)
            _ = try await api.registerUser("bob")
            let all = try await api.pollEvents("limit=1000") { $0.count >= 3 }
            #expect(all.count >= 3)
            for event in all { expectEvent(event) }
            let times = all.compactMap { TestTime.millis($0["timestamp"].string) }
            #expect(times == times.sorted(by: >), "newest first: \(times)")
            #expect(Set(all.compactMap { $0["id"].int }).count == all.count)

            let json = try requireJSON(try await api.get("/api/v1/admin/events", auth: .adminToken))
            #expect(json.keys == ["events", "meta"])
            let total = try #require(json["meta"]["total"].int)
            #expect(json["meta"] == ["total": .number(Double(total)), "limit": 100, "offset": 0, "returned": .number(Double(total))])
            let page = try requireJSON(try await api.get("/api/v1/admin/events?limit=1&offset=1", auth: .adminToken))
            #expect(page["meta"] == ["total": .number(Double(total)), "limit": 1, "offset": 1, "returned": 1])
            #expect(page["events"][0]["id"] == json["events"][1]["id"])
            let clamped = try requireJSON(try await api.get("/api/v1/admin/events?limit=5000", auth: .adminToken))
            #expect(clamped["meta"]["limit"].int == 1000)
        }
    }

    @Test("filters by event_type, device_id, user_id and time range")
    func filters() async throws {
        try await withApp { api in
            let before = TestTime.now() - TestTime.second
            let alice = try await api.registerUser("alice")
            let bob = try await api.registerUser("bob")
            let device = try await api.registerDevice(alice)
            try await api.postPoint(device, ["t": 1])
            try await api.requireEvent("telemetry.submitted", userID: alice.userID, deviceID: device.id)
            try await api.requireEvent("user.registered", userID: bob.userID)

            let registered = try requireJSON(try await api.get("/api/v1/admin/events?event_type=user.registered", auth: .adminToken))
            #expect(Set(registered["events"].array?.compactMap { $0["user_id"].string } ?? []) == [alice.userID, bob.userID])
            #expect(registered["events"].array?.allSatisfy { $0["event_type"].string == "user.registered" } == true)
            #expect(registered["meta"]["total"].int == 2)

            let byDevice = try requireJSON(try await api.get("/api/v1/admin/events?device_id=\(device.id)", auth: .adminToken))
            let deviceEvents = try #require(byDevice["events"].array)
            #expect(deviceEvents.allSatisfy { $0["device_id"].int == device.id })
            #expect(Set(deviceEvents.compactMap { $0["event_type"].string }).isSuperset(of: ["device.registered", "telemetry.submitted"]))

            let byUser = try requireJSON(try await api.get("/api/v1/admin/events?user_id=\(bob.userID)", auth: .adminToken))
            #expect(byUser["events"].array?.compactMap { $0["event_type"].string } == ["user.registered"])
            #expect(byUser["events"][0]["user_id"].string == bob.userID)

            let combined = try requireJSON(
                try await api.get("/api/v1/admin/events?user_id=\(alice.userID)&event_type=device.registered", auth: .adminToken))
            #expect(combined["events"].array?.compactMap { $0["device_id"].int } == [device.id])

            let total = try #require(try requireJSON(try await api.get("/api/v1/admin/events", auth: .adminToken))["meta"]["total"].int)
            let recent = try requireJSON(try await api.get("/api/v1/admin/events?start_time=-1h", auth: .adminToken))
            #expect(recent["meta"]["total"].int == total)
            let since = try requireJSON(try await api.get("/api/v1/admin/events?start_time=\(before)&end_time=now", auth: .adminToken))
            #expect(since["meta"]["total"].int == total)
            let old = try requireJSON(try await api.get("/api/v1/admin/events?end_time=-1h", auth: .adminToken))
            #expect(old["events"] == [])
            #expect(old["meta"]["total"].int == 0)
            let iso = TestTime.iso(before)
            let isoRange = try requireJSON(try await api.get("/api/v1/admin/events?end_time=\(iso)", auth: .adminToken))
            #expect(isoRange["meta"]["total"].int == 0)
        }
    }

    @Test(
        "rejects bad query values with 400",
        arguments: [
            "device_id=abc", "device_id=1.5", "start_time=yesterday", "end_time=%2B2h", "start_time=1h", "limit=0", "limit=abc", "offset=-1",
            "event_type=nope.nope", "user_id=alice",
        ]
    )
    func badQuery(query: String) async throws {
        try await withApp { api in
            expectError(try await api.get("/api/v1/admin/events?\(query)", auth: .adminToken), .badRequest)
        }
    }
}
