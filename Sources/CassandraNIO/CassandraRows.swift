/// A page of rows returned by a `SELECT`.
public struct CassandraRows: Sendable {
    /// The columns of every row.
    public var columns: [CassandraColumn]
    /// The rows of this page.
    public var rows: [CassandraRow]
    /// Where the next page starts; `nil` when this is the last page.
    public var pagingState: [UInt8]?

    /// Creates a page.
    public init(columns: [CassandraColumn], rows: [CassandraRow], pagingState: [UInt8]?) {
        self.columns = columns
        self.rows = rows
        self.pagingState = pagingState
    }
}
