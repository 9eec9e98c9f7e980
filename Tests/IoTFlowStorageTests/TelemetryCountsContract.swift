import IoTFlowCore
import Testing

/// `TelemetryStore` counters, summaries per device and key names.
enum TelemetryCountsContract {
    static let hour: Int64 = 3_600_000

    /// Counters follow new values, ignore overwrites (also in a batch mixing both), and drop with deletes.
    static func countsFollowWritesOverwritesAndDeletes(_ stores: StoreFixture) async throws {
        let devices = try await stores.makeDevices(2)
        let (a, b) = (devices[0].id, devices[1].id)
        // Recent means at or after the start of the minute 24 h ago, against the store's (real) clock.
        let now = SystemWallClock().nowMilliseconds()
        let since = now - 24 * Self.hour
        #expect(try await stores.telemetry.counts(recentSince: since) == TelemetryCounts(total: 0, recent: 0))

        try await stores.telemetry.write([
            TelemetryWrite(
                deviceID: a,
                points: [point(now - Self.hour, [("t", .number(1)), ("h", .number(2))]), point(now - 30 * Self.hour, [("t", .number(3))])]),
            TelemetryWrite(
                deviceID: b, points: [point(now - 2 * Self.hour, [("t", .string("x"))]), point(now - 48 * Self.hour, [("t", .bool(true))])]),
        ])
        #expect(try await stores.telemetry.counts(recentSince: since) == TelemetryCounts(total: 5, recent: 3))

        // One batch: an overwrite of a recent value, an overwrite of an old one, and one new recent value.
        try await stores.telemetry.write([
            TelemetryWrite(
                deviceID: a,
                points: [
                    point(now - Self.hour, [("t", .number(10))]), point(now - 30 * Self.hour, [("t", .number(30))]), point(now, [("t", .number(4))]),
                ]
            )
        ])
        #expect(try await stores.telemetry.counts(recentSince: since) == TelemetryCounts(total: 6, recent: 4))
        #expect(try await stores.history(a, keys: ["t"]).map(\.measurements[0].value) == [.number(30), .number(10), .number(4)])

        #expect(try await stores.telemetry.delete(deviceID: a, start: 0, end: now - 24 * Self.hour, keys: []) == 1)
        #expect(try await stores.telemetry.counts(recentSince: since) == TelemetryCounts(total: 5, recent: 4))
        #expect(try await stores.telemetry.delete(deviceID: a, start: now - 2 * Self.hour, end: now + 1, keys: ["h"]) == 1)
        #expect(try await stores.telemetry.counts(recentSince: since) == TelemetryCounts(total: 4, recent: 3))

        try await stores.telemetry.deleteAll(deviceIDs: [b])
        #expect(try await stores.telemetry.counts(recentSince: since) == TelemetryCounts(total: 2, recent: 2))
        #expect(try await stores.telemetry.counts(recentSince: now - Self.hour / 2) == TelemetryCounts(total: 2, recent: 1))
    }

