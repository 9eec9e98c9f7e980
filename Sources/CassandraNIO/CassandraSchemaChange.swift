/// What a schema-altering statement changed.
public struct CassandraSchemaChange: Sendable, Hashable {
    /// `CREATED`, `UPDATED` or `DROPPED`.
    public var change: String
    /// `KEYSPACE`, `TABLE`, `TYPE`, `FUNCTION` or `AGGREGATE`.
    public var target: String
    /// The keyspace changed, or that of the object changed.
    public var keyspace: String
    /// The table, type, function or aggregate changed; `nil` for a keyspace.
    public var name: String?
    /// The argument types of a changed function or aggregate; empty otherwise.
    public var argumentTypes: [String]

    /// Creates a schema change.
    public init(change: String, target: String, keyspace: String, name: String? = nil, argumentTypes: [String] = []) {
        self.change = change
        self.target = target
        self.keyspace = keyspace
        self.name = name
        self.argumentTypes = argumentTypes
    }
}
