import Logging
import PostgresNIO

extension PostgresDatabase {
    /// Session advisory lock held while migrating ("IoTFlow" in ASCII, plus a 1 for "migrations").
    static let migrationLockKey: Int64 = 0x496F_5446_6C6F_7701

    /// Applies versioned migrations recorded in a `schema_migrations(version, applied_at)` table, under
    /// `pg_advisory_lock(<fixed key>)` on one connection so two instances starting at once are safe. Idempotent.
    public func migrate(logger: Logger) async throws {
        try await self.client.withConnection { connection in
            // The lock also covers creating schema_migrations: two concurrent CREATE TABLE IF NOT EXISTS can
            // still collide on the catalog's unique indexes.
            try await connection.rows("SELECT pg_advisory_lock(\(Self.migrationLockKey))", logger: logger)
            do {
                try await Self.applyMigrations(on: connection, logger: logger)
            } catch {
                _ = try? await connection.rows("SELECT pg_advisory_unlock(\(Self.migrationLockKey))", logger: logger)
                throw error
            }
            try await connection.rows("SELECT pg_advisory_unlock(\(Self.migrationLockKey))", logger: logger)
        }
    }

    /// Brings the schema up to ``PostgresMigrations/latestVersion``, one transaction per version.
    private static func applyMigrations(on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.rows(
            "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)", logger: logger
        )
        let rows = try await connection.rows("SELECT COALESCE(max(version), 0)::int8 FROM schema_migrations", logger: logger)
        let current = Int(try rows.first?.decode(Int64.self) ?? 0)
        guard current <= PostgresMigrations.latestVersion else {
            throw MigrationError(
                message: "database schema version \(current) is newer than this build supports (\(PostgresMigrations.latestVersion))"
            )
        }
        for version in current..<PostgresMigrations.latestVersion {
            try await connection.transaction(logger: logger) { connection in
                for statement in PostgresMigrations.versions[version] {
                    try await connection.rows(PostgresQuery(unsafeSQL: statement), logger: logger)
                }
                try await connection.rows(
                    """
                    INSERT INTO schema_migrations (version, applied_at)
                    VALUES (\(Int32(version + 1)), (extract(epoch FROM clock_timestamp()) * 1000)::int8)
                    """,
                    logger: logger
                )
            }
            logger.info("applied PostgreSQL schema version \(version + 1)")
        }
    }
}
