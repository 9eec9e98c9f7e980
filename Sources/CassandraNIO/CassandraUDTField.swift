/// One field of a user-defined type.
public struct CassandraUDTField: Sendable, Hashable {
    /// The field's name.
    public var name: String
    /// The field's type.
    public var type: CassandraDataType

    /// Creates a field.
    public init(name: String, type: CassandraDataType) {
        self.name = name
        self.type = type
    }
}
