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
        // Indices rather than `for column in columns`: iterating would copy (retain and release) each column array
        // twice per entry, which showed in the profile of 10,000-entry pages.
        while entries.count < limit {
            var next: Int64?
            for index in columns.indices where cursor[index] < columns[index].count {
                let timestamp = columns[index][cursor[index]].timestamp
                if let current = next {
                    if descending ? timestamp > current : timestamp < current { next = timestamp }
                } else {
                    next = timestamp
                }
            }
            guard let timestamp = next else { break }
            var measurements: [(key: String, value: TelemetryValue)] = []
            measurements.reserveCapacity(columns.count)
            for index in columns.indices where cursor[index] < columns[index].count && columns[index][cursor[index]].timestamp == timestamp {
                measurements.append((names[index], columns[index][cursor[index]].value))
                cursor[index] += 1
            }
            entries.append(TelemetryEntry(timestamp: timestamp, measurements: measurements, metadata: nil))
        }
        return entries
    }

}
