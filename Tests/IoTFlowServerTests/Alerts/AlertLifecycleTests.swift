import Testing

@Suite("Alerts: lifecycle over HTTP")
struct AlertLifecycleTests {
    @Test("a point over the threshold fires an alert after the write; the first point under it resolves it (auto)")
    func firesAndResolves() async throws {
        try await withApp { api in
            let alice = try await api.registerUser("alice")
            let device = try await api.registerDevice(alice, name: "probe")
            let rule = try await api.createThresholdRule(alice, device: device, extra: ["severity": "critical"])
            let start = TestTime.now() - TestTime.minute
            try await api.postPoint(device, ["t": 20], at: start)
            try await api.postPoint(device, ["t": 31.5, "h": 10], at: start + 1000)
            let fired = try await api.pollAlerts("status=active", auth: alice.bearer) { !$0.isEmpty }
            try #require(fired.count == 1)
            let alert = fired[0]
            #expect(alert["rule_id"] == rule["id"])
            #expect(alert["rule_name"].string == "hot")
            #expect(alert["type"].string == "threshold")
            #expect(alert["device_id"].int == device.id)
            #expect(alert["device_name"].string == "probe")
            #expect(alert["user_id"].string == alice.userID)
            #expect(alert["key"].string == "t")
            #expect(alert["operator"].string == "gt")
            #expect(alert["threshold"].int == 30)
            #expect(alert["value"].double == 31.5)
            #expect(alert["severity"].string == "critical")
            #expect(alert["message"].string?.contains("31.5") == true)
            #expect(TestTime.millis(alert["triggered_at"].string) == start + 1000)
            #expect(alert["resolved_at"]?.isNull == true)
            let id = try #require(alert["id"].int)
            try await api.requireEvent("alert.triggered", userID: alice.userID, deviceID: device.id)
            // Still over: stays one alert, its last value time moves.
            try await api.postPoint(device, ["t": 40], at: start + 2000)
            _ = try await api.pollAlerts("", auth: alice.bearer) { TestTime.millis($0.first?["last_value_at"].string) == start + 2000 }
            try await api.postPoint(device, ["t": 30], at: start + 3000)
            let resolved = try await api.pollAlerts("status=resolved", auth: alice.bearer) { !$0.isEmpty }
            #expect(resolved.first?["id"].int == id)
            #expect(resolved.first?["resolved_by"].string == "auto")
            #expect(TestTime.millis(resolved.first?["resolved_at"].string) == start + 3000)
            try await api.requireEvent("alert.resolved", userID: alice.userID, deviceID: device.id)
            let all = try requireJSON(try await api.get("/api/v1/alerts", auth: alice.bearer))
            #expect(all["meta"]["total"].int == 1)
        }
    }

    @Test("acknowledge only from active, resolve from active or acknowledged; 409 otherwise; notes are kept")
    func acknowledgeAndResolve() async throws {
        try await withApp { api in
            let alice = try await api.registerUser("alice")
            let bob = try await api.registerUser("bob")
            let device = try await api.registerDevice(alice)
            try await api.createThresholdRule(alice, device: device)
            try await api.postPoint(device, ["t": 50])
            let id = try #require(try await api.pollAlerts("", auth: alice.bearer) { !$0.isEmpty }.first?["id"].int)
            let path = "/api/v1/alerts/\(id)"
            expectError(try await api.post("\(path)/acknowledge", auth: bob.bearer, json: [:]), .notFound)
            expectError(try await api.post("\(path)/acknowledge", auth: .adminToken, json: [:]), .unauthorized)
            expectError(try await api.post("\(path)/acknowledge", auth: alice.bearer), .badRequest)
            expectError(
                try await api.post("\(path)/acknowledge", auth: alice.bearer, json: ["note": .string(String(repeating: "x", count: 1001))]),
                .badRequest)
            let acked = try requireJSON(try await api.post("\(path)/acknowledge", auth: alice.bearer, json: ["note": "on it"]))
            #expect(acked["alert"]["status"].string == "acknowledged")
            #expect(acked["alert"]["note"].string == "on it")
            #expect(TestTime.isTimestamp(acked["alert"]["acknowledged_at"].string))
            expectError(try await api.post("\(path)/acknowledge", auth: alice.bearer, json: [:]), .conflict)
            try await api.requireEvent("alert.acknowledged", userID: alice.userID, deviceID: device.id)
            let resolved = try requireJSON(try await api.post("\(path)/resolve", auth: alice.bearer, json: [:]))
            #expect(resolved["alert"]["status"].string == "resolved")
            #expect(resolved["alert"]["resolved_by"].string == "user")
            #expect(resolved["alert"]["note"].string == "on it")
            expectError(try await api.post("\(path)/resolve", auth: alice.bearer, json: [:]), .conflict)
            expectError(try await api.post("\(path)/acknowledge", auth: alice.bearer, json: [:]), .conflict)
            expectError(try await api.post("/api/v1/alerts/999999/resolve", auth: alice.bearer, json: [:]), .notFound)
            // Reads: the owner and admins; others are told it does not exist.
            #expect(try requireJSON(try await api.get(path, auth: alice.bearer))["alert"]["id"].int == id)
            #expect(try requireJSON(try await api.get(path, auth: .adminToken))["alert"]["id"].int == id)
            expectError(try await api.get(path, auth: bob.bearer), .notFound)
        }
    }

