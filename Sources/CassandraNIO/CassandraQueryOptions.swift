/// Per-request settings of `QUERY`, `EXECUTE` and `BATCH`; `nil` leaves a setting to the configuration or server.
public struct CassandraQueryOptions: Sendable {
    /// The consistency level; `nil` uses `CassandraConfiguration.consistency`.
    public var consistency: CassandraConsistency?
    /// The consistency of the Paxos phase of conditional updates (`.serial` or `.localSerial`); `nil` lets the server
    /// use `SERIAL`.
    public var serialConsistency: CassandraConsistency?
    /// The most rows the server returns in one page; `nil` lets the server decide (no paging flag is sent).
    public var pageSize: Int32?
    /// Where to resume a paged query, as returned in `CassandraRows.pagingState`.
    public var pagingState: [UInt8]?
    /// The write timestamp in microseconds since the epoch; `nil` lets the server assign it.
    public var timestamp: Int64?

    /// Creates options; every setting defaults to `nil`.
    public init(
        consistency: CassandraConsistency? = nil,
        serialConsistency: CassandraConsistency? = nil,
        pageSize: Int32? = nil,
        pagingState: [UInt8]? = nil,
        timestamp: Int64? = nil
    ) {
        self.consistency = consistency
        self.serialConsistency = serialConsistency
        self.pageSize = pageSize
        self.pagingState = pagingState
        self.timestamp = timestamp
    }
}
