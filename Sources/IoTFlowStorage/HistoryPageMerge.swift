import IoTFlowCore

/// Builds a history page from per-key reads, shared by the SQL stores: each key's values are read in page
/// order with a LIMIT, so a page costs O(keys × limit) however long the range is.
enum HistoryPageMerge {
    /// Merges per-key columns, each in page order, into entries of the first `limit` distinct timestamps;
    /// measurements stay in key-name order because the columns are.
    static func entries(
        _ columns: [[(timestamp: Int64, value: TelemetryValue)]], names: [String], descending: Bool, limit: Int
    ) -> [TelemetryEntry] {
        var cursor = [Int](repeating: 0, count: columns.count)
        var entries: [TelemetryEntry] = []
        entries.reserveCapacity(min(limit, columns.map(\.count).max() ?? 0))
        while entries.count < limit {
            var next: Int64?
            for (index, column) in columns.enumerated() where cursor[index] < column.count {
                let timestamp = column[cursor[index]].timestamp
                if let current = next {
                    if descending ? timestamp > current : timestamp < current { next = timestamp }
                } else {
                    next = timestamp
                }
            }
            guard let timestamp = next else { break }
            var measurements: [(key: String, value: TelemetryValue)] = []
            for (index, column) in columns.enumerated() where cursor[index] < column.count && column[cursor[index]].timestamp == timestamp {
                measurements.append((names[index], column[cursor[index]].value))
                cursor[index] += 1
            }
            entries.append(TelemetryEntry(timestamp: timestamp, measurements: measurements, metadata: nil))
        }
        return entries
    }

}
