import IoTFlowCore
import Testing

/// Rollups answer exactly what raw points answer: random writes (numbers, booleans, strings, overwrites of the same
/// timestamp) and range deletes, then every function over windows and ranges aligned to minutes and hours, answered
/// from rollups, from raw points and from an in-memory model of the points, must agree bucket for bucket.
///
/// Values are multiples of 1/4 well inside 2^53, so every sum is exact in a Double whatever the order of addition:
/// rollups add values in write order, a raw scan in timestamp order, and equality must not depend on rounding.
enum TelemetryRollupContract {
    /// Three hours from an hour boundary, so hourly windows have something to merge.
    static let base: Int64 = 1_764_000_000_000 - 1_764_000_000_000 % 3_600_000
    static let span: Int64 = 3 * 3_600_000

    /// The points a store should hold: key → timestamp → value.
    struct Model {
        var values: [String: [Int64: TelemetryValue]] = [:]

        mutating func write(_ write: TelemetryWrite) {
            for point in write.points {
                for (key, value) in point.values { self.values[key, default: [:]][point.timestamp] = value }
            }
        }

        mutating func delete(start: Int64, end: Int64, keys: [String]) {
            for key in self.values.keys where keys.isEmpty || keys.contains(key) {
                self.values[key] = self.values[key]?.filter { !($0.key >= start && $0.key < end) }
            }
        }

        /// The aggregation computed from the model's points, as raw points define it.
        func aggregate(_ query: AggregationQuery) -> [AggregationBucket] {
            var windows: [Int64: RollupSummary] = [:]
            let window = query.windowMilliseconds
            for (timestamp, value) in (self.values[query.field] ?? [:]).sorted(by: { $0.key < $1.key })
            where timestamp >= query.start && timestamp < query.end {
                let number: Double
                switch value {
                case .number(let double): number = double
                case .bool(let bool): number = bool ? 1 : 0
                case .string: continue
                }
                let start = timestamp - ((timestamp % window) + window) % window
                if windows[start] == nil {
                    windows[start] = RollupSummary(value: number, at: timestamp)
                } else {
                    windows[start]?.add(number, at: timestamp)
                }
            }
            return windows.sorted { $0.key < $1.key }.map {
                AggregationBucket(start: $0.key, value: $0.value.value(query.function)!, count: $0.value.count)
            }
        }
    }

    /// A random value: mostly numbers, some booleans and strings (which aggregations skip).
    static func randomValue(_ random: inout SplitMix64) -> TelemetryValue {
        switch Int.random(in: 0..<10, using: &random) {
        case 0: .bool(Bool.random(using: &random))
        case 1: .string("s\(Int.random(in: 0..<100, using: &random))")
        default: .number(Double(Int.random(in: -4000...4000, using: &random)) / 4)
        }
    }

    /// Timestamps on a 7-second grid of the span: about 1,500 slots, so random writes often overwrite.
    static func randomTimestamp(_ random: inout SplitMix64) -> Int64 {
        Self.base + Int64.random(in: 0..<(Self.span / 7000), using: &random) * 7000 + Int64.random(in: 0..<3, using: &random)
    }

    static func rollupsEqualRawPoints(_ stores: StoreFixture) async throws {
        let device = try await stores.makeDevices(1)[0].id
        for seed: UInt64 in [1, 2, 3] {
            var random = SplitMix64(seed: seed)
            var model = Model()
            try await stores.telemetry.deleteAll(deviceIDs: [device])
            for step in 0..<60 {
                if Int.random(in: 0..<6, using: &random) == 0 {
                    let start = Self.randomTimestamp(&random)
                    let end = start + Int64.random(in: 1...1_800_000, using: &random)
                    let keys = Bool.random(using: &random) ? [] : ["a"]
                    _ = try await stores.telemetry.delete(deviceID: device, start: start, end: end, keys: keys)
                    model.delete(start: start, end: end, keys: keys)
                } else {
                    var points: [TelemetryPoint] = []
                    for _ in 0..<Int.random(in: 1...20, using: &random) {
                        var values: [(key: String, value: TelemetryValue)] = []
                        for key in ["a", "b"] where Int.random(in: 0..<3, using: &random) > 0 { values.append((key, Self.randomValue(&random))) }
                        if values.isEmpty { values.append(("a", Self.randomValue(&random))) }
                        points.append(point(Self.randomTimestamp(&random), values))
                    }
                    let write = TelemetryWrite(deviceID: device, points: points)
                    try await stores.telemetry.write([write])
                    model.write(write)
                }
                if step == 29 || step == 59 { try await Self.compare(stores, device: device, model: model, seed: seed, step: step) }
            }
        }
    }

    /// Every function, windows of 1 and 10 minutes and 1 hour, over the whole span and its middle hour.
    private static func compare(_ stores: StoreFixture, device: Int64, model: Model, seed: UInt64, step: Int) async throws {
        for key in ["a", "b"] {
            for function in AggregationFunction.allCases {
                for window: Int64 in [60_000, 600_000, 3_600_000] {
                    for (start, end) in [(Self.base, Self.base + Self.span), (Self.base + 3_600_000, Self.base + 7_200_000)] {
                        let query = AggregationQuery(
                            deviceID: device, field: key, function: function, windowMilliseconds: window, start: start, end: end)
                        let expected = model.aggregate(query)
                        let context = "seed \(seed) step \(step) \(key) \(function) window \(window) [\(start - Self.base), \(end - Self.base))"
                        let rollups = try await stores.telemetry.aggregate(query, source: .rollups)
                        #expect(rollups == expected, "rollups, \(context)")
                        let raw = try await stores.telemetry.aggregate(query, source: .raw)
                        #expect(raw == expected, "raw points, \(context)")
                    }
                }
            }
        }
        // A range that does not start on a minute is answered from raw points, and rollups decline it.
        let unaligned = AggregationQuery(
            deviceID: device, field: "a", function: .sum, windowMilliseconds: 60_000, start: Self.base + 1, end: Self.base + Self.span)
        #expect(try await stores.telemetry.aggregate(unaligned, source: .rollups) == nil)
        #expect(try await stores.telemetry.aggregate(unaligned) == model.aggregate(unaligned), "unaligned, seed \(seed) step \(step)")
    }
}