    @Test("filters, admins' view of everyone's alerts, and bad query values")
    func listing() async throws {
        try await withApp { api in
            let alice = try await api.registerUser("alice")
            let bob = try await api.registerUser("bob")
            let root = try await api.registerAdminUser()
            let aliceDevice = try await api.registerDevice(alice)
            let bobDevice = try await api.registerDevice(bob)
            let aliceRule = try await api.createThresholdRule(alice, device: aliceDevice, extra: ["severity": "info"])
            try await api.createThresholdRule(bob, device: bobDevice)
            try await api.postPoint(aliceDevice, ["t": 50])
            try await api.postPoint(bobDevice, ["t": 50])
            _ = try await api.pollAlerts("", auth: .adminToken) { $0.count == 2 }
            let count: (String, Credential) async throws -> Int? = { query, auth in
                try requireJSON(try await api.get("/api/v1/alerts?\(query)", auth: auth))["meta"]["total"].int
            }
            #expect(try await count("", alice.bearer) == 1)
            #expect(try await count("", .adminToken) == 2)
            #expect(try await count("", root.bearer) == 2)
            #expect(try await count("user_id=\(bob.userID)", .adminToken) == 1)
            #expect(try await count("severity=info", .adminToken) == 1)
            #expect(try await count("rule_id=\(try #require(aliceRule["id"].int))", .adminToken) == 1)
            #expect(try await count("device_id=\(bobDevice.id)", alice.bearer) == 0)
            #expect(try await count("status=resolved", .adminToken) == 0)
            #expect(try await count("start_time=-1h&end_time=now", alice.bearer) == 1)
            #expect(try await count("start_time=-1h&end_time=-30m", alice.bearer) == 0)
            #expect(try await count("user_id=\(alice.userID)", alice.bearer) == 1)
            expectError(try await api.get("/api/v1/alerts?user_id=\(bob.userID)", auth: alice.bearer), .forbidden)
            for query in [
                "status=open", "severity=fatal", "user_id=xyz", "start_time=yesterday", "start_time=now&end_time=-1h", "device_id=a", "rule_id=0",
                "limit=0",
            ] {
                expectError(try await api.get("/api/v1/alerts?\(query)", auth: alice.bearer), .badRequest)
            }
            expectError(try await api.get("/api/v1/alerts", auth: aliceDevice.key), .unauthorized)
            expectError(try await api.get("/api/v1/alerts"), .unauthorized)
        }
    }

    @Test("deleting the rule resolves its alerts (rule_deleted); deleting the device resolves its alerts (device_deleted)")
    func deletionsResolve() async throws {
        try await withApp { api in
            let alice = try await api.registerUser("alice")
            let device = try await api.registerDevice(alice)
            let first = try await api.createThresholdRule(alice, device: device, name: "first")
            try await api.createThresholdRule(alice, device: device, name: "second")
            try await api.postPoint(device, ["t": 50])
            _ = try await api.pollAlerts("status=active", auth: alice.bearer) { $0.count == 2 }
            try requireJSON(try await api.delete("/api/v1/alerts/rules/\(try #require(first["id"].int))", auth: alice.bearer))
            let byRule = try requireJSON(try await api.get("/api/v1/alerts?rule_id=\(try #require(first["id"].int))", auth: alice.bearer))
            #expect(byRule["alerts"][0]?["resolved_by"].string == "rule_deleted")
            try requireJSON(try await api.delete("/api/v1/devices/\(device.id)", auth: alice.bearer))
            let all = try await api.pollAlerts("", auth: alice.bearer) { _ in true }
            #expect(Set(all.compactMap { $0["resolved_by"].string }) == ["rule_deleted", "device_deleted"])
            #expect(all.allSatisfy { $0["status"].string == "resolved" })
        }
    }

