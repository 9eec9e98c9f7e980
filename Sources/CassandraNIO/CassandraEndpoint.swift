/// One Cassandra node the client connects to.
public struct CassandraEndpoint: Sendable, Hashable, CustomStringConvertible {
    /// The node's host name or IP address.
    public var host: String
    /// The node's native protocol port.
    public var port: Int

    /// Creates an endpoint; 9042 is Cassandra's default native protocol port.
    public init(host: String, port: Int = 9042) {
        self.host = host
        self.port = port
    }

    /// `host:port`.
    public var description: String {
        "\(self.host):\(self.port)"
    }
}
