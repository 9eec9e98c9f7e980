import IoTFlowCore
import Testing

/// ThingsBoard's payload shapes on `v1/devices/me/telemetry` (API.md, "MQTT (devices)").
@Suite("TelemetryPayload: ThingsBoard shapes")
struct ThingsBoardPayloadTests {
    private func points(_ body: JSONValue) throws -> [TelemetryPoint] {
        try TelemetryPayload.thingsBoard(body).dated(now: payloadNow, firstStamp: payloadNow)
    }

    private func expectRejected(_ body: JSONValue, mentioning text: String, sourceLocation: SourceLocation = #_sourceLocation) {
        let error = #expect(throws: IoTFlowError.self, sourceLocation: sourceLocation) {
            try TelemetryPayload.thingsBoard(body)
        }
        #expect(error?.kind == .badRequest, sourceLocation: sourceLocation)
        #expect(error?.message.contains(text) == true, "\(error?.message ?? "no error")", sourceLocation: sourceLocation)
    }

    @Test("an object of values is one point at the server's time; nulls are dropped")
    func plainValues() throws {
        let points = try self.points(["temperature": 21.5, "on": true, "label": "ok", "skip": nil])
        #expect(
            points == [
                TelemetryPoint(timestamp: payloadNow, values: [("temperature", .number(21.5)), ("on", .bool(true)), ("label", .string("ok"))])
            ])
    }

    @Test("ts and values make a dated point; a key named ts alone is a value")
    func datedPoint() throws {
        #expect(
            try self.points(["ts": 1_764_400_000_000, "values": ["humidity": 40]])
                == [TelemetryPoint(timestamp: 1_764_400_000_000, values: [("humidity", .number(40))])])
        #expect(try self.points(["ts": 5]) == [TelemetryPoint(timestamp: payloadNow, values: [("ts", .number(5))])])
    }

    @Test("an array mixes both shapes, in order; undated points get consecutive stamps")
    func array() throws {
        let points = try self.points([["a": 1], ["ts": 1_764_400_000_000, "values": ["b": 2]], ["c": 3]])
        #expect(points.map(\.timestamp) == [payloadNow, 1_764_400_000_000, payloadNow + 1])
        #expect(points.map { $0.values.map(\.key) } == [["a"], ["b"], ["c"]])
    }

    @Test("rejected: not an object or array, an empty array, a non-object element, bad ts, bad values, bad keys")
    func rejected() {
        self.expectRejected(42, mentioning: "JSON object or an array")
        self.expectRejected([], mentioning: "at least one point")
        self.expectRejected([["a": 1], 2], mentioning: "[1] must be an object")
        self.expectRejected(["ts": "yesterday", "values": ["a": 1]], mentioning: "'ts' must be epoch milliseconds")
        self.expectRejected(["ts": 1_764_400_000_000, "values": [1, 2]], mentioning: "'values' must be an object")
        self.expectRejected(["ts": 1_764_400_000_000, "values": [:]], mentioning: "at least one value")
        self.expectRejected(["bad key!": 1], mentioning: "is invalid")
        self.expectRejected(["nested": ["a": 1]], mentioning: "must be a number, boolean or string")
        self.expectRejected([:], mentioning: "at least one value")
    }

    @Test("a point more than a day ahead is refused when dated, as over HTTP")
    func future() throws {
        let submission = try TelemetryPayload.thingsBoard(["ts": .int(payloadNow + 2 * 86_400_000), "values": ["a": 1]])
        #expect(throws: IoTFlowError.self) { try submission.dated(now: payloadNow, firstStamp: payloadNow) }
    }
}
