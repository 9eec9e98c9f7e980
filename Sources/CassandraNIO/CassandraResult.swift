/// The answer to a `QUERY`, `EXECUTE`, `PREPARE` or `BATCH`.
public enum CassandraResult: Sendable {
    /// Done; nothing to report (writes).
    case void
    /// A page of rows.
    case rows(CassandraRows)
    /// The keyspace a `USE` switched to.
    case setKeyspace(String)
    /// What a schema-altering statement changed.
    case schemaChange(CassandraSchemaChange)
    /// The statement a `PREPARE` prepared.
    case prepared(CassandraPreparedStatement)

    /// The rows of a `.rows` result; `nil` otherwise.
    public var rows: CassandraRows? {
        if case .rows(let rows) = self {
            return rows
        }
        return nil
    }
}
