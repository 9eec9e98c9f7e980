import IoTFlowCore
import Logging
import NIOCore
import NIOPosix
import SQLiteNIO
import Synchronization

/// One SQLite database file in WAL mode: a single writer connection used under a lock (SQLite allows
/// one writer at a time anyway) and a few reader connections that run concurrently with it.
public final class SQLiteDatabaseFile: Sendable {
    /// How hard commits are made durable.
    public enum Durability: String, Sendable {
        /// fsync on every commit: an acknowledged write survives power loss.
        case full
        /// fsync at checkpoints only: survives process crashes, may lose the last commits on power loss.
        case normal
    }

    let writer: SQLiteConnection
    private let readers: [SQLiteConnection]
    private let nextReader = Atomic<Int>(0)
    private let writeLock = AsyncLock()
    /// Path of the file.
    public let path: String

    private init(path: String, writer: SQLiteConnection, readers: [SQLiteConnection]) {
        self.path = path
        self.writer = writer
        self.readers = readers
    }

    /// Opens (creating if needed) the file, sets WAL mode and applies migrations.
    public static func open(
        path: String, readers readerCount: Int = 2, durability: Durability = .full, logger: Logger
    ) async throws -> SQLiteDatabaseFile {
        let writer = try await SQLiteConnection.open(storage: .file(path: path), logger: logger)
        do {
            _ = try await writer.query("PRAGMA journal_mode=WAL")
            _ = try await writer.query("PRAGMA synchronous=\(durability == .full ? "FULL" : "NORMAL")")
            _ = try await writer.query("PRAGMA foreign_keys=ON")
            _ = try await writer.query("PRAGMA temp_store=MEMORY")
            try await SQLiteMigrations.apply(on: writer, logger: logger)
        } catch {
            try? await writer.close()
            throw error
        }
        var readers: [SQLiteConnection] = []
        for _ in 0..<max(1, readerCount) {
            let reader = try await SQLiteConnection.open(storage: .file(path: path), logger: logger)
            _ = try await reader.query("PRAGMA query_only=ON")
            _ = try await reader.query("PRAGMA temp_store=MEMORY")
            readers.append(reader)
        }
        return SQLiteDatabaseFile(path: path, writer: writer, readers: readers)
    }

    /// Closes every connection.
    public func close() async {
        // Detached so the close happens even when the caller is being cancelled: a failed start-up (say,
        // the port is taken) cancels every service, and a cancelled thread-pool hop would skip the close.
        await Task.detached { [writer, readers] in
            try? await writer.close()
            for reader in readers { try? await reader.close() }
        }.value
    }

    /// Runs a read-only statement on a reader connection.
    func read(_ sql: String, _ binds: [SQLiteData] = []) async throws -> [SQLiteRow] {
        let index = self.nextReader.wrappingAdd(1, ordering: .relaxed).oldValue
        let reader = self.readers[(index & Int.max) % self.readers.count]
        return try await SQLiteOutage.translating { try await reader.query(sql, binds) }
    }

    /// Runs `body` in one write transaction (`BEGIN IMMEDIATE`); rolls back when it throws.
    func write<T: Sendable>(_ body: (SQLiteConnection) async throws -> T) async throws -> T {
        try await SQLiteOutage.translating { try await self.transaction(body) }
    }

    private func transaction<T: Sendable>(_ body: (SQLiteConnection) async throws -> T) async throws -> T {
        try await self.writeLock.withLock {
            _ = try await self.writer.query("BEGIN IMMEDIATE")
            do {
                let result = try await body(self.writer)
                _ = try await self.writer.query("COMMIT")
                return result
            } catch {
                _ = try? await self.writer.query("ROLLBACK")
                throw error
            }
        }
    }

    /// Runs one statement outside an explicit transaction, under the writer lock.
    func execute(_ sql: String, _ binds: [SQLiteData] = []) async throws -> [SQLiteRow] {
        try await SQLiteOutage.translating {
            try await self.writeLock.withLock { try await self.writer.query(sql, binds) }
        }
    }

    /// Milliseconds for a trivial read.
    func ping() async throws -> Double {
        let start = ContinuousClock.now
        _ = try await self.read("SELECT 1")
        let elapsed = ContinuousClock.now - start
        return Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
    }
}

extension SQLiteConnection {
    /// Rows changed by the last statement on this connection (valid under the writer lock).
    func changes() async throws -> Int {
        try await self.query("SELECT changes() AS n").first?.column("n")?.integer ?? 0
    }
}

extension SQLiteRow {
    func int64(_ name: String) -> Int64? {
        guard let data = self.column(name), !data.isNull else { return nil }
        return data.integer.map(Int64.init)
    }

    func int(_ name: String) -> Int {
        self.column(name)?.integer ?? 0
    }

    func string(_ name: String) -> String? {
        guard let data = self.column(name), !data.isNull else { return nil }
        return data.string
    }

    func bool(_ name: String) -> Bool {
        (self.column(name)?.integer ?? 0) != 0
    }

    func double(_ name: String) -> Double? {
        guard let data = self.column(name), !data.isNull else { return nil }
        return data.double
    }
}

extension SQLiteData {
    static func int(_ value: Int64) -> SQLiteData { .integer(Int(value)) }
    static func optionalText(_ value: String?) -> SQLiteData { value.map { .text($0) } ?? .null }
    static func optionalInt(_ value: Int64?) -> SQLiteData { value.map { .integer(Int($0)) } ?? .null }
}

/// `?, ?, …` for `count` placeholders.
func placeholders(_ count: Int) -> String {
    Array(repeating: "?", count: count).joined(separator: ", ")
}
