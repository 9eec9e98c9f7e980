import CassandraNIO
import IoTFlowCore
import Logging

/// Rollups of the points written before migration 2 created the `rollups` table: without them, aggregations aligned to
/// minutes or hours (answered from rollups) would leave those points out.
///
/// When: at every start (`serve`, `iotflow migrate`), after the migrations, until `schema_migrations` holds the row
/// ``rollupBackfillVersion``. That row is written only once the whole walk has finished, so a backfill cut short by a crash
/// or an error runs again, from the beginning, at the next start. A keyspace without points (a new one) only gets the row.
///
/// How: every (device, bucket) of `buckets_by_device`, streamed page by page; each bucket's keys found one at a time; each
/// key's minutes folded from its points by ``minuteSummaries(_:key:from:to:)`` and its hours from those minutes by
/// ``summariesFromMinutes(_:)``, as a write recomputes them, and written by ``writeRollups(_:_:)``, so with the
/// `ROLLUP_RETENTION_DAYS` TTL. Memory holds one bucket's keys and the minutes of the few keys being folded, never more.
///
/// Concurrency: it runs in the store set's prepare step, before this instance serves HTTP or MQTT. Services running
/// alongside share the store (retention deletes points), so each bucket is backfilled holding its device's lock, as a write
/// holds it. Instances starting together may all backfill: every row is recomputed from the same points, so the rows come
/// out the same and a second backfill is wasted work, never a wrong row; running it again changes nothing. An instance
/// already serving can write a minute while it is backfilled: that is the race of two instances writing one minute (see
/// TelemetryCassandraStore+Rollups.swift), repaired the same way. While points expire, a minute is recomputed from the
/// points still there, like an overwrite recomputes it.
extension TelemetryCassandraStore {
    /// The `schema_migrations` row recording that the backfill finished; negative, so no migration's version can take it.
    static let rollupBackfillVersion: Int32 = -2
    /// Keys of one bucket folded at a time: each holds up to a month of minute summaries.
    static let backfillWidth = 8

    /// What a backfill wrote.
    struct BackfillCounts: Sendable {
        var devices = 0
        var buckets = 0
        var minutes = 0
        var hours = 0
    }

    /// Applies the schema migrations, then backfills rollups when that is still due. `serve` and `iotflow migrate` run it
    /// before the store serves.
    func migrate() async throws {
        try await CassandraSchema.migrate(client: self.client, settings: self.settings, now: self.clock.nowMilliseconds(), logger: self.logger)
        let keyspace = self.settings.keyspace
        guard !(try await CassandraSchema.isRecorded(Self.rollupBackfillVersion, client: self.client, keyspace: keyspace)) else { return }
        if try await self.holdsBuckets() {
            self.logger.info("cassandra rollup backfill of points written before migration 2 started", metadata: ["keyspace": "\(keyspace)"])
            let started = ContinuousClock.now
            let counts = try await self.backfillRollups()
            self.logger.info(
                "cassandra rollup backfill finished",
                metadata: [
                    "keyspace": "\(keyspace)", "devices": "\(counts.devices)", "buckets": "\(counts.buckets)", "minutes": "\(counts.minutes)",
                    "hours": "\(counts.hours)", "duration": "\(ContinuousClock.now - started)",
                ])
        }
        try await CassandraSchema.record(
            Self.rollupBackfillVersion, "rollups backfilled from the points written before migration 2", client: self.client,
            keyspace: keyspace, now: self.clock.nowMilliseconds())
    }

    /// Whether any device has a bucket of points.
    private func holdsBuckets() async throws -> Bool {
        guard case .rows(let rows) = try await self.client.execute(self.cql.selectEveryBucket + " LIMIT 1", options: self.options)
        else { return false }
        return !rows.rows.isEmpty
    }

    /// Recomputes the rollups of every device's buckets of points.
    func backfillRollups() async throws -> BackfillCounts {
        var counts = BackfillCounts()
        var lastDevice: Int64?
        // A scan yields a partition's rows together, so a device's buckets arrive one after the other.
        for try await row in self.client.rows(self.cql.selectEveryBucket, options: self.options) {
            guard let deviceID = row[0].int64, let bucket = row[1].int64 else { continue }
            if deviceID != lastDevice { counts.devices += 1 }
            lastDevice = deviceID
            let written = try await self.deviceLocks.withLocks([deviceID]) {
                try await self.backfill(Partition(deviceID: deviceID, bucket: bucket))
            }
            counts.buckets += 1
            counts.minutes += written.minutes
            counts.hours += written.hours
        }
        return counts
    }

    /// Recomputes the minute and hour rollups of every key of one bucket of points, and counts the rows written.
    private func backfill(_ partition: Partition) async throws -> BackfillCounts {
        let end = self.settings.bucket.end(ofBucketStarting: partition.bucket)
        let written = try await BoundedConcurrency.map(try await self.keys(of: partition), width: Self.backfillWidth) { key in
            let minutes = try await self.minuteSummaries(partition, key: key, from: partition.bucket, to: end)
            try await self.writeRollups(minutes.keys, minutes)
            // Buckets of points are whole hours, so each of these hours has all its minutes in this bucket.
            let hourKeys = Set(minutes.keys.map { $0.within(.hour) })
            let hours = try await self.summariesFromMinutes(hourKeys)
            try await self.writeRollups(hourKeys, hours)
            return BackfillCounts(minutes: minutes.count, hours: hours.count)
        }
        return written.reduce(into: BackfillCounts()) {
            $0.minutes += $1.minutes
            $0.hours += $1.hours
        }
    }

    /// The keys with points in one bucket, in key order, each found by a one-row read after the one before (a bucket's
    /// keys are at most `IOTFLOW_MAX_KEYS_PER_DEVICE`; its points may be many more).
    private func keys(of partition: Partition) async throws -> [String] {
        let prefix: [CassandraValue] = [.bigint(partition.deviceID), .bigint(partition.bucket)]
        var keys: [String] = []
        var next = try await self.firstKey(self.cql.selectFirstKey, prefix)
        while let key = next {
            keys.append(key)
            next = try await self.firstKey(self.cql.selectNextKey, prefix + [.text(key)])
        }
        return keys
    }

    private func firstKey(_ cql: String, _ values: [CassandraValue]) async throws -> String? {
        guard case .rows(let rows) = try await self.client.execute(cql, values, options: self.options) else { return nil }
        return rows.rows.first?[0].string
    }
}
