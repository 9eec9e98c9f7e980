import IoTFlowCore
import SQLiteNIO
import Synchronization

/// Maps telemetry key names to small integer ids, so each stored value carries an integer, not a string.
///
/// Ids are cached in memory only after the transaction that created them committed.
final class TelemetryKeyDictionary: Sendable {
    private let ids = Mutex<[String: Int64]>([:])

    /// Ids already known, without touching the database.
    func knownIDs(_ names: some Sequence<String>) -> [String: Int64] {
        self.ids.withLock { ids in
            var found: [String: Int64] = [:]
            for name in names { if let id = ids[name] { found[name] = id } }
            return found
        }
    }

    /// Ids of `names`, creating missing ones inside the caller's write transaction.
    /// Returns the ids and those newly read, to be remembered with ``remember(_:)`` after commit.
    func ensureIDs(_ names: Set<String>, on connection: isolated SQLiteHandle) async throws -> [String: Int64] {
        var resolved = self.knownIDs(names)
        let missing = names.subtracting(resolved.keys).sorted()
        guard !missing.isEmpty else { return resolved }
        _ = try await connection.query(
            "INSERT OR IGNORE INTO telemetry_keys (name) VALUES \(Array(repeating: "(?)", count: missing.count).joined(separator: ", "))",
            missing.map { .text($0) }
        )
        let rows = try await connection.query(
            "SELECT id, name FROM telemetry_keys WHERE name IN (\(placeholders(missing.count)))", missing.map { .text($0) }
        )
        for row in rows {
            if let name = row.string("name"), let id = row.int64("id") { resolved[name] = id }
        }
        return resolved
    }

    /// Caches ids once their transaction committed.
    func remember(_ pairs: [String: Int64]) {
        self.ids.withLock { ids in ids.merge(pairs) { _, new in new } }
    }

    /// Ids of existing keys by name (unknown names are absent), reading the table when needed.
    func lookup(_ names: [String], database: SQLiteDatabaseFile) async throws -> [String: Int64] {
        var resolved = self.knownIDs(names)
        let missing = Set(names).subtracting(resolved.keys).sorted()
        guard !missing.isEmpty else { return resolved }
        let rows = try await database.read(
            "SELECT id, name FROM telemetry_keys WHERE name IN (\(placeholders(missing.count)))", missing.map { .text($0) }
        )
        var found: [String: Int64] = [:]
        for row in rows {
            if let name = row.string("name"), let id = row.int64("id") { found[name] = id }
        }
        self.remember(found)
        resolved.merge(found) { _, new in new }
        return resolved
    }
}
