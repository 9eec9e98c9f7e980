import IoTFlowCore
import Testing

/// `TelemetryStore.aggregate` over buckets computed by hand.
enum TelemetryAggregateContract {
    /// Key `t` of the device: numbers, booleans (0/1) and strings (skipped) in one-minute buckets 0, 60000, 120000 (strings only)
    /// and 180000, plus a value at 240000 that ranges ending there exclude.
    private static func write(_ stores: StoreFixture, device: Int64, other: Int64) async throws {
        try await stores.telemetry.write([
            TelemetryWrite(
                deviceID: device,
                points: [
                    point(1000, [("t", .number(10)), ("x", .number(1000))]),
                    point(2000, [("t", .number(20))]),
                    point(59_999, [("t", .number(30))]),
                    point(60_000, [("t", .bool(true))]),
                    point(61_000, [("t", .string("str"))]),
                    point(70_000, [("t", .bool(false))]),
                    point(130_000, [("t", .string("only strings here"))]),
                    point(180_000, [("t", .number(-5))]),
                    point(200_000, [("t", .number(15.5))]),
                    point(240_000, [("t", .number(99))]),
                ]
            ),
            TelemetryWrite(deviceID: other, points: [point(1000, [("t", .number(500))])]),
        ])
    }

    /// (bucket start, value, count) for each function over [0, 240000) with a 1-minute window.
    private static let expected: [AggregationFunction: [(Int64, Double, Int)]] = [
        .mean: [(0, 20, 3), (60_000, 0.5, 2), (180_000, 5.25, 2)],
        .avg: [(0, 20, 3), (60_000, 0.5, 2), (180_000, 5.25, 2)],
        .sum: [(0, 60, 3), (60_000, 1, 2), (180_000, 10.5, 2)],
        .count: [(0, 3, 3), (60_000, 2, 2), (180_000, 2, 2)],
        .min: [(0, 10, 3), (60_000, 0, 2), (180_000, -5, 2)],
        .max: [(0, 30, 3), (60_000, 1, 2), (180_000, 15.5, 2)],
        .first: [(0, 10, 3), (60_000, 1, 2), (180_000, -5, 2)],
        .last: [(0, 30, 3), (60_000, 0, 2), (180_000, 15.5, 2)],
    ]

    private static func matches(_ buckets: [AggregationBucket], _ expected: [(Int64, Double, Int)]) -> Bool {
        buckets.count == expected.count
            && zip(buckets, expected).allSatisfy { $0.start == $1.0 && abs($0.value - $1.1) < 1e-9 && $0.count == $1.2 }
    }

    static func allFunctions(_ stores: StoreFixture) async throws {
        let devices = try await stores.makeDevices(2)
        try await Self.write(stores, device: devices[0].id, other: devices[1].id)
        for function in AggregationFunction.allCases {
            let buckets = try await stores.telemetry.aggregate(
                AggregationQuery(deviceID: devices[0].id, field: "t", function: function, windowMilliseconds: 60_000, start: 0, end: 240_000)
            )
            let expected = try #require(Self.expected[function])
            #expect(Self.matches(buckets, expected), "\(function): \(buckets)")
        }
    }

    static func bucketsAlignToEpochMultiples(_ stores: StoreFixture) async throws {
        let devices = try await stores.makeDevices(2)
        let device = devices[0].id
        try await Self.write(stores, device: device, other: devices[1].id)
        // A range starting mid-bucket still labels buckets by their epoch-aligned start.
        let shifted = try await stores.telemetry.aggregate(
            AggregationQuery(deviceID: device, field: "t", function: .sum, windowMilliseconds: 60_000, start: 30_000, end: 250_000)
        )
        #expect(Self.matches(shifted, [(0, 30, 1), (60_000, 1, 2), (180_000, 10.5, 2), (240_000, 99, 1)]), "\(shifted)")
        // A window that does not divide a minute: 7 s buckets start at multiples of 7000 ms.
        let odd = try await stores.telemetry.aggregate(
            AggregationQuery(deviceID: device, field: "t", function: .sum, windowMilliseconds: 7000, start: 0, end: 240_000)
        )
        #expect(Self.matches(odd, [(0, 30, 2), (56_000, 31, 2), (70_000, 0, 1), (175_000, -5, 1), (196_000, 15.5, 1)]), "\(odd)")
        let none = try await stores.telemetry.aggregate(
            AggregationQuery(deviceID: device, field: "missing", function: .mean, windowMilliseconds: 60_000, start: 0, end: 240_000)
        )
        #expect(none.isEmpty)
        let stringsOnly = try await stores.telemetry.aggregate(
            AggregationQuery(deviceID: device, field: "t", function: .count, windowMilliseconds: 60_000, start: 120_000, end: 180_000)
        )
        #expect(stringsOnly.isEmpty)
    }
}
