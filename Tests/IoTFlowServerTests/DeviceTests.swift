import Testing

@Suite("Devices: register, read, update, delete, rotate-key")
struct DeviceTests {
    @Test("register answers 201 with the device, its key and its owner")
    func register() async throws {
        try await withApp { api in
            let alice = try await api.registerUser()
            let body: JSONValue = [
                "name": "greenhouse", "device_type": "sensor", "description": "temp probe", "location": "shed",
                "firmware_version": "1.2.3", "hardware_version": "rev-b",
            ]
            let json = try requireJSON(try await api.post("/api/v1/devices/register", auth: alice.bearer, json: body), .created)
            #expect(json["message"].string?.isEmpty == false)
            let device = json["device"]
            expectDevice(device, extraFields: ["api_key", "owner"])
            #expect((device["api_key"].string?.count ?? 0) >= 32)
            #expect(device["owner"] == .object(["username": .string(alice.username), "email": .string(alice.email)]))
            #expect(device["status"].string == "active")
            #expect(device["is_online"].bool == false)
            #expect(device["last_seen"].isNull)
            #expect(device["user_id"].string == alice.userID)
            #expect(device["name"].string == "greenhouse")
            #expect(device["device_type"].string == "sensor")
            #expect(device["description"].string == "temp probe")
            #expect(device["location"].string == "shed")
            #expect(device["firmware_version"].string == "1.2.3")
            #expect(device["hardware_version"].string == "rev-b")
        }
    }

    @Test("each device gets its own key")
    func distinctKeys() async throws {
        try await withApp { api in
            let alice = try await api.registerUser()
            let one = try await api.registerDevice(alice, name: "one")
            let two = try await api.registerDevice(alice, name: "two")
            #expect(one.apiKey != two.apiKey)
            #expect(one.id != two.id)
        }
    }

    @Test(
        "register rejects invalid input with 400",
        arguments: [
            #"{"device_type":"sensor"}"#,
            #"{"name":"probe"}"#,
            #"{"name":123,"device_type":"sensor"}"#,
            #"{"name":"probe","device_type":7}"#,
            #"{"name":"\#(String(repeating: "n", count: 101))","device_type":"sensor"}"#,
        ]
    )
    func registerInvalid(body: String) async throws {
        try await withApp { api in
            let alice = try await api.registerUser()
            expectError(try await api.request(.post, "/api/v1/devices/register", auth: alice.bearer, body: body), .badRequest)
        }
    }

    @Test("a 100-character name is accepted")
    func registerLongName() async throws {
        try await withApp { api in
            let alice = try await api.registerUser()
            _ = try await api.registerDevice(alice, name: String(repeating: "n", count: 100))
        }
    }

    @Test("names are unique per user, case-sensitively; other users may reuse them")
    func registerDuplicates() async throws {
        try await withApp { api in
            let alice = try await api.registerUser("alice")
            let bob = try await api.registerUser("bob")
            _ = try await api.registerDevice(alice, name: "probe")
            let again = try await api.post("/api/v1/devices/register", auth: alice.bearer, json: ["name": "probe", "device_type": "other"])
            expectError(again, .conflict)
            _ = try await api.registerDevice(alice, name: "Probe")
            _ = try await api.registerDevice(bob, name: "probe")
        }
    }

    @Test("register needs a user credential")
    func registerCredentials() async throws {
        try await withApp { api in
            let alice = try await api.registerUser()
            let device = try await api.registerDevice(alice)
            let body: JSONValue = ["name": "x", "device_type": "sensor"]
            expectError(try await api.post("/api/v1/devices/register", json: body), .unauthorized)
            expectError(try await api.post("/api/v1/devices/register", auth: device.key, json: body), .unauthorized)
            expectError(try await api.post("/api/v1/devices/register", auth: .adminToken, json: body), .unauthorized)
            expectError(try await api.post("/api/v1/devices/register", auth: .bearer("invalid-token"), json: body), .unauthorized)
        }
    }

    @Test("GET /devices/{id} for owner and admin, without the key")
    func read() async throws {
        try await withApp { api in
            let alice = try await api.registerUser()
            let device = try await api.registerDevice(alice, name: "probe")
            for credential in [alice.bearer, Credential.adminToken] {
                let json = try requireJSON(try await api.get("/api/v1/devices/\(device.id)", auth: credential))
                expectDevice(json["device"])
                expectNoAPIKey(json)
                #expect(json["device"]["id"].int == device.id)
                #expect(json["device"]["name"].string == "probe")
                #expect(json["device"]["user_id"].string == alice.userID)
            }
        }
    }

    @Test("GET /devices/{id}: other users, unknown and malformed ids are 404; device keys and no credential 401")
    func readDenied() async throws {
        try await withApp { api in
            let alice = try await api.registerUser("alice")
            let bob = try await api.registerUser("bob")
            let device = try await api.registerDevice(alice)
            expectError(try await api.get("/api/v1/devices/\(device.id)", auth: bob.bearer), .notFound)
            expectError(try await api.get("/api/v1/devices/999999", auth: alice.bearer), .notFound)
            expectError(try await api.get("/api/v1/devices/abc", auth: alice.bearer), .notFound)
            expectError(try await api.get("/api/v1/devices/\(device.id)", auth: device.key), .unauthorized)
            expectError(try await api.get("/api/v1/devices/\(device.id)"), .unauthorized)
        }
    }

