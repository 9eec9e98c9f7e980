/// The logger metadata keys of this module, in one place so they stay consistent.
enum CassandraLoggingKey {
    static let connectionID = "cassandra.connection.id"
    static let endpoint = "cassandra.endpoint"
    static let error = "cassandra.error"
    static let delay = "cassandra.reconnect.delay"
    static let stream = "cassandra.stream"
    static let warnings = "cassandra.warnings"
    static let keyspace = "cassandra.keyspace"
    static let request = "cassandra.request"
    static let configuration = "cassandra.configuration"
}
