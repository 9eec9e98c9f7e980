import VaporCSQLite

/// An error reported by SQLite: its extended result code and message.
struct SQLiteFailure: Error, CustomStringConvertible {
    /// The extended result code (`SQLITE_CONSTRAINT_UNIQUE`, `SQLITE_IOERR_FSYNC`, …).
    let code: Int32
    let message: String

    /// The primary result code (`SQLITE_CONSTRAINT`, `SQLITE_IOERR`, …).
    var primaryCode: Int32 { self.code & 0xFF }

    /// A UNIQUE or PRIMARY KEY constraint refused the row. (The extended codes are C macros Swift does not import:
    /// `SQLITE_CONSTRAINT | (n << 8)`, with n = 8 for UNIQUE and 6 for PRIMARYKEY.)
    var isUniqueViolation: Bool {
        self.code == SQLITE_CONSTRAINT | (8 << 8) || self.code == SQLITE_CONSTRAINT | (6 << 8) || self.code == SQLITE_CONSTRAINT
    }

    var description: String {
        "SQLite error \(self.code): \(self.message)"
    }

    /// The connection's last error.
    init(connection: OpaquePointer?, code: Int32) {
        self.code = connection.map { sqlite_nio_sqlite3_extended_errcode($0) } ?? code
        self.message = connection.flatMap { sqlite_nio_sqlite3_errmsg($0) }.map { String(cString: $0) } ?? "SQLite result code \(code)"
    }

    init(code: Int32, message: String) {
        self.code = code
        self.message = message
    }
}
