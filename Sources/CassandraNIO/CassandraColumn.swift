/// A column of a result, or a bind marker of a prepared statement.
public struct CassandraColumn: Sendable, Hashable {
    /// The keyspace of the column's table.
    public var keyspace: String
    /// The column's table.
    public var table: String
    /// The column's name, alias, or bind marker name.
    public var name: String
    /// The column's type.
    public var type: CassandraDataType

    /// Creates a column.
    public init(keyspace: String, table: String, name: String, type: CassandraDataType) {
        self.keyspace = keyspace
        self.table = table
        self.name = name
        self.type = type
    }
}
