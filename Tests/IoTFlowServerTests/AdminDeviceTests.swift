import HTTPTypes
import Testing

@Suite("Admin: devices")
struct AdminDeviceTests {
    @Test("every admin route: no credential 401, device key 401, non-admin user 403, wrong admin token 403; both admin credentials pass")
    func access() async throws {
        try await withApp { api in
            let alice = try await api.registerUser("alice")
            let root = try await api.registerAdminUser()
            let device = try await api.registerDevice(alice)
            let base = "/api/v1/admin"
            let reads = ["/devices", "/devices/\(device.id)", "/devices/statuses", "/stats", "/events", "/analytics/events"]
            let writes: [(HTTPRequest.Method, String, JSONValue?)] = [
                (.put, "/devices/\(device.id)", ["location": "roof"]),
                (.put, "/devices/\(device.id)/status", ["status": "active"]),
                (.delete, "/devices/\(device.id)", nil),
            ]
            let all = reads.map { (HTTPRequest.Method.get, $0, JSONValue?.none) } + writes
            for (method, suffix, body) in all {
                let path = base + suffix
                expectError(try await api.request(method, path, json: body), .unauthorized)
                expectError(try await api.request(method, path, auth: device.key, json: body), .unauthorized)
                expectError(try await api.request(method, path, auth: alice.bearer, json: body), .forbidden)
                expectError(try await api.request(method, path, auth: .admin("wrong-admin-token"), json: body), .forbidden)
                expectError(try await api.request(method, path, auth: .bearer("invalid-token"), json: body), .unauthorized)
            }
            for suffix in reads {
                try requireJSON(try await api.get(base + suffix, auth: .adminToken))
                try requireJSON(try await api.get(base + suffix, auth: root.bearer))
            }
            try requireJSON(try await api.put("\(base)/devices/\(device.id)", auth: root.bearer, json: ["location": "roof"]))
            try requireJSON(try await api.put("\(base)/devices/\(device.id)/status", auth: root.bearer, json: ["status": "active"]))
            try requireJSON(try await api.delete("\(base)/devices/\(device.id)", auth: root.bearer))
        }
    }

    @Test("GET /admin/devices lists every user's devices with paging meta and no keys")
    func list() async throws {
        try await withApp { api in
            let alice = try await api.registerUser("alice")
            let bob = try await api.registerUser("bob")
            for name in ["a", "b"] { _ = try await api.registerDevice(alice, name: name) }
            _ = try await api.registerDevice(bob, name: "c")

            let json = try requireJSON(try await api.get("/api/v1/admin/devices", auth: .adminToken))
            #expect(json.keys == ["devices", "meta"])
            let devices = try #require(json["devices"].array)
            #expect(Set(devices.compactMap { $0["name"].string }) == ["a", "b", "c"])
            for device in devices { expectDevice(device) }
            expectNoAPIKey(json)
            #expect(json["meta"] == ["total": 3, "limit": 100, "offset": 0, "returned": 3])

            let page = try requireJSON(try await api.get("/api/v1/admin/devices?limit=2&offset=2", auth: .adminToken))
            #expect(page["devices"].array?.count == 1)
            #expect(page["meta"] == ["total": 3, "limit": 2, "offset": 2, "returned": 1])
            let clamped = try requireJSON(try await api.get("/api/v1/admin/devices?limit=5000", auth: .adminToken))
            #expect(clamped["meta"]["limit"].int == 1000)
        }
    }

    @Test("GET /admin/devices filters by status and user_id")
    func listFilters() async throws {
        try await withApp { api in
            let alice = try await api.registerUser("alice")
            let bob = try await api.registerUser("bob")
            let probe = try await api.registerDevice(alice, name: "probe")
            _ = try await api.registerDevice(alice, name: "valve")
            _ = try await api.registerDevice(bob, name: "bobs")
            try requireJSON(try await api.put("/api/v1/admin/devices/\(probe.id)/status", auth: .adminToken, json: ["status": "maintenance"]))
            let base = "/api/v1/admin/devices"

            let maintenance = try requireJSON(try await api.get("\(base)?status=maintenance", auth: .adminToken))
            #expect(maintenance["devices"].array?.compactMap { $0["name"].string } == ["probe"])
            #expect(maintenance["meta"]["total"].int == 1)
            let active = try requireJSON(try await api.get("\(base)?status=active", auth: .adminToken))
            #expect(Set(active["devices"].array?.compactMap { $0["name"].string } ?? []) == ["valve", "bobs"])
            let inactive = try requireJSON(try await api.get("\(base)?status=inactive", auth: .adminToken))
            #expect(inactive["devices"] == [])
            #expect(inactive["meta"]["total"].int == 0)

            let alices = try requireJSON(try await api.get("\(base)?user_id=\(alice.userID)", auth: .adminToken))
            #expect(Set(alices["devices"].array?.compactMap { $0["name"].string } ?? []) == ["probe", "valve"])
            #expect(alices["devices"].array?.allSatisfy { $0["user_id"].string == alice.userID } == true)
            #expect(alices["meta"]["total"].int == 2)
            let both = try requireJSON(try await api.get("\(base)?user_id=\(alice.userID)&status=active", auth: .adminToken))
            #expect(both["devices"].array?.compactMap { $0["name"].string } == ["valve"])
            let unknown = try requireJSON(try await api.get("\(base)?user_id=0123456789abcdef0123456789abcdef", auth: .adminToken))
            #expect(unknown["devices"] == [])
            #expect(unknown["meta"]["total"].int == 0)
        }
    }

