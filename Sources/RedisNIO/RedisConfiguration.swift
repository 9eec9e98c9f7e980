/// Where and how a `RedisClient` connects.
public struct RedisConfiguration: Sendable {
    /// The server's host name or address.
    public var host: String
    /// The server's TCP port.
    public var port: Int
    /// The ACL user; when `nil` the client authenticates with the password alone (the `default` user).
    public var username: String?
    /// The password; when `nil` the client does not authenticate.
    public var password: String?
    /// The database index; the client sends `SELECT` when it is not 0.
    public var database: Int
    /// The protocol: `.resp3` negotiates with `HELLO 3 [AUTH user pass]`, `.resp2` uses `AUTH` and `SELECT`.
    public var protocolVersion: RESPVersion
    /// How many multiplexed connections carry commands, used round-robin.
    public var connectionCount: Int
    /// The longest a connect, including the handshake, may take.
    public var connectTimeout: Duration
    /// The longest the client waits for a reply before failing the command with `.timeout`.
    public var commandTimeout: Duration
    /// The first pause before reconnecting a dropped connection.
    public var reconnectInitialDelay: Duration
    /// The longest pause between reconnect attempts.
    public var reconnectMaximumDelay: Duration

    /// Creates a configuration for a server; every other setting has a default and is set through its property.
    public init(host: String = "127.0.0.1", port: Int = 6379) {
        self.host = host
        self.port = port
        self.username = nil
        self.password = nil
        self.database = 0
        self.protocolVersion = .resp3
        self.connectionCount = 2
        self.connectTimeout = .seconds(1)
        self.commandTimeout = .milliseconds(500)
        self.reconnectInitialDelay = .milliseconds(100)
        self.reconnectMaximumDelay = .seconds(2)
    }
}
