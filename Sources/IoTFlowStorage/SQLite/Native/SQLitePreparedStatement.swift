import NIOCore
import SQLiteNIO
import VaporCSQLite

/// SQLite's `SQLITE_TRANSIENT`: it copies bound text and blobs before the call returns. The C macro is a cast of
/// -1 to a function pointer, which Swift cannot import.
private let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

/// One compiled statement of a ``SQLiteHandle``, reused across executions; only its connection's thread uses it.
///
/// Rows are read in place: the column accessors read the current row without copying it into values first,
/// which is what the hot read paths (history, export, rollups) need.
final class SQLitePreparedStatement {
    let handle: OpaquePointer
    private let connection: OpaquePointer
    /// The connection's execution count when it last ran, for the cache's eviction.
    var lastUse = 0

    init(sql: String, connection: OpaquePointer, persistent: Bool) throws(SQLiteFailure) {
        var statement: OpaquePointer?
        let flags = persistent ? UInt32(SQLITE_PREPARE_PERSISTENT) : 0
        let code = sql.utf8CString.withUnsafeBufferPointer { text in
            sqlite_nio_sqlite3_prepare_v3(connection, text.baseAddress, Int32(text.count), flags, &statement, nil)
        }
        guard code == SQLITE_OK, let statement else {
            throw SQLiteFailure(connection: connection, code: code)
        }
        self.handle = statement
        self.connection = connection
    }

    deinit {
        sqlite_nio_sqlite3_finalize(self.handle)
    }

    /// Binds `values` to the parameters `?1`, `?2`, … in order.
    func bind(_ values: [SQLiteData]) throws(SQLiteFailure) {
        for (offset, value) in values.enumerated() {
            try self.bind(value, at: Int32(offset + 1))
        }
    }

    func bind(_ value: SQLiteData, at index: Int32) throws(SQLiteFailure) {
        let code: Int32
        switch value {
        case .integer(let integer): code = sqlite_nio_sqlite3_bind_int64(self.handle, index, Int64(integer))
        case .float(let double): code = sqlite_nio_sqlite3_bind_double(self.handle, index, double)
        case .text(var string): code = string.withUTF8 { self.bindText($0, at: index) }
        case .blob(let buffer):
            code = buffer.withUnsafeReadableBytes { bytes in
                guard let base = bytes.baseAddress, !bytes.isEmpty else { return sqlite_nio_sqlite3_bind_zeroblob(self.handle, index, 0) }
                return sqlite_nio_sqlite3_bind_blob64(self.handle, index, base, UInt64(bytes.count), transient)
            }
        case .null: code = sqlite_nio_sqlite3_bind_null(self.handle, index)
        }
        guard code == SQLITE_OK else { throw SQLiteFailure(connection: self.connection, code: code) }
    }

    private func bindText(_ bytes: UnsafeBufferPointer<UInt8>, at index: Int32) -> Int32 {
        // An empty string may come without storage; binding a nil pointer would store NULL instead of ''.
        guard let base = bytes.baseAddress, !bytes.isEmpty else {
            return "".withCString { sqlite_nio_sqlite3_bind_text(self.handle, index, $0, 0, transient) }
        }
        return base.withMemoryRebound(to: CChar.self, capacity: bytes.count) {
            sqlite_nio_sqlite3_bind_text64(self.handle, index, $0, UInt64(bytes.count), transient, UInt8(SQLITE_UTF8))
        }
    }

    /// Advances to the next row: true when there is one, false when the statement is done.
    func step() throws(SQLiteFailure) -> Bool {
        switch sqlite_nio_sqlite3_step(self.handle) {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        case let code:
            let failure = SQLiteFailure(connection: self.connection, code: code)
            sqlite_nio_sqlite3_reset(self.handle)
            throw failure
        }
    }

    /// Makes the statement ready for its next execution, releasing its read snapshot and bound values.
    func reset() {
        sqlite_nio_sqlite3_reset(self.handle)
        sqlite_nio_sqlite3_clear_bindings(self.handle)
    }

    var columnCount: Int {
        Int(sqlite_nio_sqlite3_column_count(self.handle))
    }

    func columnNames() -> SQLiteColumnNames {
        SQLiteColumnNames((0..<Int32(self.columnCount)).map { String(cString: sqlite_nio_sqlite3_column_name(self.handle, $0)) })
    }

    // MARK: - The current row

    /// SQLite's storage class of the column in this row.
    func storageClass(_ column: Int32) -> SQLiteStorageClass {
        switch sqlite_nio_sqlite3_column_type(self.handle, column) {
        case SQLITE_INTEGER: .integer
        case SQLITE_FLOAT: .float
        case SQLITE_TEXT: .text
        case SQLITE_BLOB: .blob
        default: .null
        }
    }

    func int64(_ column: Int32) -> Int64 {
        sqlite_nio_sqlite3_column_int64(self.handle, column)
    }

    func double(_ column: Int32) -> Double {
        sqlite_nio_sqlite3_column_double(self.handle, column)
    }

    /// The column as a number, nil when it is NULL.
    func optionalDouble(_ column: Int32) -> Double? {
        self.storageClass(column) == .null ? nil : self.double(column)
    }

    /// The column as an integer, nil when it is NULL.
    func optionalInt64(_ column: Int32) -> Int64? {
        self.storageClass(column) == .null ? nil : self.int64(column)
    }

    func string(_ column: Int32) -> String {
        self.withText(column) { String(decoding: $0, as: UTF8.self) }
    }

    /// The column's text as UTF-8 bytes, valid only inside `body`.
    func withText<T>(_ column: Int32, _ body: (UnsafeBufferPointer<UInt8>) throws -> T) rethrows -> T {
        let text = sqlite_nio_sqlite3_column_text(self.handle, column)
        let count = Int(sqlite_nio_sqlite3_column_bytes(self.handle, column))
        return try body(UnsafeBufferPointer(start: text, count: text == nil ? 0 : count))
    }

    /// The column as a value of its storage class.
    func value(_ column: Int32) -> SQLiteData {
        switch self.storageClass(column) {
        case .integer: return .integer(Int(self.int64(column)))
        case .float: return .float(self.double(column))
        case .text: return .text(self.string(column))
        case .blob:
            let count = Int(sqlite_nio_sqlite3_column_bytes(self.handle, column))
            guard let bytes = sqlite_nio_sqlite3_column_blob(self.handle, column), count > 0 else { return .blob(ByteBuffer()) }
            return .blob(ByteBuffer(bytes: UnsafeRawBufferPointer(start: bytes, count: count)))
        case .null: return .null
        }
    }
}

/// The type of a value as SQLite stores it.
enum SQLiteStorageClass {
    case integer, float, text, blob, null
}
