import Foundation
import Logging
import PostgresNIO
import Testing

/// The PostgreSQL server the tests use, from `IOTFLOW_TEST_DATABASE_URL`
/// (e.g. `postgres://postgres@127.0.0.1:55432/postgres`; scripts/test.sh sets it).
struct PostgresTestServer: Sendable {
    var host: String
    var port: Int
    var username: String
    var password: String?
    /// The database administrative statements (CREATE/DROP DATABASE) run in.
    var database: String

    static let variable = "IOTFLOW_TEST_DATABASE_URL"

    /// The server named by the environment; a missing or malformed variable fails the test, never skips it.
    static func fromEnvironment() throws -> PostgresTestServer {
        let text = try #require(
            ProcessInfo.processInfo.environment[Self.variable],
            "\(Self.variable) must name a PostgreSQL server, e.g. postgres://postgres@127.0.0.1:55432/postgres (scripts/test.sh sets it)"
        )
        return try #require(Self.parse(text), "\(Self.variable) is not a postgres:// URL: \(text)")
    }

    /// Parses `postgres[ql]://user[:password]@host[:port][/database]`; nil when it is not one.
    static func parse(_ text: String) -> PostgresTestServer? {
        guard let components = URLComponents(string: text), let scheme = components.scheme, ["postgres", "postgresql"].contains(scheme),
            let host = components.host, !host.isEmpty
        else { return nil }
        let path = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
        return PostgresTestServer(
            host: host, port: components.port ?? 5432, username: components.user ?? "postgres", password: components.password,
            database: path.isEmpty ? "postgres" : path
        )
    }

    /// A pool configuration for `database` on this server; small, because many fixtures run at once.
    func clientConfiguration(database: String) -> PostgresClient.Configuration {
        var configuration = PostgresClient.Configuration(
            host: self.host, port: self.port, username: self.username, password: self.password, database: database, tls: .disable
        )
        configuration.options.maximumConnections = 4
        return configuration
    }

    /// Runs one statement in the administrative database on a connection of its own.
    func execute(_ sql: String, logger: Logger) async throws {
        let connection = try await PostgresConnection.connect(
            configuration: .init(
                host: self.host, port: self.port, username: self.username, password: self.password, database: self.database, tls: .disable),
            id: 1, logger: logger
        )
        do {
            try await connection.query(PostgresQuery(unsafeSQL: sql), logger: logger)
        } catch {
            try? await connection.close()
            throw error
        }
        try await connection.close()
    }
}
