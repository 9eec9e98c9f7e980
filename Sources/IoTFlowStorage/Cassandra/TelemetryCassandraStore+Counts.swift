import CassandraNIO
import IoTFlowCore

/// Counters of stored points for `/status` and `/admin/stats`, so totals never scan the points: per device
/// (scope 0) and per minute of timestamp over the last ``TelemetryCounts/recentWindowMilliseconds`` (scope 1),
/// in a counter table. Writes know which points are new from the read they do first, so overwrites do not count twice.
extension TelemetryCassandraStore {
    /// Newly stored (or removed) points, by device and by recent minute.
    struct CountDelta {
        var byDevice: [Int64: Int] = [:]
        var byMinute: [Int64: Int] = [:]

        mutating func add(deviceID: Int64, timestamp: Int64, recentSince: Int64, count: Int = 1) {
            self.byDevice[deviceID, default: 0] += count
            if timestamp >= recentSince { self.byMinute[TelemetryCassandraStore.minute(of: timestamp), default: 0] += count }
        }
    }

    static let deviceScope: Int32 = 0
    static let minuteScope: Int32 = 1

    /// The minute holding `timestamp`, floored also before 1970.
    static func minute(of timestamp: Int64) -> Int64 {
        Self.windowStart(timestamp, 60_000) / 60_000
    }

    /// Adds `delta` times `sign` to the counters, in counter batches.
    func apply(_ delta: CountDelta, sign: Int) async throws {
        var statements: [CassandraStatement] = []
        for (deviceID, count) in delta.byDevice where count != 0 {
            statements.append(CassandraStatement(self.cql.addCount, [.bigint(Int64(sign * count)), .int(Self.deviceScope), .bigint(deviceID)]))
        }
        for (minute, count) in delta.byMinute where count != 0 {
            statements.append(CassandraStatement(self.cql.addCount, [.bigint(Int64(sign * count)), .int(Self.minuteScope), .bigint(minute)]))
        }
        let options = self.options
        _ = try await BoundedConcurrency.map(statements.chunked(Self.statementsPerBatch).map(Array.init)) { chunk in
            try await self.client.batch(chunk, kind: .counter, options: options)
        }
    }

    public func counts(recentSince: Int64) async throws -> TelemetryCounts {
        try await CassandraOutage.translating {
            var total = 0
            for try await row in self.client.rows(self.cql.selectCounts, [.int(Self.deviceScope)], options: self.options) {
                total += Int(row[1].int64 ?? 0)
            }
            // The per-minute partition holds at most a day and an hour of minutes, plus those not yet pruned.
            let since = Self.minute(of: recentSince)
            let cutoff = Self.minute(of: self.recentSince)
            var recent = 0
            var stale: [Int64] = []
            for try await row in self.client.rows(self.cql.selectCounts, [.int(Self.minuteScope)], options: self.options) {
                guard let minute = row[0].int64 else { continue }
                if minute >= since { recent += Int(row[1].int64 ?? 0) }
                if minute < cutoff { stale.append(minute) }
            }
            if !stale.isEmpty, self.pruning.isDue(self.recentSince) {
                // Minutes out of the window are never written again (writes count only recent minutes).
                let options = self.options
                _ = try await BoundedConcurrency.map(stale) { minute in
                    try await self.client.execute(self.cql.deleteCount, [.int(Self.minuteScope), .bigint(minute)], options: options)
                }
            }
            return TelemetryCounts(total: total, recent: recent)
        }
    }
}
