import Testing

@Suite("Telemetry: POST /telemetry")
struct TelemetryWriteTests {
    @Test("a point without timestamp is stamped now; nulls are not counted")
    func singlePoint() async throws {
        try await withApp { api in
            let alice = try await api.registerUser()
            let device = try await api.registerDevice(alice, name: "probe")
            let start = TestTime.now()
            let response = try await api.postTelemetry(device, ["data": ["temperature": 21.5, "humidity": 40, "ok": true, "gone": nil]])
            let json = try requireJSON(response, .created)
            #expect(json.keys == ["message", "device_id", "device_name", "timestamp", "points", "values"])
            #expect(json["message"].string?.isEmpty == false)
            #expect(json["device_id"].int == device.id)
            #expect(json["device_name"].string == "probe")
            #expect(json["points"].int == 1)
            #expect(json["values"].int == 3)
            let timestamp = try #require(TestTime.millis(json["timestamp"].string))
            #expect(abs(timestamp - start) < 10 * TestTime.second)
        }
    }

    @Test("timestamps may be ISO strings, epoch milliseconds or relative times")
    func timestampForms() async throws {
        try await withApp { api in
            let alice = try await api.registerUser()
            let device = try await api.registerDevice(alice)
            let at = TestTime.now() / 1000 * 1000 - 10 * TestTime.minute + 123

            let iso = try requireJSON(try await api.postTelemetry(device, ["data": ["a": 1], "timestamp": .string(TestTime.iso(at))]), .created)
            #expect(iso["timestamp"].string == TestTime.iso(at))

            let isoOffset = "\(TestTime.iso(at + TestTime.hour).dropLast())+01:00"
            let offset = try requireJSON(try await api.postTelemetry(device, ["data": ["a": 1], "timestamp": .string(isoOffset)]), .created)
            #expect(offset["timestamp"].string == TestTime.iso(at))

            let epoch = try requireJSON(try await api.postTelemetry(device, ["data": ["a": 2], "timestamp": .number(Double(at + 1))]), .created)
            #expect(epoch["timestamp"].string == TestTime.iso(at + 1))

            let before = TestTime.now()
            let relative = try requireJSON(try await api.postTelemetry(device, ["data": ["a": 3], "timestamp": "-5m"]), .created)
            let stamped = try #require(TestTime.millis(relative["timestamp"].string))
            #expect(abs(stamped - (before - 5 * TestTime.minute)) < 10 * TestTime.second)
        }
    }

    @Test("a batch stores every point and reports the latest timestamp")
    func batch() async throws {
        try await withApp { api in
            let alice = try await api.registerUser()
            let device = try await api.registerDevice(alice, name: "probe")
            let base = TestTime.now() / 1000 * 1000 - TestTime.hour
            let body: JSONValue = [
                "points": [
                    ["timestamp": .string(TestTime.iso(base)), "data": ["a": 1, "b": 2]],
                    ["timestamp": .string(TestTime.iso(base + 2 * TestTime.minute)), "data": ["a": 3, "b": nil]],
                    ["timestamp": .string(TestTime.iso(base + TestTime.minute)), "data": ["a": 2, "c": "x"], "metadata": ["src": "batch"]],
                ]
            ]
            let json = try requireJSON(try await api.postTelemetry(device, body), .created)
            #expect(json["device_id"].int == device.id)
            #expect(json["device_name"].string == "probe")
            #expect(json["points"].int == 3)
            #expect(json["values"].int == 5)
            #expect(json["timestamp"].string == TestTime.iso(base + 2 * TestTime.minute))

            let history = try requireJSON(try await api.get("/api/v1/telemetry/\(device.id)?start_time=-2h&order=asc", auth: alice.bearer))
            #expect(history["count"].int == 3)
            #expect(history["data"].array?.map { $0["measurements"] } == [["a": 1, "b": 2], ["a": 2, "c": "x"], ["a": 3]])
        }
    }

    @Test("booleans and strings come back as JSON booleans and strings")
    func valueTypes() async throws {
        try await withApp { api in
            let alice = try await api.registerUser()
            let device = try await api.registerDevice(alice)
            try await api.postPoint(
                device, ["on": true, "off": false, "label": "hello", "n": 3, "x": -1.25], at: TestTime.now() - 2 * TestTime.second)
            let latest = try requireJSON(try await api.get("/api/v1/telemetry/\(device.id)/latest", auth: alice.bearer))
            #expect(latest["latest_data"] == ["on": true, "off": false, "label": "hello", "n": 3, "x": -1.25])
            let history = try requireJSON(try await api.get("/api/v1/telemetry/\(device.id)", auth: alice.bearer))
            #expect(history["data"][0]["measurements"] == ["on": true, "off": false, "label": "hello", "n": 3, "x": -1.25])
        }
    }

    @Test("a second write of the same device, key and timestamp wins")
    func duplicateWins() async throws {
        try await withApp { api in
            let alice = try await api.registerUser()
            let device = try await api.registerDevice(alice)
            let at = TestTime.now() / 1000 * 1000 - TestTime.minute
            try await api.postPoint(device, ["a": 1, "b": 1], at: at)
            try await api.postPoint(device, ["a": 2], at: at)
            let history = try requireJSON(try await api.get("/api/v1/telemetry/\(device.id)", auth: alice.bearer))
            #expect(history["count"].int == 1)
            #expect(history["data"][0]["measurements"] == ["a": 2, "b": 1])
            let status = try requireJSON(try await api.get("/status"))
            #expect(status["telemetry"]["points_total"].int == 2)
        }
    }