    @Test("a group rule applies to devices added to the group later, and stops for removed ones")
    func groupRule() async throws {
        try await withApp { api in
            let alice = try await api.registerUser("alice")
            let device = try await api.registerDevice(alice)
            let group = try requireJSON(try await api.post("/api/v1/groups", auth: alice.bearer, json: ["name": "g"]), .created)
            let groupID = try #require(group["group"]["id"].int)
            try await api.createRule(alice, ["name": "g-hot", "group_id": .number(Double(groupID)), "key": "t", "operator": "gt", "threshold": 30])
            try await api.postPoint(device, ["t": 50])
            try requireJSON(
                try await api.post("/api/v1/groups/\(groupID)/devices", auth: alice.bearer, json: ["device_id": .number(Double(device.id))]), .created
            )
            try await api.postPoint(device, ["t": 51])
            let fired = try await api.pollAlerts("", auth: alice.bearer) { !$0.isEmpty }
            #expect(fired.count == 1)
            #expect(fired.first?["value"].int == 51, "the point from before the device joined did not fire")
        }
    }

    @Test("summary counts by severity and status with the top devices; /admin/stats counts alerts")
    func summaryAndStats() async throws {
        try await withApp { api in
            let alice = try await api.registerUser("alice")
            let bob = try await api.registerUser("bob")
            let one = try await api.registerDevice(alice, name: "one")
            let two = try await api.registerDevice(alice, name: "two")
            let bobs = try await api.registerDevice(bob)
            try await api.createThresholdRule(alice, device: one, name: "a", extra: ["severity": "critical"])
            try await api.createThresholdRule(alice, device: one, name: "b", extra: ["severity": "info"])
            try await api.createThresholdRule(alice, device: two, name: "c")
            try await api.createThresholdRule(bob, device: bobs, name: "d")
            for device in [one, two, bobs] { try await api.postPoint(device, ["t": 50]) }
            let alerts = try await api.pollAlerts("", auth: .adminToken) { $0.count == 4 }
            let twoAlert = try #require(alerts.first { $0["device_id"].int == two.id }?["id"].int)
            try requireJSON(try await api.post("/api/v1/alerts/\(twoAlert)/acknowledge", auth: alice.bearer, json: [:]))
            let summary = try requireJSON(try await api.get("/api/v1/alerts/summary", auth: alice.bearer))
            #expect(summary["by_severity"] == ["info": 1, "warning": 1, "critical": 1])
            #expect(summary["by_status"] == ["active": 2, "acknowledged": 1, "resolved": 0])
            #expect(
                summary["top_devices"] == [
                    ["device_id": .number(Double(one.id)), "device_name": "one", "count": 2],
                    ["device_id": .number(Double(two.id)), "device_name": "two", "count": 1],
                ])
            let everyone = try requireJSON(try await api.get("/api/v1/alerts/summary", auth: .adminToken))
            #expect(everyone["by_status"]["active"].int == 3)
            let bobOnly = try requireJSON(try await api.get("/api/v1/alerts/summary?user_id=\(bob.userID)", auth: .adminToken))
            #expect(bobOnly["by_severity"]["warning"].int == 1)
            let past = try requireJSON(try await api.get("/api/v1/alerts/summary?start_time=-2h&end_time=-1h", auth: alice.bearer))
            #expect(past["top_devices"].array?.isEmpty == true)
            expectError(try await api.get("/api/v1/alerts/summary?user_id=\(bob.userID)", auth: alice.bearer), .forbidden)
            expectError(try await api.get("/api/v1/alerts/summary?start_time=now&end_time=-1d", auth: alice.bearer), .badRequest)
            let stats = try requireJSON(try await api.get("/api/v1/admin/stats", auth: .adminToken))
            #expect(stats["alerts"] == ["active": 3, "acknowledged": 1, "resolved_last_24h": 0])
        }
    }
}
