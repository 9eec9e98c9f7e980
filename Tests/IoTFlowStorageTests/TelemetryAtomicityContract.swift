import IoTFlowCore
import Testing

/// `TelemetryStore.write` is all or nothing across the devices of one call.
enum TelemetryAtomicityContract {
    static func failedWriteStoresNothing(_ stores: StoreFixture) async throws {
        let inject = try #require(stores.injectTelemetryFailure, "the backend cannot inject failures")
        let devices = try await stores.makeDevices(2)
        let (good, bad) = (devices[0].id, devices[1].id)
        // 4500 values of new keys for the good device come first, so a backend writing in chunks has
        // stored some of them before it reaches the failing device.
        let points = (0..<1500).map { (index: Int) -> TelemetryPoint in
            let values: [(key: String, value: TelemetryValue)] = [
                ("fresh.a", .number(Double(index))), ("fresh.b", .bool(index % 2 == 0)), ("fresh.c", .string("s\(index)")),
            ]
            return point(Int64(10_000 + index), values)
        }
        try await inject(bad)
        await #expect(throws: (any Error).self) {
            try await stores.telemetry.write([
                TelemetryWrite(deviceID: good, points: points), TelemetryWrite(deviceID: bad, points: [point(10_000, [("fresh.a", .number(0))])]),
            ])
        }
        #expect(try await stores.telemetry.counts(recentSince: 0).total == 0)
        #expect(try await stores.history(good).isEmpty)
        #expect(try await stores.telemetry.latest(deviceID: good).isEmpty)

        // The store stays usable, and the keys first seen in the failed write work afterwards.
        try await stores.telemetry.write([TelemetryWrite(deviceID: good, points: points)])
        let history = try await stores.history(good)
        #expect(history.count == 1500)
        #expect(history.first == entry(10_000, [("fresh.a", .number(0)), ("fresh.b", .bool(true)), ("fresh.c", .string("s0"))]))
        #expect(try await stores.latestByKey(good).map(\.key) == ["fresh.a", "fresh.b", "fresh.c"])
        #expect(try await stores.telemetry.counts(recentSince: 0).total == 4500)
    }
}
