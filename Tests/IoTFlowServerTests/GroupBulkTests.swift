import Testing

@Suite("Groups: POST /groups/{id}/devices/bulk")
struct GroupBulkTests {
    @Test("bulk add reports added, already-member and not-found ids; duplicates count once")
    func bulk() async throws {
        try await withApp { api in
            let alice = try await api.registerUser("alice")
            let bob = try await api.registerUser("bob")
            let one = try await api.registerDevice(alice, name: "one")
            let two = try await api.registerDevice(alice, name: "two")
            let member = try await api.registerDevice(alice, name: "member")
            let bobDevice = try await api.registerDevice(bob, name: "bobs")
            let group = try await api.createGroup(alice)
            try await api.addToGroup(alice, group, member)

            let ids: [Int] = [one.id, two.id, two.id, member.id, bobDevice.id, 999999]
            let body: JSONValue = ["device_ids": .array(ids.map { .number(Double($0)) })]
            let json = try requireJSON(try await api.post("/api/v1/groups/\(group.id)/devices/bulk", auth: alice.bearer, json: body), .created)
            #expect(json.keys == ["message", "added", "skipped", "details"])
            #expect(json["message"].string?.isEmpty == false)
            #expect(json["added"].int == 2)
            #expect(json["skipped"].int == 3)
            #expect(json["details"].keys == ["added", "already_members", "not_found"])
            #expect(sortedIDs(json["details"]["added"]) == [one.id, two.id].sorted())
            #expect(sortedIDs(json["details"]["already_members"]) == [member.id])
            #expect(sortedIDs(json["details"]["not_found"]) == [bobDevice.id, 999999].sorted())

            #expect(try await api.readGroup(alice, group)["device_count"].int == 3)
            let members = try requireJSON(try await api.get("/api/v1/groups/\(group.id)/devices", auth: alice.bearer))
            #expect(members["devices"].array?.compactMap { $0["id"].int }.sorted() == [one.id, two.id, member.id].sorted())
            let bobGroups = try requireJSON(try await api.get("/api/v1/devices/\(bobDevice.id)/groups", auth: bob.bearer))
            #expect(bobGroups["total_groups"].int == 0)
        }
    }

    @Test("bulk add of only existing members adds nothing")
    func bulkAllMembers() async throws {
        try await withApp { api in
            let alice = try await api.registerUser()
            let device = try await api.registerDevice(alice)
            let group = try await api.createGroup(alice)
            try await api.addToGroup(alice, group, device)
            let body: JSONValue = ["device_ids": [.number(Double(device.id))]]
            let json = try requireJSON(try await api.post("/api/v1/groups/\(group.id)/devices/bulk", auth: alice.bearer, json: body), .created)
            #expect(json["added"].int == 0)
            #expect(json["skipped"].int == 1)
            #expect(json["details"] == ["added": [], "already_members": [.number(Double(device.id))], "not_found": []])
            #expect(try await api.readGroup(alice, group)["device_count"].int == 1)
        }
    }

    @Test("1000 ids are accepted")
    func bulkLimit() async throws {
        try await withApp { api in
            let alice = try await api.registerUser()
            let device = try await api.registerDevice(alice)
            let group = try await api.createGroup(alice)
            let ids: [JSONValue] = [.number(Double(device.id))] + (1...999).map { .number(Double(1_000_000 + $0)) }
            let json = try requireJSON(
                try await api.post("/api/v1/groups/\(group.id)/devices/bulk", auth: alice.bearer, json: ["device_ids": .array(ids)]), .created)
            #expect(json["added"].int == 1)
            #expect(json["skipped"].int == 999)
            #expect(json["details"]["not_found"].array?.count == 999)
        }
    }

    @Test(
        "bulk add rejects anything but a non-empty list of at most 1000 integers with 400",
        arguments: [
            #"{}"#,
            #"{"device_ids":[]}"#,
            #"{"device_ids":1}"#,
            #"{"device_ids":"1,2"}"#,
            #"{"device_ids":null}"#,
            #"{"device_ids":[1,"2"]}"#,
            #"{"device_ids":[1.5]}"#,
            #"{"device_ids":[null]}"#,
            #"{"device_ids":[true]}"#,
            #"{"device_ids":[[1]]}"#,
            #"{"device_ids":[\#((1...1001).map(String.init).joined(separator: ","))]}"#,
            "",
        ]
    )
    func bulkInvalid(body: String) async throws {
        try await withApp { api in
            let alice = try await api.registerUser()
            let device = try await api.registerDevice(alice)
            let group = try await api.createGroup(alice)
            let fixed = body.replacingOccurrences(of: "[1,", with: "[\(device.id),")
            expectError(try await api.request(.post, "/api/v1/groups/\(group.id)/devices/bulk", auth: alice.bearer, body: fixed), .badRequest)
            #expect(try await api.readGroup(alice, group)["device_count"].int == 0)
        }
    }
}
