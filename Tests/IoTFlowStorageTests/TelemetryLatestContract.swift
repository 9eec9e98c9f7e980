import IoTFlowCore
import Testing

/// `TelemetryStore` latest values per key.
enum TelemetryLatestContract {
    static func latestPerKey(_ stores: StoreFixture) async throws {
        let device = try await stores.makeDevices(1)[0].id
        #expect(try await stores.telemetry.latest(deviceID: device).isEmpty)
        try await stores.telemetry.write([
            TelemetryWrite(
                deviceID: device, points: [point(2000, [("temp", .number(20)), ("hum", .number(50))]), point(1500, [("temp", .number(15))])])
        ])
        try await stores.telemetry.write([TelemetryWrite(deviceID: device, points: [point(1000, [("temp", .number(10))])])])
        #expect(
            try await stores.latestByKey(device) == [
                LatestValue(key: "hum", value: .number(50), timestamp: 2000), LatestValue(key: "temp", value: .number(20), timestamp: 2000),
            ]
        )
        try await stores.telemetry.write([TelemetryWrite(deviceID: device, points: [point(3000, [("on", .bool(true))])])])
        try await stores.telemetry.write([TelemetryWrite(deviceID: device, points: [point(3000, [("on", .bool(false))])])])
        try await stores.telemetry.write([TelemetryWrite(deviceID: device, points: [point(2500, [("hum", .string("dry"))])])])
        #expect(
            try await stores.latestByKey(device) == [
                LatestValue(key: "hum", value: .string("dry"), timestamp: 2500), LatestValue(key: "on", value: .bool(false), timestamp: 3000),
                LatestValue(key: "temp", value: .number(20), timestamp: 2000),
            ]
        )
    }

    static func latestOfManyDevices(_ stores: StoreFixture) async throws {
        let devices = try await stores.makeDevices(12)
        var writes: [TelemetryWrite] = []
        for (index, device) in devices.enumerated() where index % 3 != 2 {
            writes.append(
                TelemetryWrite(
                    deviceID: device.id,
                    points: [point(1000, [("a", .number(Double(index)))]), point(Int64(2000 + index), [("b", .string("d\(index)"))])]
                )
            )
        }
        try await stores.telemetry.write(writes)
        let latest = try await stores.telemetry.latest(deviceIDs: devices.map(\.id))
        var expected: [Int64: [LatestValue]] = [:]
        for (index, device) in devices.enumerated() where index % 3 != 2 {
            expected[device.id] = [
                LatestValue(key: "a", value: .number(Double(index)), timestamp: 1000),
                LatestValue(key: "b", value: .string("d\(index)"), timestamp: Int64(2000 + index)),
            ]
        }
        #expect(latest.mapValues { $0.sorted { $0.key < $1.key } } == expected)
        #expect(try await stores.telemetry.latest(deviceIDs: []).isEmpty)
        #expect(try await stores.telemetry.latest(deviceIDs: [devices[2].id]).isEmpty)
    }
}
