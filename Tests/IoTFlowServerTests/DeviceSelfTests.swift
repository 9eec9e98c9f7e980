import Hummingbird
import Testing

@Suite("Devices: the X-API-Key routes")
struct DeviceSelfTests {
    @Test("GET /devices/status returns the calling device")
    func ownStatus() async throws {
        try await withApp { api in
            let alice = try await api.registerUser()
            let device = try await api.registerDevice(alice, name: "probe")
            let json = try requireJSON(try await api.get("/api/v1/devices/status", auth: device.key))
            #expect(json.keys == ["device", "is_online"])
            expectDevice(json["device"])
            #expect(json["device"]["id"].int == device.id)
            #expect(json["is_online"].bool == false)
            expectNoAPIKey(json)

            try requireJSON(try await api.post("/api/v1/devices/heartbeat", auth: device.key))
            let online = try requireJSON(try await api.get("/api/v1/devices/status", auth: device.key))
            #expect(online["is_online"].bool == true)
            #expect(online["device"]["is_online"].bool == true)
        }
    }

    @Test("GET /devices/credentials returns the device and its owner without the key")
    func credentials() async throws {
        try await withApp { api in
            let alice = try await api.registerUser()
            let device = try await api.registerDevice(alice, name: "probe", deviceType: "sensor")
            let json = try requireJSON(try await api.get("/api/v1/devices/credentials", auth: device.key))
            let expected: JSONValue = [
                "device": [
                    "id": .number(Double(device.id)), "name": "probe", "device_type": "sensor", "status": "active",
                    "user_id": .string(alice.userID),
                    "owner": ["username": .string(alice.username), "user_id": .string(alice.userID)],
                ]
            ]
            #expect(json == expected)
        }
    }

    @Test("the device routes refuse bearer tokens, the admin token, bad keys and no credential")
    func wrongCredentials() async throws {
        try await withApp { api in
            let alice = try await api.registerUser()
            _ = try await api.registerDevice(alice)
            let routes: [(HTTPRequest.Method, String)] = [
                (.get, "/api/v1/devices/status"), (.get, "/api/v1/devices/credentials"), (.get, "/api/v1/devices/config"),
                (.post, "/api/v1/devices/heartbeat"),
            ]
            for (method, path) in routes {
                for credential in [alice.bearer, Credential.adminToken, .apiKey("not-a-real-key-0123456789abcdefghij")] {
                    expectError(try await api.request(method, path, auth: credential), .unauthorized)
                }
                expectError(try await api.request(method, path), .unauthorized)
            }
            expectError(try await api.put("/api/v1/devices/config", auth: alice.bearer, json: ["location": "x"]), .unauthorized)
        }
    }

    @Test("config starts empty; PUT replaces it and updates the device fields")
    func config() async throws {
        try await withApp { api in
            let alice = try await api.registerUser()
            let device = try await api.registerDevice(alice)
            let initial = try requireJSON(try await api.get("/api/v1/devices/config", auth: device.key))
            #expect(initial.keys == ["device_id", "config", "updated_at"])
            #expect(initial["device_id"].int == device.id)
            #expect(initial["config"] == [:])
            #expect(isNullOrTimestamp(initial["updated_at"]))

            let body: JSONValue = [
                "config": ["interval": 30, "mode": "eco", "nested": ["a": [1, 2]]],
                "location": "attic", "firmware_version": "3.1", "hardware_version": "rev-d",
            ]
            let put = try requireJSON(try await api.put("/api/v1/devices/config", auth: device.key, json: body))
            #expect(put["message"].string?.isEmpty == false)
            expectDevice(put["device"])
            #expect(put["device"]["location"].string == "attic")
            #expect(put["device"]["firmware_version"].string == "3.1")
            #expect(put["device"]["hardware_version"].string == "rev-d")
            expectNoAPIKey(put)

            let read = try requireJSON(try await api.get("/api/v1/devices/config", auth: device.key))
            #expect(read["config"] == body["config"])
            #expect(TestTime.isTimestamp(read["updated_at"].string))

            try requireJSON(try await api.put("/api/v1/devices/config", auth: device.key, json: ["config": ["only": true]]))
            let replaced = try requireJSON(try await api.get("/api/v1/devices/config", auth: device.key))
            #expect(replaced["config"] == ["only": true])
            let owner = try requireJSON(try await api.get("/api/v1/devices/\(device.id)", auth: alice.bearer))
            #expect(owner["device"]["location"].string == "attic")
        }
    }

    @Test(
        "PUT /devices/config rejects invalid bodies with 400",
        arguments: [
            #"{"config":[1,2]}"#,
            #"{"config":"text"}"#,
            #"{"config":5}"#,
            #"{"status":"broken"}"#,
            #"{"status":1}"#,
            #"{"config":{"blob":"\#(String(repeating: "x", count: 65 * 1024))"}}"#,
            "",
            "[]",
        ]
    )
    func configInvalid(body: String) async throws {
        try await withApp { api in
            let alice = try await api.registerUser()
            let device = try await api.registerDevice(alice)
            expectError(try await api.request(.put, "/api/v1/devices/config", auth: device.key, body: body), .badRequest)
            let read = try requireJSON(try await api.get("/api/v1/devices/config", auth: device.key))
            #expect(read["config"] == [:])
        }
    }

    @Test("a device in maintenance or inactive status cannot post telemetry but keeps its other routes")
    func selfStatus() async throws {
        try await withApp { api in
            let alice = try await api.registerUser()
            let device = try await api.registerDevice(alice)
            for status in ["maintenance", "inactive"] {
                let put = try requireJSON(try await api.put("/api/v1/devices/config", auth: device.key, json: ["status": .string(status)]))
                #expect(put["device"]["status"].string == status)
                expectError(try await api.postTelemetry(device, ["data": ["t": 1]]), .forbidden)
                try requireJSON(try await api.post("/api/v1/devices/heartbeat", auth: device.key))
                let credentials = try requireJSON(try await api.get("/api/v1/devices/credentials", auth: device.key))
                #expect(credentials["device"]["status"].string == status)
                try requireJSON(try await api.get("/api/v1/devices/config", auth: device.key))
                let owner = try requireJSON(try await api.get("/api/v1/devices/\(device.id)/status", auth: alice.bearer))
                #expect(owner["status"].string == status)
            }
            try requireJSON(try await api.put("/api/v1/devices/config", auth: device.key, json: ["status": "active"]))
            try requireJSON(try await api.postTelemetry(device, ["data": ["t": 1]]), .created)
        }
    }

    @Test("heartbeat answers online with the server time")
    func heartbeat() async throws {
        try await withApp { api in
            let alice = try await api.registerUser()
            let device = try await api.registerDevice(alice)
            let start = TestTime.now()
            let json = try requireJSON(try await api.post("/api/v1/devices/heartbeat", auth: device.key))
            #expect(json["message"].string?.isEmpty == false)
            #expect(json["device_id"].int == device.id)
            #expect(json["status"].string == "online")
            let timestamp = try #require(TestTime.millis(json["timestamp"].string))
            #expect(abs(timestamp - start) < 10 * TestTime.second)
        }
    }
}
