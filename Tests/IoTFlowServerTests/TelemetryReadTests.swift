import Foundation
import Testing

@Suite("Telemetry: GET /telemetry/{device_id} history and paging")
struct TelemetryReadTests {
    /// Writes points at now-2h, now-30m (with metadata) and now-20m, and returns those times.
    private func seed(_ api: TestAPI, _ device: TestDevice) async throws -> (old: Int64, first: Int64, second: Int64) {
        let now = TestTime.now() / 1000 * 1000
        let old = now - 2 * TestTime.hour
        let first = now - 30 * TestTime.minute
        let second = now - 20 * TestTime.minute
        try await api.postPoint(device, ["a": 9], at: old)
        try await api.postPoint(device, ["a": 1, "b": 2], at: first, metadata: ["src": "x"])
        try await api.postPoint(device, ["a": 3], at: second)
        return (old, first, second)
    }

    @Test("the default range is the last hour, newest first, without metadata")
    func defaults() async throws {
        try await withApp { api in
            let alice = try await api.registerUser()
            let device = try await api.registerDevice(alice, name: "probe", deviceType: "sensor")
            let times = try await self.seed(api, device)
            let requested = TestTime.now()
            let json = try requireJSON(try await api.get("/api/v1/telemetry/\(device.id)", auth: alice.bearer))
            #expect(json.keys == ["device_id", "device_name", "device_type", "start_time", "end_time", "data", "count"])
            #expect(json["device_id"].int == device.id)
            #expect(json["device_name"].string == "probe")
            #expect(json["device_type"].string == "sensor")
            #expect(json["count"].int == 2)
            let expected: JSONValue = [
                ["timestamp": .string(TestTime.iso(times.second)), "measurements": ["a": 3]],
                ["timestamp": .string(TestTime.iso(times.first)), "measurements": ["a": 1, "b": 2]],
            ]
            #expect(json["data"] == expected)
            let start = try #require(TestTime.millis(json["start_time"].string))
            let end = try #require(TestTime.millis(json["end_time"].string))
            #expect(abs(end - requested) < 10 * TestTime.second)
            #expect(abs(end - start - TestTime.hour) < TestTime.second)
        }
    }

    @Test("order, keys, include_metadata and explicit ranges")
    func parameters() async throws {
        try await withApp { api in
            let alice = try await api.registerUser()
            let device = try await api.registerDevice(alice)
            let times = try await self.seed(api, device)
            let path = "/api/v1/telemetry/\(device.id)"

            let asc = try requireJSON(try await api.get("\(path)?start_time=-3h&order=asc", auth: alice.bearer))
            #expect(asc["count"].int == 3)
            #expect(asc["data"].array?.map { $0["timestamp"] } == [times.old, times.first, times.second].map { .string(TestTime.iso($0)) })

            let onlyB = try requireJSON(try await api.get("\(path)?keys=b", auth: alice.bearer))
            #expect(onlyB["data"] == [["timestamp": .string(TestTime.iso(times.first)), "measurements": ["b": 2]]])
            #expect(onlyB["count"].int == 1)

            let both = try requireJSON(try await api.get("\(path)?keys=a,b&order=asc", auth: alice.bearer))
            #expect(both["data"].array?.map { $0["measurements"] } == [["a": 1, "b": 2], ["a": 3]])

            let withMetadata = try requireJSON(try await api.get("\(path)?include_metadata=true&order=asc", auth: alice.bearer))
            #expect(withMetadata["data"][0]["metadata"] == ["src": "x"])
            #expect(withMetadata["data"][0]["measurements"] == ["a": 1, "b": 2])

            let startISO = TestTime.iso(times.first)
            let endISO = TestTime.iso(times.second)
            let range = try requireJSON(try await api.get("\(path)?start_time=\(startISO)&end_time=\(endISO)", auth: alice.bearer))
            #expect(range["data"].array?.map { $0["timestamp"] } == [.string(startISO)])
            #expect(range["start_time"].string == startISO)
            #expect(range["end_time"].string == endISO)

            let epoch = try requireJSON(try await api.get("\(path)?start_time=\(times.first)&end_time=\(times.second + 1)", auth: alice.bearer))
            #expect(epoch["count"].int == 2)
            #expect(epoch["start_time"].string == startISO)
        }
    }

