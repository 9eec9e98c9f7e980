import Testing

@Suite("Alerts: rules")
struct AlertRuleTests {
    @Test("create answers 201 with every field, defaults filled in, and records alert_rule.created")
    func create() async throws {
        try await withApp { api in
            let alice = try await api.registerUser("alice")
            let device = try await api.registerDevice(alice)
            let rule = try await api.createRule(
                alice, ["name": " Too hot ", "device_id": .number(Double(device.id)), "key": "temperature", "operator": "gt", "threshold": 30.5])
            #expect(rule["name"].string == "Too hot")
            #expect(rule["user_id"].string == alice.userID)
            #expect(rule["device_id"].int == device.id)
            #expect(rule["group_id"]?.isNull == true)
            #expect(rule["type"].string == "threshold")
            #expect(rule["key"].string == "temperature")
            #expect(rule["operator"].string == "gt")
            #expect(rule["threshold"].double == 30.5)
            #expect(rule["duration_s"].int == 0)
            #expect(rule["offline_after_s"]?.isNull == true)
            #expect(rule["severity"].string == "warning")
            #expect(rule["cooldown_s"].int == 300)
            #expect(rule["enabled"].bool == true)
            #expect(TestTime.isTimestamp(rule["created_at"].string))
            let id = try #require(rule["id"].int)
            let read = try requireJSON(try await api.get("/api/v1/alerts/rules/\(id)", auth: alice.bearer))
            #expect(read["rule"] == rule)
            try await api.requireEvent("alert_rule.created", userID: alice.userID, deviceID: device.id)

            let offline = try await api.createRule(
                alice, ["name": "silent", "device_id": .number(Double(device.id)), "type": "offline", "offline_after_s": 30, "severity": "critical"])
            #expect(offline["type"].string == "offline")
            #expect(offline["key"]?.isNull == true)
            #expect(offline["operator"]?.isNull == true)
            #expect(offline["threshold"]?.isNull == true)
            #expect(offline["offline_after_s"].int == 30)
            #expect(offline["severity"].string == "critical")
        }
    }

    @Test(
        "invalid rules are 400 and create nothing",
        arguments: [
            ["device_id": 1, "key": "t", "operator": "gt", "threshold": 1],
            ["name": "", "device_id": 1, "key": "t", "operator": "gt", "threshold": 1],
            ["name": "x", "key": "t", "operator": "gt", "threshold": 1],
            ["name": "x", "device_id": 1, "group_id": 1, "key": "t", "operator": "gt", "threshold": 1],
            ["name": "x", "device_id": 1, "operator": "gt", "threshold": 1],
            ["name": "x", "device_id": 1, "key": "bad key", "operator": "gt", "threshold": 1],
            ["name": "x", "device_id": 1, "key": "t", "operator": "above", "threshold": 1],
            ["name": "x", "device_id": 1, "key": "t", "threshold": 1],
            ["name": "x", "device_id": 1, "key": "t", "operator": "gt"],
            ["name": "x", "device_id": 1, "key": "t", "operator": "gt", "threshold": "30"],
            ["name": "x", "device_id": 1, "type": "offline"],
            ["name": "x", "device_id": 1, "type": "offline", "offline_after_s": 29],
            ["name": "x", "device_id": 1, "type": "sometimes", "offline_after_s": 60],
            ["name": "x", "device_id": 1, "key": "t", "operator": "gt", "threshold": 1, "severity": "fatal"],
            ["name": "x", "device_id": 1, "key": "t", "operator": "gt", "threshold": 1, "duration_s": -1],
            ["name": "x", "device_id": 1, "key": "t", "operator": "gt", "threshold": 1, "duration_s": 31_536_001],
            ["name": "x", "device_id": 1, "key": "t", "operator": "gt", "threshold": 1, "cooldown_s": 1.5],
            ["name": "x", "device_id": 1, "key": "t", "operator": "gt", "threshold": 1, "enabled": "yes"],
            ["name": .string(String(repeating: "n", count: 101)), "device_id": 1, "key": "t", "operator": "gt", "threshold": 1],
        ] as [JSONValue]
    )
    func invalid(_ body: JSONValue) async throws {
        try await withApp { api in
            let alice = try await api.registerUser("alice")
            let device = try await api.registerDevice(alice)
            try #require(device.id == 1)
            expectError(try await api.post("/api/v1/alerts/rules", auth: alice.bearer, json: body), .badRequest)
            let list = try requireJSON(try await api.get("/api/v1/alerts/rules", auth: alice.bearer))
            #expect(list["meta"]["total"].int == 0)
        }
    }

    @Test("another user's device or group, or none, is 404; a duplicate name is 409; the admin token is 401")
    func ownershipAndConflicts() async throws {
        try await withApp { api in
            let alice = try await api.registerUser("alice")
            let bob = try await api.registerUser("bob")
            let bobsDevice = try await api.registerDevice(bob)
            let bobsGroup = try requireJSON(try await api.post("/api/v1/groups", auth: bob.bearer, json: ["name": "g"]), .created)
            let groupID = try #require(bobsGroup["group"]["id"].int)
            let base: [String: JSONValue] = ["name": "x", "key": "t", "operator": "gt", "threshold": 1]
            for target: [String: JSONValue] in [
                ["device_id": .number(Double(bobsDevice.id))], ["group_id": .number(Double(groupID))], ["device_id": 999],
            ] {
                expectError(try await api.post("/api/v1/alerts/rules", auth: alice.bearer, json: .object(base.merging(target) { $1 })), .notFound)
            }
            let rule = try await api.createThresholdRule(bob, device: bobsDevice)
            let id = try #require(rule["id"].int)
            expectError(
                try await api.post(
                    "/api/v1/alerts/rules", auth: bob.bearer,
                    json: .object(base.merging(["name": "hot", "group_id": .number(Double(groupID))]) { $1 })), .conflict)
            // Someone else's rule does not exist for alice.
            expectError(try await api.get("/api/v1/alerts/rules/\(id)", auth: alice.bearer), .notFound)
            expectError(try await api.put("/api/v1/alerts/rules/\(id)", auth: alice.bearer, json: ["threshold": 5]), .notFound)
            expectError(try await api.delete("/api/v1/alerts/rules/\(id)", auth: alice.bearer), .notFound)
            expectError(try await api.get("/api/v1/alerts/rules", auth: .adminToken), .unauthorized)
            expectError(try await api.get("/api/v1/alerts/rules", auth: bobsDevice.key), .unauthorized)
            expectError(try await api.get("/api/v1/alerts/rules"), .unauthorized)
            expectError(try await api.get("/api/v1/alerts/rules/abc", auth: bob.bearer), .notFound)
        }
    }

