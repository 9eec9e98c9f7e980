import IoTFlowCore
import SQLiteNIO

/// Time series in SQLite: one row per (device, key, timestamp), a latest-value table maintained in the
/// same transaction, and metadata per (device, timestamp).
public struct TelemetrySQLiteStore: TelemetryStore {
    let database: SQLiteDatabaseFile
    let keys = TelemetryKeyDictionary()
    /// Keeps pruning of per-minute counters to once a minute.
    let pruning = RecentCountPruning()
    /// Dates the counters of recent values.
    let clock: any WallClock

    /// Creates the store on an open database file.
    public init(database: SQLiteDatabaseFile, clock: any WallClock = SystemWallClock()) {
        self.database = database
        self.clock = clock
    }

    public func write(_ writes: [TelemetryWrite]) async throws {
        _ = try await self.write(writes, lastSeen: [:])
    }

    /// The registry lives in the same file, so last-seen times commit with the points.
    public func write(_ writes: [TelemetryWrite], lastSeen: [Int64: Int64]) async throws -> Bool {
        let batch = TelemetryBatch(writes)
        guard !batch.isEmpty else {
            if !lastSeen.isEmpty { try await self.database.write { try await DeviceSQLiteStore.markSeen(lastSeen, on: $0) } }
            return true
        }
        let recentSince = self.recentSince
        let keyIDs = try await self.database.write { connection in
            let ids = try await self.keys.ensureIDs(batch.keyNames, on: connection)
            var delta = CountDelta()
            var rollups = RollupDelta()
            try await Self.insertValues(batch.rows, ids: ids, recentSince: recentSince, delta: &delta, rollups: &rollups, on: connection)
            try await Self.applyEffects(of: batch, ids: ids, delta: delta, lastSeen: lastSeen, on: connection)
            try await Self.applyRollups(rollups, on: connection)
            if self.pruning.isDue(recentSince) { try await Self.pruneRecentCounts(before: recentSince, on: connection) }
            return ids
        }
        self.keys.remember(keyIDs)
        return true
    }

    /// Inserts values one statement each (compiled once per connection), counting those that are new: a value whose
    /// (device, key, timestamp) exists already is written again as an update, so the later write wins, and its minute
    /// is recomputed in the rollups instead of merged.
    private static func insertValues(
        _ rows: [TelemetryBatch.Row], ids: [String: Int64], recentSince: Int64, delta: inout CountDelta, rollups: inout RollupDelta,
        on connection: isolated SQLiteHandle
    ) async throws {
        var binds: [SQLiteData] = []
        binds.reserveCapacity(6)
        for row in rows {
            let keyID = try TelemetryBatch.keyID(row.key, in: ids)
            binds.removeAll(keepingCapacity: true)
            binds.append(contentsOf: [.int(row.deviceID), .int(keyID), .int(row.timestamp)])
            Self.appendValue(row.value, to: &binds)
            let inserted = try await connection.change(
                """
                INSERT INTO telemetry (device_id, key_id, ts_ms, num_value, str_value, bool_value) VALUES (?, ?, ?, ?, ?, ?)
                ON CONFLICT (device_id, key_id, ts_ms) DO NOTHING
                """,
                binds
            )
            if inserted > 0 {
                delta.add(deviceID: row.deviceID, timestamp: row.timestamp, recentSince: recentSince)
                rollups.addInserted(deviceID: row.deviceID, keyID: keyID, timestamp: row.timestamp, value: row.value)
            } else {
                try await connection.change(
                    "UPDATE telemetry SET num_value = ?4, str_value = ?5, bool_value = ?6 WHERE device_id = ?1 AND key_id = ?2 AND ts_ms = ?3",
                    binds
                )
                rollups.addOverwritten(deviceID: row.deviceID, keyID: keyID, timestamp: row.timestamp)
            }
        }
    }

