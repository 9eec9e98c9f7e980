/// A column or bind marker type, as the protocol's `[option]` describes it.
public indirect enum CassandraDataType: Sendable, Hashable {
    /// A custom type, named by its fully qualified Java class.
    case custom(String)
    /// `ascii`.
    case ascii
    /// `bigint`.
    case bigint
    /// `blob`.
    case blob
    /// `boolean`.
    case boolean
    /// `counter`.
    case counter
    /// `decimal`.
    case decimal
    /// `double`.
    case double
    /// `float`.
    case float
    /// `int`.
    case int
    /// `timestamp`.
    case timestamp
    /// `uuid`.
    case uuid
    /// `varchar`, also called `text`.
    case varchar
    /// `varint`.
    case varint
    /// `timeuuid`.
    case timeuuid
    /// `inet`.
    case inet
    /// `date`.
    case date
    /// `time`.
    case time
    /// `smallint`.
    case smallint
    /// `tinyint`.
    case tinyint
    /// `duration` (option id 0x0015, sent by servers that have it).
    case duration
    /// `list<element>`.
    case list(CassandraDataType)
    /// `map<key, value>`.
    case map(CassandraDataType, CassandraDataType)
    /// `set<element>`.
    case set(CassandraDataType)
    /// A user-defined type.
    case udt(keyspace: String, name: String, fields: [CassandraUDTField])
    /// `tuple<...>`.
    case tuple([CassandraDataType])
}

extension CassandraDataType {
    /// Whether values of this type decode to `.text`.
    var isText: Bool {
        switch self {
        case .ascii, .varchar: return true
        default: return false
        }
    }
}
