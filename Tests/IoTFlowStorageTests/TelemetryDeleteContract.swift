import IoTFlowCore
import Testing

/// `TelemetryStore` deletion and counting.
enum TelemetryDeleteContract {
    static func deleteRange(_ stores: StoreFixture) async throws {
        let devices = try await stores.makeDevices(2)
        let (device, other) = (devices[0].id, devices[1].id)
        let timestamps: [Int64] = [1000, 2000, 3000, 4000, 5000]
        try await stores.telemetry.write([
            TelemetryWrite(deviceID: device, points: timestamps.map { point($0, [("a", .number(Double($0))), ("b", .number(-Double($0)))]) }),
            TelemetryWrite(deviceID: other, points: timestamps.map { point($0, [("a", .number(1))]) }),
        ])
        #expect(try await stores.telemetry.counts(recentSince: 0).total == 15)

        // Start inclusive, end exclusive, every key.
        #expect(try await stores.telemetry.delete(deviceID: device, start: 2000, end: 4000, keys: []) == 4)
        #expect(try await stores.history(device).map(\.timestamp) == [1000, 4000, 5000])
        #expect(
            try await stores.latestByKey(device) == [
                LatestValue(key: "a", value: .number(5000), timestamp: 5000), LatestValue(key: "b", value: .number(-5000), timestamp: 5000),
            ]
        )

        // Only key a: its latest value falls back to the newest remaining one.
        #expect(try await stores.telemetry.delete(deviceID: device, start: 4000, end: 6000, keys: ["a"]) == 2)
        #expect(
            try await stores.latestByKey(device) == [
                LatestValue(key: "a", value: .number(1000), timestamp: 1000), LatestValue(key: "b", value: .number(-5000), timestamp: 5000),
            ]
        )
        #expect(try await stores.history(device, keys: ["a"]).map(\.timestamp) == [1000])

        // The last value of a: the key disappears from latest.
        #expect(try await stores.telemetry.delete(deviceID: device, start: 0, end: 10_000, keys: ["a"]) == 1)
        #expect(try await stores.latestByKey(device) == [LatestValue(key: "b", value: .number(-5000), timestamp: 5000)])

        #expect(try await stores.telemetry.delete(deviceID: device, start: 0, end: 10_000, keys: ["unknown"]) == 0)
        #expect(try await stores.telemetry.delete(deviceID: device, start: 5000, end: 5000, keys: []) == 0)
        #expect(try await stores.telemetry.delete(deviceID: device, start: 0, end: 5000, keys: ["b", "unknown"]) == 2)
        #expect(try await stores.latestByKey(device) == [LatestValue(key: "b", value: .number(-5000), timestamp: 5000)])
        #expect(try await stores.telemetry.counts(recentSince: 0).total == 6)

        #expect(try await stores.telemetry.delete(deviceID: device, start: 0, end: 10_000, keys: []) == 1)
        #expect(try await stores.telemetry.latest(deviceID: device).isEmpty)
        #expect(try await stores.history(device).isEmpty)
        #expect(try await stores.history(other).map(\.timestamp) == timestamps)
        #expect(try await stores.latestByKey(other) == [LatestValue(key: "a", value: .number(1), timestamp: 5000)])
    }

    static func deleteAllAndCount(_ stores: StoreFixture) async throws {
        let devices = try await stores.makeDevices(3)
        let (d, e, f) = (devices[0].id, devices[1].id, devices[2].id)
        #expect(try await stores.telemetry.counts(recentSince: 0).total == 0)
        try await stores.telemetry.write([
            TelemetryWrite(deviceID: d, points: [point(1000, [("a", .number(1))]), point(2000, [("a", .number(2)), ("b", .bool(true))])]),
            TelemetryWrite(deviceID: e, points: [point(1500, [("a", .string("x"))]), point(2500, [("a", .number(3))])]),
            TelemetryWrite(deviceID: f, points: [point(9000, [("c", .number(4))])]),
        ])
        #expect(try await stores.telemetry.counts(recentSince: 0).total == 6)

        try await stores.telemetry.deleteAll(deviceIDs: [d, e])
        #expect(try await stores.telemetry.counts(recentSince: 0).total == 1)
        #expect(try await stores.history(d).isEmpty)
        #expect(try await stores.history(e).isEmpty)
        #expect(try await stores.telemetry.latest(deviceIDs: [d, e, f]).keys.sorted() == [f])
        try await stores.telemetry.deleteAll(deviceIDs: [])
        #expect(try await stores.history(f) == [entry(9000, [("c", .number(4))])])
    }
}
