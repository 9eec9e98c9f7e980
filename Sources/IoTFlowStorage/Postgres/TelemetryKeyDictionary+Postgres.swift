import IoTFlowCore
import Logging
import PostgresNIO

/// The key dictionary on PostgreSQL's `telemetry_keys`.
extension TelemetryKeyDictionary {
    /// Ids of `names`, creating missing ones inside the caller's write transaction.
    /// The result must be passed to ``remember(_:)`` only after that transaction committed.
    func ensureIDs(_ names: Set<String>, on connection: PostgresConnection, logger: Logger) async throws -> [String: Int64] {
        var resolved = self.knownIDs(names)
        let missing = names.subtracting(resolved.keys).sorted()
        guard !missing.isEmpty else { return resolved }
        // Sorted inserts keep concurrent writers of the same new keys from deadlocking. A key another
        // transaction inserts meanwhile makes this one wait for it, then skip it; the SELECT, a new
        // statement, sees it committed.
        try await connection.rows(
            "INSERT INTO telemetry_keys (name) SELECT unnest(\(missing)::text[]) ORDER BY 1 ON CONFLICT (name) DO NOTHING", logger: logger
        )
        let rows = try await connection.rows("SELECT id, name FROM telemetry_keys WHERE name = ANY(\(missing)::text[])", logger: logger)
        for row in rows {
            let (id, name) = try row.decode((Int64, String).self)
            resolved[name] = id
        }
        return resolved
    }

    /// Ids of existing keys by name (unknown names are absent), reading the table when needed.
    func lookup(_ names: [String], database: PostgresDatabase) async throws -> [String: Int64] {
        var resolved = self.knownIDs(names)
        let missing = Set(names).subtracting(resolved.keys).sorted()
        guard !missing.isEmpty else { return resolved }
        var found: [String: Int64] = [:]
        for row in try await database.rows("SELECT id, name FROM telemetry_keys WHERE name = ANY(\(missing)::text[])") {
            let (id, name) = try row.decode((Int64, String).self)
            found[name] = id
        }
        self.remember(found)
        resolved.merge(found) { _, new in new }
        return resolved
    }
}