    @Test("boundary sizes are accepted: 1024-byte strings, 128-character keys")
    func boundaries() async throws {
        try await withApp { api in
            let alice = try await api.registerUser()
            let device = try await api.registerDevice(alice)
            let key = String(repeating: "k", count: 128)
            let body: JSONValue = [
                "data": [
                    "ascii": .string(String(repeating: "x", count: 1024)), "utf8": .string(String(repeating: "é", count: 512)),
                    key: 1, "a.b:c/d-e_f": 2,
                ]
            ]
            let json = try requireJSON(try await api.postTelemetry(device, body), .created)
            #expect(json["values"].int == 4)
        }
    }

    @Test(
        "invalid points are 400 and store nothing",
        arguments: [
            #"{"data":{}}"#,
            #"{"timestamp":"-1m"}"#,
            #"{"data":[1,2]}"#,
            #"{"data":"x"}"#,
            #"{"data":{"a":1,"b":{"x":1}}}"#,
            #"{"data":{"a":1,"b":[1,2]}}"#,
            #"{"data":{"a":"\#(String(repeating: "x", count: 1025))"}}"#,
            #"{"data":{"a":"\#(String(repeating: "é", count: 513))"}}"#,
            #"{"data":{"a":1,"bad key":2}}"#,
            #"{"data":{"a":1,"\#(String(repeating: "k", count: 129))":2}}"#,
            #"{"data":{"a":1},"timestamp":"+2h"}"#,
            #"{"data":{"a":1},"timestamp":"yesterday"}"#,
            #"{"data":{"a":1},"timestamp":"-1y"}"#,
            #"{"data":{"a":1},"timestamp":"1969-12-31T23:59:59Z"}"#,
            #"{"data":{"a":1},"timestamp":-1000}"#,
            #"{"data":{"a":1},"timestamp":true}"#,
            #"{"data":{"a":1},"metadata":"x"}"#,
            #"{"data":{"a":1},"metadata":[1]}"#,
            #"{"data":{"a":1},"metadata":{"blob":"\#(String(repeating: "m", count: 8200))"}}"#,
            #"{"data":{"a":NaN}}"#,
            #"{"data":{"a":Infinity}}"#,
            #"{"points":[{"data":{"a":1}},{"data":{"a":2}},{"data":{"a":{"nested":true}}}]}"#,
            #"{"points":[{"data":{"a":1}},{"data":{}}]}"#,
            #"{"points":"x"}"#,
        ]
    )
    func invalid(body: String) async throws {
        try await withApp { api in
            let alice = try await api.registerUser()
            let device = try await api.registerDevice(alice)
            expectError(try await api.request(.post, "/api/v1/telemetry", auth: device.key, body: body), .badRequest)
            expectError(try await api.get("/api/v1/telemetry/\(device.id)/latest", auth: alice.bearer), .notFound)
            let status = try requireJSON(try await api.get("/status"))
            #expect(status["telemetry"]["points_total"].int == 0)
        }
    }

    @Test("timestamps more than a day ahead are 400, less than a day ahead are accepted")
    func futureTimestamps() async throws {
        try await withApp { api in
            let alice = try await api.registerUser()
            let device = try await api.registerDevice(alice)
            let now = TestTime.now()
            let far = try await api.postTelemetry(device, ["data": ["a": 1], "timestamp": .string(TestTime.iso(now + 2 * TestTime.day))])
            expectError(far, .badRequest)
            let farEpoch = try await api.postTelemetry(device, ["data": ["a": 1], "timestamp": .number(Double(now + 2 * TestTime.day))])
            expectError(farEpoch, .badRequest)
            let near = try await api.postTelemetry(device, ["data": ["a": 1], "timestamp": .string(TestTime.iso(now + TestTime.hour))])
            try requireJSON(near, .created)
        }
    }

    @Test("metadata up to 8 KiB is accepted")
    func metadata() async throws {
        try await withApp { api in
            let alice = try await api.registerUser()
            let device = try await api.registerDevice(alice)
            let body: JSONValue = ["data": ["a": 1], "metadata": ["blob": .string(String(repeating: "m", count: 8000))]]
            try requireJSON(try await api.postTelemetry(device, body), .created)
        }
    }

    @Test("POST /telemetry needs a device key")
    func credentials() async throws {
        try await withApp { api in
            let alice = try await api.registerUser()
            _ = try await api.registerDevice(alice)
            let body: JSONValue = ["data": ["a": 1]]
            expectError(try await api.post("/api/v1/telemetry", json: body), .unauthorized)
            expectError(try await api.post("/api/v1/telemetry", auth: alice.bearer, json: body), .unauthorized)
            expectError(try await api.post("/api/v1/telemetry", auth: .adminToken, json: body), .unauthorized)
            expectError(try await api.post("/api/v1/telemetry", auth: .apiKey("wrong-key-0123456789abcdefghijklmnop"), json: body), .unauthorized)
        }
    }
}
