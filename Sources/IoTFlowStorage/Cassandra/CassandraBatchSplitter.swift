import CassandraNIO

/// Splits the statements of one write into batches Cassandra takes: at most `maxStatements` each, and at most
/// `maxBytes` of bound values, since Cassandra refuses a batch spanning several partitions above
/// `batch_size_fail_threshold_in_kb` (50 KiB by default) with "Batch too large". A point batch always spans two
/// (the device's bucket row and the bucket's points), so long string values reached it with few points.
enum CassandraBatchSplitter {
    /// Well under the 50 KiB default, leaving room for keys, clustering values and Cassandra's own per-cell overhead.
    static let maxBytes = 32 * 1024

    static func batches(_ statements: [CassandraStatement], maxStatements: Int, maxBytes: Int = Self.maxBytes) -> [[CassandraStatement]] {
        var batches: [[CassandraStatement]] = []
        var current: [CassandraStatement] = []
        var bytes = 0
        for statement in statements {
            let size = statement.values.reduce(0) { $0 + Self.size(of: $1) }
            if !current.isEmpty && (current.count == maxStatements || bytes + size > maxBytes) {
                batches.append(current)
                current = []
                bytes = 0
            }
            current.append(statement)
            bytes += size
        }
        if !current.isEmpty { batches.append(current) }
        return batches
    }

    /// About what Cassandra counts for a value: its bytes, 8 for the fixed-size types.
    static func size(of value: CassandraValue) -> Int {
        switch value {
        case .null, .unset: 0
        case .int: 4
        case .boolean: 1
        case .bigint, .double, .timestamp: 8
        case .uuid: 16
        case .text(let text): text.utf8.count
        case .blob(let bytes): bytes.count
        case .textMap(let map): map.reduce(0) { $0 + $1.key.utf8.count + $1.value.utf8.count }
        @unknown default: 8
        }
    }
}