    public func history(_ query: HistoryQuery) async throws -> [TelemetryEntry] {
        let keyIDs = try await self.keyIDs(deviceID: query.deviceID, names: query.keys)
        guard !keyIDs.isEmpty else { return [] }
        var lower = query.start
        var upper = query.end
        if let after = query.resumeAfter {
            if query.descending { upper = min(upper, after) } else { lower = max(lower, after + 1) }
        }
        guard lower < upper else { return [] }
        let order = query.descending ? "DESC" : "ASC"
        // Each key's first `limit` values in page order, in one statement (UNION ALL keeps them grouped by
        // key and ordered, with no temporary B-tree); the page is the first `limit` distinct timestamps
        // of their merge, so a page costs O(keys × limit) however long the range is.
        let keys = keyIDs.sorted { $0.key < $1.key }
        let perKey = keys.map { _ in
            """
            SELECT * FROM (SELECT key_id, ts_ms, COALESCE(num_value, str_value, bool_value) AS v FROM telemetry
            WHERE device_id = ? AND key_id = ? AND ts_ms >= ? AND ts_ms < ? ORDER BY ts_ms \(order) LIMIT ?)
            """
        }
        var binds: [SQLiteData] = []
        for key in keys {
            binds.append(contentsOf: [.int(query.deviceID), .int(key.value), .int(lower), .int(upper), .integer(query.limit)])
        }
        let sql = perKey.joined(separator: " UNION ALL ")
        let position = Dictionary(uniqueKeysWithValues: keys.enumerated().map { ($0.element.value, $0.offset) })
        let names = keys.map(\.key)
        // The page is read and merged on the reader's thread: values go from SQLite's columns into the page with no
        // row objects in between.
        return try await self.database.reading { [binds] reader in
            var columns = [[(timestamp: Int64, value: TelemetryValue)]](repeating: [], count: names.count)
            try await reader.forEachRow(sql, binds) { row in
                guard let index = position[row.int64(0)], let value = Self.value(row, at: 2) else { return }
                columns[index].append((row.int64(1), value))
            }
            let entries = HistoryPageMerge.entries(columns, names: names, descending: query.descending, limit: query.limit)
            guard query.includeMetadata, let first = entries.first?.timestamp, let last = entries.last?.timestamp else { return entries }
            var metadata: [Int64: String] = [:]
            try await reader.forEachRow(
                "SELECT ts_ms, metadata FROM telemetry_metadata WHERE device_id = ? AND ts_ms >= ? AND ts_ms <= ? AND metadata IS NOT NULL",
                [.int(query.deviceID), .int(min(first, last)), .int(max(first, last))]
            ) { row in
                metadata[row.int64(0)] = row.string(1)
            }
            guard !metadata.isEmpty else { return entries }
            return entries.map { entry in
                var entry = entry
                entry.metadata = metadata[entry.timestamp]
                return entry
            }
        }
    }

    /// A value read as `COALESCE(num_value, str_value, bool_value)` in column `column`: its storage class tells the
    /// type (REAL a number, TEXT a string, INTEGER a boolean).
    static func value(_ row: SQLitePreparedStatement, at column: Int32) -> TelemetryValue? {
        switch row.storageClass(column) {
        case .float: .number(row.double(column))
        case .text: .string(row.string(column))
        case .integer: .bool(row.int64(column) != 0)
        case .blob, .null: nil
        }
    }

    public func latest(deviceID: Int64) async throws -> [LatestValue] {
        try await self.latest(deviceIDs: [deviceID])[deviceID] ?? []
    }

    public func latest(deviceIDs: [Int64]) async throws -> [Int64: [LatestValue]] {
        guard !deviceIDs.isEmpty else { return [:] }
        var result: [Int64: [LatestValue]] = [:]
        for chunk in deviceIDs.chunked(10_000) {
            let rows = try await self.database.read(
                """
                SELECT l.device_id, k.name, l.ts_ms, l.num_value, l.str_value, l.bool_value
                FROM telemetry_latest l JOIN telemetry_keys k ON k.id = l.key_id
                WHERE l.device_id IN (\(placeholders(chunk.count))) ORDER BY l.device_id, k.name
                """,
                chunk.map { .int($0) }
            )
            for row in rows {
                guard let deviceID = row.int64("device_id"), let name = row.string("name"), let timestamp = row.int64("ts_ms"),
                    let value = Self.value(row)
                else { continue }
                result[deviceID, default: []].append(LatestValue(key: name, value: value, timestamp: timestamp))
            }
        }
        return result
    }