    @Test("cursor paging returns every entry exactly once, in order", arguments: ["asc", "desc"])
    func paging(order: String) async throws {
        try await withApp { api in
            let alice = try await api.registerUser()
            let device = try await api.registerDevice(alice)
            let base = TestTime.now() / 1000 * 1000 - 10 * TestTime.minute
            let times = (0..<25).map { base + Int64($0) * TestTime.second }
            try await api.postBatch(device, times.map { ($0, ["v": .number(Double($0 - base))]) })

            var seen: [String] = []
            var cursor: String?
            var pages: [Int] = []
            repeat {
                var path = "/api/v1/telemetry/\(device.id)?start_time=-1h&limit=10&order=\(order)"
                if let cursor { path += "&cursor=\(cursor.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? cursor)" }
                let json = try requireJSON(try await api.get(path, auth: alice.bearer))
                let data = try #require(json["data"].array)
                #expect(json["count"].int == data.count)
                pages.append(data.count)
                seen += data.compactMap { $0["timestamp"].string }
                cursor = json["next"].string
                #expect(json["next"] == nil || cursor != nil, "next must be a string when present")
                try #require(pages.count <= 5, "paging does not terminate")
            } while cursor != nil

            let expected = times.map(TestTime.iso)
            #expect(pages == [10, 10, 5])
            #expect(seen == (order == "asc" ? expected : expected.reversed()))
        }
    }

    @Test("no next when the last page is exactly full")
    func exactPages() async throws {
        try await withApp { api in
            let alice = try await api.registerUser()
            let device = try await api.registerDevice(alice)
            let base = TestTime.now() / 1000 * 1000 - 10 * TestTime.minute
            try await api.postBatch(device, (0..<20).map { (base + Int64($0) * TestTime.second, ["v": 1]) })
            let path = "/api/v1/telemetry/\(device.id)?limit=10"
            let first = try requireJSON(try await api.get(path, auth: alice.bearer))
            let next = try #require(first["next"].string)
            let encoded = next.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? next
            let second = try requireJSON(try await api.get("\(path)&cursor=\(encoded)", auth: alice.bearer))
            #expect(second["count"].int == 10)
            #expect(second["next"] == nil)
            let all = try requireJSON(try await api.get("/api/v1/telemetry/\(device.id)?limit=20", auth: alice.bearer))
            #expect(all["count"].int == 20)
            #expect(all["next"] == nil)
        }
    }

    @Test(
        "bad query values are 400",
        arguments: [
            "order=sideways", "start_time=yesterday", "start_time=%2B2h", "start_time=1h", "start_time=-1y", "end_time=soon",
            "limit=0", "limit=abc", "cursor=not-a-cursor", "cursor=%21%21%21",
        ]
    )
    func badQuery(query: String) async throws {
        try await withApp { api in
            let alice = try await api.registerUser()
            let device = try await api.registerDevice(alice)
            try await api.postPoint(device, ["a": 1], at: TestTime.now() - TestTime.minute)
            expectError(try await api.get("/api/v1/telemetry/\(device.id)?\(query)", auth: alice.bearer), .badRequest)
        }
    }

    @Test("a limit above 10000 is clamped, not refused")
    func clampedLimit() async throws {
        try await withApp { api in
            let alice = try await api.registerUser()
            let device = try await api.registerDevice(alice)
            try await api.postPoint(device, ["a": 1], at: TestTime.now() - TestTime.minute)
            let json = try requireJSON(try await api.get("/api/v1/telemetry/\(device.id)?limit=20000", auth: alice.bearer))
            #expect(json["count"].int == 1)
        }
    }

    @Test("history is readable by the device itself, its owner and the admin; 404 for everyone else")
    func access() async throws {
        try await withApp { api in
            let alice = try await api.registerUser("alice")
            let bob = try await api.registerUser("bob")
            let device = try await api.registerDevice(alice, name: "one")
            let sibling = try await api.registerDevice(alice, name: "two")
            try await api.postPoint(device, ["a": 1], at: TestTime.now() - TestTime.minute)
            let path = "/api/v1/telemetry/\(device.id)"
            for credential in [device.key, alice.bearer, Credential.adminToken] {
                let json = try requireJSON(try await api.get(path, auth: credential))
                #expect(json["count"].int == 1)
            }
            expectError(try await api.get(path, auth: sibling.key), .notFound)
            expectError(try await api.get(path, auth: bob.bearer), .notFound)
            expectError(try await api.get(path), .unauthorized)
            expectError(try await api.get("/api/v1/telemetry/abc", auth: alice.bearer), .notFound)
            expectError(try await api.get("/api/v1/telemetry/999999", auth: alice.bearer), .notFound)
        }
    }
}