    @Test("the list filters by device, group and enabled, with paging")
    func list() async throws {
        try await withApp { api in
            let alice = try await api.registerUser("alice")
            let one = try await api.registerDevice(alice, name: "one")
            let two = try await api.registerDevice(alice, name: "two")
            let group = try requireJSON(try await api.post("/api/v1/groups", auth: alice.bearer, json: ["name": "g"]), .created)
            let groupID = try #require(group["group"]["id"].int)
            try await api.createThresholdRule(alice, device: one, name: "a")
            try await api.createThresholdRule(alice, device: one, name: "b", extra: ["enabled": false])
            try await api.createThresholdRule(alice, device: two, name: "c")
            try await api.createRule(alice, ["name": "d", "group_id": .number(Double(groupID)), "type": "offline", "offline_after_s": 60])
            let names: (String) async throws -> [String] = { query in
                let json = try requireJSON(try await api.get("/api/v1/alerts/rules?\(query)", auth: alice.bearer))
                return (json["rules"].array ?? []).compactMap { $0["name"].string }
            }
            #expect(try await names("") == ["a", "b", "c", "d"])
            #expect(try await names("device_id=\(one.id)") == ["a", "b"])
            #expect(try await names("group_id=\(groupID)") == ["d"])
            #expect(try await names("enabled=false") == ["b"])
            #expect(try await names("enabled=true&device_id=\(one.id)") == ["a"])
            let page = try requireJSON(try await api.get("/api/v1/alerts/rules?limit=2&offset=1", auth: alice.bearer))
            #expect((page["rules"].array ?? []).compactMap { $0["name"].string } == ["b", "c"])
            #expect(page["meta"]["total"].int == 4)
            #expect(page["meta"]["returned"].int == 2)
            let bob = try await api.registerUser("bob")
            #expect(try requireJSON(try await api.get("/api/v1/alerts/rules", auth: bob.bearer))["meta"]["total"].int == 0)
            for query in ["enabled=maybe", "device_id=x", "group_id=0", "limit=0", "offset=-1"] {
                expectError(try await api.get("/api/v1/alerts/rules?\(query)", auth: alice.bearer), .badRequest)
            }
        }
    }

    @Test("update changes any field and checks the result as a whole; naming a group moves the rule off its device")
    func update() async throws {
        try await withApp { api in
            let alice = try await api.registerUser("alice")
            let device = try await api.registerDevice(alice)
            let group = try requireJSON(try await api.post("/api/v1/groups", auth: alice.bearer, json: ["name": "g"]), .created)
            let groupID = try #require(group["group"]["id"].int)
            let rule = try await api.createThresholdRule(alice, device: device)
            try await api.createThresholdRule(alice, device: device, name: "other")
            let path = "/api/v1/alerts/rules/\(try #require(rule["id"].int))"
            let changed = try requireJSON(
                try await api.put(path, auth: alice.bearer, json: ["threshold": 32, "severity": "critical", "duration_s": 60]))
            #expect(changed["rule"]["threshold"].int == 32)
            #expect(changed["rule"]["severity"].string == "critical")
            #expect(changed["rule"]["duration_s"].int == 60)
            #expect(changed["rule"]["key"].string == "t")
            let moved = try requireJSON(try await api.put(path, auth: alice.bearer, json: ["group_id": .number(Double(groupID))]))
            #expect(moved["rule"]["group_id"].int == groupID)
            #expect(moved["rule"]["device_id"]?.isNull == true)
            expectError(
                try await api.put(path, auth: alice.bearer, json: ["device_id": .number(Double(device.id)), "group_id": .number(Double(groupID))]),
                .badRequest)
            expectError(try await api.put(path, auth: alice.bearer, json: ["name": nil]), .badRequest)
            expectError(try await api.put(path, auth: alice.bearer, json: ["threshold": nil]), .badRequest)
            expectError(try await api.put(path, auth: alice.bearer, json: ["type": "offline"]), .badRequest)
            expectError(try await api.put(path, auth: alice.bearer, json: ["name": "other"]), .conflict)
            let offline = try requireJSON(try await api.put(path, auth: alice.bearer, json: ["type": "offline", "offline_after_s": 120]))
            #expect(offline["rule"]["key"]?.isNull == true)
            #expect(offline["rule"]["threshold"]?.isNull == true)
            #expect(offline["rule"]["offline_after_s"].int == 120)
            let read = try requireJSON(try await api.get(path, auth: alice.bearer))
            #expect(read["rule"] == offline["rule"])
            try await api.requireEvent("alert_rule.updated", userID: alice.userID)
            try requireJSON(try await api.delete(path, auth: alice.bearer))
            expectError(try await api.get(path, auth: alice.bearer), .notFound)
            try await api.requireEvent("alert_rule.deleted", userID: alice.userID)
        }
    }
}