    func aggregateRaw(_ query: AggregationQuery) async throws -> [AggregationBucket] {
        guard let keyID = try await self.keys.lookup([query.field], database: self.database)[query.field] else { return [] }
        // One index range scan per bucket, the buckets enumerated by a recursive CTE: a GROUP BY over the
        // bucket expression would sort every row in a temporary B-tree first (about twice the work for
        // dense data), and an empty bucket costs one index seek (10,000 buckets ≈ 5 ms). The scan returns
        // the aggregate and the count packed as "<value> <count>" (17 significant digits round-trip a
        // Double exactly), so each bucket's rows are read once; MATERIALIZED stops SQLite from copying the
        // subquery into the outer filter and running it twice.
        let value = "COALESCE(num_value, bool_value)"
        let aggregate: String
        switch query.function {
        case .mean, .avg: aggregate = "AVG(\(value))"
        case .sum: aggregate = "TOTAL(\(value))"
        case .count: aggregate = "COUNT(*)"
        case .min: aggregate = "MIN(\(value))"
        case .max: aggregate = "MAX(\(value))"
        // With exactly one min()/max() aggregate, SQLite takes bare columns from that row.
        case .first: aggregate = "CASE WHEN MIN(ts_ms) IS NOT NULL THEN \(value) END"
        case .last: aggregate = "CASE WHEN MAX(ts_ms) IS NOT NULL THEN \(value) END"
        }
        let window = query.windowMilliseconds
        // Buckets are aligned to multiples of the window in UTC (floor, also before 1970).
        let firstBucket = query.start - ((query.start % window) + window) % window
        let rows = try await self.database.read(
            """
            WITH RECURSIVE b(s) AS (SELECT ?6 UNION ALL SELECT s + ?1 FROM b WHERE s + ?1 < ?5),
            r(bucket, packed) AS MATERIALIZED (
                SELECT b.s, (
                    SELECT CASE WHEN COUNT(*) > 0 THEN printf('%!.17g', \(aggregate)) || ' ' || COUNT(*) END
                    FROM telemetry WHERE device_id = ?2 AND key_id = ?3 AND ts_ms >= MAX(b.s, ?4) AND ts_ms < MIN(b.s + ?1, ?5)
                    AND (num_value IS NOT NULL OR bool_value IS NOT NULL)
                ) FROM b
            )
            SELECT bucket, packed FROM r WHERE packed IS NOT NULL
            """,
            [.int(window), .int(query.deviceID), .int(keyID), .int(query.start), .int(query.end), .int(firstBucket)]
        )
        var buckets = rows.compactMap { row -> AggregationBucket? in
            guard let bucket = row.int64("bucket"), let packed = row.string("packed"), let space = packed.lastIndex(of: " "),
                let result = Double(packed[..<space]), let count = Int(packed[packed.index(after: space)...])
            else { return nil }
            return AggregationBucket(start: bucket, value: result, count: count)
        }
        if query.function == .mean || query.function == .avg {
            for index in buckets.indices where !buckets[index].value.isFinite {
                buckets[index].value = try await self.runningMean(query, keyID: keyID, bucket: buckets[index].start)
            }
        }
        return buckets
    }

    /// The mean of one bucket without an intermediate sum, for values whose sum overflows a Double
    /// (SQLite's AVG sums first); the mean of finite values is always finite.
    private func runningMean(_ query: AggregationQuery, keyID: Int64, bucket: Int64) async throws -> Double {
        let rows = try await self.database.read(
            """
            SELECT COALESCE(num_value, bool_value) AS v FROM telemetry
            WHERE device_id = ? AND key_id = ? AND ts_ms >= ? AND ts_ms < ? AND (num_value IS NOT NULL OR bool_value IS NOT NULL)
            """,
            [
                .int(query.deviceID), .int(keyID), .int(max(bucket, query.start)),
                .int(min(bucket + query.windowMilliseconds, query.end)),
            ]
        )
        var mean = 0.0
        for (index, row) in rows.enumerated() {
            mean += ((row.double("v") ?? 0) - mean) / Double(index + 1)
        }
        return mean
    }

    public func delete(deviceID: Int64, start: Int64, end: Int64, keys names: [String]) async throws -> Int {
        var keyFilter = ""
        var keyBinds: [SQLiteData] = []
        if !names.isEmpty {
            let ids = try await self.keys.lookup(names, database: self.database)
            guard !ids.isEmpty else { return 0 }
            keyFilter = " AND key_id IN (\(placeholders(ids.count)))"
            keyBinds = ids.values.sorted().map { .int($0) }
        }
        let range: [SQLiteData] = [.int(deviceID), .int(start), .int(end)]
        let recentSince = self.recentSince
        return try await self.database.write { [keyFilter, keyBinds] connection in
            let filter = "device_id = ? AND ts_ms >= ? AND ts_ms < ?\(keyFilter)"
            let delta = try await Self.delta(ofRowsWhere: filter, range + keyBinds, recentSince: recentSince, on: connection)
            _ = try await connection.query("DELETE FROM telemetry WHERE \(filter)", range + keyBinds)
            let deleted = await connection.changes()
            try await Self.apply(delta, sign: -1, on: connection)
            try await Self.applyRollupDelete(
                deviceID: deviceID, start: start, end: end, keyFilter: keyBinds.isEmpty ? nil : "key_id IN (\(placeholders(keyBinds.count)))",
                keyBinds, on: connection)
            _ = try await connection.query(
                """
                DELETE FROM telemetry_metadata WHERE device_id = ?1 AND ts_ms >= ?2 AND ts_ms < ?3
                AND NOT EXISTS (SELECT 1 FROM telemetry t WHERE t.device_id = ?1 AND t.ts_ms = telemetry_metadata.ts_ms)
                """,
                range
            )
            // Latest values that were deleted fall back to the newest remaining value of their key.
            _ = try await connection.query(
                "DELETE FROM telemetry_latest WHERE device_id = ? AND ts_ms >= ? AND ts_ms < ?\(keyFilter)", range + keyBinds
            )
            _ = try await connection.query(
                """
                INSERT INTO telemetry_latest (device_id, key_id, ts_ms, num_value, str_value, bool_value)
                SELECT t.device_id, t.key_id, t.ts_ms, t.num_value, t.str_value, t.bool_value FROM telemetry t
                WHERE t.device_id = ?1
                AND t.key_id NOT IN (SELECT key_id FROM telemetry_latest WHERE device_id = ?1)
                AND t.ts_ms = (SELECT MAX(ts_ms) FROM telemetry m WHERE m.device_id = ?1 AND m.key_id = t.key_id)
                """,
                [.int(deviceID)]
            )
            return deleted
        }
    }

