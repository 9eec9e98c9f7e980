import Hummingbird
import Testing

@Suite("Telemetry: DELETE /telemetry/{device_id}")
struct TelemetryDeleteTests {
    /// Four points one minute apart from `base`, each with `a` and `b`.
    private func seed(_ api: TestAPI) async throws -> (TestUser, TestDevice, Int64) {
        let owner = try await api.registerUser()
        let device = try await api.registerDevice(owner)
        let base = TestTime.now() / 1000 * 1000 - 30 * TestTime.minute
        try await api.postBatch(device, (0..<4).map { (base + Int64($0) * TestTime.minute, ["a": .number(Double($0)), "b": 1]) })
        return (owner, device, base)
    }

    private func timestamps(_ api: TestAPI, _ owner: TestUser, _ device: TestDevice) async throws -> [JSONValue] {
        let json = try requireJSON(try await api.get("/api/v1/telemetry/\(device.id)?order=asc", auth: owner.bearer))
        return (json["data"].array ?? []).compactMap { $0["timestamp"] }
    }

    @Test("a body range deletes start-inclusive, end-exclusive and counts (key, timestamp) values")
    func deleteRangeInBody() async throws {
        try await withApp { api in
            let (owner, device, base) = try await self.seed(api)
            let body: JSONValue = [
                "start_time": .string(TestTime.iso(base + TestTime.minute)), "stop_time": .string(TestTime.iso(base + 3 * TestTime.minute)),
            ]
            let json = try requireJSON(try await api.delete("/api/v1/telemetry/\(device.id)", auth: owner.bearer, json: body))
            #expect(json.keys == ["message", "deleted"])
            #expect(json["message"].string?.isEmpty == false)
            #expect(json["deleted"].int == 4)
            let left = try await self.timestamps(api, owner, device)
            #expect(left == [.string(TestTime.iso(base)), .string(TestTime.iso(base + 3 * TestTime.minute))])
        }
    }

    @Test("keys in the body restrict the deletion; latest reflects what is left")
    func deleteKeysInBody() async throws {
        try await withApp { api in
            let (owner, device, base) = try await self.seed(api)
            let body: JSONValue = [
                "start_time": .string(TestTime.iso(base + 2 * TestTime.minute)), "stop_time": "now", "keys": ["a"],
            ]
            let json = try requireJSON(try await api.delete("/api/v1/telemetry/\(device.id)", auth: owner.bearer, json: body))
            #expect(json["deleted"].int == 2)
            let latest = try requireJSON(try await api.get("/api/v1/telemetry/\(device.id)/latest", auth: owner.bearer))
            #expect(latest["latest_data"] == ["a": 1, "b": 1])
            #expect(latest["timestamps"]["a"].string == TestTime.iso(base + TestTime.minute))
            #expect(latest["timestamps"]["b"].string == TestTime.iso(base + 3 * TestTime.minute))
        }
    }

    @Test("the range and keys may be given in the query")
    func deleteInQuery() async throws {
        try await withApp { api in
            let (owner, device, base) = try await self.seed(api)
            let start = TestTime.iso(base)
            let stop = TestTime.iso(base + 2 * TestTime.minute)
            let json = try requireJSON(
                try await api.delete("/api/v1/telemetry/\(device.id)?start_time=\(start)&stop_time=\(stop)&keys=b", auth: owner.bearer))
            #expect(json["deleted"].int == 2)
            let history = try requireJSON(try await api.get("/api/v1/telemetry/\(device.id)?order=asc", auth: owner.bearer))
            #expect(history["data"].array?.map { $0["measurements"] } == [["a": 0], ["a": 1], ["a": 2, "b": 1], ["a": 3, "b": 1]])
        }
    }

    @Test("deleting everything makes latest 404 and empties the count of stored values")
    func deleteAll() async throws {
        try await withApp { api in
            let (owner, device, _) = try await self.seed(api)
            let json = try requireJSON(try await api.delete("/api/v1/telemetry/\(device.id)?start_time=-1d&stop_time=now", auth: owner.bearer))
            #expect(json["deleted"].int == 8)
            expectError(try await api.get("/api/v1/telemetry/\(device.id)/latest", auth: owner.bearer), .notFound)
            #expect(try await self.timestamps(api, owner, device).isEmpty)
            let status = try requireJSON(try await api.get("/status"))
            #expect(status["telemetry"]["points_total"].int == 0)
            let again = try requireJSON(try await api.delete("/api/v1/telemetry/\(device.id)?start_time=-1d&stop_time=now", auth: owner.bearer))
            #expect(again["deleted"].int == 0)
        }
    }

    @Test(
        "start_time and stop_time are required and must be valid times",
        arguments: [
            #"{"start_time":"-1d"}"#, #"{"stop_time":"now"}"#, #"{"keys":["a"]}"#, "", #"{"start_time":"yesterday","stop_time":"now"}"#,
            #"{"start_time":"-1d","stop_time":"now","keys":"a"}"#,
        ]
    )
    func missingRange(body: String) async throws {
        try await withApp { api in
            let (owner, device, _) = try await self.seed(api)
            expectError(try await api.request(.delete, "/api/v1/telemetry/\(device.id)", auth: owner.bearer, body: body), .badRequest)
            #expect(try await self.timestamps(api, owner, device).count == 4)
        }
    }

    @Test("missing range in the query is 400")
    func missingRangeInQuery() async throws {
        try await withApp { api in
            let (owner, device, _) = try await self.seed(api)
            expectError(try await api.delete("/api/v1/telemetry/\(device.id)?start_time=-1d", auth: owner.bearer), .badRequest)
            expectError(try await api.delete("/api/v1/telemetry/\(device.id)?stop_time=now", auth: owner.bearer), .badRequest)
            expectError(try await api.delete("/api/v1/telemetry/\(device.id)", auth: owner.bearer), .badRequest)
            #expect(try await self.timestamps(api, owner, device).count == 4)
        }
    }

    @Test("owner and admin may delete; the device itself is 401, other users 404")
    func access() async throws {
        try await withApp { api in
            let (owner, device, _) = try await self.seed(api)
            let bob = try await api.registerUser("bob")
            let path = "/api/v1/telemetry/\(device.id)?start_time=-1d&stop_time=now"
            expectError(try await api.delete(path, auth: device.key), .unauthorized)
            expectError(try await api.delete(path), .unauthorized)
            expectError(try await api.delete(path, auth: bob.bearer), .notFound)
            expectError(try await api.delete(path, auth: .admin("wrong-admin-token")), .forbidden)
            expectError(try await api.delete("/api/v1/telemetry/abc?start_time=-1d&stop_time=now", auth: owner.bearer), .notFound)
            #expect(try await self.timestamps(api, owner, device).count == 4)
            let json = try requireJSON(try await api.delete(path, auth: .adminToken))
            #expect(json["deleted"].int == 8)
        }
    }
}
