import IoTFlowCore
import PostgresNIO

/// Turns PostgreSQL's unique violations (SQLSTATE 23505) into ``UniqueViolation`` with the field names
/// the SQLite backend reports, keyed by the constraint and index names of ``PostgresMigrations``.
enum PostgresUniqueViolation {
    static let fields: [String: String] = [
        "users_username_lower_key": "username",
        "users_email_lower_key": "email",
        "devices_owner_name_key": "name",
        "device_groups_owner_name_key": "name",
        "group_members_member_key": "member",
        "alert_rules_owner_name_key": "name",
    ]

    /// Runs `body`, translating a unique violation it throws; other errors pass through.
    static func translating<Result: Sendable>(_ body: () async throws -> Result) async throws -> Result {
        do {
            return try await body()
        } catch let error as PSQLError where error.serverInfo?[.sqlState] == "23505" {
            // Other unique keys (public id, key hash, token hash) collide only on random values.
            throw UniqueViolation(field: Self.fields[error.serverInfo?[.constraintName] ?? ""] ?? "value")
        }
    }
}
