/// Event counts over a range: per type in total and per bucket.
public struct EventAnalytics: Sendable, Equatable {
    /// The length of a bucket.
    public enum Bucket: String, Sendable, CaseIterable {
        case hour = "1h"
        case day = "1d"

        /// The length in ms.
        public var milliseconds: Int64 {
            switch self {
            case .hour: 3_600_000
            case .day: 86_400_000
            }
        }
    }

    /// The counts of one bucket that has events.
    public struct BucketCounts: Sendable, Equatable {
        /// Start of the bucket, epoch ms.
        public var start: Int64
        /// Events per type, sorted by type.
        public var counts: [(type: String, count: Int)]

        public static func == (lhs: Self, rhs: Self) -> Bool {
            lhs.start == rhs.start && lhs.counts.elementsEqual(rhs.counts) { $0.type == $1.type && $0.count == $1.count }
        }
    }

    /// Inclusive start of the range, epoch ms.
    public var start: Int64
    /// Exclusive end of the range, epoch ms.
    public var end: Int64
    /// The bucket length.
    public var bucket: Bucket
    /// Events per type over the whole range, sorted by type.
    public var totals: [(type: String, count: Int)]
    /// Buckets with events, oldest first.
    public var buckets: [BucketCounts]

    /// Groups the store's rows (ordered by bucket, then type) into buckets and totals.
    public init(start: Int64, end: Int64, bucket: Bucket, rows: [EventCount]) {
        self.start = start
        self.end = end
        self.bucket = bucket
        var totals: [String: Int] = [:]
        var buckets: [BucketCounts] = []
        for row in rows.sorted(by: { ($0.bucketStart, $0.type) < ($1.bucketStart, $1.type) }) {
            totals[row.type, default: 0] += row.count
            if buckets.last?.start == row.bucketStart {
                buckets[buckets.count - 1].counts.append((row.type, row.count))
            } else {
                buckets.append(BucketCounts(start: row.bucketStart, counts: [(row.type, row.count)]))
            }
        }
        self.totals = totals.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
        self.buckets = buckets
    }

    public static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.start == rhs.start && lhs.end == rhs.end && lhs.bucket == rhs.bucket && lhs.buckets == rhs.buckets
            && lhs.totals.elementsEqual(rhs.totals) { $0.type == $1.type && $0.count == $1.count }
    }
}
