import Hummingbird
import Testing

@Suite("Devices: the owner's config routes")
struct DeviceOwnerConfigTests {
    @Test("the owner reads and replaces a device's config; the device reads what the owner set, and the other way round")
    func ownerAndDeviceShareTheConfig() async throws {
        try await withApp { api in
            let alice = try await api.registerUser()
            let device = try await api.registerDevice(alice)
            let initial = try requireJSON(try await api.get("/api/v1/devices/\(device.id)/config", auth: alice.bearer))
            #expect(initial.keys == ["device_id", "config", "updated_at"])
            #expect(initial["device_id"].int == device.id)
            #expect(initial["config"] == [:])

            let put = try requireJSON(
                try await api.put("/api/v1/devices/\(device.id)/config", auth: alice.bearer, json: ["config": ["interval_s": 30, "unit": "C"]]))
            #expect(put.keys == ["message", "device_id", "config", "updated_at"])
            #expect(put["device_id"].int == device.id)
            #expect(put["config"] == ["interval_s": 30, "unit": "C"])
            #expect(TestTime.isTimestamp(put["updated_at"].string))
            let seenByDevice = try requireJSON(try await api.get("/api/v1/devices/config", auth: device.key))
            #expect(seenByDevice["config"] == ["interval_s": 30, "unit": "C"])

            try requireJSON(try await api.put("/api/v1/devices/config", auth: device.key, json: ["config": ["interval_s": 60]]))
            let seenByOwner = try requireJSON(try await api.get("/api/v1/devices/\(device.id)/config", auth: alice.bearer))
            #expect(seenByOwner["config"] == ["interval_s": 60])
            let seenByAdmin = try requireJSON(try await api.get("/api/v1/devices/\(device.id)/config", auth: .adminToken))
            #expect(seenByAdmin["config"] == ["interval_s": 60])
        }
    }

    @Test("another user gets 404 and changes nothing; the device's key and the admin token may not PUT; no credential is 401")
    func leastPrivilege() async throws {
        try await withApp { api in
            let alice = try await api.registerUser("alice")
            let mallory = try await api.registerUser("mallory")
            let device = try await api.registerDevice(alice)
            let path = "/api/v1/devices/\(device.id)/config"
            expectError(try await api.get(path, auth: mallory.bearer), .notFound)
            expectError(try await api.put(path, auth: mallory.bearer, json: ["config": ["x": 1]]), .notFound)
            expectError(try await api.put(path, auth: device.key, json: ["config": ["x": 1]]), .unauthorized)
            expectError(try await api.get(path, auth: device.key), .unauthorized)
            expectError(try await api.get(path), .unauthorized)
            let put = try await api.put(path, auth: .adminToken, json: ["config": ["x": 1]])
            #expect([.unauthorized, .forbidden].contains(put.status))
            expectError(try await api.get("/api/v1/devices/999999/config", auth: alice.bearer), .notFound)
            let read = try requireJSON(try await api.get(path, auth: alice.bearer))
            #expect(read["config"] == [:])
        }
    }

    @Test(
        "PUT /devices/{id}/config rejects a body without an object config with 400 and keeps the config",
        arguments: [
            #"{}"#, #"{"config":null}"#, #"{"config":[1,2]}"#, #"{"config":"text"}"#,
            #"{"config":{"blob":"\#(String(repeating: "x", count: 65 * 1024))"}}"#, "", "[]",
        ]
    )
    func invalid(body: String) async throws {
        try await withApp { api in
            let alice = try await api.registerUser()
            let device = try await api.registerDevice(alice)
            expectError(try await api.request(.put, "/api/v1/devices/\(device.id)/config", auth: alice.bearer, body: body), .badRequest)
            let read = try requireJSON(try await api.get("/api/v1/devices/\(device.id)/config", auth: alice.bearer))
            #expect(read["config"] == [:])
        }
    }

    @Test("a config change by the owner is a device.config_updated event")
    func event() async throws {
        try await withApp { api in
            let alice = try await api.registerUser()
            let device = try await api.registerDevice(alice)
            try requireJSON(try await api.put("/api/v1/devices/\(device.id)/config", auth: alice.bearer, json: ["config": ["a": 1]]))
            try await api.requireEvent("device.config_updated", userID: alice.userID, deviceID: device.id)
        }
    }
}
