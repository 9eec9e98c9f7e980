import NIOSSL

extension MongoConfiguration {
    /// A configuration from a `mongodb://` connection string: hosts, credentials, database, `authSource`,
    /// `replicaSet`, `directConnection`, `appName`, `tls` (with `tlsCAFile` and `tlsAllowInvalidCertificates`),
    /// `connectTimeoutMS`, `socketTimeoutMS` (as the request timeout) and `maxPoolSize` (as the pool size).
    public init(connectionString: MongoConnectionString) {
        self.init(hosts: connectionString.hosts.map { MongoServerAddress(host: $0.hostname, port: $0.port) })
        self.username = connectionString.username
        self.password = connectionString.password
        self.database = connectionString.database
        self.authSource = connectionString.authSource
        self.replicaSet = connectionString.replicaSet
        self.directConnection = connectionString.directConnection ?? false
        self.appName = connectionString.appName
        if connectionString.tls == true || connectionString.tlsCAFile != nil || connectionString.tlsAllowInvalidCertificates == true {
            var tls = TLSConfiguration.makeClientConfiguration()
            if let caFile = connectionString.tlsCAFile {
                tls.trustRoots = .file(caFile)
            }
            if connectionString.tlsAllowInvalidCertificates == true {
                tls.certificateVerification = .none
            }
            self.tls = tls
        }
        if let milliseconds = connectionString.connectTimeoutMS, milliseconds > 0 {
            self.connectTimeout = .milliseconds(milliseconds)
        }
        if let milliseconds = connectionString.socketTimeoutMS, milliseconds > 0 {
            self.requestTimeout = .milliseconds(milliseconds)
        }
        // 0 means "no limit" in the URI; a pool of multiplexed connections needs a number, so the default stays.
        if let maxPoolSize = connectionString.maxPoolSize, maxPoolSize > 0 {
            self.poolSize = maxPoolSize
        }
    }

    /// A configuration from a `mongodb://` URI; throws `MongoConnectionStringError` when it does not parse.
    public init(uri: String) throws {
        self.init(connectionString: try MongoConnectionString(uri))
    }
}
