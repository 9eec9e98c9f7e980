import IoTFlowCore
import SQLiteNIO

/// Which SQLite failures mean "the store cannot serve right now" rather than "this statement is wrong".
enum SQLiteOutage {
    /// Result codes (and their extended forms) of a database that is locked, out of space, unreadable or
    /// gone: a retry later may succeed, so clients get 503 rather than 500.
    private static let transientPrefixes = ["busy", "locked", "ioError", "full", "cantOpen", "noMemory", "readonly", "readOnly", "proto"]
    /// A damaged file will not heal by itself, but the request still could not be served by the store.
    private static let damagedPrefixes = ["corrupt", "notADatabase"]

    /// Whether `error` is an outage of the database file.
    static func isOutage(_ error: SQLiteError) -> Bool {
        // SQLiteNIO keeps the numeric code internal; its case names follow SQLite's, extended codes included.
        let name = String(describing: error.reason)
        return (Self.transientPrefixes + Self.damagedPrefixes).contains { name.hasPrefix($0) }
    }

    /// Runs `body`, turning outages into the domain's ``IoTFlowError/unavailable(_:)``; other errors pass through.
    static func translating<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as SQLiteError where Self.isOutage(error) {
            throw IoTFlowError.unavailable("The embedded database cannot serve this request right now (\(error.reason)); retry shortly.")
        }
    }
}
