/// One statement of a batch: CQL text with `?` markers and the values bound to them, in order.
public struct CassandraStatement: Sendable {
    /// The CQL text; the client prepares it once per node.
    public var cql: String
    /// The values for the statement's bind markers, in order.
    public var values: [CassandraValue]

    /// Creates a statement.
    public init(_ cql: String, _ values: [CassandraValue] = []) {
        self.cql = cql
        self.values = values
    }
}
