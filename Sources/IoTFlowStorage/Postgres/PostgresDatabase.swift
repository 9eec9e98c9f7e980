import Logging
import PostgresNIO
import ServiceLifecycle

/// Owns a PostgresClient (postgres-nio's pool). Not connected until run() is running.
public final class PostgresDatabase: Sendable {
    /// The connection pool every store shares.
    public let client: PostgresClient
    /// Passed to queries so postgres-nio's own trace output lands with ours.
    let logger: Logger
    /// Finished when ``run()`` starts, for ``waitUntilRunning()``.
    private let started = AsyncStream.makeStream(of: Void.self)

    /// Creates the pool; nothing connects until ``run()`` runs.
    public init(configuration: PostgresClient.Configuration, logger: Logger) {
        self.client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        self.logger = logger
    }

    /// Runs the pool until cancelled (call in a task / as a Service).
    public func run() async {
        self.started.continuation.finish()
        // No suspension point between the signal and client.run(), which marks the pool running on entry.
        await self.client.run()
    }

    /// Returns once ``run()`` has started, so work scheduled alongside it (migrations at start-up) does not
    /// lease a connection before the pool runs (postgres-nio warns about that).
    public func waitUntilRunning() async {
        for await _ in self.started.stream {}
    }

    /// Round-trip time of `SELECT 1` in ms.
    public func ping() async throws -> Double {
        let start = ContinuousClock.now
        try await PostgresOutage.translating { try await self.client.query("SELECT 1", logger: self.logger) }
        let elapsed = ContinuousClock.now - start
        return Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
    }

    /// Runs one statement on any pooled connection and collects its rows.
    func rows(_ query: PostgresQuery) async throws -> [PostgresRow] {
        try await PostgresOutage.translating { try await self.client.query(query, logger: self.logger).collect() }
    }

    /// Runs `body` inside `BEGIN … COMMIT` on one pooled connection, rolling back when it throws.
    nonisolated(nonsending) func transaction<Result: Sendable>(_ body: (PostgresConnection) async throws -> Result) async throws -> Result {
        try await PostgresOutage.translating {
            try await self.client.withConnection { connection in
                try await connection.transaction(logger: self.logger, body)
            }
        }
    }
}

/// Lets a ServiceGroup run the pool: ``PostgresDatabase/run()`` is the service's run().
extension PostgresDatabase: Service {}

extension PostgresConnection {
    /// Runs one statement inside the caller's transaction and collects its rows.
    @discardableResult
    func rows(_ query: PostgresQuery, logger: Logger) async throws -> [PostgresRow] {
        try await self.query(query, logger: logger).collect()
    }

    /// Runs `body` inside `BEGIN … COMMIT`, rolling back when it throws.
    ///
    /// postgres-nio wraps failures in `PostgresTransactionError`; the underlying error is rethrown instead,
    /// so callers (and the server's error mapping) see the `PSQLError` or ``UniqueViolation`` itself.
    nonisolated(nonsending) func transaction<Result: Sendable>(
        logger: Logger, _ body: (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        do {
            return try await self.withTransaction(logger: logger) { connection in
                try await body(connection)
            }
        } catch let error as PostgresTransactionError {
            throw error.beginError ?? error.closureError ?? error.commitError ?? error
        }
    }
}
