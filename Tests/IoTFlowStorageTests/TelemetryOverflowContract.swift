import IoTFlowCore
import Testing

/// `TelemetryStore.aggregate` with values whose sum does not fit in a Double.
enum TelemetryOverflowContract {
    static func meanOfHugeValuesStaysFinite(_ stores: StoreFixture) async throws {
        let device = try await stores.makeDevices(1)[0].id
        try await stores.telemetry.write([
            TelemetryWrite(
                deviceID: device,
                points: [point(1000, [("t", .number(1.5e308))]), point(2000, [("t", .number(1.7e308))]), point(3000, [("t", .bool(true))])]
            )
        ])
        for function in [AggregationFunction.mean, .avg] {
            let buckets = try await stores.telemetry.aggregate(
                AggregationQuery(deviceID: device, field: "t", function: function, windowMilliseconds: 60_000, start: 0, end: 60_000)
            )
            let bucket = try #require(buckets.first, "\(function)")
            #expect(buckets.count == 1 && bucket.start == 0 && bucket.count == 3)
            #expect(bucket.value.isFinite && abs(bucket.value / (1.5e308 / 3 + 1.7e308 / 3) - 1) < 1e-12, "\(function): \(bucket.value)")
        }
        let sum = try await stores.telemetry.aggregate(
            AggregationQuery(deviceID: device, field: "t", function: .sum, windowMilliseconds: 60_000, start: 0, end: 60_000)
        )
        #expect(sum.map(\.value) == [.infinity] && sum.map(\.count) == [3], "\(sum)")
        let max = try await stores.telemetry.aggregate(
            AggregationQuery(deviceID: device, field: "t", function: .max, windowMilliseconds: 60_000, start: 0, end: 60_000)
        )
        #expect(max.map(\.value) == [1.7e308])
    }
}
