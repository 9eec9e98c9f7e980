import HTTPTypes
import Testing

@Suite("Groups: create, list, read, update, delete, access")
struct GroupTests {
    @Test("POST /groups answers 201 with the group")
    func create() async throws {
        try await withApp { api in
            let alice = try await api.registerUser()
            let body: JSONValue = ["name": "greenhouse", "description": "all probes", "color": "#12ab9F"]
            let json = try requireJSON(try await api.post("/api/v1/groups", auth: alice.bearer, json: body), .created)
            #expect(json.keys == ["message", "group"])
            #expect(json["message"].string?.isEmpty == false)
            let group = json["group"]
            expectGroup(group)
            #expect(group["name"].string == "greenhouse")
            #expect(group["description"].string == "all probes")
            #expect(group["color"].string?.lowercased() == "#12ab9f")
            #expect(group["user_id"].string == alice.userID)
            #expect(group["device_count"].int == 0)
        }
    }

    @Test("color defaults to #007bff and description to null")
    func createDefaults() async throws {
        try await withApp { api in
            let alice = try await api.registerUser()
            let json = try requireJSON(try await api.post("/api/v1/groups", auth: alice.bearer, json: ["name": "lab"]), .created)
            expectGroup(json["group"])
            #expect(json["group"]["color"].string == "#007bff")
            #expect(json["group"]["description"].isNull)
        }
    }

    @Test(
        "POST /groups rejects invalid input with 400",
        arguments: [
            #"{}"#,
            #"{"description":"no name"}"#,
            #"{"name":""}"#,
            #"{"name":7}"#,
            #"{"name":null}"#,
            #"{"name":"\#(String(repeating: "g", count: 101))"}"#,
            #"{"name":"lab","color":"red"}"#,
            ##"{"name":"lab","color":"#12345"}"##,
            ##"{"name":"lab","color":"#1234567"}"##,
            ##"{"name":"lab","color":"#GG0000"}"##,
            #"{"name":"lab","color":"007bff"}"#,
            #"{"name":"lab","color":123}"#,
            #"{"name":"lab","description":5}"#,
            #"["lab"]"#,
            "",
        ]
    )
    func createInvalid(body: String) async throws {
        try await withApp { api in
            let alice = try await api.registerUser()
            expectError(try await api.request(.post, "/api/v1/groups", auth: alice.bearer, body: body), .badRequest)
            let list = try requireJSON(try await api.get("/api/v1/groups", auth: alice.bearer))
            #expect(list["meta"]["total"].int == 0)
        }
    }

    @Test("a 100-character name is accepted")
    func createLongName() async throws {
        try await withApp { api in
            let alice = try await api.registerUser()
            let group = try await api.createGroup(alice, name: String(repeating: "g", count: 100))
            #expect(try await api.readGroup(alice, group)["name"].string?.count == 100)
        }
    }

    @Test("names are unique per user by exact match; other users may reuse them")
    func createDuplicates() async throws {
        try await withApp { api in
            let alice = try await api.registerUser("alice")
            let bob = try await api.registerUser("bob")
            _ = try await api.createGroup(alice, name: "lab")
            expectError(try await api.post("/api/v1/groups", auth: alice.bearer, json: ["name": "lab", "color": "#000000"]), .conflict)
            _ = try await api.createGroup(alice, name: "Lab")
            _ = try await api.createGroup(bob, name: "lab")
            let list = try requireJSON(try await api.get("/api/v1/groups", auth: alice.bearer))
            #expect(list["meta"]["total"].int == 2)
        }
    }