    @Test("PUT /devices/{id} updates the owner's device")
    func update() async throws {
        try await withApp { api in
            let alice = try await api.registerUser()
            let device = try await api.registerDevice(alice, name: "probe")
            let body: JSONValue = [
                "name": "renamed", "description": "new", "device_type": "actuator", "location": "roof",
                "firmware_version": "2.0", "hardware_version": "rev-c",
            ]
            let json = try requireJSON(try await api.put("/api/v1/devices/\(device.id)", auth: alice.bearer, json: body))
            #expect(json["message"].string?.isEmpty == false)
            expectDevice(json["device"])
            for (field, value) in body.object ?? [:] {
                #expect(json["device"][field] == value, "\(field)")
            }
            let read = try requireJSON(try await api.get("/api/v1/devices/\(device.id)", auth: alice.bearer))
            #expect(read["device"]["name"].string == "renamed")
            #expect(read["device"]["location"].string == "roof")
        }
    }

    @Test("PUT /devices/{id} is owner only and validates")
    func updateRules() async throws {
        try await withApp { api in
            let alice = try await api.registerUser("alice")
            let bob = try await api.registerUser("bob")
            let device = try await api.registerDevice(alice, name: "probe")
            _ = try await api.registerDevice(alice, name: "other")
            let path = "/api/v1/devices/\(device.id)"
            expectError(try await api.put(path, auth: bob.bearer, json: ["name": "x"]), .notFound)
            expectError(try await api.put(path, auth: .adminToken, json: ["name": "x"]), .unauthorized)
            expectError(try await api.put(path, auth: device.key, json: ["name": "x"]), .unauthorized)
            expectError(try await api.put(path, json: ["name": "x"]), .unauthorized)
            expectError(try await api.put(path, auth: alice.bearer, json: ["name": "other"]), .conflict)
            expectError(try await api.put(path, auth: alice.bearer, json: ["name": 5]), .badRequest)
            expectError(try await api.put(path, auth: alice.bearer, json: ["name": .string(String(repeating: "n", count: 101))]), .badRequest)
            expectError(try await api.request(.put, path, auth: alice.bearer, body: ""), .badRequest)
            let read = try requireJSON(try await api.get(path, auth: alice.bearer))
            #expect(read["device"]["name"].string == "probe")
        }
    }

    @Test("DELETE /devices/{id} removes the device, its telemetry and its key")
    func deleteDevice() async throws {
        try await withApp { api in
            let alice = try await api.registerUser()
            let device = try await api.registerDevice(alice)
            try await api.postPoint(device, ["t": 1])
            let json = try requireJSON(try await api.delete("/api/v1/devices/\(device.id)", auth: alice.bearer))
            #expect(json["message"].string?.isEmpty == false)
            expectError(try await api.get("/api/v1/devices/credentials", auth: device.key), .unauthorized)
            expectError(try await api.get("/api/v1/devices/\(device.id)", auth: alice.bearer), .notFound)
            expectError(try await api.get("/api/v1/telemetry/\(device.id)", auth: alice.bearer), .notFound)
            let status = try requireJSON(try await api.get("/status"))
            #expect(status["telemetry"]["points_total"].int == 0)
            _ = try await api.registerDevice(alice)
        }
    }

    @Test("DELETE /devices/{id} is owner only")
    func deleteRules() async throws {
        try await withApp { api in
            let alice = try await api.registerUser("alice")
            let bob = try await api.registerUser("bob")
            let device = try await api.registerDevice(alice)
            let path = "/api/v1/devices/\(device.id)"
            expectError(try await api.delete(path, auth: bob.bearer), .notFound)
            expectError(try await api.delete(path, auth: .adminToken), .unauthorized)
            expectError(try await api.delete(path, auth: device.key), .unauthorized)
            expectError(try await api.delete(path), .unauthorized)
            expectError(try await api.delete("/api/v1/devices/abc", auth: alice.bearer), .notFound)
            try requireJSON(try await api.get("/api/v1/devices/credentials", auth: device.key))
        }
    }

    @Test("rotate-key returns a new key; the old key stops working at once")
    func rotateKey() async throws {
        try await withApp { api in
            let alice = try await api.registerUser()
            let device = try await api.registerDevice(alice)
            try requireJSON(try await api.get("/api/v1/devices/credentials", auth: device.key))
            let json = try requireJSON(try await api.post("/api/v1/devices/\(device.id)/rotate-key", auth: alice.bearer))
            #expect(json["message"].string?.isEmpty == false)
            #expect(json["device_id"].int == device.id)
            let newKey = try #require(json["api_key"].string)
            #expect(newKey.count >= 32)
            #expect(newKey != device.apiKey)
            expectError(try await api.get("/api/v1/devices/credentials", auth: device.key), .unauthorized)
            expectError(try await api.postTelemetry(device, ["data": ["t": 1]]), .unauthorized)
            try requireJSON(try await api.get("/api/v1/devices/credentials", auth: .apiKey(newKey)))
            try requireJSON(try await api.post("/api/v1/telemetry", auth: .apiKey(newKey), json: ["data": ["t": 1]]), .created)
        }
    }

    @Test("rotate-key is owner only")
    func rotateKeyRules() async throws {
        try await withApp { api in
            let alice = try await api.registerUser("alice")
            let bob = try await api.registerUser("bob")
            let device = try await api.registerDevice(alice)
            let path = "/api/v1/devices/\(device.id)/rotate-key"
            expectError(try await api.post(path, auth: bob.bearer), .notFound)
            expectError(try await api.post(path, auth: device.key), .unauthorized)
            expectError(try await api.post(path, auth: .adminToken), .unauthorized)
            expectError(try await api.post(path), .unauthorized)
            try requireJSON(try await api.get("/api/v1/devices/credentials", auth: device.key))
        }
    }
}
