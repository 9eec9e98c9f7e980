import Testing

@Suite("Admin: GET /admin/stats")
struct AdminStatsTests {
    private static let sections: [String: Set<String>] = [
        "users": ["total", "active", "admins"],
        "devices": ["total", "active", "inactive", "maintenance", "online", "offline"],
        "groups": ["total"],
        "telemetry": ["points_total", "points_last_24h"],
        "cache": ["hits", "misses", "hit_rate"],
        "events": ["total", "dropped"],
        "alerts": ["active", "acknowledged", "resolved_last_24h"],
    ]

    /// Checks the exact shape and the cache fraction, and returns the stats.
    private func stats(_ api: TestAPI, sourceLocation: SourceLocation = #_sourceLocation) async throws -> JSONValue {
        let json = try requireJSON(try await api.get("/api/v1/admin/stats", auth: .adminToken), sourceLocation: sourceLocation)
        #expect(json.keys == Set(Self.sections.keys), "sections \(json.keys.sorted())", sourceLocation: sourceLocation)
        for (section, fields) in Self.sections {
            #expect(json[section].keys == fields, "\(section): \(json[section].keys.sorted())", sourceLocation: sourceLocation)
            for field in fields where field != "hit_rate" {
                #expect(
                    (json[section][field].int ?? -1) >= 0, "\(section).\(field) = \(String(describing: json[section][field]))",
                    sourceLocation: sourceLocation)
            }
        }
        let hits = Double(json["cache"]["hits"].int ?? 0)
        let misses = Double(json["cache"]["misses"].int ?? 0)
        let rate = try #require(
            json["cache"]["hit_rate"].double, "hit_rate \(String(describing: json["cache"]["hit_rate"]))", sourceLocation: sourceLocation)
        #expect(rate >= 0 && rate <= 1, "hit_rate \(rate)", sourceLocation: sourceLocation)
        let expected = hits + misses == 0 ? 0 : hits / (hits + misses)
        #expect(abs(rate - expected) < 0.001, "hit_rate \(rate), hits \(hits), misses \(misses)", sourceLocation: sourceLocation)
        return json
    }

    @Test("a fresh server has no users, devices, groups or values")
    func empty() async throws {
        try await withApp { api in
            let json = try await self.stats(api)
            #expect(json["users"] == ["total": 0, "active": 0, "admins": 0])
            #expect(json["devices"] == ["total": 0, "active": 0, "inactive": 0, "maintenance": 0, "online": 0, "offline": 0])
            #expect(json["groups"] == ["total": 0])
            #expect(json["telemetry"] == ["points_total": 0, "points_last_24h": 0])
        }
    }

    @Test("counts users, devices by status and contact, groups, stored values, cache use and events")
    func counts() async throws {
        try await withApp { api in
            let alice = try await api.registerUser("alice")
            let bob = try await api.registerUser("bob")
            let root = try await api.registerAdminUser()
            try requireJSON(try await api.patch("/api/v1/users/\(bob.userID)/deactivate", auth: .adminToken))

            let seen = try await api.registerDevice(alice, name: "seen")
            let off = try await api.registerDevice(alice, name: "off")
            let repair = try await api.registerDevice(alice, name: "repair")
            _ = try await api.registerDevice(alice, name: "idle")
            _ = try await api.registerDevice(root, name: "roots")
            try requireJSON(try await api.put("/api/v1/admin/devices/\(off.id)/status", auth: .adminToken, json: ["status": "inactive"]))
            try requireJSON(try await api.put("/api/v1/admin/devices/\(repair.id)/status", auth: .adminToken, json: ["status": "maintenance"]))

            _ = try await api.createGroup(alice, name: "lab")
            _ = try await api.createGroup(alice, name: "roof")
            _ = try await api.createGroup(root, name: "ops")

            // 2 values now, 1 value two days ago (written twice at the same timestamp), 2 values in the last hours.
            let now = TestTime.now()
            let old = now - 2 * TestTime.day
            try await api.postPoint(seen, ["a": 1, "b": 2.5, "c": nil])
            try await api.postPoint(seen, ["a": 3], at: old)
            try await api.postPoint(seen, ["a": 9], at: old)
            try await api.postBatch(seen, [(now - TestTime.hour, ["x": 1]), (now - 2 * TestTime.hour, ["x": 2])])
            for _ in 0..<2 { try requireJSON(try await api.get("/api/v1/telemetry/\(seen.id)/latest", auth: alice.bearer)) }

            let json = try await self.stats(api)
            #expect(json["users"] == ["total": 3, "active": 2, "admins": 1])
            #expect(json["devices"] == ["total": 5, "active": 3, "inactive": 1, "maintenance": 1, "online": 1, "offline": 4])
            #expect(json["groups"] == ["total": 3])
            #expect(json["telemetry"] == ["points_total": 5, "points_last_24h": 4])
            let cacheUse = (json["cache"]["hits"].int ?? 0) + (json["cache"]["misses"].int ?? 0)
            #expect(cacheUse > 0, "reading latest values twice uses the cache")

            let events = try await self.pollStats(api) { ($0["events"]["total"].int ?? 0) > 0 }
            #expect((events["events"]["total"].int ?? 0) > 0)
        }
    }

    @Test("totals drop when devices and groups are deleted")
    func deletions() async throws {
        try await withApp { api in
            let alice = try await api.registerUser()
            let one = try await api.registerDevice(alice, name: "one")
            _ = try await api.registerDevice(alice, name: "two")
            let group = try await api.createGroup(alice)
            try await api.postPoint(one, ["a": 1, "b": 2])
            let before = try await self.stats(api)
            #expect(before["devices"]["total"].int == 2)
            #expect(before["groups"]["total"].int == 1)
            #expect(before["telemetry"]["points_total"].int == 2)

            try requireJSON(try await api.delete("/api/v1/devices/\(one.id)", auth: alice.bearer))
            try requireJSON(try await api.delete("/api/v1/groups/\(group.id)", auth: alice.bearer))
            let after = try await self.stats(api)
            #expect(after["devices"] == ["total": 1, "active": 1, "inactive": 0, "maintenance": 0, "online": 0, "offline": 1])
            #expect(after["groups"] == ["total": 0])
            #expect(after["telemetry"] == ["points_total": 0, "points_last_24h": 0])
        }
    }

    private func pollStats(_ api: TestAPI, until done: (JSONValue) -> Bool) async throws -> JSONValue {
        let deadline = ContinuousClock.now + .seconds(30)
        while true {
            let json = try await self.stats(api)
            if done(json) || ContinuousClock.now >= deadline { return json }
            try await Task.sleep(for: .milliseconds(100))
        }
    }
}
