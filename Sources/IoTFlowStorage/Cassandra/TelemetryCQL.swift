/// The statements of the Cassandra telemetry store, qualified with its keyspace once. Each is prepared once per
/// node by the client and cached by its text; those with a variable number of markers exist per count.
struct TelemetryCQL: Sendable {
    let insertPoint: String
    let insertMetadata: String
    let insertBucket: String
    let insertLatest: String
    let addCount: String
    let selectLatest: String
    let selectBuckets: String
    let selectBucketsDescending: String
    let selectRange: String
    let selectRangeDescending: String
    let selectRangeAll: String
    let selectMetadataRange: String
    let selectCounts: String
    let selectCountsSince: String
    let deleteRange: String
    let deleteMetadata: String
    let deletePartition: String
    let deleteMetadataPartition: String
    let deleteBuckets: String
    let deleteLatestOfDevice: String
    let deleteLatest: String
    let deleteCount: String
    let insertRollup: String
    let selectRollups: String
    let selectRollupKeys: String
    let deleteRollup: String
    let deleteRollupRange: String
    let deleteRollupPartition: String
    let selectEveryBucket: String
    let selectFirstKey: String
    let selectNextKey: String
    private let keyspace: String

    init(keyspace: String) {
        let ks = keyspace
        self.keyspace = ks
        self.insertPoint = "INSERT INTO \(ks).points (device_id, bucket, key, ts, num, str, flag) VALUES (?, ?, ?, ?, ?, ?, ?) USING TTL ?"
        self.insertMetadata = "INSERT INTO \(ks).point_metadata (device_id, bucket, ts, metadata) VALUES (?, ?, ?, ?) USING TTL ?"
        self.insertBucket = "INSERT INTO \(ks).buckets_by_device (device_id, bucket) VALUES (?, ?)"
        self.insertLatest = "INSERT INTO \(ks).latest_by_device (device_id, key, ts, num, str, flag) VALUES (?, ?, ?, ?, ?, ?)"
        self.addCount = "UPDATE \(ks).telemetry_counts SET points = points + ? WHERE scope = ? AND bucket = ?"
        self.selectLatest = "SELECT key, ts, num, str, flag FROM \(ks).latest_by_device WHERE device_id = ?"
        let buckets = "SELECT bucket FROM \(ks).buckets_by_device WHERE device_id = ? AND bucket >= ? AND bucket <= ?"
        self.selectBuckets = buckets
        self.selectBucketsDescending = buckets + " ORDER BY bucket DESC"
        let range = "SELECT ts, num, str, flag FROM \(ks).points WHERE device_id = ? AND bucket = ? AND key = ? AND ts >= ? AND ts < ?"
        self.selectRange = range + " LIMIT ?"
        self.selectRangeDescending = range + " ORDER BY key DESC, ts DESC LIMIT ?"
        self.selectRangeAll = range
        self.selectMetadataRange = "SELECT ts FROM \(ks).point_metadata WHERE device_id = ? AND bucket = ? AND ts >= ? AND ts < ?"
        self.selectCounts = "SELECT bucket, points FROM \(ks).telemetry_counts WHERE scope = ?"
        self.selectCountsSince = "SELECT bucket, points FROM \(ks).telemetry_counts WHERE scope = ? AND bucket >= ?"
        self.deleteRange = "DELETE FROM \(ks).points WHERE device_id = ? AND bucket = ? AND key = ? AND ts >= ? AND ts < ?"
        self.deleteMetadata = "DELETE FROM \(ks).point_metadata WHERE device_id = ? AND bucket = ? AND ts = ?"
        self.deletePartition = "DELETE FROM \(ks).points WHERE device_id = ? AND bucket = ?"
        self.deleteMetadataPartition = "DELETE FROM \(ks).point_metadata WHERE device_id = ? AND bucket = ?"
        self.deleteBuckets = "DELETE FROM \(ks).buckets_by_device WHERE device_id = ?"
        self.deleteLatestOfDevice = "DELETE FROM \(ks).latest_by_device WHERE device_id = ?"
        self.deleteLatest = "DELETE FROM \(ks).latest_by_device WHERE device_id = ? AND key = ?"
        self.deleteCount = "DELETE FROM \(ks).telemetry_counts WHERE scope = ? AND bucket = ?"
        self.insertRollup = """
            INSERT INTO \(ks).rollups (device_id, period, span, key, bucket, samples, total, low, high, first_ts, first_value, last_ts, \
            last_value) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) USING TTL ?
            """
        let rollupRange = "FROM \(ks).rollups WHERE device_id = ? AND period = ? AND span = ? AND key = ? AND bucket >= ? AND bucket < ?"
        self.selectRollups = "SELECT bucket, samples, total, low, high, first_ts, first_value, last_ts, last_value " + rollupRange
        self.selectRollupKeys = "SELECT key, bucket FROM \(ks).rollups WHERE device_id = ? AND period = ? AND span = ?"
        self.deleteRollup = "DELETE FROM \(ks).rollups WHERE device_id = ? AND period = ? AND span = ? AND key = ? AND bucket = ?"
        self.deleteRollupRange = "DELETE " + rollupRange
        self.deleteRollupPartition = "DELETE FROM \(ks).rollups WHERE device_id = ? AND period = ? AND span = ?"
        // The backfill's walk: every device's buckets (a scan, partitions in token order), then a partition's keys one at a time.
        self.selectEveryBucket = "SELECT device_id, bucket FROM \(ks).buckets_by_device"
        self.selectFirstKey = "SELECT key FROM \(ks).points WHERE device_id = ? AND bucket = ? LIMIT 1"
        self.selectNextKey = "SELECT key FROM \(ks).points WHERE device_id = ? AND bucket = ? AND key > ? LIMIT 1"
    }

    /// Which of `keys` have a point at which of `timestamps` in one partition (markers for each).
    func selectExisting(keys: Int, timestamps: Int) -> String {
        "SELECT key, ts FROM \(self.keyspace).points WHERE device_id = ? AND bucket = ? AND key IN (\(Self.markers(keys))) "
            + "AND ts IN (\(Self.markers(timestamps)))"
    }

    /// The metadata of some timestamps of one partition.
    func selectMetadata(timestamps: Int) -> String {
        "SELECT ts, metadata FROM \(self.keyspace).point_metadata WHERE device_id = ? AND bucket = ? AND ts IN (\(Self.markers(timestamps)))"
    }

    private static func markers(_ count: Int) -> String {
        Array(repeating: "?", count: count).joined(separator: ", ")
    }
}
