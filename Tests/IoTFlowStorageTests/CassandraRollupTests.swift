import IoTFlowCore
import Testing

@testable import IoTFlowStorage

/// Rollups of the Cassandra store while points expire (`TELEMETRY_RETENTION_DAYS` set): writes of new points merge them
/// into the stored rollups instead of recomputing minutes from points, so rollups keep the values of expired points.
@Suite("Cassandra rollups while points expire")
struct CassandraRollupTests {
    /// Runs `body` on Cassandra stores whose points have a 30-day TTL, tearing them down also when it throws.
    private func withExpiringPoints(_ body: (StoreFixture) async throws -> Void) async throws {
        let fixture = try await CassandraTestKeyspace.makeFixture(retentionDays: 30)
        do {
            try await body(fixture)
        } catch {
            await fixture.tearDown()
            throw error
        }
        await fixture.tearDown()
    }

    @Test("rollups equal raw points when new points are merged into stored rollups")
    func mergedRollupsEqualRawPoints() async throws {
        try await self.withExpiringPoints(TelemetryRollupContract.rollupsEqualRawPoints)
    }

    @Test("rollups keep expired points' values; new points add to them; deletes of whole minutes remove them, also of forgotten keys")
    func rollupsOutliveExpiredPoints() async throws {
        try await self.withExpiringPoints { stores in
            let device = try await stores.makeDevices(1)[0].id
            let execute = try #require(stores.executeCQL)
            let keyspace = try #require(stores.cassandraKeyspace)
            let hour = TelemetryRollupContract.base
            try await stores.telemetry.write([
                TelemetryWrite(deviceID: device, points: [point(hour + 1_000, [("t", .number(2))]), point(hour + 61_000, [("t", .number(4))])])
            ])
            // Expiry as Cassandra's TTL does it: the points go behind the store's back, their rollups stay.
            let day = CassandraSettings.Bucket.day.start(of: hour)
            try await execute("DELETE FROM \(keyspace).points WHERE device_id = \(device) AND bucket = \(day)")
            try await stores.telemetry.write([TelemetryWrite(deviceID: device, points: [point(hour + 2_000, [("t", .number(6))])])])

            let minutes = AggregationQuery(
                deviceID: device, field: "t", function: .sum, windowMilliseconds: 60_000, start: hour, end: hour + 3_600_000)
            let hourly = AggregationQuery(
                deviceID: device, field: "t", function: .sum, windowMilliseconds: 3_600_000, start: hour, end: hour + 3_600_000)
            #expect(
                try await stores.telemetry.aggregate(minutes, source: .rollups) == [
                    AggregationBucket(start: hour, value: 8, count: 2), AggregationBucket(start: hour + 60_000, value: 4, count: 1),
                ])
            #expect(try await stores.telemetry.aggregate(minutes, source: .raw) == [AggregationBucket(start: hour, value: 6, count: 1)])
            #expect(try await stores.telemetry.aggregate(hourly) == [AggregationBucket(start: hour, value: 12, count: 3)])

            // With the latest values gone too, a delete of every key still finds the key in the rollups.
            try await execute("DELETE FROM \(keyspace).latest_by_device WHERE device_id = \(device)")
            _ = try await stores.telemetry.delete(deviceID: device, start: hour + 60_000, end: hour + 120_000, keys: [])
            #expect(try await stores.telemetry.aggregate(minutes, source: .rollups) == [AggregationBucket(start: hour, value: 8, count: 2)])
            #expect(try await stores.telemetry.aggregate(hourly, source: .rollups) == [AggregationBucket(start: hour, value: 8, count: 2)])

            try await stores.telemetry.deleteAll(deviceIDs: [device])
            #expect(try await stores.telemetry.aggregate(hourly, source: .rollups) == [])
        }
    }
}