    public func deleteAll(deviceIDs: [Int64]) async throws {
        guard !deviceIDs.isEmpty else { return }
        let binds = deviceIDs.map { SQLiteData.int($0) }
        let list = placeholders(deviceIDs.count)
        let recentSince = self.recentSince
        _ = try await self.database.write { connection in
            var delta = try await Self.delta(ofRowsWhere: "device_id IN (\(list))", binds, recentSince: recentSince, on: connection)
            // The devices' own counters go away with them rather than dropping to zero.
            delta.byDevice = [:]
            try await Self.apply(delta, sign: -1, on: connection)
            for table in ["telemetry", "telemetry_latest", "telemetry_metadata", "telemetry_rollups"] {
                _ = try await connection.query("DELETE FROM \(table) WHERE device_id IN (\(list))", binds)
            }
            _ = try await connection.query(
                "DELETE FROM telemetry_counts WHERE scope = \(Self.deviceScope) AND bucket IN (\(list))", binds)
            return 0
        }
    }

    public func latestSummaries(
        deviceIDs: [Int64], since: Int64, limit: Int, offset: Int
    ) async throws -> (summaries: [DeviceLatest], total: Int) {
        guard !deviceIDs.isEmpty else { return ([], 0) }
        // Devices are ranked in SQL, so only one page of them has its values read; the id list goes in as
        // JSON so any number of devices is one bound value.
        let ranked = """
            WITH d AS (
                SELECT device_id, MAX(ts_ms) AS newest FROM telemetry_latest
                WHERE device_id IN (SELECT value FROM json_each(?1)) GROUP BY device_id HAVING MAX(ts_ms) >= ?2
            )
            """
        let ids = SQLiteData.text("[" + deviceIDs.map(String.init).joined(separator: ",") + "]")
        let total = try await self.database.read("\(ranked) SELECT COUNT(*) AS n FROM d", [ids, .int(since)]).first?.int("n") ?? 0
        let rows = try await self.database.read(
            "\(ranked) SELECT device_id, newest FROM d ORDER BY newest DESC, device_id DESC LIMIT ?3 OFFSET ?4",
            [ids, .int(since), .integer(limit), .integer(offset)]
        )
        let newest = rows.compactMap { row -> (deviceID: Int64, timestamp: Int64)? in
            guard let deviceID = row.int64("device_id"), let timestamp = row.int64("newest") else { return nil }
            return (deviceID, timestamp)
        }
        let values = try await self.latest(deviceIDs: newest.map(\.deviceID))
        return (newest.map { DeviceLatest(deviceID: $0.deviceID, newest: $0.timestamp, values: values[$0.deviceID] ?? []) }, total)
    }

    public func keyNames(deviceID: Int64) async throws -> Set<String> {
        Set(try await self.keyIDs(deviceID: deviceID, names: []).keys)
    }

    public func ping() async throws -> Double {
        try await self.database.ping()
    }

    /// Ids of the requested keys that this device has (all its keys when `names` is empty).
    private func keyIDs(deviceID: Int64, names: [String]) async throws -> [String: Int64] {
        let rows = try await self.database.read(
            "SELECT k.id, k.name FROM telemetry_latest l JOIN telemetry_keys k ON k.id = l.key_id WHERE l.device_id = ?", [.int(deviceID)]
        )
        var ids: [String: Int64] = [:]
        let wanted = Set(names)
        for row in rows {
            guard let name = row.string("name"), let id = row.int64("id"), wanted.isEmpty || wanted.contains(name) else { continue }
            ids[name] = id
        }
        return ids
    }

    static func value(_ row: SQLiteRecord) -> TelemetryValue? {
        if let number = row.double("num_value") { return .number(number) }
        if let string = row.string("str_value") { return .string(string) }
        if let flag = row.int64("bool_value") { return .bool(flag != 0) }
        return nil
    }
}

extension Array {
    func chunked(_ size: Int) -> [ArraySlice<Element>] {
        stride(from: 0, to: self.count, by: size).map { self[$0..<Swift.min($0 + size, self.count)] }
    }
}