    @Test(
        "GET /admin/devices rejects bad query values with 400",
        arguments: ["status=broken", "user_id=alice", "user_id=0123456789abcdef0123456789abcdef0", "user_id=12", "limit=0", "limit=abc", "offset=-1"]
    )
    func listBadQuery(query: String) async throws {
        try await withApp { api in
            expectError(try await api.get("/api/v1/admin/devices?\(query)", auth: .adminToken), .badRequest)
        }
    }

    @Test("GET /admin/devices/{id} reads any device without its key")
    func read() async throws {
        try await withApp { api in
            let alice = try await api.registerUser()
            let device = try await api.registerDevice(alice, name: "probe")
            let json = try requireJSON(try await api.get("/api/v1/admin/devices/\(device.id)", auth: .adminToken))
            #expect(json.keys == ["device"])
            expectDevice(json["device"])
            #expect(json["device"]["id"].int == device.id)
            #expect(json["device"]["name"].string == "probe")
            #expect(json["device"]["user_id"].string == alice.userID)
            expectNoAPIKey(json)
        }
    }

    @Test("PUT /admin/devices/{id} updates device fields and status")
    func update() async throws {
        try await withApp { api in
            let alice = try await api.registerUser()
            let device = try await api.registerDevice(alice, name: "probe")
            let body: JSONValue = [
                "name": "renamed", "description": "new", "device_type": "actuator", "location": "roof",
                "firmware_version": "2.0", "hardware_version": "rev-c", "status": "inactive",
            ]
            let json = try requireJSON(try await api.put("/api/v1/admin/devices/\(device.id)", auth: .adminToken, json: body))
            #expect(json.keys == ["message", "device"])
            #expect(json["message"].string?.isEmpty == false)
            expectDevice(json["device"])
            for (field, value) in body.object ?? [:] {
                #expect(json["device"][field] == value, "\(field)")
            }
            expectNoAPIKey(json)
            let read = try requireJSON(try await api.get("/api/v1/devices/\(device.id)", auth: alice.bearer))
            #expect(read["device"]["name"].string == "renamed")
            #expect(read["device"]["status"].string == "inactive")
            expectError(try await api.postTelemetry(device, ["data": ["t": 1]]), .forbidden)
        }
    }

    @Test("PUT /admin/devices/{id} validates its input")
    func updateRules() async throws {
        try await withApp { api in
            let alice = try await api.registerUser()
            let device = try await api.registerDevice(alice, name: "probe")
            _ = try await api.registerDevice(alice, name: "other")
            let path = "/api/v1/admin/devices/\(device.id)"
            expectError(try await api.put(path, auth: .adminToken, json: ["status": "broken"]), .badRequest)
            expectError(try await api.put(path, auth: .adminToken, json: ["status": 1]), .badRequest)
            expectError(try await api.put(path, auth: .adminToken, json: ["name": 5]), .badRequest)
            expectError(try await api.put(path, auth: .adminToken, json: ["name": .string(String(repeating: "n", count: 101))]), .badRequest)
            expectError(try await api.put(path, auth: .adminToken, json: ["name": "other"]), .conflict)
            expectError(try await api.request(.put, path, auth: .adminToken, body: ""), .badRequest)
            let read = try requireJSON(try await api.get(path, auth: .adminToken))
            #expect(read["device"]["name"].string == "probe")
            #expect(read["device"]["status"].string == "active")
        }
    }

    @Test("PUT /admin/devices/{id}/status reports old and new status; maintenance blocks telemetry")
    func setStatus() async throws {
        try await withApp { api in
            let alice = try await api.registerUser()
            let device = try await api.registerDevice(alice)
            let path = "/api/v1/admin/devices/\(device.id)/status"
            let json = try requireJSON(try await api.put(path, auth: .adminToken, json: ["status": "maintenance"]))
            #expect(json.keys == ["message", "device_id", "old_status", "new_status"])
            #expect(json["message"].string?.isEmpty == false)
            #expect(json["device_id"].int == device.id)
            #expect(json["old_status"].string == "active")
            #expect(json["new_status"].string == "maintenance")
            expectError(try await api.postTelemetry(device, ["data": ["t": 1]]), .forbidden)
            let read = try requireJSON(try await api.get("/api/v1/devices/\(device.id)", auth: alice.bearer))
            #expect(read["device"]["status"].string == "maintenance")

            let back = try requireJSON(try await api.put(path, auth: .adminToken, json: ["status": "active"]))
            #expect(back["old_status"].string == "maintenance")
            #expect(back["new_status"].string == "active")
            try requireJSON(try await api.postTelemetry(device, ["data": ["t": 1]]), .created)
        }
    }

