import IoTFlowCore
import Testing

/// `TelemetryStore` under concurrent writers.
enum TelemetryConcurrencyContract {
    static func concurrentWritesAllLand(_ stores: StoreFixture) async throws {
        let devices = try await stores.makeDevices(4)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for task in 0..<40 {
                let device = devices[task % 4].id
                group.addTask {
                    let points = (0..<25).map { index in
                        point(Int64(task * 1000 + index), [("key\(task % 5)", .number(Double(task))), ("shared", .number(Double(index)))])
                    }
                    try await stores.telemetry.write([TelemetryWrite(deviceID: device, points: points)])
                }
            }
            try await group.waitForAll()
        }
        #expect(try await stores.telemetry.counts(recentSince: 0).total == 40 * 25 * 2)
        for (index, device) in devices.enumerated() {
            let history = try await stores.history(device.id)
            #expect(history.count == 10 * 25)
            let keys = Set(history.flatMap { $0.measurements.map(\.key) })
            #expect(keys == Set((0..<40).filter { $0 % 4 == index }.map { "key\($0 % 5)" } + ["shared"]))
        }
    }
}