    /// A page of a user's devices by newest value, with the total, each with its latest values.
    static func latestSummariesPageInTheStore(_ stores: StoreFixture) async throws {
        let devices = try await stores.makeDevices(5)
        let ids = devices.map(\.id)
        try await stores.telemetry.write([
            TelemetryWrite(deviceID: ids[0], points: [point(5000, [("t", .number(1))]), point(7000, [("h", .number(2))])]),
            TelemetryWrite(deviceID: ids[1], points: [point(9000, [("t", .number(3))])]),
            TelemetryWrite(deviceID: ids[2], points: [point(7000, [("t", .number(4))])]),
            TelemetryWrite(deviceID: ids[3], points: [point(1000, [("t", .number(5))])]),
        ])
        let first = try await stores.telemetry.latestSummaries(deviceIDs: ids, since: 2000, limit: 2, offset: 0)
        #expect(first.total == 3)
        #expect(first.summaries.map(\.deviceID) == [ids[1], max(ids[0], ids[2])])
        #expect(first.summaries.map(\.newest) == [9000, 7000])
        let second = try await stores.telemetry.latestSummaries(deviceIDs: ids, since: 2000, limit: 2, offset: 2)
        #expect(second.total == 3)
        #expect(second.summaries.map(\.deviceID) == [min(ids[0], ids[2])])
        let zero = try #require(first.summaries.first { $0.deviceID == ids[0] } ?? second.summaries.first { $0.deviceID == ids[0] })
        #expect(
            zero.values.sorted { $0.key < $1.key } == [
                LatestValue(key: "h", value: .number(2), timestamp: 7000), LatestValue(key: "t", value: .number(1), timestamp: 5000),
            ])
        let past = try await stores.telemetry.latestSummaries(deviceIDs: ids, since: 2000, limit: 2, offset: 10)
        #expect(past.summaries.isEmpty && past.total == 3)
        let others = try await stores.telemetry.latestSummaries(deviceIDs: [ids[3], ids[4]], since: 0, limit: 10, offset: 0)
        #expect(others.summaries.map(\.deviceID) == [ids[3]] && others.total == 1)
        #expect(try await stores.telemetry.latestSummaries(deviceIDs: [], since: 0, limit: 10, offset: 0).total == 0)
    }

    /// The key names of a device are those it still has values of.
    static func keyNamesOfADevice(_ stores: StoreFixture) async throws {
        let devices = try await stores.makeDevices(2)
        try await stores.telemetry.write([
            TelemetryWrite(deviceID: devices[0].id, points: [point(1000, [("t", .number(1)), ("h", .number(2))])]),
            TelemetryWrite(deviceID: devices[1].id, points: [point(1000, [("x", .number(1))])]),
        ])
        #expect(try await stores.telemetry.keyNames(deviceID: devices[0].id) == ["t", "h"])
        _ = try await stores.telemetry.delete(deviceID: devices[0].id, start: 0, end: 2000, keys: ["h"])
        #expect(try await stores.telemetry.keyNames(deviceID: devices[0].id) == ["t"])
        #expect(try await stores.telemetry.keyNames(deviceID: devices[1].id + 1000).isEmpty)
    }

    /// Totals come from the counters kept by the store's own writes and deletes, not from a scan of the values:
    /// rows put into the table behind the store's back do not show (before, every `/status` counted the table).
    static func countsDoNotScanTheTable(_ stores: StoreFixture) async throws {
        let execute = try #require(stores.executeSQL, "the backend runs no SQL")
        let device = try await stores.makeDevices(1)[0].id
        let now = SystemWallClock().nowMilliseconds()
        try await stores.telemetry.write([TelemetryWrite(deviceID: device, points: [point(now, [("t", .number(1)), ("h", .number(2))])])])
        try await execute("INSERT INTO telemetry (device_id, key_id, ts_ms, num_value) SELECT device_id, key_id, ts_ms + 1, num_value FROM telemetry")
        #expect(try await stores.history(device).count == 2, "the rows are in the table")
        #expect(try await stores.telemetry.counts(recentSince: now - Self.hour) == TelemetryCounts(total: 2, recent: 2))
    }

    /// A point written behind the store's back (straight into the points table) is not counted: counts come from the
    /// counter table kept with each write, never from the points.
    static func countsDoNotScanTheCassandraTable(_ stores: StoreFixture) async throws {
        let execute = try #require(stores.executeCQL, "the backend runs no CQL")
        let keyspace = try #require(stores.cassandraKeyspace)
        let device = try await stores.makeDevices(1)[0].id
        let now = SystemWallClock().nowMilliseconds()
        try await stores.telemetry.write([TelemetryWrite(deviceID: device, points: [point(now, [("t", .number(1)), ("h", .number(2))])])])
        let bucket = now / 86_400_000 * 86_400_000
        try await execute(
            "INSERT INTO \(keyspace).points (device_id, bucket, key, ts, num) VALUES (\(device), \(bucket), 't', \(now + 1), 3)")
        #expect(try await stores.history(device).count == 2, "the row is in the table")
        #expect(try await stores.telemetry.counts(recentSince: now - Self.hour) == TelemetryCounts(total: 2, recent: 2))
    }
}
