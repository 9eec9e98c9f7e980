import IoTFlowCore
import Testing

/// `TelemetryStore` writes read back through history.
enum TelemetryHistoryContract {
    static func writeThenReadHistory(_ stores: StoreFixture) async throws {
        let devices = try await stores.makeDevices(3)
        let (device, other, empty) = (devices[0].id, devices[1].id, devices[2].id)
        try await stores.telemetry.write([
            TelemetryWrite(
                deviceID: device,
                points: [
                    point(1000, [("temp", .number(20.5)), ("on", .bool(true))]),
                    point(2000, [("temp", .number(21)), ("label", .string("ok"))]),
                    point(3000, [("on", .bool(false))]),
                ]
            ),
            TelemetryWrite(deviceID: other, points: [point(2000, [("temp", .number(99))])]),
        ])
        let first = entry(1000, [("on", .bool(true)), ("temp", .number(20.5))])
        let second = entry(2000, [("label", .string("ok")), ("temp", .number(21))])
        let third = entry(3000, [("on", .bool(false))])

        #expect(try await stores.history(device) == [first, second, third])
        #expect(try await stores.history(device, descending: true) == [third, second, first])
        #expect(try await stores.history(device, keys: ["temp"]) == [entry(1000, [("temp", .number(20.5))]), entry(2000, [("temp", .number(21))])])
        #expect(
            try await stores.history(device, keys: ["temp", "label"], descending: true) == [
                entry(2000, [("label", .string("ok")), ("temp", .number(21))]), entry(1000, [("temp", .number(20.5))]),
            ]
        )
        #expect(try await stores.history(device, keys: ["nope"]).isEmpty)
        #expect(try await stores.history(device, keys: ["nope", "on"]) == [entry(1000, [("on", .bool(true))]), entry(3000, [("on", .bool(false))])])
        #expect(try await stores.history(device, start: 2000, end: 3000) == [second])
        #expect(try await stores.history(device, start: 1001, end: 3001) == [second, third])
        #expect(try await stores.history(device, start: 2000, end: 2000).isEmpty)
        #expect(try await stores.history(device, limit: 2) == [first, second])
        #expect(try await stores.history(device, limit: 2, descending: true) == [third, second])
        #expect(try await stores.history(other) == [entry(2000, [("temp", .number(99))])])
        #expect(try await stores.history(empty).isEmpty)
    }

    static func valuesRoundTrip(_ stores: StoreFixture) async throws {
        let device = try await stores.makeDevices(1)[0].id
        let values: [(key: String, value: TelemetryValue)] = [
            ("n.fraction", .number(21.5)), ("n.small", .number(-0.001)), ("n.huge", .number(1e300)), ("n.zero", .number(0)),
            ("n.int", .number(42)), ("n.min", .number(-Double.greatestFiniteMagnitude)), ("n.tiny", .number(Double.leastNonzeroMagnitude)),
            ("b.true", .bool(true)), ("b.false", .bool(false)), ("s.empty", .string("")),
            ("s.unicode", .string("héllo 😀 \"quoted\" \\ \n\t")), ("s.long", .string(String(repeating: "é", count: 512))),
            ("s.numeric", .string("42")), ("s.bool", .string("true")), ("s.null", .string("null")),
        ]
        try await stores.telemetry.write([TelemetryWrite(deviceID: device, points: [point(5000, values)])])
        #expect(try await stores.history(device) == [entry(5000, values)])
        #expect(
            try await stores.latestByKey(device)
                == values.map { LatestValue(key: $0.key, value: $0.value, timestamp: 5000) }.sorted { $0.key < $1.key })
    }

    static func metadataOnlyWhenRequested(_ stores: StoreFixture) async throws {
        let device = try await stores.makeDevices(1)[0].id
        try await stores.telemetry.write([
            TelemetryWrite(
                deviceID: device,
                points: [point(1000, [("a", .number(1))], metadata: #"{"fw":"1.0","n":2}"#), point(2000, [("a", .number(2))])]
            )
        ])
        let withMetadata = try await stores.history(device, includeMetadata: true)
        #expect(withMetadata.map(\.timestamp) == [1000, 2000])
        let parsed = try withMetadata.first?.metadata.map { try JSONParser.parse($0) }
        #expect(parsed == ["fw": "1.0", "n": 2])
        #expect(withMetadata.last?.metadata == nil)
        #expect(try await stores.history(device).allSatisfy { $0.metadata == nil })
        #expect(try await stores.history(device, keys: ["a"], descending: true, includeMetadata: true).last?.metadata != nil)
    }

    static func laterWriteWins(_ stores: StoreFixture) async throws {
        let device = try await stores.makeDevices(1)[0].id
        try await stores.telemetry.write([TelemetryWrite(deviceID: device, points: [point(1000, [("t", .number(1))])])])
        try await stores.telemetry.write([TelemetryWrite(deviceID: device, points: [point(1000, [("t", .number(2))])])])
        #expect(try await stores.history(device) == [entry(1000, [("t", .number(2))])])

        // Within one batch, and across two writes of the same device in one call.
        try await stores.telemetry.write([
            TelemetryWrite(deviceID: device, points: [point(2000, [("t", .number(3))]), point(2000, [("t", .number(4))])])
        ])
        try await stores.telemetry.write([
            TelemetryWrite(deviceID: device, points: [point(3000, [("t", .number(5))])]),
            TelemetryWrite(deviceID: device, points: [point(3000, [("t", .number(6))])]),
        ])
        // A later value of another type replaces the earlier one.
        try await stores.telemetry.write([TelemetryWrite(deviceID: device, points: [point(1000, [("t", .string("text"))])])])
        try await stores.telemetry.write([TelemetryWrite(deviceID: device, points: [point(3000, [("t", .bool(true))])])])

        #expect(
            try await stores.history(device) == [
                entry(1000, [("t", .string("text"))]), entry(2000, [("t", .number(4))]), entry(3000, [("t", .bool(true))]),
            ]
        )
        #expect(try await stores.telemetry.counts(recentSince: 0).total == 3)
        #expect(try await stores.latestByKey(device) == [LatestValue(key: "t", value: .bool(true), timestamp: 3000)])
    }
}
