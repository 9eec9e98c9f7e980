/// A BSON timestamp (type 0x11), MongoDB's internal replication clock rather than a date.
public struct BSONTimestamp: Sendable, Hashable {
    /// The ordinal within the second.
    public var increment: UInt32
    /// Seconds since the Unix epoch.
    public var seconds: UInt32

    /// Creates a timestamp.
    public init(seconds: UInt32, increment: UInt32) {
        self.seconds = seconds
        self.increment = increment
    }
}
