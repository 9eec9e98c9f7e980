import IoTFlowCore
import Testing

/// `expireValues` and `expireRollups`: old raw values go in chunks with their counts and metadata, each key's latest
/// value and the rollups stay until their own cutoff, and what is recent is untouched.
enum TelemetryRetentionContract {
    static func expireInChunks(_ stores: StoreFixture) async throws {
        let devices = try await stores.makeDevices(2)
        let (kept, gone) = (devices[0].id, devices[1].id)
        let now = SystemWallClock().nowMilliseconds()
        let old = RollupPeriod.hour.bucket(of: now - 10 * 86_400_000)
        let cutoff = now - 5 * 86_400_000
        // 150 old points of two keys over 2.5 minutes (one with metadata), and 3 recent ones.
        let oldPoints = (0..<150).map { index in
            point(old + Int64(index) * 1000, [("t", .number(Double(index))), ("s", .string("x"))], metadata: index == 0 ? "{\"a\":1}" : nil)
        }
        let recent = (0..<3).map { point(now - 3_600_000 + Int64($0) * 1000, [("t", .number(Double($0)))]) }
        try await stores.telemetry.write([
            TelemetryWrite(deviceID: kept, points: oldPoints + recent), TelemetryWrite(deviceID: gone, points: Array(oldPoints.prefix(10))),
        ])
        let oldRange = AggregationQuery(deviceID: kept, field: "t", function: .sum, windowMilliseconds: 60_000, start: old, end: old + 3_600_000)
        let before = try await stores.telemetry.aggregate(oldRange, source: .rollups)
        #expect(before?.map(\.count) == [60, 60, 30])

        var removed: [Int] = []
        repeat {
            removed.append(try await stores.telemetry.expireValues(before: cutoff, limit: 70))
        } while removed.last == 70
        #expect(removed.reduce(0, +) == 300 + 20, "\(removed)")
        #expect(removed.dropLast().allSatisfy { $0 == 70 }, "chunks of at most the limit: \(removed)")
        #expect(try await stores.telemetry.expireValues(before: cutoff, limit: 70) == 0)

        #expect(try await stores.history(kept, includeMetadata: true).map(\.timestamp) == recent.map(\.timestamp))
        #expect(try await stores.history(gone).isEmpty)
        #expect(try await stores.telemetry.counts(recentSince: 0).total == 3)
        // The latest value of a key stays when its point expires: it is the device's last known state.
        #expect(try await stores.latestByKey(gone).map(\.timestamp) == [old + 9000, old + 9000])
        // Raw points are gone, rollups answer as before.
        #expect(try await stores.telemetry.aggregate(oldRange, source: .raw) == [])
        #expect(try await stores.telemetry.aggregate(oldRange, source: .rollups) == before)
        #expect(try await stores.telemetry.aggregate(oldRange) == before)

        // Rollups: kept (3 minutes + 1 hour, and 1 recent minute + hour) and gone (1 minute + 1 hour) of key t.
        var rollupsRemoved = 0
        while true {
            let count = try await stores.telemetry.expireRollups(before: cutoff, limit: 3)
            rollupsRemoved += count
            if count < 3 { break }
        }
        #expect(rollupsRemoved == 6)
        #expect(try await stores.telemetry.aggregate(oldRange, source: .rollups) == [])
        let recentRange = AggregationQuery(
            deviceID: kept, field: "t", function: .count, windowMilliseconds: 3_600_000, start: RollupPeriod.hour.bucket(of: now) - 7_200_000,
            end: RollupPeriod.hour.bucket(of: now) + 3_600_000)
        #expect(try await stores.telemetry.aggregate(recentRange, source: .rollups)?.map(\.count).reduce(0, +) == 3)
    }
}
