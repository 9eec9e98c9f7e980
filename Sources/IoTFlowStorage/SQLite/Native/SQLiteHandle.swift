import SQLiteNIO
import VaporCSQLite

/// A SQLite connection of our own: an actor on a thread of its own, with its compiled statements cached.
///
/// SQLiteNIO compiles every statement afresh and crosses three threads per statement; the write path runs about
/// eight statements per transaction and the read paths decode tens of thousands of rows, so both costs showed in
/// the profiles. Code isolated to the handle (a write transaction, a history page) runs all its statements on
/// the connection's thread without a hop, and reads columns in place (``forEachRow(_:_:_:)``).
actor SQLiteHandle {
    /// Statements kept compiled; the SQL of the stores is a few dozen distinct texts plus multi-row inserts.
    private static let cacheCapacity = 128
    /// Longer texts (inserts of thousands of rows) are compiled for one execution and not kept.
    private static let cacheableLength = 8192

    private let executor = SQLiteThreadExecutor()
    private var connection: OpaquePointer?
    private var statements: [String: SQLitePreparedStatement] = [:]
    private var executions = 0

    nonisolated var unownedExecutor: UnownedSerialExecutor {
        self.executor.asUnownedSerialExecutor()
    }

    private init() {}

    /// Opens (creating if needed) the database file at `path`.
    static func open(path: String) async throws -> SQLiteHandle {
        let handle = SQLiteHandle()
        do {
            try await handle.openFile(path)
        } catch {
            await handle.executor.shutdown()
            throw error
        }
        return handle
    }

    private func openFile(_ path: String) throws {
        var connection: OpaquePointer?
        // NOMUTEX: the actor already keeps the connection to one thread at a time.
        let flags = SQLITE_OPEN_CREATE | SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE
        let code = sqlite_nio_sqlite3_open_v2(path, &connection, flags, nil)
        guard code == SQLITE_OK, let connection else {
            let failure = SQLiteFailure(connection: connection, code: code)
            sqlite_nio_sqlite3_close_v2(connection)
            throw failure
        }
        self.connection = connection
    }

    /// Finalizes the statements, closes the file and stops the thread.
    func close() async {
        self.statements.removeAll()
        if let connection = self.connection { sqlite_nio_sqlite3_close_v2(connection) }
        self.connection = nil
    }

    /// Stops the connection's thread; call after ``close()``.
    nonisolated func stopThread() async {
        await self.executor.shutdown()
    }

    /// Runs one statement and returns its rows.
    @discardableResult
    func query(_ sql: String, _ binds: [SQLiteData] = []) async throws -> [SQLiteRecord] {
        var rows: [SQLiteRecord] = []
        var names: SQLiteColumnNames?
        try self.execute(sql, binds) { statement in
            let columns = names ?? statement.columnNames()
            names = columns
            rows.append(SQLiteRecord(columns: columns, values: (0..<Int32(columns.names.count)).map(statement.value)))
        }
        return rows
    }

    /// Runs one statement and hands each row to `body` in place: read its columns by position, do not keep the
    /// statement.
    func forEachRow(_ sql: String, _ binds: [SQLiteData] = [], _ body: (SQLitePreparedStatement) throws -> Void) async throws {
        try self.execute(sql, binds, body)
    }

    /// Runs one statement that returns no rows; returns how many rows it changed.
    @discardableResult
    func change(_ sql: String, _ binds: [SQLiteData] = []) async throws -> Int {
        try self.execute(sql, binds) { _ in }
        return self.connection.map { Int(sqlite_nio_sqlite3_changes64($0)) } ?? 0
    }

    /// Rows changed by the last INSERT, UPDATE or DELETE on this connection.
    func changes() async -> Int {
        self.connection.map { Int(sqlite_nio_sqlite3_changes64($0)) } ?? 0
    }

    /// Runs `body` in one write transaction (`BEGIN IMMEDIATE`); rolls back when it throws.
    func transaction<T: Sendable>(_ body: @Sendable (isolated SQLiteHandle) async throws -> T) async throws -> T {
        try await self.query("BEGIN IMMEDIATE")
        do {
            let result = try await body(self)
            try await self.query("COMMIT")
            return result
        } catch {
            _ = try? await self.query("ROLLBACK")
            throw error
        }
    }

    /// Runs `body` isolated to this connection, on its thread.
    func run<T: Sendable>(_ body: @Sendable (isolated SQLiteHandle) async throws -> T) async throws -> T {
        try await body(self)
    }

    private func execute(_ sql: String, _ binds: [SQLiteData], _ body: (SQLitePreparedStatement) throws -> Void) throws {
        let statement = try self.statement(sql)
        // Row callbacks are synchronous and cannot run another statement, so a cached statement is never in use
        // twice.
        defer { statement.reset() }
        try statement.bind(binds)
        while try statement.step() {
            try body(statement)
        }
    }

    /// The compiled statement for `sql`, from the cache when it is there.
    private func statement(_ sql: String) throws -> SQLitePreparedStatement {
        guard let connection = self.connection else {
            throw SQLiteFailure(code: SQLITE_MISUSE, message: "the database connection is closed")
        }
        self.executions += 1
        if let cached = self.statements[sql] {
            cached.lastUse = self.executions
            return cached
        }
        let keep = sql.utf8.count <= Self.cacheableLength
        let statement = try SQLitePreparedStatement(sql: sql, connection: connection, persistent: keep)
        if keep {
            if self.statements.count >= Self.cacheCapacity, let oldest = self.statements.min(by: { $0.value.lastUse < $1.value.lastUse }) {
                self.statements[oldest.key] = nil
            }
            statement.lastUse = self.executions
            self.statements[sql] = statement
        }
        return statement
    }
}
