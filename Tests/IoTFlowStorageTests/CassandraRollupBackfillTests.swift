import CassandraNIO
import IoTFlowCore
import Testing

@testable import IoTFlowStorage

/// The backfill of rollups when migration 2 reaches a keyspace that already holds points: a keyspace is made to look
/// like one written before rollups existed (no rollup rows, no backfill record), and migrating it again must give
/// rollups that answer every aligned aggregation as the raw points do, and migrating once more must change nothing.
@Suite("Cassandra rollup backfill at upgrade")
struct CassandraRollupBackfillTests {
    static let devices: [Int64] = [11, 12]
    static let keys = ["a", "b", "c"]
    /// Ten hours from 16:00 UTC, so day buckets split at midnight and hour buckets are many.
    static let start = TelemetryRollupContract.base
    static let end = Self.start + 10 * 3_600_000

    @Test("a keyspace upgraded with points gets the rollups of those points, once", arguments: [CassandraSettings.Bucket.hour, .day])
    func backfillAtUpgrade(bucket: CassandraSettings.Bucket) async throws {
        await CassandraTestKeyspace.slots.acquire()
        let keyspace = try await CassandraTestKeyspace.create(bucket: bucket)
        do {
            try await self.check(keyspace)
        } catch {
            await keyspace.drop()
            await CassandraTestKeyspace.slots.release()
            throw error
        }
        await keyspace.drop()
        await CassandraTestKeyspace.slots.release()
    }

    private func check(_ keyspace: CassandraTestKeyspace) async throws {
        let name = keyspace.settings.keyspace
        let store = keyspace.store()
        #expect(try await self.backfillRecorded(keyspace), "a new keyspace has no points to backfill and is marked at once")
        try await self.writePoints(store)

        // What a keyspace of the previous version holds: points, no rollups, no record of a backfill.
        _ = try await keyspace.client.query("TRUNCATE \(name).rollups")
        _ = try await keyspace.client.query(
            "DELETE FROM \(name).schema_migrations WHERE version = \(TelemetryCassandraStore.rollupBackfillVersion)")
        let hourly = AggregationQuery(
            deviceID: Self.devices[0], field: "a", function: .sum, windowMilliseconds: 3_600_000, start: Self.start, end: Self.end)
        #expect(try await store.aggregate(hourly, source: .rollups) == [])

        try await keyspace.store().migrate()
        #expect(try await self.backfillRecorded(keyspace))
        try await self.expectRollupsEqualRaw(store)
        let backfilled = try await self.rollupRows(keyspace)
        #expect(!backfilled.isEmpty)

        // Migrating again does nothing; a backfill run again (as by instances starting together) rewrites the same rows.
        try await keyspace.store().migrate()
        #expect(try await self.rollupRows(keyspace) == backfilled)
        _ = try await keyspace.client.query(
            "DELETE FROM \(name).schema_migrations WHERE version = \(TelemetryCassandraStore.rollupBackfillVersion)")
        try await keyspace.store().migrate()
        #expect(try await self.backfillRecorded(keyspace))
        #expect(try await self.rollupRows(keyspace) == backfilled)
        try await self.expectRollupsEqualRaw(store)
    }

    /// Random numbers, booleans and strings of three keys on two devices, some overwritten, with one key's points of the
    /// first device deleted in part.
    private func writePoints(_ store: TelemetryCassandraStore) async throws {
        var random = SplitMix64(seed: 7)
        for device in Self.devices {
            for _ in 0..<8 {
                let points = (0..<40).map { _ in
                    let timestamp = Self.start + Int64.random(in: 0..<(Self.end - Self.start) / 7000, using: &random) * 7000
                    let keys = Self.keys.filter { _ in Bool.random(using: &random) }
                    return point(timestamp, keys.map { ($0, TelemetryRollupContract.randomValue(&random)) })
                }
                try await store.write([TelemetryWrite(deviceID: device, points: points.filter { !$0.values.isEmpty })])
            }
        }
        _ = try await store.delete(deviceID: Self.devices[0], start: Self.start + 90_000, end: Self.start + 5_000_000, keys: ["b"])
    }

    /// Every function over windows of minutes and hours, on every device and key, from rollups and from raw points.
    private func expectRollupsEqualRaw(_ store: TelemetryCassandraStore) async throws {
        for device in Self.devices {
            for key in Self.keys {
                for window: Int64 in [60_000, 300_000, 3_600_000, 7_200_000] {
                    for function in AggregationFunction.allCases {
                        let query = AggregationQuery(
                            deviceID: device, field: key, function: function, windowMilliseconds: window, start: Self.start, end: Self.end)
                        let raw = try await store.aggregate(query, source: .raw)
                        #expect(raw?.isEmpty == false)
                        #expect(try await store.aggregate(query, source: .rollups) == raw, "\(device) \(key) \(window) \(function)")
                    }
                }
            }
        }
    }

    private func backfillRecorded(_ keyspace: CassandraTestKeyspace) async throws -> Bool {
        try await CassandraSchema.isRecorded(
            TelemetryCassandraStore.rollupBackfillVersion, client: keyspace.client, keyspace: keyspace.settings.keyspace)
    }

    /// Every rollup row, every column, as a set.
    private func rollupRows(_ keyspace: CassandraTestKeyspace) async throws -> Set<[CassandraValue]> {
        var rows = Set<[CassandraValue]>()
        for try await row in keyspace.client.rows("SELECT * FROM \(keyspace.settings.keyspace).rollups") { rows.insert(row.values) }
        return rows
    }
}
