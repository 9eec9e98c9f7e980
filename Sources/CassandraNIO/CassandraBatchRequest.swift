/// A BATCH of prepared statements (spec section 4.1.7).
struct CassandraBatchRequest: Sendable, Equatable {
    /// One prepared statement of the batch with its values.
    struct Entry: Sendable, Equatable {
        var id: [UInt8]
        var values: [CassandraValue]
        var valueTypes: [CassandraDataType]?
    }

    var kind: CassandraBatchKind
    var entries: [Entry]
    var consistency: CassandraConsistency
    var serialConsistency: CassandraConsistency?
    var timestamp: Int64?
}
