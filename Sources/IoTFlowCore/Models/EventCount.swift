/// What to count in the event log: events per type and time bucket over a range.
public struct EventCountQuery: Sendable, Equatable {
    /// Inclusive start, epoch ms.
    public var start: Int64
    /// Exclusive end, epoch ms.
    public var end: Int64
    /// Bucket length in ms; buckets start at multiples of it since the epoch (so days are UTC days).
    public var bucketMilliseconds: Int64
    /// Only events about this user (public id).
    public var userPublicID: String?
    /// Only events of this device.
    public var deviceID: Int64?

    /// Creates a query.
    public init(start: Int64, end: Int64, bucketMilliseconds: Int64, userPublicID: String? = nil, deviceID: Int64? = nil) {
        self.start = start
        self.end = end
        self.bucketMilliseconds = bucketMilliseconds
        self.userPublicID = userPublicID
        self.deviceID = deviceID
    }
}

/// The number of events of one type in one bucket; buckets without events have no row.
public struct EventCount: Sendable, Equatable {
    /// Start of the bucket, epoch ms.
    public var bucketStart: Int64
    /// Dotted event type.
    public var type: String
    /// Events of the type in the bucket.
    public var count: Int

    /// Creates a row.
    public init(bucketStart: Int64, type: String, count: Int) {
        self.bucketStart = bucketStart
        self.type = type
        self.count = count
    }
}