    @Test(
        "PUT /admin/devices/{id}/status rejects a missing or invalid status with 400",
        arguments: [#"{}"#, #"{"status":"broken"}"#, #"{"status":"ACTIVE"}"#, #"{"status":null}"#, #"{"status":1}"#, ""]
    )
    func setStatusInvalid(body: String) async throws {
        try await withApp { api in
            let alice = try await api.registerUser()
            let device = try await api.registerDevice(alice)
            expectError(try await api.request(.put, "/api/v1/admin/devices/\(device.id)/status", auth: .adminToken, body: body), .badRequest)
            let read = try requireJSON(try await api.get("/api/v1/admin/devices/\(device.id)", auth: .adminToken))
            #expect(read["device"]["status"].string == "active")
        }
    }

    @Test("DELETE /admin/devices/{id} removes the device and its key")
    func delete() async throws {
        try await withApp { api in
            let alice = try await api.registerUser()
            let device = try await api.registerDevice(alice)
            try await api.postPoint(device, ["t": 1])
            let json = try requireJSON(try await api.delete("/api/v1/admin/devices/\(device.id)", auth: .adminToken))
            #expect(json.keys == ["message"])
            #expect(json["message"].string?.isEmpty == false)
            expectError(try await api.get("/api/v1/admin/devices/\(device.id)", auth: .adminToken), .notFound)
            expectError(try await api.get("/api/v1/devices/\(device.id)", auth: alice.bearer), .notFound)
            expectError(try await api.get("/api/v1/devices/credentials", auth: device.key), .unauthorized)
            let list = try requireJSON(try await api.get("/api/v1/admin/devices", auth: .adminToken))
            #expect(list["meta"]["total"].int == 0)
        }
    }

    @Test("unknown device ids are 404 on every /admin/devices/{id} route; malformed ones 400 or 404")
    func unknownDevice() async throws {
        try await withApp { api in
            let routes: [(HTTPRequest.Method, String, JSONValue?)] = [
                (.get, "", nil), (.put, "", ["location": "x"]), (.put, "/status", ["status": "active"]), (.delete, "", nil),
            ]
            for (method, suffix, body) in routes {
                expectError(try await api.request(method, "/api/v1/admin/devices/999999\(suffix)", auth: .adminToken, json: body), .notFound)
                let malformed = try await api.request(method, "/api/v1/admin/devices/abc\(suffix)", auth: .adminToken, json: body)
                #expect([400, 404].contains(malformed.status.code), "\(method) abc\(suffix): \(malformed.status.code)")
            }
        }
    }

    @Test("GET /admin/devices/statuses lists status, online state and last contact with paging meta")
    func statuses() async throws {
        try await withApp { api in
            let alice = try await api.registerUser("alice")
            let bob = try await api.registerUser("bob")
            let seen = try await api.registerDevice(alice, name: "seen", deviceType: "sensor")
            let quiet = try await api.registerDevice(bob, name: "quiet", deviceType: "actuator")
            try await api.postPoint(seen, ["t": 1])
            try requireJSON(try await api.put("/api/v1/admin/devices/\(quiet.id)/status", auth: .adminToken, json: ["status": "inactive"]))

            let json = try requireJSON(try await api.get("/api/v1/admin/devices/statuses", auth: .adminToken))
            #expect(json.keys == ["devices", "meta"])
            #expect(json["meta"] == ["total": 2, "limit": 100, "offset": 0, "returned": 2])
            let devices = try #require(json["devices"].array)
            for entry in devices {
                #expect(entry.keys == ["id", "name", "device_type", "status", "is_online", "last_seen"])
            }
            let byID = Dictionary(devices.map { ($0["id"].int ?? -1, $0) }, uniquingKeysWith: { first, _ in first })
            let seenEntry = try #require(byID[seen.id])
            #expect(seenEntry["name"].string == "seen")
            #expect(seenEntry["device_type"].string == "sensor")
            #expect(seenEntry["status"].string == "active")
            #expect(seenEntry["is_online"].bool == true)
            #expect(TestTime.isTimestamp(seenEntry["last_seen"].string))
            let quietEntry = try #require(byID[quiet.id])
            #expect(quietEntry["device_type"].string == "actuator")
            #expect(quietEntry["status"].string == "inactive")
            #expect(quietEntry["is_online"].bool == false)
            #expect(quietEntry["last_seen"].isNull)
            expectNoAPIKey(json)

            let page = try requireJSON(try await api.get("/api/v1/admin/devices/statuses?limit=1&offset=1", auth: .adminToken))
            #expect(page["devices"].array?.count == 1)
            #expect(page["meta"] == ["total": 2, "limit": 1, "offset": 1, "returned": 1])
            for query in ["limit=0", "limit=abc", "offset=-1"] {
                expectError(try await api.get("/api/v1/admin/devices/statuses?\(query)", auth: .adminToken), .badRequest)
            }
        }
    }
}
