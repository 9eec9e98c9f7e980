import IoTFlowCore
import Testing

@Suite("TelemetryPayload: size limits")
struct TelemetryPayloadLimitTests {
    @Test(
        "string values up to 1024 UTF-8 bytes are accepted",
        arguments: [
            String(repeating: "a", count: 1024), String(repeating: "é", count: 512), String(repeating: "😀", count: 256), "",
        ])
    func stringAccepted(text: String) throws {
        let points = try TelemetryPayload.parse(["data": ["s": .string(text)]], now: payloadNow)
        #expect(points.first?.values.first?.value == .string(text))
    }

    @Test(
        "string values above 1024 UTF-8 bytes are rejected, whatever their character count",
        arguments: [
            String(repeating: "a", count: 1025), String(repeating: "é", count: 513), String(repeating: "😀", count: 257),
            String(repeating: "€", count: 342),
        ])
    func stringRejected(text: String) {
        expectBadRequest(["data": ["s": .string(text)]])
    }

    @Test("10000 points are accepted, 10001 rejected")
    func batchSize() throws {
        let point: JSONValue = ["data": ["a": 1]]
        let accepted = try TelemetryPayload.parse(["points": .array(Array(repeating: point, count: 10_000))], now: payloadNow)
        #expect(accepted.count == 10_000)
        expectBadRequest(["points": .array(Array(repeating: point, count: 10_001))])
    }

    @Test("1000 keys a point are accepted, 1001 rejected")
    func keysPerPoint() throws {
        func data(_ count: Int) -> JSONValue {
            ["data": .object(JSONObject((0..<count).map { (key: "k\($0)", value: JSONValue.int(Int64($0))) }))]
        }
        #expect(try TelemetryPayload.parse(data(1000), now: payloadNow).first?.values.count == 1000)
        expectBadRequest(data(1001))
    }

    /// `{"m":"<n characters>"}` is n + 8 bytes of JSON.
    private static func metadata(padding: Int) -> JSONValue {
        ["data": ["a": 1], "metadata": ["m": .string(String(repeating: "x", count: padding))]]
    }

    @Test("metadata objects up to 8192 bytes are kept as compact JSON")
    func metadataAccepted() throws {
        let small = try TelemetryPayload.parse(["data": ["a": 1], "metadata": ["fw": "1.2", "n": 3]], now: payloadNow)
        #expect(small.first?.metadata == #"{"fw":"1.2","n":3}"#)
        let limit = try TelemetryPayload.parse(Self.metadata(padding: 8184), now: payloadNow)
        #expect(limit.first?.metadata?.utf8.count == 8192)
        let absent = try TelemetryPayload.parse(["data": ["a": 1], "metadata": nil], now: payloadNow)
        #expect(absent.first?.metadata == nil)
    }

    @Test("metadata above 8192 bytes is rejected")
    func metadataTooLarge() {
        expectBadRequest(Self.metadata(padding: 8185))
        expectBadRequest(["data": ["a": 1], "metadata": ["m": .string(String(repeating: "é", count: 4093))]])
    }

    @Test("metadata that is not an object is rejected", arguments: [JSONValue.string("x"), .array([1]), .int(5), .bool(true)])
    func metadataNotObject(metadata: JSONValue) {
        expectBadRequest(["data": ["a": 1], "metadata": metadata])
    }

    @Test("a bad point anywhere in a batch rejects the whole batch")
    func batchAllOrNothing() {
        var points: [JSONValue] = Array(repeating: ["data": ["a": 1]], count: 50)
        points.append(["data": ["a": ["nested": true]]])
        expectBadRequest(["points": .array(points)])
    }
}
