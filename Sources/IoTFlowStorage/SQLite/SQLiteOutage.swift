import IoTFlowCore
import VaporCSQLite

/// Which SQLite failures mean "the store cannot serve right now" rather than "this statement is wrong".
enum SQLiteOutage {
    /// Primary result codes of a database that is locked, out of space, unreadable or gone: a retry later may
    /// succeed, so clients get 503 rather than 500. A damaged file (`CORRUPT`, `NOTADB`) will not heal by itself,
    /// but the request still could not be served by the store.
    private static let outageCodes: Set<Int32> = [
        SQLITE_BUSY, SQLITE_LOCKED, SQLITE_NOMEM, SQLITE_READONLY, SQLITE_IOERR, SQLITE_CORRUPT, SQLITE_FULL, SQLITE_CANTOPEN,
        SQLITE_PROTOCOL, SQLITE_NOTADB,
    ]

    /// Whether `error` is an outage of the database file.
    static func isOutage(_ error: SQLiteFailure) -> Bool {
        Self.outageCodes.contains(error.primaryCode)
    }

    /// Runs `body`, turning outages into the domain's ``IoTFlowError/unavailable(_:)``; other errors pass through.
    static func translating<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as SQLiteFailure where Self.isOutage(error) {
            throw IoTFlowError.unavailable("The embedded database cannot serve this request right now (\(error.message)); retry shortly.")
        }
    }
}