    @Test("GET /groups lists only the caller's groups, without devices by default, with paging meta")
    func list() async throws {
        try await withApp { api in
            let alice = try await api.registerUser("alice")
            let bob = try await api.registerUser("bob")
            for name in ["a", "b", "c"] { _ = try await api.createGroup(alice, name: name) }
            _ = try await api.createGroup(bob, name: "bobs")

            let json = try requireJSON(try await api.get("/api/v1/groups", auth: alice.bearer))
            #expect(json.keys == ["groups", "meta"])
            let groups = try #require(json["groups"].array)
            #expect(Set(groups.compactMap { $0["name"].string }) == ["a", "b", "c"])
            for group in groups {
                expectGroup(group)
                #expect(group["user_id"].string == alice.userID)
            }
            #expect(json["meta"] == ["total": 3, "limit": 100, "offset": 0, "returned": 3])

            let page = try requireJSON(try await api.get("/api/v1/groups?limit=2&offset=2", auth: alice.bearer))
            #expect(page["groups"].array?.count == 1)
            #expect(page["meta"] == ["total": 3, "limit": 2, "offset": 2, "returned": 1])

            let clamped = try requireJSON(try await api.get("/api/v1/groups?limit=5000", auth: alice.bearer))
            #expect(clamped["meta"]["limit"].int == 1000)

            let explicit = try requireJSON(try await api.get("/api/v1/groups?include_devices=false", auth: alice.bearer))
            for group in explicit["groups"].array ?? [] { #expect(group["devices"] == nil) }
        }
    }

    @Test("GET /groups?include_devices=true adds each group's devices, without keys")
    func listWithDevices() async throws {
        try await withApp { api in
            let alice = try await api.registerUser()
            let probe = try await api.registerDevice(alice, name: "probe")
            _ = try await api.registerDevice(alice, name: "loner")
            let full = try await api.createGroup(alice, name: "full")
            _ = try await api.createGroup(alice, name: "empty")
            try await api.addToGroup(alice, full, probe)

            let json = try requireJSON(try await api.get("/api/v1/groups?include_devices=true", auth: alice.bearer))
            let groups = try #require(json["groups"].array)
            #expect(groups.count == 2)
            for group in groups {
                expectGroup(group, extraFields: ["devices"])
                let devices = try #require(group["devices"].array)
                for device in devices { expectDevice(device) }
                if group["name"].string == "full" {
                    #expect(devices.compactMap { $0["id"].int } == [probe.id])
                    #expect(group["device_count"].int == 1)
                } else {
                    #expect(devices.isEmpty)
                    #expect(group["device_count"].int == 0)
                }
            }
            expectNoAPIKey(json)
        }
    }

    @Test("GET /groups rejects bad query values with 400", arguments: ["limit=0", "limit=abc", "offset=-1", "include_devices=maybe"])
    func listBadQuery(query: String) async throws {
        try await withApp { api in
            let alice = try await api.registerUser()
            expectError(try await api.get("/api/v1/groups?\(query)", auth: alice.bearer), .badRequest)
        }
    }

    @Test("GET /groups/{id} includes devices by default and omits them with include_devices=false")
    func read() async throws {
        try await withApp { api in
            let alice = try await api.registerUser()
            let group = try await api.createGroup(alice, name: "lab", color: "#ff0000")
            let empty = try requireJSON(try await api.get("/api/v1/groups/\(group.id)", auth: alice.bearer))
            #expect(empty.keys == ["group"])
            expectGroup(empty["group"], extraFields: ["devices"])
            #expect(empty["group"]["devices"] == [])
            #expect(empty["group"]["color"].string == "#ff0000")

            let device = try await api.registerDevice(alice, name: "probe")
            try await api.addToGroup(alice, group, device)
            let full = try requireJSON(try await api.get("/api/v1/groups/\(group.id)?include_devices=true", auth: alice.bearer))
            let devices = try #require(full["group"]["devices"].array)
            #expect(devices.count == 1)
            expectDevice(devices.first)
            #expect(devices.first?["id"].int == device.id)
            #expect(full["group"]["device_count"].int == 1)
            expectNoAPIKey(full)

            let bare = try requireJSON(try await api.get("/api/v1/groups/\(group.id)?include_devices=false", auth: alice.bearer))
            expectGroup(bare["group"])
            #expect(bare["group"]["device_count"].int == 1)
        }
    }

    @Test("PUT /groups/{id} updates name, description and color")
    func update() async throws {
        try await withApp { api in
            let alice = try await api.registerUser()
            let group = try await api.createGroup(alice, name: "lab")
            let body: JSONValue = ["name": "field", "description": "outdoor", "color": "#00ff00"]
            let json = try requireJSON(try await api.put("/api/v1/groups/\(group.id)", auth: alice.bearer, json: body))
            #expect(json["message"].string?.isEmpty == false)
            expectGroup(json["group"])
            #expect(json["group"]["id"].int == group.id)
            #expect(json["group"]["name"].string == "field")
            #expect(json["group"]["description"].string == "outdoor")
            #expect(json["group"]["color"].string == "#00ff00")

            let partial = try requireJSON(try await api.put("/api/v1/groups/\(group.id)", auth: alice.bearer, json: ["color": "#0000ff"]))
            #expect(partial["group"]["name"].string == "field")
            #expect(partial["group"]["color"].string == "#0000ff")
            let read = try await api.readGroup(alice, group)
            #expect(read["name"].string == "field")
            #expect(read["description"].string == "outdoor")
            #expect(read["color"].string == "#0000ff")
        }
    }

    @Test("PUT /groups/{id} validates and refuses another group's name")
    func updateRules() async throws {
        try await withApp { api in
            let alice = try await api.registerUser()
            let group = try await api.createGroup(alice, name: "lab")
            _ = try await api.createGroup(alice, name: "field")
            let path = "/api/v1/groups/\(group.id)"
            expectError(try await api.put(path, auth: alice.bearer, json: ["name": "field"]), .conflict)
            expectError(try await api.put(path, auth: alice.bearer, json: ["name": ""]), .badRequest)
            expectError(try await api.put(path, auth: alice.bearer, json: ["name": 3]), .badRequest)
            expectError(try await api.put(path, auth: alice.bearer, json: ["name": .string(String(repeating: "g", count: 101))]), .badRequest)
            expectError(try await api.put(path, auth: alice.bearer, json: ["color": "blue"]), .badRequest)
            expectError(try await api.put(path, auth: alice.bearer, json: ["color": "#12345G"]), .badRequest)
            expectError(try await api.request(.put, path, auth: alice.bearer, body: ""), .badRequest)
            let read = try await api.readGroup(alice, group)
            #expect(read["name"].string == "lab")
            #expect(read["color"].string == "#007bff")
        }
    }

    @Test("DELETE /groups/{id} removes the group and keeps its devices")
    func delete() async throws {
        try await withApp { api in
            let alice = try await api.registerUser()
            let device = try await api.registerDevice(alice)
            let group = try await api.createGroup(alice)
            try await api.addToGroup(alice, group, device)
            let json = try requireJSON(try await api.delete("/api/v1/groups/\(group.id)", auth: alice.bearer))
            #expect(json["message"].string?.isEmpty == false)
            expectError(try await api.get("/api/v1/groups/\(group.id)", auth: alice.bearer), .notFound)
            expectError(try await api.delete("/api/v1/groups/\(group.id)", auth: alice.bearer), .notFound)
            try requireJSON(try await api.get("/api/v1/devices/\(device.id)", auth: alice.bearer))
            let groups = try requireJSON(try await api.get("/api/v1/devices/\(device.id)/groups", auth: alice.bearer))
            #expect(groups["groups"] == [])
            #expect(groups["total_groups"].int == 0)
            let list = try requireJSON(try await api.get("/api/v1/groups", auth: alice.bearer))
            #expect(list["meta"]["total"].int == 0)
            _ = try await api.createGroup(alice)
        }
    }

    @Test("every /groups/{id} route: other users' and unknown groups 404; admin token, device key and no credential 401")
    func access() async throws {
        try await withApp { api in
            let alice = try await api.registerUser("alice")
            let bob = try await api.registerUser("bob")
            let device = try await api.registerDevice(alice)
            let bobDevice = try await api.registerDevice(bob)
            let group = try await api.createGroup(alice)
            try await api.addToGroup(alice, group, device)
            let deviceID = JSONValue.number(Double(device.id))
            let routes: [(HTTPRequest.Method, String, JSONValue?)] = [
                (.get, "", nil),
                (.put, "", ["name": "x"]),
                (.delete, "", nil),
                (.post, "/devices", ["device_id": .number(Double(bobDevice.id))]),
                (.post, "/devices/bulk", ["device_ids": [deviceID]]),
                (.delete, "/devices/\(device.id)", nil),
                (.get, "/devices", nil),
                (.get, "/telemetry/latest", nil),
            ]
            for (method, suffix, body) in routes {
                let path = "/api/v1/groups/\(group.id)\(suffix)"
                expectError(try await api.request(method, path, auth: bob.bearer, json: body), .notFound)
                expectError(try await api.request(method, "/api/v1/groups/999999\(suffix)", auth: alice.bearer, json: body), .notFound)
                expectError(try await api.request(method, path, auth: .adminToken, json: body), .unauthorized)
                expectError(try await api.request(method, path, auth: device.key, json: body), .unauthorized)
                expectError(try await api.request(method, path, json: body), .unauthorized)
                expectError(try await api.request(method, path, auth: .bearer("invalid-token"), json: body), .unauthorized)
                let malformed = try await api.request(method, "/api/v1/groups/abc\(suffix)", auth: alice.bearer, json: body)
                #expect([400, 404].contains(malformed.status.code), "\(method) abc\(suffix): \(malformed.status.code)")
            }
            let read = try requireJSON(try await api.get("/api/v1/groups/\(group.id)", auth: alice.bearer))
            #expect(read["group"]["name"].string == "lab")
            #expect(read["group"]["devices"].array?.compactMap { $0["id"].int } == [device.id])
        }
    }

    @Test("POST and GET /groups: admin token, device key and no credential 401")
    func collectionAccess() async throws {
        try await withApp { api in
            let alice = try await api.registerUser()
            let device = try await api.registerDevice(alice)
            for credential in [Credential.adminToken, device.key, .bearer("invalid-token")] {
                expectError(try await api.post("/api/v1/groups", auth: credential, json: ["name": "x"]), .unauthorized)
                expectError(try await api.get("/api/v1/groups", auth: credential), .unauthorized)
            }
            expectError(try await api.post("/api/v1/groups", json: ["name": "x"]), .unauthorized)
            expectError(try await api.get("/api/v1/groups"), .unauthorized)
            let list = try requireJSON(try await api.get("/api/v1/groups", auth: alice.bearer))
            #expect(list["meta"]["total"].int == 0)
        }
    }
}
