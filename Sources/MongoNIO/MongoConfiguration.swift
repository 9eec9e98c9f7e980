import NIOSSL

/// Where and how a `MongoClient` connects.
public struct MongoConfiguration: Sendable, CustomStringConvertible {
    /// The seed list: the servers to ask which one is the primary.
    public var hosts: [MongoServerAddress]
    /// The user to authenticate as with SCRAM-SHA-256; `nil` connects without authenticating.
    public var username: String?
    /// The user's password; never logged nor printed.
    public var password: String?
    /// The database of the connection string, the default `authSource`.
    public var database: String?
    /// The database holding the user; defaults to `database`, then `admin`.
    public var authSource: String?
    /// The replica set's name; a server reporting another set is not used.
    public var replicaSet: String?
    /// Uses the one host given as is, without discovering the primary through it.
    public var directConnection: Bool
    /// The application's name, sent in the client metadata of `hello` (at most 128 bytes).
    public var appName: String?
    /// TLS settings; `nil` connects in plain TCP.
    public var tls: TLSConfiguration?
    /// The longest a connect, including `hello` and authentication, may take.
    public var connectTimeout: Duration
    /// The longest the client waits for an answer before failing the request with `.timeout`.
    public var requestTimeout: Duration
    /// How many multiplexed connections the client keeps to the primary.
    public var poolSize: Int
    /// The most documents one `insert` command carries, below the server's `maxWriteBatchSize`; `nil` uses the
    /// server's. Smaller batches keep each command well within `requestTimeout`.
    public var insertBatchSize: Int?
    /// The first pause before reconnecting a dropped connection.
    public var reconnectInitialDelay: Duration
    /// The longest pause between reconnect attempts.
    public var reconnectMaximumDelay: Duration

    /// Creates a configuration for the servers; every other setting has a default and is set through its property.
    public init(hosts: [MongoServerAddress] = [MongoServerAddress(host: "127.0.0.1")]) {
        self.hosts = hosts
        self.username = nil
        self.password = nil
        self.database = nil
        self.authSource = nil
        self.replicaSet = nil
        self.directConnection = false
        self.appName = nil
        self.tls = nil
        self.connectTimeout = .seconds(10)
        self.requestTimeout = .seconds(10)
        self.poolSize = 4
        self.insertBatchSize = nil
        self.reconnectInitialDelay = .milliseconds(100)
        self.reconnectMaximumDelay = .seconds(5)
    }

    /// The database SCRAM authenticates against.
    var authenticationDatabase: String {
        self.authSource ?? self.database ?? "admin"
    }

    var credentials: MongoConnectionStateMachine.Credentials? {
        guard let username = self.username else {
            return nil
        }
        return .init(username: username, password: self.password ?? "", database: self.authenticationDatabase)
    }

    /// The settings without the password.
    public var description: String {
        var parts = ["hosts: \(self.hosts.map(\.description).joined(separator: ","))"]
        if let username = self.username {
            parts.append("user: \(username) (password \(self.password == nil ? "not set" : "set")) on \(self.authenticationDatabase)")
        }
        if let database = self.database {
            parts.append("database: \(database)")
        }
        if let replicaSet = self.replicaSet {
            parts.append("replicaSet: \(replicaSet)")
        }
        if self.directConnection {
            parts.append("directConnection")
        }
        parts.append("tls: \(self.tls == nil ? "off" : "on")")
        parts.append("pool: \(self.poolSize)")
        parts.append("connectTimeout: \(self.connectTimeout)")
        parts.append("requestTimeout: \(self.requestTimeout)")
        return "MongoConfiguration(\(parts.joined(separator: ", ")))"
    }
}
