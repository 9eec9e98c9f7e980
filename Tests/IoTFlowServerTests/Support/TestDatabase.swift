import CassandraNIO
import Foundation
import IoTFlowServer
import IoTFlowStorage
import Logging
import MongoNIO
import NIOPosix
import PostgresNIO
import Testing

/// Which primary store the HTTP suites run against: scripts/test.sh runs them once on the embedded
/// SQLite default and once with `IOTFLOW_TEST_BACKEND=postgres`.
enum TestBackend: String {
    case sqlite
    case postgres

    static var current: TestBackend {
        ProcessInfo.processInfo.environment["IOTFLOW_TEST_BACKEND"] == "postgres" ? .postgres : .sqlite
    }

    /// Whether test apps keep telemetry in Cassandra (`IOTFLOW_TEST_TELEMETRY=cassandra`, a pass of scripts/test.sh
    /// against the project's CQL protocol peer).
    static var usesCassandra: Bool { ProcessInfo.processInfo.environment["IOTFLOW_TEST_TELEMETRY"] == "cassandra" }

    /// Settings for a fresh keyspace on the test CQL server; a missing variable fails the test rather than skipping it.
    static func cassandraSettings() throws -> CassandraSettings {
        let environment = ProcessInfo.processInfo.environment
        let host = try #require(
            environment["IOTFLOW_TEST_CASSANDRA_HOST"], "IOTFLOW_TEST_CASSANDRA_HOST must name a CQL server (scripts/test.sh starts one)")
        let port = try #require(environment["IOTFLOW_TEST_CASSANDRA_PORT"].flatMap(Int.init), "IOTFLOW_TEST_CASSANDRA_PORT must be a port")
        var settings = CassandraSettings(hosts: [CassandraEndpoint(host: host, port: port)])
        settings.keyspace = "iotflow_http_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(12).lowercased()
        settings.consistency = .localOne
        return settings
    }

    /// Whether test apps keep events in MongoDB (`IOTFLOW_TEST_EVENTS=mongo`, a pass of scripts/test.sh against nx-27017).
    static var usesMongo: Bool { ProcessInfo.processInfo.environment["IOTFLOW_TEST_EVENTS"] == "mongo" }

    /// Settings for a fresh database on the test MongoDB server; a missing variable fails the test rather than skipping it.
    static func mongoSettings() throws -> MongoSettings {
        let uri = try #require(
            ProcessInfo.processInfo.environment["IOTFLOW_TEST_MONGODB_URI"],
            "IOTFLOW_TEST_MONGODB_URI must name a MongoDB-compatible server (scripts/test.sh starts nx-27017)")
        let connectionString = try MongoConnectionString(uri)
        return MongoSettings(
            connectionString: connectionString, database: "iotflow_http_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(12))
    }

    /// Whether test apps put their cache in Redis (`IOTFLOW_TEST_CACHE=redis`, a pass of scripts/test.sh).
    static var usesRedis: Bool { ProcessInfo.processInfo.environment["IOTFLOW_TEST_CACHE"] == "redis" }

    /// The test Redis; a missing variable fails the test rather than skipping it.
    static func redisHost() throws -> String {
        try #require(
            ProcessInfo.processInfo.environment["IOTFLOW_TEST_REDIS_HOST"],
            "IOTFLOW_TEST_REDIS_HOST must name a Redis server (scripts/test.sh starts one and sets it)"
        )
    }

    /// The test Redis's port (`IOTFLOW_TEST_REDIS_PORT`).
    static func redisPort() throws -> Int {
        let text = try #require(
            ProcessInfo.processInfo.environment["IOTFLOW_TEST_REDIS_PORT"],
            "IOTFLOW_TEST_REDIS_PORT must name the Redis port (scripts/test.sh sets it)"
        )
        return try #require(Int(text), "IOTFLOW_TEST_REDIS_PORT must be a number")
    }
}

/// Fresh PostgreSQL databases on the server named by `IOTFLOW_TEST_DATABASE_URL` (set by scripts/test.sh).
enum TestDatabase {
    /// The server's admin URL; a missing variable fails the test rather than skipping it.
    static func serverURL() throws -> DatabaseURL {
        let text = try #require(
            ProcessInfo.processInfo.environment["IOTFLOW_TEST_DATABASE_URL"],
            "IOTFLOW_TEST_DATABASE_URL must name a PostgreSQL server (scripts/test.sh starts one and sets it)"
        )
        return try DatabaseURL.parse(text)
    }

    /// Runs `body` with the URL of a new empty database, dropped afterwards.
    static func withFreshDatabase<T>(_ body: (DatabaseURL) async throws -> T) async throws -> T {
        let server = try Self.serverURL()
        let name = "iotflow_http_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        try await Self.execute("CREATE DATABASE \(name)", on: server)
        var url = server
        url.database = name
        url.tls = .disable
        do {
            let result = try await body(url)
            try await Self.execute("DROP DATABASE IF EXISTS \(name) WITH (FORCE)", on: server)
            return result
        } catch {
            try? await Self.execute("DROP DATABASE IF EXISTS \(name) WITH (FORCE)", on: server)
            throw error
        }
    }

    /// Runs one statement on the server's admin database.
    static func execute(_ sql: String, on server: DatabaseURL) async throws {
        let connection = try await PostgresConnection.connect(
            on: MultiThreadedEventLoopGroup.singleton.any(),
            configuration: .init(
                host: server.host, port: server.port, username: server.username, password: server.password, database: server.database, tls: .disable),
            id: 1, logger: Logger(label: "test-database")
        )
        defer { Task { try? await connection.close() } }
        _ = try await connection.query(PostgresQuery(unsafeSQL: sql), logger: Logger(label: "test-database"))
    }
}
