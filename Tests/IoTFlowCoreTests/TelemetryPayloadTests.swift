import IoTFlowCore
import Testing

/// 2025-11-29T09:55:30.123Z, the server time of every payload test.
let payloadNow: Int64 = 1_764_410_130_123

extension TelemetryPayload {
    /// What ingest does with a body: shape checks, then times resolved at `now` and undated points stamped from `now`.
    static func parse(_ body: JSONValue, now: Int64) throws(IoTFlowError) -> [TelemetryPoint] {
        try Self.submission(body).dated(now: now, firstStamp: now)
    }
}

/// Parses `body` expecting a 400.
func expectBadRequest(_ body: JSONValue, sourceLocation: SourceLocation = #_sourceLocation) {
    let error = #expect(throws: IoTFlowError.self, sourceLocation: sourceLocation) {
        try TelemetryPayload.parse(body, now: payloadNow)
    }
    #expect(error?.kind == .badRequest, sourceLocation: sourceLocation)
}

@Suite("TelemetryPayload: points and values")
struct TelemetryPayloadTests {
    @Test("a single point: nulls dropped, ints become numbers, bools stay bools, server time by default")
    func singlePoint() throws {
        let body: JSONValue = ["data": ["temperature": 21.5, "count": 3, "on": true, "off": false, "label": "ok", "skip": nil]]
        let points = try TelemetryPayload.parse(body, now: payloadNow)
        let expected = TelemetryPoint(
            timestamp: payloadNow,
            values: [
                ("temperature", .number(21.5)), ("count", .number(3)), ("on", .bool(true)), ("off", .bool(false)), ("label", .string("ok")),
            ],
            metadata: nil
        )
        #expect(points == [expected])
    }

    @Test("a batch keeps point order and each point's timestamp")
    func batch() throws {
        let body: JSONValue = [
            "points": [
                ["data": ["a": 1], "timestamp": 1_700_000_000_000],
                ["data": ["b": "x"], "timestamp": "2025-11-29T09:00:00Z"],
                ["data": ["c": false]],
            ]
        ]
        let points = try TelemetryPayload.parse(body, now: payloadNow)
        #expect(
            points == [
                TelemetryPoint(timestamp: 1_700_000_000_000, values: [("a", .number(1))]),
                TelemetryPoint(timestamp: 1_764_406_800_000, values: [("b", .string("x"))]),
                TelemetryPoint(timestamp: payloadNow, values: [("c", .bool(false))]),
            ]
        )
    }

    @Test(
        "timestamps: ISO, epoch ms, relative, explicit null",
        arguments: [
            (JSONValue.string("2025-11-29T09:55:30.123Z"), Int64(1_764_410_130_123)),
            (.string("2025-11-29T10:55:30.123+01:00"), 1_764_410_130_123),
            (.int(1_700_000_000_000), 1_700_000_000_000),
            (.string("1700000000000"), 1_700_000_000_000),
            (.string("-5m"), payloadNow - 300_000),
            (.string("now"), payloadNow),
            (.int(0), 0),
            (.int(payloadNow + 86_400_000), payloadNow + 86_400_000),
            (.null, payloadNow),
        ])
    func timestamps(timestamp: JSONValue, expected: Int64) throws {
        let points = try TelemetryPayload.parse(["data": ["a": 1], "timestamp": timestamp], now: payloadNow)
        #expect(points.map(\.timestamp) == [expected])
    }

    @Test(
        "bad timestamps are rejected",
        arguments: [
            JSONValue.int(payloadNow + 86_400_001), .int(-1), .string("+1h"), .string("garbage"), .bool(true), .double(1.5), .array([]),
            .string("1969-12-31T23:59:59Z"), .string("2025-11-30T09:55:30.124Z"),
        ])
    func badTimestamps(timestamp: JSONValue) {
        expectBadRequest(["data": ["a": 1], "timestamp": timestamp])
    }

    @Test("valid keys", arguments: ["a", "Z", "0", "temp_1", "a.b", "ns:key", "path/to/x", "with-dash", String(repeating: "k", count: 128)])
    func validKeys(key: String) throws {
        #expect(TelemetryPayload.isValidKey(key))
        let points = try TelemetryPayload.parse(.object(JSONObject([(key: key, value: 1)])).wrappedAsData, now: payloadNow)
        #expect(points.first?.values.map(\.key) == [key])
    }

    @Test("invalid keys", arguments: ["", String(repeating: "k", count: 129), "a b", "é", "a$", "a,b", "a\"b", "a\\b", "a\nb", "😀"])
    func invalidKeys(key: String) {
        #expect(!TelemetryPayload.isValidKey(key))
        expectBadRequest(.object(JSONObject([(key: key, value: 1)])).wrappedAsData)
    }

    @Test("nested objects and arrays as values are rejected", arguments: [JSONValue.array([1]), .array([]), ["x": 1], .object(JSONObject())])
    func nestedValues(value: JSONValue) {
        expectBadRequest(["data": ["ok": 1, "bad": value]])
    }

    @Test(
        "malformed bodies are rejected",
        arguments: [
            JSONValue.array([]), "text", 5, nil, [:], ["data": [:]], ["data": [1]], ["data": "x"], ["data": nil], ["timestamp": 1],
            ["points": []], ["points": [:]], ["points": "x"], ["points": [1]], ["points": [["data": ["a": 1]], ["data": [:]]]],
            ["points": [["data": ["a": 1]], ["timestamp": 5]]],
        ])
    func malformed(body: JSONValue) {
        expectBadRequest(body)
    }
}

extension JSONValue {
    /// `{"data": self}`.
    var wrappedAsData: JSONValue { ["data": self] }
}
