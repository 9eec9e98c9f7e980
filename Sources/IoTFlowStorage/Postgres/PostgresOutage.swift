import IoTFlowCore
import PostgresNIO
import _ConnectionPoolModule

/// Which PostgreSQL failures mean "the database cannot serve right now" rather than "this query is wrong".
enum PostgresOutage {
    /// Connection-level failures (no connection, pool exhausted or shut down, connection lost) and SQLSTATE
    /// classes 08 (connection exception), 53 (insufficient resources) and 57 (operator intervention, such as
    /// a shutdown): the server's way of saying "not now".
    static func isOutage(_ error: any Error) -> Bool {
        if error is ConnectionPoolError { return true }
        guard let error = error as? PSQLError else { return false }
        guard error.code == .server else { return true }
        let state = error.serverInfo?[.sqlState] ?? ""
        return state.hasPrefix("08") || state.hasPrefix("53") || state.hasPrefix("57")
    }

    /// Runs `body`, turning outages into the domain's ``IoTFlowError/unavailable(_:)``; other errors pass through.
    nonisolated(nonsending) static func translating<Result>(_ body: nonisolated(nonsending) () async throws -> Result) async throws -> Result {
        do {
            return try await body()
        } catch  where Self.isOutage(error) {
            throw IoTFlowError.unavailable("The database cannot serve this request right now; retry shortly.")
        }
    }
}
