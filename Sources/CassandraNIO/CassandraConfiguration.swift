import NIOSSL

/// Where and how a `CassandraClient` connects.
public struct CassandraConfiguration: Sendable, CustomStringConvertible {
    /// The nodes to connect to; requests are spread over those that are up.
    public var endpoints: [CassandraEndpoint]
    /// The keyspace every connection switches to with `USE` once it is set up; `useKeyspace(_:)` changes it.
    public var keyspace: String?
    /// The user for `PasswordAuthenticator`; credentials are sent only when the server asks for them.
    public var username: String?
    /// The password for `PasswordAuthenticator`; never logged nor shown in `description`.
    public var password: String?
    /// The consistency level of requests whose options do not set one.
    public var consistency: CassandraConsistency
    /// TLS settings; `nil` connects over plain TCP.
    public var tls: TLSConfiguration?
    /// How many connections the client keeps to each node; each multiplexes many requests.
    public var connectionsPerNode: Int
    /// The longest a connect, handshake included, may take.
    public var connectTimeout: Duration
    /// The longest a request waits for its answer before it fails with `requestTimeout`.
    public var requestTimeout: Duration
    /// The largest response frame body accepted; a longer frame is a protocol error that closes the connection.
    public var maxFrameBytes: Int
    /// The first pause before reconnecting to a node whose connection failed.
    public var reconnectInitialDelay: Duration
    /// The longest pause between reconnect attempts.
    public var reconnectMaximumDelay: Duration

    /// The protocol's own limit on a frame body: 256 MiB.
    public static let protocolMaxFrameBytes = 256 * 1024 * 1024

    /// Creates a configuration; every other setting has a default and is set through its property.
    public init(endpoints: [CassandraEndpoint], keyspace: String? = nil, username: String? = nil, password: String? = nil) {
        self.endpoints = endpoints
        self.keyspace = keyspace
        self.username = username
        self.password = password
        self.consistency = .localQuorum
        self.tls = nil
        self.connectionsPerNode = 2
        self.connectTimeout = .seconds(5)
        self.requestTimeout = .seconds(10)
        self.maxFrameBytes = Self.protocolMaxFrameBytes
        self.reconnectInitialDelay = .milliseconds(100)
        self.reconnectMaximumDelay = .seconds(5)
    }

    /// The settings without the password, safe to log.
    public var description: String {
        let endpoints = self.endpoints.map(\.description).joined(separator: ",")
        let credentials = self.username.map { "username: \($0), password: \(self.password == nil ? "none" : "<redacted>")" } ?? "no credentials"
        return "CassandraConfiguration(endpoints: [\(endpoints)], keyspace: \(self.keyspace ?? "none"), \(credentials), "
            + "consistency: \(self.consistency), tls: \(self.tls == nil ? "off" : "on"), connectionsPerNode: \(self.connectionsPerNode), "
            + "connectTimeout: \(self.connectTimeout), requestTimeout: \(self.requestTimeout), maxFrameBytes: \(self.maxFrameBytes))"
    }
}
