import Testing

@Suite("Groups: adding, removing and listing member devices")
struct GroupMembershipTests {
    @Test("POST /groups/{id}/devices answers 201 with the membership and raises device_count")
    func add() async throws {
        try await withApp { api in
            let alice = try await api.registerUser()
            let device = try await api.registerDevice(alice)
            let group = try await api.createGroup(alice)
            let start = TestTime.now()
            let response = try await api.post(
                "/api/v1/groups/\(group.id)/devices", auth: alice.bearer, json: ["device_id": .number(Double(device.id))])
            let json = try requireJSON(response, .created)
            #expect(json.keys == ["message", "membership"])
            #expect(json["message"].string?.isEmpty == false)
            let membership = json["membership"]
            #expect(membership.keys == ["id", "group_id", "device_id", "added_at"])
            #expect(membership["id"].int != nil)
            #expect(membership["group_id"].int == group.id)
            #expect(membership["device_id"].int == device.id)
            let addedAt = try #require(TestTime.millis(membership["added_at"].string))
            #expect(abs(addedAt - start) < 10 * TestTime.second)
            #expect(try await api.readGroup(alice, group)["device_count"].int == 1)
        }
    }

    @Test(
        "POST /groups/{id}/devices rejects a device_id that is not an integer with 400",
        arguments: [#"{}"#, #"{"device_id":"1"}"#, #"{"device_id":1.5}"#, #"{"device_id":null}"#, #"{"device_id":[1]}"#, #"{"device_id":true}"#, ""]
    )
    func addInvalid(body: String) async throws {
        try await withApp { api in
            let alice = try await api.registerUser()
            _ = try await api.registerDevice(alice)
            let group = try await api.createGroup(alice)
            expectError(try await api.request(.post, "/api/v1/groups/\(group.id)/devices", auth: alice.bearer, body: body), .badRequest)
            #expect(try await api.readGroup(alice, group)["device_count"].int == 0)
        }
    }

    @Test("POST /groups/{id}/devices: unknown and other users' devices 404, an existing member 409")
    func addConflicts() async throws {
        try await withApp { api in
            let alice = try await api.registerUser("alice")
            let bob = try await api.registerUser("bob")
            let device = try await api.registerDevice(alice)
            let bobDevice = try await api.registerDevice(bob)
            let group = try await api.createGroup(alice)
            let path = "/api/v1/groups/\(group.id)/devices"
            expectError(try await api.post(path, auth: alice.bearer, json: ["device_id": 999999]), .notFound)
            expectError(try await api.post(path, auth: alice.bearer, json: ["device_id": .number(Double(bobDevice.id))]), .notFound)
            try await api.addToGroup(alice, group, device)
            expectError(try await api.post(path, auth: alice.bearer, json: ["device_id": .number(Double(device.id))]), .conflict)
            #expect(try await api.readGroup(alice, group)["device_count"].int == 1)
            let bobGroups = try requireJSON(try await api.get("/api/v1/devices/\(bobDevice.id)/groups", auth: bob.bearer))
            #expect(bobGroups["total_groups"].int == 0)
        }
    }

    @Test("a device may belong to several groups")
    func severalGroups() async throws {
        try await withApp { api in
            let alice = try await api.registerUser()
            let device = try await api.registerDevice(alice, name: "probe")
            let lab = try await api.createGroup(alice, name: "lab", color: "#ff0000")
            let roof = try await api.createGroup(alice, name: "roof")
            try await api.addToGroup(alice, lab, device)
            try await api.addToGroup(alice, roof, device)

            let json = try requireJSON(try await api.get("/api/v1/devices/\(device.id)/groups", auth: alice.bearer))
            #expect(json.keys == ["device_id", "device_name", "groups", "total_groups"])
            #expect(json["device_id"].int == device.id)
            #expect(json["device_name"].string == "probe")
            #expect(json["total_groups"].int == 2)
            let groups = try #require(json["groups"].array)
            #expect(Set(groups.compactMap { $0["id"].int }) == [lab.id, roof.id])
            for group in groups {
                #expect(group.keys == ["id", "name", "color", "added_at"])
                #expect(TestTime.isTimestamp(group["added_at"].string))
                if group["id"].int == lab.id {
                    #expect(group["name"].string == "lab")
                    #expect(group["color"].string == "#ff0000")
                } else {
                    #expect(group["name"].string == "roof")
                    #expect(group["color"].string == "#007bff")
                }
            }
        }
    }

    @Test("DELETE /groups/{id}/devices/{device_id} removes the member and keeps the device")
    func remove() async throws {
        try await withApp { api in
            let alice = try await api.registerUser()
            let device = try await api.registerDevice(alice)
            let group = try await api.createGroup(alice)
            try await api.addToGroup(alice, group, device)
            let path = "/api/v1/groups/\(group.id)/devices/\(device.id)"
            let json = try requireJSON(try await api.delete(path, auth: alice.bearer))
            #expect(json.keys == ["message"])
            #expect(json["message"].string?.isEmpty == false)
            #expect(try await api.readGroup(alice, group)["device_count"].int == 0)
            try requireJSON(try await api.get("/api/v1/devices/\(device.id)", auth: alice.bearer))
            let groups = try requireJSON(try await api.get("/api/v1/devices/\(device.id)/groups", auth: alice.bearer))
            #expect(groups["total_groups"].int == 0)

            expectError(try await api.delete(path, auth: alice.bearer), .notFound)
            expectError(try await api.delete("/api/v1/groups/\(group.id)/devices/999999", auth: alice.bearer), .notFound)
            try await api.addToGroup(alice, group, device)
        }
    }

    @Test("GET /groups/{id}/devices lists the members with added_to_group_at and paging meta")
    func listMembers() async throws {
        try await withApp { api in
            let alice = try await api.registerUser()
            let group = try await api.createGroup(alice)
            var members: [Int] = []
            for name in ["a", "b", "c"] {
                let device = try await api.registerDevice(alice, name: name)
                try await api.addToGroup(alice, group, device)
                members.append(device.id)
            }
            _ = try await api.registerDevice(alice, name: "outsider")
            let path = "/api/v1/groups/\(group.id)/devices"

            let json = try requireJSON(try await api.get(path, auth: alice.bearer))
            #expect(json.keys == ["devices", "meta"])
            let devices = try #require(json["devices"].array)
            #expect(devices.compactMap { $0["id"].int }.sorted() == members)
            for device in devices {
                expectDevice(device, extraFields: ["added_to_group_at"])
                #expect(TestTime.isTimestamp(device["added_to_group_at"].string))
                #expect(device["user_id"].string == alice.userID)
            }
            expectNoAPIKey(json)
            #expect(json["meta"] == ["total": 3, "limit": 100, "offset": 0, "returned": 3])

            let page = try requireJSON(try await api.get("\(path)?limit=2&offset=1", auth: alice.bearer))
            #expect(page["devices"].array?.count == 2)
            #expect(page["meta"] == ["total": 3, "limit": 2, "offset": 1, "returned": 2])
            let clamped = try requireJSON(try await api.get("\(path)?limit=5000", auth: alice.bearer))
            #expect(clamped["meta"]["limit"].int == 1000)
            for query in ["limit=0", "limit=abc", "offset=-1"] {
                expectError(try await api.get("\(path)?\(query)", auth: alice.bearer), .badRequest)
            }
        }
    }

    @Test("deleting a device removes it from its groups")
    func deleteDeviceLeavesGroups() async throws {
        try await withApp { api in
            let alice = try await api.registerUser()
            let gone = try await api.registerDevice(alice, name: "gone")
            let kept = try await api.registerDevice(alice, name: "kept")
            let group = try await api.createGroup(alice)
            try await api.addToGroup(alice, group, gone)
            try await api.addToGroup(alice, group, kept)
            try requireJSON(try await api.delete("/api/v1/devices/\(gone.id)", auth: alice.bearer))

            #expect(try await api.readGroup(alice, group)["device_count"].int == 1)
            let members = try requireJSON(try await api.get("/api/v1/groups/\(group.id)/devices", auth: alice.bearer))
            #expect(members["devices"].array?.compactMap { $0["id"].int } == [kept.id])
            #expect(members["meta"]["total"].int == 1)
            let withDevices = try requireJSON(try await api.get("/api/v1/groups/\(group.id)", auth: alice.bearer))
            #expect(withDevices["group"]["devices"].array?.compactMap { $0["id"].int } == [kept.id])
        }
    }

    @Test("device_count follows adds and removes across groups")
    func deviceCount() async throws {
        try await withApp { api in
            let alice = try await api.registerUser()
            let one = try await api.registerDevice(alice, name: "one")
            let two = try await api.registerDevice(alice, name: "two")
            let lab = try await api.createGroup(alice, name: "lab")
            let roof = try await api.createGroup(alice, name: "roof")
            try await api.addToGroup(alice, lab, one)
            try await api.addToGroup(alice, lab, two)
            try await api.addToGroup(alice, roof, two)
            #expect(try await api.readGroup(alice, lab)["device_count"].int == 2)
            #expect(try await api.readGroup(alice, roof)["device_count"].int == 1)
            try requireJSON(try await api.delete("/api/v1/groups/\(lab.id)/devices/\(two.id)", auth: alice.bearer))
            #expect(try await api.readGroup(alice, lab)["device_count"].int == 1)
            #expect(try await api.readGroup(alice, roof)["device_count"].int == 1)
            let list = try requireJSON(try await api.get("/api/v1/groups", auth: alice.bearer))
            let pairs = (list["groups"].array ?? []).map { ($0["name"].string ?? "", $0["device_count"].int ?? -1) }
            let counts = Dictionary(pairs, uniquingKeysWith: { first, _ in first })
            #expect(counts == ["lab": 1, "roof": 1])
        }
    }
}
