/// A statement prepared on a node: its id there and the shapes of its bind markers and result.
public struct CassandraPreparedStatement: Sendable {
    /// The id the node gave the statement; valid on that node until it restarts.
    public var id: [UInt8]
    /// The bind markers, in order.
    public var bindColumns: [CassandraColumn]
    /// For each partition key column, the index of the bind marker that gives it; empty when not all do.
    public var partitionKeyIndexes: [Int]
    /// The columns of the result; empty when the statement returns no rows or the server did not say.
    public var resultColumns: [CassandraColumn]

    /// Creates a prepared statement.
    public init(id: [UInt8], bindColumns: [CassandraColumn], partitionKeyIndexes: [Int], resultColumns: [CassandraColumn]) {
        self.id = id
        self.bindColumns = bindColumns
        self.partitionKeyIndexes = partitionKeyIndexes
        self.resultColumns = resultColumns
    }
}
